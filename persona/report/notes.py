"""The "how to read this" notes shown under tables, shared by the terminal, the reports and the app."""

RANKING_HOW_TO_READ = (
    "Persona distance: how far a voice's median clip sits from your best agents, in robust z units over the "
    "features (0 = at their median, 1 = one typical spread between your agents). The 95% interval holds the true "
    "distances the measured one does not rule out, given the voice's clips and how few agents the benchmark has; "
    "a benchmark of few agents tends to overstate distances, so the interval can sit below the measured one. 'Not resolvable from' lists voices whose difference from this one "
    "the clips cannot tell from zero (a voice of fewer than 3 clips is never resolvable): score more clips before choosing between them. "
    "Match score = 100 exp(-distance/2)."
)
PAIRED_HOW_TO_READ = (
    "Each row pairs an agent clip with a human recording of the same script line, aligned by DTW. "
    "f0_rmse_cents: the typical gap between the two pitch contours after removing each speaker's median "
    "(100 cents = 1 semitone; below about 100 the melodies are close); f0_gross_error_rate: share of frames "
    "more than 20% apart; f0_correlation: 1 = the same rises and falls; duration_ratio: agent length / human "
    "length; pause_f1: pauses at the same places (1 = all, 0 = none)."
)
