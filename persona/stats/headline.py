"""The headline table: one plain-language statement per finding, with its numbers.

Each row has the statement a product manager reads ("In billing_dispute agent_tts is rated 0.8
points less trustworthy than the human agents (95 % CI 0.5 to 1.1) ..."), the estimate and its
interval, the p-value and the method, so the sentence can always be traced to a table row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .acr import MIN_HUMAN_VOICES_POPULATION, POPULATION, THESE_VOICES
from .identification import DETECTED, INDISTINGUISHABLE

HEADLINE_COLUMNS = ("scenario", "topic", "statement", "estimate", "ci_low", "ci_high", "unit", "p_value", "method")
ALL_SCENARIOS = "(all)"
_ADJECTIVES = {"naturalness": "natural", "warmth": "warm", "trust": "trustworthy", "fit": "fitting for the situation"}


def headline_table(tables: dict[str, pd.DataFrame], *, alpha: float = 0.05) -> pd.DataFrame:
    """Assemble the headline rows from the analysis tables (missing tables are skipped)."""
    rows = (
        _screening_rows(tables.get("exclusions"))
        + _acr_rows(tables.get("acr_differences"), alpha=alpha)
        + _identification_rows(tables.get("identification"))
        + _preference_rows(tables.get("preference_agent"))
        + _mushra_rows(tables.get("mushra_scores"), tables.get("mushra_differences"))
        + _acoustic_rows(tables.get("acoustics"), alpha=alpha)
        + _power_rows(tables.get("power"))
    )
    table = pd.DataFrame(rows, columns=list(HEADLINE_COLUMNS))
    return table.sort_values("scenario", kind="stable").reset_index(drop=True)  # "(all)" sorts first


def _row(scenario: str, topic: str, statement: str, *, estimate: float = np.nan, ci: tuple = (np.nan, np.nan),
         unit: str = "", p_value: float = np.nan, method: str = "") -> dict:  # fmt: skip
    return {"scenario": scenario, "topic": topic, "statement": statement, "estimate": estimate,
            "ci_low": ci[0], "ci_high": ci[1], "unit": unit, "p_value": p_value, "method": method}  # fmt: skip


def _p(p_value: float) -> str:
    if not np.isfinite(p_value):
        return "no test"
    return "p < 0.001" if p_value < 0.001 else f"p = {p_value:.3f}"


def _screening_rows(exclusions: pd.DataFrame | None) -> list[dict]:
    """From :func:`persona.stats.screening.exclusion_summary`: panel size, rules, total excluded."""
    if exclusions is None or exclusions["n_listeners"].iloc[0] == 0:
        return []
    panel, rules, excluded = exclusions.iloc[0], exclusions.iloc[1:-1], exclusions.iloc[-1]
    statement = f"{excluded.n_listeners} of {panel.n_listeners} listeners excluded by screening"
    if len(rules):
        statement += " (" + "; ".join(f"{r.rule}: {r.n_listeners}" for r in rules.itertuples()) + ")"
    return [_row(ALL_SCENARIOS, "screening", statement + ".", estimate=excluded.n_listeners, unit="listeners",
                 method="P.808 gold + headphone check; BS.1534 post-screening")]  # fmt: skip


def _acr_rows(differences: pd.DataFrame | None, *, alpha: float) -> list[dict]:
    """One sentence per agent-human difference, with the simultaneous CI beside the Holm p.

    The comparison group follows the row's ``scope``: "the human agents" when the human voices
    are a population (enough of them), "these N human voices" otherwise, with the reason.
    """
    rows = []
    family = 0 if differences is None else len(differences)
    for d in ([] if differences is None else differences.itertuples()):
        adjective = _ADJECTIVES.get(d.attribute, f"high on {d.attribute}")
        ci = (d.ci_low_simultaneous, d.ci_high_simultaneous)
        interval = f"95% CI simultaneous over {family} comparisons" if family > 1 else "95% CI"
        humans = "the human agents" if d.scope != THESE_VOICES else f"these {d.n_human_voices} human voice(s)"
        if not np.isfinite(ci[0]):
            statement = (f"In {d.scenario} {d.agent_voice} scores {d.difference_mos:+.1f} points on "
                         f"{d.attribute} against {humans}; no interval ({d.note}).")  # fmt: skip
        elif d.p_holm < alpha:
            direction = "less" if d.difference_mos < 0 else "more"
            low, high = sorted((abs(ci[0]), abs(ci[1])))
            statement = (f"In {d.scenario} {d.agent_voice} is rated {abs(d.difference_mos):.1f} points "
                         f"{direction} {adjective} than {humans} ({interval} {low:.1f} to "
                         f"{high:.1f}; Holm {_p(d.p_holm)}).")  # fmt: skip
        else:
            statement = (f"In {d.scenario} the {d.attribute} difference between {d.agent_voice} and {humans} "
                         f"is not significant after Holm correction ({d.difference_mos:+.2f} points, "
                         f"{interval} {ci[0]:+.2f} to {ci[1]:+.2f}; Holm {_p(d.p_holm)}).")  # fmt: skip
            if d.scope == POPULATION and d.df < 3:
                statement += (f" The interval is wide because the {d.n_human_voices} human voices differ from each "
                              "other and so few of them say little about human agents in general.")  # fmt: skip
        if d.scope == THESE_VOICES:
            statement += (f" With fewer than {MIN_HUMAN_VOICES_POPULATION} human voices in the test this says nothing "
                          "about human agents in general: add human voices to generalise.")  # fmt: skip
        rows.append(_row(d.scenario, "acr", statement, estimate=d.difference_mos, ci=ci,
                         unit="MOS points (agent - human)", p_value=d.p_holm, method=d.method))  # fmt: skip
    return rows


def _identification_rows(identification: pd.DataFrame | None) -> list[dict]:
    rows = []
    for r in ([] if identification is None else identification.itertuples()):
        told = {DETECTED: "listeners told it from the human agents above chance",
                INDISTINGUISHABLE: "listeners could not tell it from the human agents "
                f"(equivalence within +/-{r.equivalence_margin:.0%})",
                }.get(r.verdict, "the panel shows no detection above chance, and not enough to call it "
                      "indistinguishable" + (f" ({r.note})" if r.note else ""))  # fmt: skip
        statement = (f"In {r.scenario} {r.ai_rate:.0%} of answers called {r.agent_voice} AI and "
                     f"{r.false_alarm_rate:.0%} called a human agent AI; balanced accuracy "
                     f"{r.balanced_accuracy:.0%} (simultaneous 95% CI {r.ba_ci_low:.0%} to {r.ba_ci_high:.0%}, "
                     f"{r.n_listeners} listeners, d' = {r.d_prime:.2f}; Holm {_p(r.p_holm)}): {told}.")  # fmt: skip
        rows.append(_row(r.scenario, "identification", statement, estimate=r.balanced_accuracy,
                         ci=(r.ba_ci_low, r.ba_ci_high), unit="balanced accuracy (0.5 = chance)",
                         p_value=r.p_holm, method="listener-level t test vs 0.5, Holm; TOST for equivalence"))  # fmt: skip
    return rows


def _preference_rows(preference: pd.DataFrame | None) -> list[dict]:
    """From :func:`persona.stats.preference.agent_preference`: each agent voice against the human voices."""
    rows = []
    for r in ([] if preference is None else preference.itertuples()):
        if r.n_decided == 0:
            continue
        interval = (f"95% CI {r.ci_low:.0%} to {r.ci_high:.0%} over {r.n_listeners} listeners"
                    if np.isfinite(r.ci_low) else f"no interval from {r.n_listeners} listener")  # fmt: skip
        statement = (f"In {r.scenario} listeners preferred {r.voice} over a human agent in {r.share:.0%} "
                     f"of AB trials ({interval}; Holm {_p(r.p_holm)}; {r.n_ties} ties excluded).")  # fmt: skip
        rows.append(_row(r.scenario, "preference", statement, estimate=r.share, ci=(r.ci_low, r.ci_high),
                         unit="share of decided AB trials", p_value=r.p_holm,
                         method="listener-clustered Wilson interval and score test (Korn-Graubard), ties excluded"))  # fmt: skip
    return rows


def _mushra_rows(scores: pd.DataFrame | None, differences: pd.DataFrame | None) -> list[dict]:
    if scores is None or scores.empty:
        return []
    contrasts = {} if differences is None else {(d.scenario, d.agent_voice): d for d in differences.itertuples()}
    rows = []
    for scenario, block in scores.groupby("scenario", sort=True):
        medians = block.groupby("role")["median"].median()
        for agent in block[block["role"] == "agent"].itertuples():
            context = ", ".join(f"{role} {medians[role]:.0f}" for role in ("reference", "human", "anchor") if role in medians)
            statement = f"In {scenario} MUSHRA median for {agent.voice} is {agent.median:.0f}/100 ({context})"
            d = contrasts.get((scenario, agent.voice))
            if d is not None and np.isfinite(d.ci_low_simultaneous):
                statement += (f"; agent minus human {d.difference:+.0f} points over {d.n_listeners} listeners "
                              f"(95% CI {d.ci_low_simultaneous:+.0f} to {d.ci_high_simultaneous:+.0f}"
                              f"{' simultaneous' if len(contrasts) > 1 else ''}; Holm {_p(d.p_holm)})")  # fmt: skip
            rows.append(_row(scenario, "mushra", statement + ".", estimate=agent.median, ci=(agent.ci_low, agent.ci_high),
                             unit="MUSHRA points (median; CI of listener means)", p_value=getattr(d, "p_holm", np.nan),
                             method="BS.1534; t over listener means"))  # fmt: skip
    return rows


def _acoustic_rows(correlations: pd.DataFrame | None, *, alpha: float) -> list[dict]:
    if correlations is None or correlations.empty:
        return []
    rows = []
    for attribute, block in correlations.groupby("attribute", sort=True):
        negative = block[(block["rho"] < 0) & (block["p_holm"] < alpha)].sort_values("rho")
        if negative.empty:
            continue
        top = negative.iloc[0]
        statement = (f"{attribute.capitalize()} ratings fall as {top.feature} moves away from the human band "
                     f"(Spearman rho = {top.rho:.2f}, 95% CI {top.ci_low:.2f} to {top.ci_high:.2f}, "
                     f"{top.n_points} stimuli; Holm {_p(top.p_holm)}).")  # fmt: skip
        rows.append(_row(ALL_SCENARIOS, "acoustics", statement, estimate=top.rho, ci=(top.ci_low, top.ci_high),
                         unit="Spearman rho", p_value=top.p_holm, method="Spearman, Fisher-z CI"))  # fmt: skip
    return rows


def _power_rows(power: pd.DataFrame | None) -> list[dict]:
    if power is None or power.empty:
        return []
    top = power.iloc[0]
    return [_row(ALL_SCENARIOS, "planning", top.sentence, estimate=top.n_listeners_needed, unit="listeners",
                 method=f"simulation ({top.n_sims} panels per size) from observed variance components")]  # fmt: skip
