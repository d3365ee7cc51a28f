"""Experimental design: which trials a listener gets, and in what order.

Each test of a survey becomes a block of trials. Within a block the order is balanced across
listeners with a Williams Latin square over the block's conditions (the voice for ACR and
identification, the voice pair for AB, the line for MUSHRA): listener ``k`` takes row
``k mod rows`` of the square, and the trials are laid out in rounds, one trial per condition
per round, in that row's order. Which clip of a condition lands in which round, where the gold
trials go and the MUSHRA on-screen order are drawn from a generator seeded with
``(survey seed, listener index, test number)``, so a plan is reproducible. AB sides are
counterbalanced: pair ``j`` is shown in survey order to even listeners and reversed to odd ones
(``(listener + j) mod 2``), so every pair is heard both ways equally often and each listener
hears the agent first in half of the pairs.

Trial ids are the same for every listener (``acr1-003`` is the third ACR item of test 1), so
responses from different listeners to the same item share a ``trial_id``.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, replace
import numpy as np
import pandas as pd

from ..errors import SurveyError
from .spec import Stimulus, Survey, TestSpec


@dataclass(frozen=True)
class Trial:
    """One screen of a listening test.

    Attributes
    ----------
    trial_id : str
        Listener-independent id, e.g. ``"ab2-004"``, ``"acr1-gold1"``, ``"acr1-practice"``.
    test_type : str
        ``acr``, ``ab``, ``identify`` or ``mushra``.
    stimulus_ids : tuple of str
        Clips in display order (A then B for AB; screen order for MUSHRA).
    attributes : tuple of str
        What is asked: ACR scales, ``preference``, ``human_or_ai`` or ``mushra``.
    scenario, line_id : str
        The call scenario and script line the clips belong to.
    reference_id : str
        MUSHRA's open reference clip (also hidden among ``stimulus_ids``); else ``""``.
    allow_none : bool
        AB: "no preference" is offered.
    is_gold, practice : bool
        Gold (attention) trial; practice trial (exported, excluded from analysis).
    index : int
        0-based position in the listener's plan.
    """

    trial_id: str
    test_type: str
    stimulus_ids: tuple[str, ...]
    attributes: tuple[str, ...]
    scenario: str
    line_id: str
    reference_id: str = ""
    allow_none: bool = False
    is_gold: bool = False
    practice: bool = False
    index: int = 0


def williams_square(n: int) -> list[list[int]]:
    """Rows of a Williams design for ``n`` conditions (first-order carry-over balanced).

    ``n`` rows for even ``n``; ``2 n`` rows (the square and its mirror) for odd ``n``.
    """
    first = [0] + [(k + 1) // 2 if k % 2 else n - k // 2 for k in range(1, n)]
    rows = [[(c + r) % n for c in first] for r in range(n)]
    return rows if n % 2 == 0 else rows + [row[::-1] for row in rows]


def ab_pairs(stimuli: list[Stimulus], *, pairs: str) -> list[tuple[Stimulus, Stimulus]]:
    """Pairs of clips of the same scenario and line by different voices, in a stable order."""
    found = []
    for group in _lines(stimuli).values():
        for a, b in itertools.combinations(group, 2):
            if a.voice != b.voice and (pairs == "all" or {a.role, b.role} == {"agent", "human"}):
                found.append((a, b))
    return found


def mushra_screens(stimuli: list[Stimulus], *, reference: bool = True) -> list[tuple[Stimulus, list[Stimulus]]]:
    """MUSHRA screens per line: ``(reference, rated clips)``.

    With a reference, the line's first human clip is the reference and the other voices' clips
    are rated; reference-free, every voice's clip is rated and the first clip only lends the
    anchor its source. A line needs an agent voice and (with a reference) a human one.
    """
    screens = []
    for group in _lines(stimuli).values():
        humans = [s for s in group if s.role == "human"]
        if not any(s.role == "agent" for s in group):
            continue
        if reference and humans:
            screens.append((humans[0], [s for s in group if s.voice != humans[0].voice]))
        elif not reference and len({s.voice for s in group}) >= 2:
            screens.append((group[0], group))
    return screens


def _lines(stimuli: list[Stimulus]) -> dict[tuple[str, str], list[Stimulus]]:
    groups: dict[tuple[str, str], list[Stimulus]] = defaultdict(list)
    for s in sorted(stimuli, key=lambda s: s.id):
        if s.line_id:
            groups[(s.scenario, s.line_id)].append(s)
    return dict(sorted(groups.items()))


def listener_plan(survey: Survey, *, listener_index: int) -> tuple[Trial, ...]:
    """The ordered trials of one listener: for each test, a practice trial, then its block."""
    trials: list[Trial] = []
    for test in survey.tests:
        rng = np.random.default_rng([survey.seed, listener_index, test.number])
        block = _block(survey, test, listener_index=listener_index, rng=rng)
        if survey.practice:
            example = block[int(rng.integers(len(block)))]
            block.insert(0, replace(example, trial_id=f"{_prefix(test)}-practice", practice=True, is_gold=False))
        trials.extend(block)
    return tuple(replace(t, index=i) for i, t in enumerate(trials))


def _prefix(test: TestSpec) -> str:
    return f"{test.type}{test.number}"


def _block(survey: Survey, test: TestSpec, *, listener_index: int, rng: np.random.Generator) -> list[Trial]:
    stimuli = [s for s in survey.stimuli if s.scenario in test.scenarios]
    items, conditions = _items(test, stimuli, listener_index=listener_index, rng=rng)
    if test.trials_per_listener:
        items, conditions = balanced_subset(items, conditions, listener_index=listener_index, size=test.trials_per_listener)
    block = _latin_order(items, conditions, listener_index=listener_index, rng=rng)
    identified = {s.id for t in survey.tests if t.type == "identify" for s in survey.stimuli if s.scenario in t.scenarios}
    for gold in _gold_trials(test, stimuli, listener_index=listener_index, avoid=identified):
        block.insert(int(rng.integers(1, len(block) + 1)), gold)
    return block


def _items(
    test: TestSpec, stimuli: list[Stimulus], *, listener_index: int, rng: np.random.Generator
) -> tuple[list[Trial], list[str]]:
    """The block's trials in survey order, and the condition each one belongs to."""
    prefix = _prefix(test)
    if test.type in ("acr", "identify"):
        attributes = test.attributes if test.type == "acr" else ("human_or_ai",)
        ordered = sorted(stimuli, key=lambda s: s.id)
        items = [
            Trial(f"{prefix}-{k:03d}", test.type, (s.id,), attributes, s.scenario, s.line_id)
            for k, s in enumerate(ordered, start=1)
        ]
        return items, [s.voice for s in ordered]
    if test.type == "ab":
        found = ab_pairs(stimuli, pairs=test.pairs)
        items = [
            Trial(f"{prefix}-{k:03d}", "ab", _sides(a.id, b.id, listener_index + k), ("preference",), a.scenario, a.line_id,
                  allow_none=test.allow_none)
            for k, (a, b) in enumerate(found, start=1)
        ]  # fmt: skip
        return items, ["|".join(sorted((a.voice, b.voice))) for a, b in found]
    screens = mushra_screens(stimuli, reference=test.reference)
    items = []
    for k, (reference, rated) in enumerate(screens, start=1):
        hidden = [reference.id] if test.reference else []
        shown = [*hidden, f"{reference.id}~anchor", *(s.id for s in rated)]
        order = rng.permutation(len(shown))
        items.append(
            Trial(f"{prefix}-{k:03d}", "mushra", tuple(shown[i] for i in order), ("mushra",), reference.scenario,
                  reference.line_id, reference_id=reference.id if test.reference else "")
        )  # fmt: skip
    return items, [f"{r.scenario}/{r.line_id}" for r, _ in screens]


