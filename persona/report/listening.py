"""The listening-test report: a :class:`~persona.report.html.Report` built from a study analysis.

The report shows the headline first (one sentence per finding), then one section per test with
its figure and the readable columns of its table; every full table is also written as CSV by
``persona analyze``. :data:`FIGURES` and :data:`SECTIONS` are shared with the app's results page
so both show the same numbers.
"""

from __future__ import annotations

from ..stats.analysis import StudyAnalysis
from . import plots
from .html import Report

FIGURES = {
    "mos": plots.mos_figure,
    "identification": plots.identification_figure,
    "preference": plots.preference_figure,
    "mushra_scores": plots.mushra_figure,
    "acoustics": plots.acoustics_figure,
}
SECTIONS = (
    ("Panel and screening", "Each rule names its standard. Per session (ITU-T P.808): gold questions graded "
     "within +-1 of the expected rating, and a session with one rating throughout (variance 0) is dropped. Per "
     "listener: the headphone check (P.808), and ITU-R BS.1534-3 4.1.2 post-screening (hidden reference < 90, "
     "or mid-range anchor > 90, on > 15% of MUSHRA screens).",
     (("exclusions", ()), ("screening", ("listener_id", "n_sessions", "n_sessions_excluded", "n_gold",
                                         "n_gold_failed", "headphone_passed", "n_reference_below_min",
                                         "n_mid_anchor_above_max", "n_mushra_screens", "excluded", "reasons")))),
    ("ACR ratings (P.800, 1..5)", "MOS per voice, scenario and attribute. Agent minus human from a mixed model "
     "with crossed random intercepts for listener, stimulus and, with at least 4 human voices, human voice "
     "(Satterthwaite t df; the human agents are then a sample of speakers and the result speaks for human agents "
     "in general). With fewer than 4 human voices each voice gets a fixed mean and the result speaks for these "
     "voices only (column scope). When the model cannot be fitted, the named fallback is a stimulus-level Welch t "
     "on listener-centred means. Holm across comparisons, with Bonferroni-simultaneous 95% CIs beside the Holm p.",
     (("mos", ("scenario", "voice", "attribute", "n_listeners", "mos", "t_ci_low", "t_ci_high",
               "boot_ci_low", "boot_ci_high", "note")),
      ("acr_differences", ("scenario", "attribute", "agent_voice", "difference_mos", "ci_low_simultaneous",
                           "ci_high_simultaneous", "df", "p_holm", "method", "scope", "voice_var", "note")),
      ("acr_differences_all_listeners", ("scenario", "attribute", "agent_voice", "difference_mos",
                                         "ci_low_simultaneous", "ci_high_simultaneous", "p_holm", "method")))),
    ("Human or AI?", "Listeners are the unit: per listener, balanced accuracy (hit rate on agent clips and "
     "correct-rejection rate on human clips, averaged: 0.5 for guessing and for any pure response bias) and "
     "d'/criterion c (log-linear correction on a common trial count). One-sided t test over listeners against "
     "0.5, Holm across rows, Bonferroni-simultaneous 95% CI. 'Indistinguishable' only from an equivalence test "
     "(TOST over listeners, +/- margin) with at least min_listeners_equivalence listeners (planned for 80% power).",
     (("identification", ("scenario", "agent_voice", "n_listeners", "ai_rate", "false_alarm_rate",
                          "balanced_accuracy", "ba_ci_low", "ba_ci_high", "p_holm", "d_prime", "criterion_c",
                          "p_equivalence_holm", "min_listeners_equivalence", "verdict")),)),
    ("AB preference", "Share of decided trials (ties excluded and counted). Listeners are the unit: the share's "
     "listener-clustered variance sets an effective number of trials (Korn-Graubard), with a Wilson 95% CI on it "
     "and the dual score test against 50% on listeners - 1 df, Holm; per voice pair and per agent voice against "
     "all human voices. Bradley-Terry scores (listener bootstrap) when more than two voices are compared.",
     (("preference_agent", ("scenario", "voice", "n_listeners", "n_decided", "n_ties", "share", "ci_low", "ci_high",
                            "n_effective", "p_holm")),
      ("preference", ("scenario", "voice", "other_voice", "n_listeners", "n_decided", "n_ties", "share", "ci_low",
                      "ci_high", "n_effective", "p_value", "p_holm")),
      ("bradley_terry", ("scenario", "voice", "score", "ci_low", "ci_high", "note")))),
    ("MUSHRA (BS.1534, 0..100)", "Listeners are the unit (each listener's mean over their complete screens): "
     "median and mean with a 95% t CI over listeners; agent minus human by a t test over listeners (Holm, "
     "simultaneous CI); Friedman test across conditions and pairwise Wilcoxon signed-rank tests with Holm.",
     (("mushra_scores", ()), ("mushra_differences", ()), ("mushra_friedman", ()),
      ("mushra_pairwise", ("scenario", "condition", "other_condition", "n_listeners", "median_difference",
                           "p_value", "p_holm", "note")))),
    ("Agreement", "Krippendorff's alpha (ordinal) per attribute: >= 0.8 reliable, >= 0.667 tentative.",
     (("agreement", ()),)),
    ("Planning the next panel", "Simulated from the observed variance components (stimulus and residual).",
     (("power", ("sentence", "n_listeners_needed", "n_agent_stimuli", "n_human_stimuli", "power_at_max_listeners",
                 "stimulus_var", "residual_var", "n_sims")),)),
    ("Perception meets acoustics", "Spearman rank correlation between each feature's absolute deviation "
     "from the human benchmark and the mean rating per stimulus; Fisher-z 95% CI (Bonett-Wright), Holm.",
     (("acoustics", ()),)),
)  # fmt: skip


def study_report(analysis: StudyAnalysis) -> Report:
    """Build the report of one study analysis (HTML or Markdown via :meth:`Report.write`)."""
    report = Report(
        f"Listening test: {analysis.study_id}",
        subtitle="How the panel heard the agent against the human agents, per scenario.",
        provenance=analysis.provenance,
    )
    headline = report.section("Headline")
    for message in analysis.messages:
        headline.text(message, note=True)
    headline.table(analysis.tables["headline"][["scenario", "statement"]], caption="One row per finding.")
    for heading, description, tables in SECTIONS:
        present = [(name, columns) for name, columns in tables if name in analysis.tables]
        if not present:
            continue
        section = report.section(heading, text=description)
        for name, columns in present:
            table = analysis.tables[name]
            figure = FIGURES[name](table) if name in FIGURES else None
            if figure is not None:
                section.figure(figure, caption=f"{name}: estimates with 95% intervals")
            section.table(table[list(columns)] if columns else table, caption=f"{name} (full table: {name}.csv)")
    return report
