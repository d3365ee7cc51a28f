"""Listener screening: P.808 gold and headphone rules, BS.1534 post-screening at its boundary."""

import pytest
from _stats_rows import frame, row

from persona.errors import ParameterError
from persona.stats.screening import apply_screening, exclusion_summary, screen_listeners


def mushra_panel(reference_scores: list[float], *, listener: str = "L1") -> list[dict]:
    """One listener's MUSHRA screens: hidden reference score per screen, plus the agent."""
    rows = []
    for k, score in enumerate(reference_scores):
        common = {"listener_id": listener, "test_type": "mushra", "attribute": "mushra", "trial_id": f"{listener}/m{k}"}
        rows.append(row(**common, voice="human", role="reference", stimulus_id=f"ref{k}", rating=score))
        rows.append(row(**common, voice="agent", role="agent", stimulus_id=f"agent{k}", rating=50.0))
    return rows


@pytest.mark.parametrize(
    ("n_low", "n_screens", "excluded"),
    [(2, 20, False), (3, 20, False), (4, 20, True), (0, 1, False), (1, 1, True), (1, 7, False), (1, 6, True)],
)
def test_bs1534_reference_rule_excludes_only_above_fifteen_percent(n_low, n_screens, excluded):
    screened = screen_listeners(frame(mushra_panel([80.0] * n_low + [100.0] * (n_screens - n_low))))
    assert bool(screened["excluded"].iloc[0]) is excluded
    assert screened["n_reference_below_min"].iloc[0] == n_low


def test_bs1534_reference_of_exactly_ninety_is_not_low():
    at_threshold = screen_listeners(frame(mushra_panel([90.0] * 10)))
    just_below = screen_listeners(frame(mushra_panel([89.0] * 10)))
    assert at_threshold["n_reference_below_min"].iloc[0] == 0 and not at_threshold["excluded"].iloc[0]
    assert just_below["excluded"].iloc[0]


def test_gold_failures_at_and_around_the_allowed_count():
    rows = [row(listener_id="L1", is_gold=True, gold_correct=c, rating=2.0, trial_id=f"g{i}")
            for i, c in enumerate([True, False, True])]  # fmt: skip
    responses = frame(rows)
    assert screen_listeners(responses)["excluded"].iloc[0]
    assert not screen_listeners(responses, gold_max_failures=1)["excluded"].iloc[0]
    assert "failed 1 of 3 gold trials" in screen_listeners(responses)["reasons"].iloc[0]


def test_headphone_failure_excludes_unless_not_required():
    responses = frame([row(listener_id="L1", rating=3.0, headphone_passed=False), row(listener_id="L2", rating=3.0)])
    screened = screen_listeners(responses).set_index("listener_id")
    assert screened.loc["L1", "excluded"] and not screened.loc["L2", "excluded"]
    assert not screen_listeners(responses, require_headphones=False)["excluded"].any()
    kept = apply_screening(responses, screen_listeners(responses))
    assert set(kept["listener_id"]) == {"L2"}


def test_practice_gold_failures_do_not_count():
    responses = frame([row(is_gold=True, gold_correct=False, practice=True, rating=1.0), row(rating=3.0, trial_id="t1")])
    assert not screen_listeners(responses)["excluded"].iloc[0]


def test_exclusion_summary_counts_each_rule_and_the_total():
    rows = mushra_panel([80.0] * 5, listener="L1") + mushra_panel([100.0] * 5, listener="L2")
    rows.append(row(listener_id="L1", rating=3.0, headphone_passed=False))
    rows = [{**r, "headphone_passed": r["listener_id"] != "L1"} for r in rows]
    summary = exclusion_summary(screen_listeners(frame(rows))).set_index("rule")["n_listeners"]
    assert summary["listeners in panel"] == 2
    assert summary["failed the headphone check"] == 1
    assert summary["excluded (any rule)"] == 1


def test_bad_screening_parameters_are_refused():
    with pytest.raises(ParameterError, match="reference_max_fraction"):
        screen_listeners(frame([row(rating=3.0)]), reference_max_fraction=1.5)
