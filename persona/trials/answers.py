"""Listener answers: check them against their trial, grade gold trials, turn them into tidy rows.

Whatever a browser sends is untrusted: every value is checked against the trial's test type
(ACR 1-5 integers, MUSHRA 0-100, AB ``A``/``B``/``none``, identification ``human``/``ai``
with confidence 1-3) before anything is stored.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..errors import SurveyError
from .design import Trial
from .survey import Survey

ACR_SCALE = (1, 5)
MUSHRA_SCALE = (0, 100)
CONFIDENCE_SCALE = (1, 3)
GOLD_MAX_NATURALNESS = 2
ACR_LABELS = {1: "Bad", 2: "Poor", 3: "Fair", 4: "Good", 5: "Excellent"}
AGREEMENT_LABELS = {1: "Strongly disagree", 2: "Disagree", 3: "Neither", 4: "Agree", 5: "Strongly agree"}
CONFIDENCE_LABELS = {1: "Guessing", 2: "Fairly sure", 3: "Certain"}


@dataclass(frozen=True)
class Answer:
    """What a listener submitted for one trial.

    ``ratings`` maps an ACR attribute to 1..5, or a MUSHRA stimulus id to 0..100; ``choice``
    is ``A``/``B``/``none`` (AB) or ``human``/``ai`` (identification); ``confidence`` is 1..3.
    """

    ratings: dict[str, float] = field(default_factory=dict)
    choice: str | None = None
    confidence: int | None = None


def check_answer(trial: Trial, answer: Answer) -> None:
    """Raise :class:`SurveyError` naming the field if ``answer`` does not fit ``trial``.

    Messages reach the listener, so they name clips by their place on the screen, never by
    stimulus id, and not the trial (a trial id can say "gold" or "practice").
    """
    if trial.test_type in ("acr", "mushra"):
        wanted = trial.attributes if trial.test_type == "acr" else trial.stimulus_ids
        scale = ACR_SCALE if trial.test_type == "acr" else MUSHRA_SCALE
        if set(answer.ratings) != set(wanted):
            raise SurveyError("please give a rating for every question" if trial.test_type == "acr" else "please rate every clip")
        for name, value in answer.ratings.items():
            shown = name if trial.test_type == "acr" else f"clip {trial.stimulus_ids.index(name) + 1}"
            _check_number(value, f"the rating of {shown}", scale, integer=trial.test_type == "acr")
    elif trial.test_type == "ab":
        allowed = ("A", "B", "none") if trial.allow_none else ("A", "B")
        if answer.choice not in allowed:
            raise SurveyError(f"the choice must be one of {', '.join(allowed)}")
    else:
        if answer.choice not in ("human", "ai"):
            raise SurveyError("the choice must be human or ai")
        _check_number(answer.confidence, "the confidence", CONFIDENCE_SCALE, integer=True)


def _check_number(value: object, field: str, scale: tuple[int, int], *, integer: bool) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or not scale[0] <= value <= scale[1] or (integer and value != int(value)):
        kind = "an integer" if integer else "a number"
        raise SurveyError(f"{field} must be {kind} from {scale[0]} to {scale[1]} (got {str(value)[:20]}); it was not saved")


def gold_correct(trial: Trial, answer: Answer) -> bool | None:
    """Grade a gold trial (``None`` for other trials).

    ACR: the degraded clip's naturalness is rated at most ``GOLD_MAX_NATURALNESS``. AB: the
    clean clip (the side without ``~gold``) is preferred.
    """
    if not trial.is_gold:
        return None
    if trial.test_type == "acr":
        return answer.ratings["naturalness"] <= GOLD_MAX_NATURALNESS
    clean_side = "A" if not trial.stimulus_ids[0].endswith("~gold") else "B"
    return answer.choice == clean_side


def response_rows(survey: Survey, trial: Trial, answer: Answer) -> list[dict]:
    """The tidy rows of one answered trial (without listener, session and timing fields)."""
    check_answer(trial, answer)
    common = {
        "trial_id": trial.trial_id, "trial_index": trial.index, "test_type": trial.test_type,
        "scenario": trial.scenario, "line_id": trial.line_id, "is_gold": trial.is_gold,
        "gold_correct": gold_correct(trial, answer), "practice": trial.practice,
    }  # fmt: skip
    if trial.test_type == "acr":
        clip = _clip(survey, trial, trial.stimulus_ids[0])
        return [{**common, **clip, "attribute": a, "rating": float(answer.ratings[a])} for a in trial.attributes]
    if trial.test_type == "mushra":
        return [
            {**common, **_clip(survey, trial, sid), "attribute": "mushra", "rating": float(answer.ratings[sid])}
            for sid in trial.stimulus_ids
        ]
    first = _clip(survey, trial, trial.stimulus_ids[0])
    if trial.test_type == "ab":
        second = _clip(survey, trial, trial.stimulus_ids[1])
        other = {"other_stimulus_id": second["stimulus_id"], "other_voice": second["voice"], "other_role": second["role"]}
        return [{**common, **first, **other, "attribute": "preference", "choice": answer.choice}]
    return [{**common, **first, "attribute": "human_or_ai", "choice": answer.choice, "confidence": int(answer.confidence)}]


def _clip(survey: Survey, trial: Trial, stimulus_id: str) -> dict:
    stimulus = survey.stimulus(stimulus_id)
    role = "reference" if stimulus_id == trial.reference_id else stimulus.role
    return {"stimulus_id": stimulus_id, "voice": stimulus.voice, "role": role}