def balanced_subset(items: list[Trial], conditions: list[str], *, listener_index: int, size: int) -> tuple[list[Trial], list[str]]:
    """Listener ``k``'s ``size`` items: the ``k``-th window of ``size`` on a cycle of all items.

    The cycle interleaves the conditions (one item of each in turn), so a window mixes them
    evenly. Consecutive listeners take consecutive windows, so after any number of listeners
    ``L`` every item has been given to ``floor(L size / n)`` or ``ceil(L size / n)`` of them.
    """
    by_condition: dict[str, list[int]] = defaultdict(list)
    for i, condition in enumerate(conditions):
        by_condition[condition].append(i)
    queues = [by_condition[c] for c in sorted(by_condition)]
    cycle = [q[r] for r in range(max(map(len, queues))) for q in queues if r < len(q)]
    start = listener_index * size
    chosen = [cycle[(start + j) % len(cycle)] for j in range(size)]
    return [items[i] for i in chosen], [conditions[i] for i in chosen]


def _sides(first: str, second: str, parity: int) -> tuple[str, str]:
    return (first, second) if parity % 2 == 0 else (second, first)


def _latin_order(items: list[Trial], conditions: list[str], *, listener_index: int, rng: np.random.Generator) -> list[Trial]:
    names = sorted(set(conditions))
    square = williams_square(len(names))
    row = square[listener_index % len(square)]
    queues = {name: [items[i] for i in rng.permutation(len(items)) if conditions[i] == name] for name in names}
    rounds = max(len(q) for q in queues.values())
    return [queues[names[c]][r] for r in range(rounds) for c in row if r < len(queues[names[c]])]


