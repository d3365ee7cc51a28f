"""Role cues in a survey's stimuli: what besides the voice could tell a listener human from agent.

Two cues are checked per scenario, on the recorded clips (anchor and gold copies follow their
source):

* **words**: a clip of one role on a line (``line_id``) that no clip of the other role says, or
  a clip with no line at all. If the people read audiobooks and the agent reads billing script
  lines, listeners judge the content, not the voice.
* **length**: the prepared durations of the two roles do not overlap (every human clip is longer,
  or shorter, than every agent clip); :func:`length_cue_auc` measures how far length sorts them.

:func:`role_cue_warnings` returns one plain sentence per cue; ``persona survey validate`` prints them.
"""

from __future__ import annotations

import pandas as pd

from .spec import Survey

ROLES = ("human", "agent")


def role_cue_warnings(survey: Survey, clips: pd.DataFrame) -> list[str]:
    """Warnings about word and length cues, per scenario.

    Parameters
    ----------
    survey : Survey
        The validated survey.
    clips : pandas.DataFrame
        :func:`persona.trials.stimuli.prepare_survey` rows (``stimulus_id``, ``duration_s`` in s).
    """
    duration_s = dict(zip(clips["stimulus_id"], clips["duration_s"], strict=True))
    warnings = []
    for scenario in survey.scenarios:
        stimuli = [s for s in survey.stimuli if s.scenario == scenario.id]
        by_role = {role: [s for s in stimuli if s.role == role] for role in ROLES}
        if not all(by_role.values()):
            continue
        warnings += _word_cues(scenario.id, by_role)
        warnings += _length_cues(scenario.id, {role: [duration_s[s.id] for s in group] for role, group in by_role.items()})
    return warnings


def _word_cues(scenario: str, by_role: dict) -> list[str]:
    lines = {role: {s.line_id for s in group if s.line_id} for role, group in by_role.items()}
    shared = lines["human"] & lines["agent"]
    if not shared:
        return [f"scenario {scenario!r}: human and agent clips share no line, so the words tell the roles apart; "
                "give agent renditions of the human recordings' words the same line_id"]  # fmt: skip
    warnings = []
    for role in ROLES:
        alone = [s.id for s in by_role[role] if s.line_id not in shared]
        if alone:
            other = "agent" if role == "human" else "human"
            warnings.append(f"scenario {scenario!r}: {len(alone)} of {len(by_role[role])} {role} clips say words no {other} "
                            f"clip says ({', '.join(alone[:3])}{', ...' if len(alone) > 3 else ''})")  # fmt: skip
    return warnings


def _length_cues(scenario: str, durations_s: dict[str, list[float]]) -> list[str]:
    human, agent = durations_s["human"], durations_s["agent"]
    if max(human) < min(agent) or max(agent) < min(human):
        return [f"scenario {scenario!r}: clip lengths do not overlap (human {min(human):.1f}-{max(human):.1f} s, "
                f"agent {min(agent):.1f}-{max(agent):.1f} s), so length tells the roles apart; "
                "set audio.max_duration_s or choose clips of similar length"]  # fmt: skip
    return []


def length_cue_auc(clips: pd.DataFrame) -> pd.DataFrame:
    """How well a clip's speech length (before padding) tells human from agent, per scenario.

    Parameters
    ----------
    clips : pandas.DataFrame
        Rows of :func:`prepare_survey` with a ``scenario`` column.

    Returns
    -------
    pandas.DataFrame
        ``scenario, n_human, n_agent, duration_auc``: the Mann-Whitney AUC, the chance that a
        random human clip is longer than a random agent clip (0.5 = no cue; 0 or 1 = the length
        alone separates the roles; ties count one half). Padding removes the cue from the WAV
        header; this is what remains audible.
    """
    rows = []
    for scenario, group in clips[clips["role"].isin(("human", "agent"))].groupby("scenario"):
        human = group.loc[group["role"] == "human", "duration_s"].to_numpy()
        agent = group.loc[group["role"] == "agent", "duration_s"].to_numpy()
        if human.size and agent.size:
            wins = (human[:, None] > agent[None, :]).sum() + 0.5 * (human[:, None] == agent[None, :]).sum()
            rows.append({"scenario": scenario, "n_human": human.size, "n_agent": agent.size,
                         "duration_auc": wins / (human.size * agent.size)})  # fmt: skip
    return pd.DataFrame(rows, columns=["scenario", "n_human", "n_agent", "duration_auc"])
