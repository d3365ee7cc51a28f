"""Identification: listeners as the unit, balanced accuracy, bias-proof d', equivalence only with enough listeners."""

import numpy as np
import pytest
from _stats_rows import frame, row
from scipy import stats

from persona.stats.identification import DETECTED, INCONCLUSIVE, INDISTINGUISHABLE, identification_table


def panel(listeners: dict[str, tuple[list[str], list[str]]]):
    """Identification answers: ``{listener: (answers to agent clips, answers to human clips)}``."""
    rows = []
    for listener, (agent_answers, human_answers) in listeners.items():
        rows += [row(test_type="identify", attribute="human_or_ai", role="agent", voice="bot", listener_id=listener,
                     stimulus_id=f"bot/{k}", choice=c, confidence=2.0) for k, c in enumerate(agent_answers)]  # fmt: skip
        rows += [row(test_type="identify", attribute="human_or_ai", role="human", voice="ann", listener_id=listener,
                     stimulus_id=f"ann/{k}", choice=c) for k, c in enumerate(human_answers)]  # fmt: skip
    return identification_table(frame(rows)).iloc[0]


def test_pure_response_bias_with_unequal_counts_is_no_detection():
    """The issue's case: 10 listeners x (4 agent + 8 human clips), every answer "human".

    Pooled proportion correct would be 80/120 = 0.667 (p = 1.6e-4 "detected"). By hand: every
    listener has H = 0 and F = 0, so balanced accuracy (0 + 1 - 0) / 2 = 0.5 exactly, and d' on
    a common count is z(0.5/5) - z(0.5/5) = 0; the sign test over listeners has no listener
    above chance, so p = 1.
    """
    result = panel({f"L{i}": (["human"] * 4, ["human"] * 8) for i in range(10)})
    assert result["balanced_accuracy"] == 0.5
    assert result["d_prime"] == pytest.approx(0.0, abs=1e-12)
    assert result["criterion_c"] == pytest.approx(-stats.norm.ppf(0.1))  # c = -z(0.5/5) > 0: leans "human"
    assert result["p_vs_chance"] == 1.0 and result["verdict"] == INCONCLUSIVE


def test_bias_towards_ai_with_unequal_counts_is_no_detection():
    """Every answer "ai" (H = F = 1): balanced accuracy 0.5, d' 0, not detected."""
    result = panel({f"L{i}": (["ai"] * 3, ["ai"] * 9) for i in range(12)})
    assert (result["balanced_accuracy"], result["verdict"]) == (0.5, INCONCLUSIVE)
    assert result["d_prime"] == pytest.approx(0.0, abs=1e-12)


def test_detection_is_tested_over_listeners():
    """8 listeners; listener k calls 3 of 4 agent clips AI and k % 3 of 8 human clips AI.

    Balanced accuracies (0.75 + 1 - F) / 2 with F in {0, 1/8, 2/8}; the expected p is scipy's
    one-sample t test of those 8 numbers against 0.5 (one-sided), computed here independently.
    """
    listeners = {f"L{k}": (["ai"] * 3 + ["human"], ["ai"] * (k % 3) + ["human"] * (8 - k % 3)) for k in range(8)}
    accuracy = np.array([(0.75 + 1 - (k % 3) / 8) / 2 for k in range(8)])
    result = panel(listeners)
    assert result["n_listeners"] == 8
    assert result["balanced_accuracy"] == pytest.approx(accuracy.mean())
    assert result["p_vs_chance"] == pytest.approx(stats.ttest_1samp(accuracy, 0.5, alternative="greater").pvalue)
    assert result["verdict"] == DETECTED


def test_one_listener_with_many_chance_trials_is_not_indistinguishable():
    """The issue's case: one listener, 300 trials at chance. Pooled TOST said "indistinguishable"."""
    result = panel({"L1": (["ai", "human"] * 75, ["ai", "human"] * 75)})
    assert np.isnan(result["p_vs_chance"]) and result["verdict"] == INCONCLUSIVE


def test_a_perfect_and_an_inverted_listener_are_not_indistinguishable():
    result = panel({"good": (["ai"] * 6, ["human"] * 6), "inverted": (["human"] * 6, ["ai"] * 6)})
    assert result["balanced_accuracy"] == 0.5 and result["verdict"] == INCONCLUSIVE


def test_indistinguishable_needs_enough_listeners_at_chance():
    """40 listeners whose balanced accuracy is 0.5 +/- 0.0625 (half of them each way): TOST passes.

    Listener SD of balanced accuracy is 0.0633 (sample SD of +/-0.0625 alternating, n = 40), well
    inside the +/-0.1 margin; the planner's minimum for that design is far below 40.
    """
    even = (["ai"] * 4 + ["human"] * 4, ["ai"] * 4 + ["human"] * 4)  # H = F = 0.5
    up = (["ai"] * 5 + ["human"] * 3, ["ai"] * 4 + ["human"] * 4)  # H = 0.625
    down = (["ai"] * 3 + ["human"] * 5, ["ai"] * 4 + ["human"] * 4)
    many = panel({f"L{k}": (up if k % 2 else down) for k in range(40)} | {"L_even": even})
    assert many["p_equivalence"] < 0.05 and many["verdict"] == INDISTINGUISHABLE
    few = panel({f"L{k}": (up if k % 2 else down) for k in range(4)})
    assert few["n_listeners"] < few["min_listeners_equivalence"]
    assert np.isnan(few["p_equivalence"]) and few["verdict"] == INCONCLUSIVE


def test_holm_runs_across_agent_voices():
    """Two agent voices, one family: Holm by hand, p(1) * 2 and max(p(1) * 2, p(2))."""
    rows = []
    for voice, spotted in (("bot_a", 2), ("bot_b", 3)):
        for listener in range(6):
            rows += [row(test_type="identify", attribute="human_or_ai", role="agent", voice=voice,
                         listener_id=f"L{listener}", stimulus_id=f"{voice}/{k}",
                         choice="ai" if k < spotted + listener % 2 else "human") for k in range(4)]  # fmt: skip
    rows += [row(test_type="identify", attribute="human_or_ai", role="human", voice="ann", listener_id=f"L{listener}",
                 stimulus_id=f"ann/{k}", choice="ai" if k < 1 + listener % 3 else "human") for listener in range(6)
             for k in range(4)]  # fmt: skip
    table = identification_table(frame(rows)).sort_values("p_vs_chance")
    first, second = table["p_vs_chance"]
    assert first < second
    assert table["p_holm"].tolist() == pytest.approx([min(1, 2 * first), min(1, max(2 * first, second))])
