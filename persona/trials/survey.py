"""Survey definitions: load a ``surveys/*.toml`` file and validate it into a :class:`Survey`.

A survey names a study, the call scenarios (each with a one-line caller context shown to
listeners), the stimuli (listed one by one or read from a ``reference_audio`` manifest) and one
or more listening tests. Every problem is reported as a :class:`~persona.errors.SurveyError`
that names the file and the field.

Example
-------
.. code-block:: toml

    [study]
    id = "demo_billing_dispute"
    title = "How should a support agent sound?"
    instructions = "Listen to each clip to the end, then answer."

    [audio]
    telephone = true            # same G.711 chain for every clip
    loudness_lufs = -23.0       # BS.1770 integrated loudness target
    anchor_lowpass_hz = 1500.0  # MUSHRA low anchor and gold clips

    [[scenario]]
    id = "billing_dispute"
    context = "The caller is disputing a charge on their bill."

    [[manifest]]
    file = "../reference_audio/manifest.csv"

    [[test]]
    type = "acr"
    attributes = ["naturalness", "warmth", "trust", "fit"]
"""

from __future__ import annotations

import csv
import re
import tomllib
from pathlib import Path
from typing import Any

from .. import io
from ..errors import AudioError, SurveyError
from .design import ab_pairs, mushra_screens
from .spec import AudioSpec, CrowdSpec, Scenario, Stimulus, Survey, TestSpec

__all__ = ["AudioSpec", "CrowdSpec", "Scenario", "Stimulus", "Survey", "TestSpec", "load_survey", "parse_survey"]

TEST_TYPES = ("acr", "ab", "identify", "mushra")
ACR_ATTRIBUTES = ("naturalness", "warmth", "trust", "fit")
STIMULUS_ROLES = ("agent", "human")
AB_PAIRINGS = ("all", "agent_vs_human")
TELEPHONE_TOP_HZ = 3400.0
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
MAX_SURVEY_BYTES = 1_000_000  # a survey or manifest file larger than this is refused unread
MAX_TEXT_CHARS = {"study.title": 200, "study.instructions": 5000, "context": 1000, "voice": 100}
"""Longest text per field, in characters: whatever is written here goes to every listener's screen."""
MAX_STIMULUS_S = 600.0  # a survey clip declaring more than this (s) is refused from its header
_WEB_URL = re.compile(r"^https?://[^/?#]+", flags=re.IGNORECASE)
_MANIFEST_COLUMNS = ("file", "scenario", "speaker", "role", "line_id")

_SECTION_KEYS = {
    "": {"study", "audio", "headphone_check", "crowd", "scenario", "stimulus", "manifest", "test"},
    "study": {"id", "title", "instructions", "seed", "practice"},
    "audio": {"telephone", "loudness_lufs", "sample_rate_hz", "trim_db", "anchor_lowpass_hz", "max_duration_s"},
    "headphone_check": {"trials", "min_correct"},
    "crowd": {"participant_param", "completion_url"},
    "scenario": {"id", "context"},
    "stimulus": {"id", "file", "scenario", "line_id", "voice", "role"},
    "manifest": {"file", "scenarios"},
    "test": {"type", "attributes", "scenarios", "gold", "allow_none", "pairs", "trials_per_listener", "reference"},
}


def load_survey(path: str | Path) -> Survey:
    """Read and validate a survey TOML file.

    Raises
    ------
    SurveyError
        Malformed TOML, unknown keys, missing or unreadable audio, unsupported test types,
        too few stimuli for a test; the message names the file and the field.
    """
    path = Path(path)
    text = _read_text(path, "survey")
    return parse_survey(text, base_dir=path.resolve().parent, source=str(path))


