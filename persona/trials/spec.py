"""A validated survey as plain data: scenarios, stimuli, audio settings and tests.

:mod:`persona.trials.survey` builds these from a TOML file; the design, stimulus and storage
modules read them. This module imports nothing else of persona's trials, so every other module
of the package can use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..errors import SurveyError


@dataclass(frozen=True)
class Scenario:
    """A call scenario and the one-line caller context listeners read before each trial."""

    id: str
    context: str


@dataclass(frozen=True)
class Stimulus:
    """One recording in a survey. ``voice`` and ``path`` never reach a listener's browser.

    ``derived`` is ``""`` for a recorded clip, ``"anchor"`` for the MUSHRA low anchor and
    ``"gold"`` for the degraded gold-trial copy made from the clip ``source_id``.
    """

    id: str
    path: Path
    scenario: str
    line_id: str
    voice: str
    role: str
    derived: str = ""
    source_id: str = ""


@dataclass(frozen=True)
class AudioSpec:
    """How every stimulus is prepared (see :mod:`persona.trials.stimuli`)."""

    telephone: bool = False
    loudness_lufs: float = -23.0
    sample_rate_hz: int = 16000
    trim_db: float = 40.0
    anchor_lowpass_hz: float = 3500.0
    max_duration_s: float | None = None


@dataclass(frozen=True)
class TestSpec:
    """One listening test of a survey.

    Attributes
    ----------
    number : int
        1-based position of the test in the survey file (part of every trial id).
    type : str
        ``acr``, ``ab``, ``identify`` or ``mushra``.
    attributes : tuple of str
        ACR scales rated for each clip.
    scenarios : tuple of str
        Scenarios whose stimuli the test uses.
    gold : int
        Number of gold (attention) trials mixed into the test (ACR and AB only).
    allow_none : bool
        AB: offer "no preference".
    pairs : str
        AB: ``all`` pairs of different voices on a line, or only ``agent_vs_human``.
    trials_per_listener : int
        How many of the block's items (clips, pairs or MUSHRA screens) each listener gets, ``0``
        for all; the subsets are balanced so every item reaches the same number of listeners (+-1).
    reference : bool
        MUSHRA: with a hidden (and open) human reference, or reference-free (every voice rated
        on its own, with the low anchor).
    """

    number: int
    type: str
    attributes: tuple[str, ...] = ()
    scenarios: tuple[str, ...] = ()
    gold: int = 0
    allow_none: bool = True
    pairs: str = "all"
    trials_per_listener: int = 0
    reference: bool = True


@dataclass(frozen=True)
class CrowdSpec:
    """Listeners recruited on a crowd platform (e.g. Prolific) rather than by invite link.

    Attributes
    ----------
    participant_param : str
        URL query parameter carrying the platform's participant id (``PROLIFIC_PID``); ``""``
        when listeners come by invite link only. The id is stored only as a keyed hash.
    completion_url : str
        Where a finished listener is sent; ``{code}`` in it becomes their completion code.
    """

    participant_param: str = ""
    completion_url: str = ""


@dataclass(frozen=True)
class Survey:
    """A validated survey. ``text`` is the TOML source, ``base_dir`` resolves relative paths."""

    id: str
    title: str
    instructions: str
    seed: int
    practice: bool
    audio: AudioSpec
    headphone_trials: int
    headphone_min_correct: int
    scenarios: tuple[Scenario, ...]
    stimuli: tuple[Stimulus, ...]
    tests: tuple[TestSpec, ...]
    text: str
    base_dir: Path
    source: str
    crowd: CrowdSpec = CrowdSpec()

    def stimulus(self, stimulus_id: str) -> Stimulus:
        """The stimulus (recorded or derived) with this id."""
        recorded = {s.id: s for s in self.stimuli}
        base_id, _, derived = stimulus_id.partition("~")
        if base_id not in recorded or derived not in ("", "anchor", "gold"):
            raise SurveyError(f"{self.source}: no stimulus {stimulus_id!r}")
        base = recorded[base_id]
        if not derived:
            return base
        return Stimulus(stimulus_id, base.path, base.scenario, base.line_id, base.voice, "anchor", derived, base.id)

    def context(self, scenario_id: str) -> str:
        """The caller context of a scenario."""
        return next(s.context for s in self.scenarios if s.id == scenario_id)
