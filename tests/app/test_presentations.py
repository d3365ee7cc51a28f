"""What a browser receives of a clip: every presentation its own, none comparable beyond listening.

Criteria (the issue asked for two presentations of one clip to stop matching to within 2 LSB):
the WAV length is the same for every clip of a scenario; the dither, gain and lead silence come
from the server-side session secret, so the dither an attacker can compute from anything the
browser holds (the opaque key) has correlation ~0 with the real difference of two presentations
(|r| < 4/sqrt(n), four standard errors of a null correlation); after the attacker's best
alignment and gain match the residual is still at least the two dithers' own level
(sqrt(2/6) LSB RMS for +-1 LSB TPDF); and neither key nor secret appears in the bytes.
"""

from __future__ import annotations

import io
import wave

import numpy as np
from scipy import signal

from persona.trials.flow import ListenerFlow
from persona.trials.cues import length_cue_auc
from persona.trials.stimuli import DITHER_LSB, GAIN_JITTER_DB, prepare_survey


def samples(wav: bytes) -> np.ndarray:
    with wave.open(io.BytesIO(wav)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(float)


def first_clip(store, token):
    flow = ListenerFlow.start(store, token)
    flow.consent()
    trial = flow.step().trial
    return flow, trial, flow.trial_clips(trial)[0]


def test_two_presentations_of_one_clip_are_not_comparable(study):
    store, survey, tokens = study(("identify",), headphone_trials=0, practice=False)
    (flow_a, trial, a), (flow_b, trial_b, b) = first_clip(store, tokens[0]), first_clip(store, tokens[0])
    assert trial.stimulus_ids == trial_b.stimulus_ids  # the same clip, shown in two sessions
    x, y = samples(a.wav), samples(b.wav)
    assert x.size == y.size and not np.array_equal(x, y)
    for clip, flow in ((a, flow_a), (b, flow_b)):
        assert clip.key.encode() not in clip.wav and flow.session.secret.encode() not in clip.wav
    # the attacker's best: align by cross-correlation, then match the gain by least squares
    lag = int(np.argmax(signal.correlate(y, x, mode="full", method="fft"))) - (x.size - 1)
    xs, ys = (x[: x.size - lag], y[lag:]) if lag >= 0 else (x[-lag:], y[: y.size + lag])
    gain = float(xs @ ys / (xs @ xs))
    residual = ys - gain * xs
    assert np.sqrt(np.mean(residual**2)) >= np.sqrt(2 / 6) * DITHER_LSB
    assert abs(20 * np.log10(gain)) <= 2 * GAIN_JITTER_DB + 0.01  # the jitter stays within its stated range
    # the dither the old scheme derived from the key the browser holds explains nothing
    n = min(x.size, y.size)
    guessed = [np.random.default_rng(int(c.key, 16)) for c in (a, b)]
    tpdf = [(g.random(n) - g.random(n)) * DITHER_LSB for g in guessed]
    r = np.corrcoef(x[:n] - y[:n], tpdf[0] - tpdf[1])[0, 1]
    assert abs(r) < 4 / np.sqrt(n)


def test_every_clip_of_a_scenario_has_one_length(study):
    store, survey, tokens = study(("acr",), headphone_trials=0, practice=False)
    flow = ListenerFlow.start(store, tokens[0])
    flow.consent()
    lengths = {len(c.wav) for trial in flow.plan for c in flow.trial_clips(trial)}
    assert len(lengths) == 1


def test_length_cue_auc_is_the_mann_whitney_share():
    import pandas as pd

    clips = pd.DataFrame({"scenario": "s", "role": ["human"] * 2 + ["agent"] * 2 + ["anchor"],
                          "duration_s": [5.0, 3.0, 4.0, 3.0, 9.0]})  # fmt: skip
    # by hand: pairs (5>4, 5>3, 3<4, 3=3) -> (1 + 1 + 0 + 0.5) / 4; the anchor is ignored
    assert length_cue_auc(clips)["duration_auc"].iloc[0] == 0.625


def test_survey_reports_its_length_cue(make_survey):
    from persona.trials.survey import load_survey

    cue = length_cue_auc(prepare_survey(load_survey(make_survey(("acr",)))))
    assert cue.loc[0, ["n_human", "n_agent"]].tolist() == [4, 4]
