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
    assert "P.808 gold questions: 1 of 3 wrong" in screen_listeners(responses)["reasons"].iloc[0]


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
    assert summary["failed the headphone check (P.808 environment test)"] == 1
    assert summary["excluded (any rule)"] == 1


def test_bad_screening_parameters_are_refused():
    with pytest.raises(ParameterError, match="reference_max_fraction"):
        screen_listeners(frame([row(rating=3.0)]), reference_max_fraction=1.5)


def test_bs1534_mid_anchor_rule_above_ninety_on_more_than_fifteen_percent():
    """BS.1534-3 4.1.2: a mid-range anchor rated > 90 on 4 of 20 screens (20 %) excludes; 3 of 20 (15 %) does not;
    a low anchor (no "mid" in its name) rated 95 is not subject to the rule."""
    def panel(n_high, n_screens=20, voice="anchor_mid_7k"):
        rows = mushra_panel([100.0] * n_screens)
        rows += [row(listener_id="L1", test_type="mushra", attribute="mushra", trial_id=f"L1/m{k}", voice=voice,
                     role="anchor", stimulus_id=f"mid{k}", rating=95.0 if k < n_high else 60.0)
                 for k in range(n_screens)]  # fmt: skip
        return screen_listeners(frame(rows)).iloc[0]

    assert panel(4)["excluded"] and "mid-range anchor" in panel(4)["reasons"]
    assert not panel(3)["excluded"] and panel(3)["n_mid_anchor_above_max"] == 3
    assert not panel(20, voice="anchor_3k5")["excluded"]


def test_p808_gold_tolerance_is_plus_minus_one():
    """P.808 gold: expected rating 2; answers 1 and 3 are within +-1 (correct), 4 is not."""
    def listener(answer):
        rows = [row(listener_id="L1", is_gold=True, gold_correct=None, rating=float(answer), stimulus_id="gold/1",
                    trial_id="g1"), row(listener_id="L1", rating=3.0, trial_id="t1")]  # fmt: skip
        return screen_listeners(frame(rows), gold_expected={"gold/1": 2.0}).iloc[0]

    assert listener(1)["n_gold_failed"] == 0 and listener(3)["n_gold_failed"] == 0
    assert listener(4)["n_gold_failed"] == 1 and listener(4)["excluded"]


def test_p808_one_rating_throughout_a_session_excludes_that_session_only():
    """Session s1 gives 3 to all six clips (variance 0); session s2 varies; s1 is dropped, the listener kept."""
    flat = [row(listener_id="L1", session_id="s1", rating=3.0, trial_id=f"a{k}", stimulus_id=f"x{k}") for k in range(6)]
    varied = [row(listener_id="L1", session_id="s2", rating=float(1 + k % 5), trial_id=f"b{k}", stimulus_id=f"y{k}")
              for k in range(6)]  # fmt: skip
    responses = frame(flat + varied)
    screened = screen_listeners(responses)
    assert screened["excluded_sessions"].iloc[0] == "s1" and not screened["excluded"].iloc[0]
    assert "P.808 rating variance" in screened["reasons"].iloc[0]
    kept = apply_screening(responses, screened)
    assert set(kept["session_id"]) == {"s2"}
    assert screen_listeners(frame(flat))["excluded"].iloc[0]  # its only session excluded: listener excluded