def _gold_trials(test: TestSpec, stimuli: list[Stimulus], *, listener_index: int, avoid: set[str]) -> list[Trial]:
    """Gold trials built from degraded copies (``<id>~gold``) of agent and human clips alike.

    Gold ``g`` of listener ``k`` takes a clip of role ``roles[(k + g) mod 2]``, so across
    listeners half the gold trials come from each role and a gold trial says nothing about who
    is speaking; within a role, clips never used in an identification test (``avoid``) are
    preferred, rotated over listeners. ACR: the degraded clip alone (correct when naturalness is
    rated 1 or 2). AB: the clean clip against its degraded copy, sides counterbalanced (correct
    when the clean clip is chosen).
    """
    roles = sorted({s.role for s in stimuli})
    trials = []
    for g in range(test.gold):
        pool = sorted((s for s in stimuli if s.role == roles[(listener_index + g) % len(roles)]), key=lambda s: s.id)
        fresh = [s for s in pool if s.id not in avoid] or pool
        source = fresh[(listener_index // len(roles) + g) % len(fresh)]
        degraded = f"{source.id}~gold"
        trial_id = f"{_prefix(test)}-gold{g + 1}"
        if test.type == "acr":
            trials.append(Trial(trial_id, "acr", (degraded,), test.attributes, source.scenario, source.line_id, is_gold=True))
        else:
            sides = _sides(source.id, degraded, listener_index + g)
            trials.append(
                Trial(trial_id, "ab", sides, ("preference",), source.scenario, source.line_id, allow_none=test.allow_none, is_gold=True)
            )
    return trials


def design_leaks(survey: Survey, *, listeners: int = 24) -> list[str]:
    """What in a survey's design could tell a listener which clips are human; empty when nothing.

    Checked rules: an identification test must come before any MUSHRA test of the same
    scenarios (MUSHRA's open reference is a human recording, and its low anchor is made from
    it); and, over the plans of the first ``listeners`` listeners, gold trials must come from
    both roles when the test has both (between 25 % and 75 % human), and no clip may be heard as
    a MUSHRA reference or anchor before it is to be identified.
    """
    problems = []
    for later in (t for t in survey.tests if t.type == "identify"):
        for earlier in survey.tests[: later.number - 1]:
            shared = set(earlier.scenarios) & set(later.scenarios)
            if earlier.type == "mushra" and earlier.reference and shared:
                problems.append(
                    f"test[{later.number - 1}] (identify) comes after test[{earlier.number - 1}] (mushra) on scenario "
                    f"{sorted(shared)[0]!r}: MUSHRA's open reference is always a human recording; put identification first"
                )
    gold_roles: dict[str, list[str]] = defaultdict(list)
    for k in range(listeners):
        heard_as_reference: set[str] = set()
        for trial in listener_plan(survey, listener_index=k):
            if trial.test_type == "mushra" and trial.reference_id:
                heard_as_reference.add(trial.reference_id)
            elif trial.test_type == "identify" and trial.stimulus_ids[0] in heard_as_reference:
                problems.append(f"listener {k}: {trial.trial_id} asks about a clip already heard as the MUSHRA reference")
            if trial.is_gold:
                degraded = next(sid for sid in trial.stimulus_ids if sid.endswith("~gold"))
                gold_roles[trial.trial_id.split("-")[0]].append(survey.stimulus(survey.stimulus(degraded).source_id).role)
    for test in survey.tests:
        roles = {s.role for s in survey.stimuli if s.scenario in test.scenarios}
        drawn = gold_roles.get(_prefix(test), [])
        if drawn and len(roles) == 2 and not 0.25 <= drawn.count("human") / len(drawn) <= 0.75:
            problems.append(f"test[{test.number - 1}] ({test.type}): {drawn.count('human')} of {len(drawn)} gold trials "
                            "are made from human clips; gold trials must come from both roles")  # fmt: skip
    return list(dict.fromkeys(problems))


def check_design(survey: Survey) -> None:
    """Raise :class:`SurveyError` naming the survey file when :func:`design_leaks` finds anything."""
    problems = design_leaks(survey)
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise SurveyError(f"{survey.source}: the design could tell listeners who is human: {'; '.join(problems[:3])}{more}")


def describe(survey: Survey) -> pd.DataFrame:
    """One row per test: type, scenarios, trials per listener (with gold and practice), clips heard."""
    plan = listener_plan(survey, listener_index=0)
    rows = []
    for test in survey.tests:
        trials = [t for t in plan if t.trial_id.startswith(f"{_prefix(test)}-")]
        rows.append({
            "test": _prefix(test), "type": test.type, "scenarios": ", ".join(test.scenarios),
            "trials": len(trials), "gold": sum(t.is_gold for t in trials), "practice": sum(t.practice for t in trials),
            "clips": sum(len(t.stimulus_ids) for t in trials),
        })  # fmt: skip
    return pd.DataFrame(rows)
