"""Survey files: a good one loads; each kind of bad one fails with the file and field named."""

import pytest

from persona.errors import SurveyError
from persona.trials.survey import load_survey


def test_valid_survey_loads_every_test_type(make_survey):
    survey = load_survey(make_survey(("acr", "ab", "identify", "mushra")))
    assert [t.type for t in survey.tests] == ["acr", "ab", "identify", "mushra"]
    assert {s.role for s in survey.stimuli} == {"agent", "human"}
    assert survey.stimulus("agent_carol_l01~gold").role == "anchor"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace('[study]', '[study\n'), "not valid TOML"),
        (lambda t: t.replace('seed = 3', 'seed = 3\ncolour = "red"'), "unknown key 'colour'"),
        (lambda t: t.replace('type = "acr"', 'type = "acr"\natributes = ["trust"]'), "unknown key 'atributes'"),
        (lambda t: t.replace('audio/robo_beta_l01.wav', 'audio/missing.wav'), "stimulus[2].file: audio file 'audio/missing.wav' not found"),
        (lambda t: t.replace('type = "acr"', 'type = "triangle"'), "unsupported test type 'triangle'"),
        (lambda t: t.replace('anchor_lowpass_hz = 1200.0', 'anchor_lowpass_hz = 3500.0'), "audio.anchor_lowpass_hz"),
        (lambda t: t.replace('id = "synthetic"', 'id = "../etc"'), "study.id must be an identifier"),
        (lambda t: t.replace('loudness_lufs = -23.0', 'loudness_lufs = "loud"'), "audio.loudness_lufs must be a number"),
        (lambda t: t.replace('"PROLIFIC_PID"', '"PID&x=1"'), "crowd.participant_param must be a URL parameter name"),
        (lambda t: t.replace('"https://app.prolific.example', '"javascript:alert(1)//'), "crowd.completion_url must be an http(s)"),
        (lambda t: t.replace('cc={code}', 'cc={pid}'), "only the placeholder {code}"),
        (lambda t: t.replace('type = "acr"', 'type = "acr"\ntrials_per_listener = 9'), "exceeds the test's 8 items"),
        (lambda t: t.replace('type = "acr"', 'type = "acr"\nreference = false'), "only mushra tests have a reference"),
    ],
)
def test_bad_survey_is_refused_with_file_and_field(make_survey, edit, message):
    path = make_survey(("acr",), crowd=True)
    path.write_text(edit(path.read_text()))
    with pytest.raises(SurveyError, match=f"^{path}.*") as info:
        load_survey(path)
    assert message in str(info.value)


def test_too_few_stimuli_for_a_pair(make_survey):
    path = make_survey(("ab",))
    text = path.read_text()
    path.write_text(text.replace('line_id = "l02"', 'line_id = "l01"').replace('line_id = "l01"', 'line_id = ""'))
    with pytest.raises(SurveyError, match="too few stimuli"):
        load_survey(path)


def test_non_audio_file_is_refused(make_survey, voices_dir):
    root, _ = voices_dir
    (root / "audio" / "notes.wav").write_text("not audio")
    path = make_survey(("acr",))
    path.write_text(path.read_text().replace("audio/robo_beta_l01.wav", "audio/notes.wav"))
    with pytest.raises(SurveyError, match="not a readable audio file"):
        load_survey(path)


def test_crowd_settings_load(make_survey):
    survey = load_survey(make_survey(("identify",), crowd=True))
    assert survey.crowd.participant_param == "PROLIFIC_PID"
    assert survey.crowd.completion_url.endswith("?cc={code}")