def parse_survey(text: str, *, base_dir: Path, source: str = "<survey>") -> Survey:
    """Validate survey TOML ``text``; relative audio paths resolve against ``base_dir``."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_SURVEY_BYTES:
        raise SurveyError(f"{source}: survey text is over the {MAX_SURVEY_BYTES:,}-byte limit")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SurveyError(f"{source}: not valid TOML ({exc})") from None
    except RecursionError:
        raise SurveyError(f"{source}: not valid TOML (arrays or tables nested too deeply)") from None
    _check_keys(raw, "", source)
    study = _table(raw, "study", source, required=True)
    audio = _table(raw, "audio", source)
    headphone = _table(raw, "headphone_check", source)
    crowd = _crowd_spec(_table(raw, "crowd", source), source)
    scenarios = tuple(_scenario(item, f"scenario[{i}]", source) for i, item in enumerate(_array(raw, "scenario", source)))
    if not scenarios:
        raise SurveyError(f"{source}: [[scenario]]: at least one scenario is required")
    known_scenarios = {s.id for s in scenarios}
    _require_unique([s.id for s in scenarios], "scenario ids", source)
    audio_spec = _audio_spec(audio, source)
    stimuli = tuple(
        [_stimulus(item, f"stimulus[{i}]", source, base_dir, known_scenarios) for i, item in enumerate(_array(raw, "stimulus", source))]
        + [s for i, item in enumerate(_array(raw, "manifest", source)) for s in _manifest(item, f"manifest[{i}]", source, base_dir, known_scenarios)]
    )
    _require_unique([s.id for s in stimuli], "stimulus ids", source)
    tests = tuple(
        _test(item, i + 1, source, known_scenarios, stimuli, audio_spec) for i, item in enumerate(_array(raw, "test", source))
    )
    if not tests:
        raise SurveyError(f"{source}: [[test]]: at least one test is required")
    trials = _int(headphone.get("trials", 3), "headphone_check.trials", source, low=0, high=12)
    min_correct = _int(headphone.get("min_correct", min(2, trials)), "headphone_check.min_correct", source, low=0, high=trials)
    return Survey(
        id=_ident(study.get("id"), "study.id", source),
        title=_text(study.get("title"), "study.title", source),
        instructions=_text(study.get("instructions", ""), "study.instructions", source, allow_empty=True),
        seed=_int(study.get("seed", 0), "study.seed", source, low=0, high=2**31),
        practice=_bool(study.get("practice", True), "study.practice", source),
        audio=audio_spec,
        headphone_trials=trials,
        headphone_min_correct=min_correct,
        scenarios=scenarios,
        stimuli=stimuli,
        tests=tests,
        text=text,
        base_dir=Path(base_dir),
        source=source,
        crowd=crowd,
    )


def _read_text(path: Path, what: str) -> str:
    """A UTF-8 text file of at most :data:`MAX_SURVEY_BYTES`, else :class:`SurveyError` naming it."""
    try:
        size = path.stat().st_size
        if size > MAX_SURVEY_BYTES:
            raise SurveyError(f"{path}: {what} file is {size:,} bytes, over the {MAX_SURVEY_BYTES:,}-byte limit")
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SurveyError(f"{path}: {what} file is not UTF-8 text (byte {exc.start}: {exc.reason}); save it as UTF-8") from None
    except OSError as exc:
        raise SurveyError(f"{path}: cannot read {what} ({exc.strerror or exc})") from None


def _check_keys(table: dict[str, Any], section: str, source: str) -> None:
    unknown = sorted(set(table) - _SECTION_KEYS[section])
    if unknown:
        where = f"[{section}]" if section else "top level"
        allowed = ", ".join(sorted(_SECTION_KEYS[section]))
        raise SurveyError(f"{source}: {where}: unknown key {unknown[0]!r} (allowed: {allowed})")


def _table(raw: dict[str, Any], name: str, source: str, *, required: bool = False) -> dict[str, Any]:
    if name not in raw:
        if required:
            raise SurveyError(f"{source}: missing [{name}] section")
        return {}
    if not isinstance(raw[name], dict):
        raise SurveyError(f"{source}: [{name}] must be a table")
    _check_keys(raw[name], name, source)
    return raw[name]


def _array(raw: dict[str, Any], name: str, source: str) -> list[dict[str, Any]]:
    items = raw.get(name, [])
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise SurveyError(f"{source}: {name} must be an array of tables ([[{name}]])")
    for item in items:
        _check_keys(item, name, source)
    return items


def _require_unique(ids: list[str], what: str, source: str) -> None:
    seen: set[str] = set()
    for item in ids:
        if item in seen:
            raise SurveyError(f"{source}: duplicate {what[:-1]} {item!r}")
        seen.add(item)


def _ident(value: Any, field: str, source: str) -> str:
    if not isinstance(value, str) or not _ID.match(value):
        raise SurveyError(f"{source}: {field} must be an identifier of letters, digits, '_', '-', '.' (got {value!r})")
    return value


def _text(value: Any, field: str, source: str, *, allow_empty: bool = False) -> str:
    if not isinstance(value, str) or (not allow_empty and not value.strip()):
        raise SurveyError(f"{source}: {field} must be a non-empty string (got {str(value)[:40]!r})")
    limit = MAX_TEXT_CHARS.get(field, MAX_TEXT_CHARS.get(field.rsplit(".", 1)[-1], 200))
    if len(value.strip()) > limit:
        raise SurveyError(f"{source}: {field} is {len(value.strip()):,} characters long, over the {limit:,}-character limit")
    return value.strip()


def _bool(value: Any, field: str, source: str) -> bool:
    if not isinstance(value, bool):
        raise SurveyError(f"{source}: {field} must be true or false (got {value!r})")
    return value


def _int(value: Any, field: str, source: str, *, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise SurveyError(f"{source}: {field} must be an integer in [{low}, {high}] (got {value!r})")
    return value


def _float(value: Any, field: str, source: str, *, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise SurveyError(f"{source}: {field} must be a number in [{low}, {high}] (got {value!r})")
    return float(value)


def _names(value: Any, field: str, source: str, allowed: set[str] | tuple[str, ...]) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise SurveyError(f"{source}: {field} must be a non-empty list of strings")
    for v in value:
        if v not in allowed:
            raise SurveyError(f"{source}: {field}: unknown value {v!r} (allowed: {', '.join(sorted(allowed))})")
    return tuple(dict.fromkeys(value))


def _audio_spec(audio: dict[str, Any], source: str) -> AudioSpec:
    spec = AudioSpec(
        telephone=_bool(audio.get("telephone", False), "audio.telephone", source),
        loudness_lufs=_float(audio.get("loudness_lufs", -23.0), "audio.loudness_lufs", source, low=-40.0, high=-10.0),
        sample_rate_hz=_int(audio.get("sample_rate_hz", 16000), "audio.sample_rate_hz", source, low=8000, high=48000),
        trim_db=_float(audio.get("trim_db", 40.0), "audio.trim_db", source, low=10.0, high=80.0),
        anchor_lowpass_hz=_float(audio.get("anchor_lowpass_hz", 3500.0), "audio.anchor_lowpass_hz", source, low=300.0, high=8000.0),
        max_duration_s=_float(audio["max_duration_s"], "audio.max_duration_s", source, low=1.0, high=120.0) if "max_duration_s" in audio else None,
    )
    top_hz = TELEPHONE_TOP_HZ if spec.telephone else spec.sample_rate_hz / 2
    if spec.anchor_lowpass_hz >= top_hz:
        raise SurveyError(
            f"{source}: audio.anchor_lowpass_hz = {spec.anchor_lowpass_hz:g} Hz is not below the stimulus band "
            f"edge ({top_hz:g} Hz), so the anchor would not be degraded; choose a lower cut-off"
        )
    return spec


def _crowd_spec(crowd: dict[str, Any], source: str) -> CrowdSpec:
    param = crowd.get("participant_param", "")
    if param and (not isinstance(param, str) or not _ID.match(param)):
        raise SurveyError(f"{source}: crowd.participant_param must be a URL parameter name such as PROLIFIC_PID (got {param!r})")
    url = crowd.get("completion_url", "")
    if url and (not isinstance(url, str) or not _WEB_URL.match(url) or any(c.isspace() for c in url)):
        raise SurveyError(f"{source}: crowd.completion_url must be an http(s) address without spaces (got {url!r})")
    if url:
        try:
            url.format(code="")
        except (KeyError, IndexError, ValueError):
            raise SurveyError(f"{source}: crowd.completion_url may hold only the placeholder {{code}} (got {url!r})") from None
    return CrowdSpec(participant_param=param, completion_url=url)


def _scenario(item: dict[str, Any], where: str, source: str) -> Scenario:
    return Scenario(_ident(item.get("id"), f"{where}.id", source), _text(item.get("context"), f"{where}.context", source))


def _audio_path(value: Any, field: str, source: str, base_dir: Path) -> Path:
    if not isinstance(value, str) or not value:
        raise SurveyError(f"{source}: {field} must be a file path")
    path = (base_dir / value).resolve()
    if not path.is_file():
        raise SurveyError(f"{source}: {field}: audio file {value!r} not found")
    try:
        io.check_header(path, max_duration_s=MAX_STIMULUS_S)
    except AudioError as exc:
        raise SurveyError(f"{source}: {field}: {value!r}: {exc.problem}") from None
    return path


def _stimulus(item: dict[str, Any], where: str, source: str, base_dir: Path, scenarios: set[str]) -> Stimulus:
    scenario = item.get("scenario")
    if scenario not in scenarios:
        raise SurveyError(f"{source}: {where}.scenario: unknown scenario {scenario!r}")
    role = item.get("role")
    if role not in STIMULUS_ROLES:
        raise SurveyError(f"{source}: {where}.role must be one of {', '.join(STIMULUS_ROLES)} (got {role!r})")
    stimulus_id = _ident(item.get("id"), f"{where}.id", source)
    line_id = item.get("line_id", "")
    if not isinstance(line_id, str):
        raise SurveyError(f"{source}: {where}.line_id must be a string")
    return Stimulus(
        id=stimulus_id,
        path=_audio_path(item.get("file"), f"{where}.file", source, base_dir),
        scenario=scenario,
        line_id=line_id,
        voice=_text(item.get("voice"), f"{where}.voice", source),
        role=role,
    )


def _manifest(item: dict[str, Any], where: str, source: str, base_dir: Path, scenarios: set[str]) -> list[Stimulus]:
    manifest = _audio_manifest_path(item.get("file"), f"{where}.file", source, base_dir)
    wanted = set(_names(item["scenarios"], f"{where}.scenarios", source, scenarios)) if "scenarios" in item else scenarios
    try:
        rows = list(csv.DictReader(_read_text(manifest, "manifest").splitlines(keepends=True)))
    except csv.Error as exc:
        raise SurveyError(f"{manifest}: not a readable CSV manifest ({exc})") from None
    missing = [c for c in _MANIFEST_COLUMNS if rows and c not in rows[0]]
    if missing or not rows:
        raise SurveyError(f"{manifest}: manifest needs columns {', '.join(_MANIFEST_COLUMNS)} and at least one row")
    return [
        _stimulus(
            {"id": f"{row['speaker']}.{Path(row['file']).stem}", "file": row["file"], "scenario": row["scenario"], "line_id": row["line_id"],
             "voice": row["speaker"], "role": row["role"]},
            f"{manifest.name} line {n + 2}",
            source,
            manifest.parent,
            scenarios,
        )
        for n, row in enumerate(rows)
        if row["scenario"] in wanted
    ]  # fmt: skip


def _audio_manifest_path(value: Any, field: str, source: str, base_dir: Path) -> Path:
    if not isinstance(value, str) or not (base_dir / value).is_file():
        raise SurveyError(f"{source}: {field}: manifest {value!r} not found")
    return (base_dir / value).resolve()


def _test(
    item: dict[str, Any], number: int, source: str, scenarios: set[str], stimuli: tuple[Stimulus, ...], audio: AudioSpec
) -> TestSpec:
    where = f"test[{number - 1}]"
    kind = item.get("type")
    if kind not in TEST_TYPES:
        raise SurveyError(f"{source}: {where}.type: unsupported test type {kind!r} (supported: {', '.join(TEST_TYPES)})")
    gold = _int(item.get("gold", 1 if kind in ("acr", "ab") else 0), f"{where}.gold", source, low=0, high=5)
    if gold and kind not in ("acr", "ab"):
        raise SurveyError(f"{source}: {where}.gold: gold trials exist only for acr and ab tests")
    attributes = _names(item.get("attributes", list(ACR_ATTRIBUTES)), f"{where}.attributes", source, ACR_ATTRIBUTES) if kind == "acr" else ()
    if gold and kind == "acr" and "naturalness" not in attributes:
        raise SurveyError(f"{source}: {where}.gold: acr gold trials are graded on 'naturalness'; add it to attributes")
    pairs = item.get("pairs", "all")
    if pairs not in AB_PAIRINGS:
        raise SurveyError(f"{source}: {where}.pairs must be one of {', '.join(AB_PAIRINGS)} (got {pairs!r})")
    spec = TestSpec(
        number=number,
        type=kind,
        attributes=attributes,
        scenarios=_names(item["scenarios"], f"{where}.scenarios", source, scenarios) if "scenarios" in item else tuple(sorted(scenarios)),
        gold=gold,
        allow_none=_bool(item.get("allow_none", True), f"{where}.allow_none", source),
        pairs=pairs,
        trials_per_listener=_int(item.get("trials_per_listener", 0), f"{where}.trials_per_listener", source, low=0, high=10_000),
        reference=_bool(item.get("reference", True), f"{where}.reference", source),
    )
    if "reference" in item and kind != "mushra":
        raise SurveyError(f"{source}: {where}.reference: only mushra tests have a reference")
    _check_enough_stimuli(spec, [s for s in stimuli if s.scenario in spec.scenarios], f"{source}: {where} ({kind})")
    return spec


def _check_enough_stimuli(test: TestSpec, stimuli: list[Stimulus], where: str) -> None:
    voices = {s.voice for s in stimuli}
    humans = [s for s in stimuli if s.role == "human"]
    if test.type in ("acr", "identify") and len(voices) < 2:
        raise SurveyError(f"{where}: too few stimuli: needs clips from at least two voices, found {len(voices)}")
    if test.type == "identify" and (not humans or len(humans) == len(stimuli)):
        raise SurveyError(f"{where}: too few stimuli: needs both human and agent clips")
    if test.type == "ab" and not ab_pairs(stimuli, pairs=test.pairs):
        raise SurveyError(f"{where}: too few stimuli: no line has two different voices to pair ({test.pairs})")
    if test.type == "mushra" and not mushra_screens(stimuli, reference=test.reference):
        needs = "a human reference and an agent voice" if test.reference else "two voices, one of them an agent"
        raise SurveyError(f"{where}: too few stimuli: no line has {needs}")
    items = {"ab": lambda: ab_pairs(stimuli, pairs=test.pairs), "mushra": lambda: mushra_screens(stimuli, reference=test.reference)}
    n_items = len(items[test.type]()) if test.type in items else len(stimuli)
    if test.trials_per_listener > n_items:
        raise SurveyError(f"{where}: trials_per_listener = {test.trials_per_listener} exceeds the test's {n_items} items")
