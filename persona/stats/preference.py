"""AB preference: pairwise preference shares, and Bradley-Terry scores across several voices.

Ties
----
A "none" answer (no preference) is a tie. Ties are **excluded** from the share and from the
test (the share is of decided trials) and reported separately as ``n_ties`` / ``tie_share``:
splitting them half-and-half would pull every share towards 50 % and hide a real preference.

Preference share
----------------
Per scenario and voice pair, ``share`` = wins of ``voice`` / decided trials. **Listeners are
the unit of inference**: one listener's answers are not independent (a listener who always
prefers the agent is one opinion, not 30), so the interval and test come from
:func:`persona.stats.inference.clustered_share`: the pooled share's cluster-robust variance
over listeners sets an effective number of trials (Korn & Graubard 1998), with a Wilson
interval on it and the dual score test against 50 % on listeners - 1 df; Holm across all
pairs. In an agent-versus-human pair the agent is always ``voice``. :func:`agent_preference`
pools each agent voice's pairs against every human voice of a scenario (the headline).

Bradley-Terry
-------------
When a scenario compares more than two voices, strengths are fitted with Hunter's (2004)
minorisation-maximisation algorithm on the win counts. Half a win is added to each side of
every compared pair (a weak prior) so a voice that never wins keeps a finite score. Scores are
reported normalised to sum to 1 (``score`` = the chance of being preferred in a contest
against the whole field, in proportion), with percentile intervals from resampling listeners.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse.csgraph import connected_components

from .inference import clustered_share, holm_adjust
from .responses import scored_answers

PREFERENCE_COLUMNS = (
    "scenario", "voice", "role", "other_voice", "other_role", "n_listeners", "n_trials", "n_ties",
    "n_decided", "n_preferred", "share", "ci_low", "ci_high", "p_value", "p_holm", "n_effective", "tie_share",
)  # fmt: skip
AGENT_PREFERENCE_COLUMNS = (
    "scenario", "voice", "n_listeners", "n_trials", "n_ties", "n_decided", "n_preferred", "share",
    "ci_low", "ci_high", "p_value", "p_holm", "n_effective", "tie_share",
)  # fmt: skip
BRADLEY_TERRY_COLUMNS = ("scenario", "voice", "role", "n_comparisons", "score", "ci_low", "ci_high", "note")
_ROLE_ORDER = {"agent": 0, "human": 1, "reference": 2, "anchor": 3}
_PRIOR_WINS = 0.5
_MM_TOLERANCE = 1e-10
_MM_MAX_ITERATIONS = 10_000


def decided_pairs(responses: pd.DataFrame) -> pd.DataFrame:
    """AB answers re-expressed as ``voice`` (agent first) versus ``other_voice`` and the winner.

    Returns
    -------
    pandas.DataFrame
        Columns ``scenario, listener_id, voice, role, other_voice, other_role, winner``;
        ``winner`` is ``"voice"``, ``"other"`` or ``"tie"``.
    """
    ab = scored_answers(responses, "ab").dropna(subset=["choice", "other_voice"])
    a_first = [
        (_ROLE_ORDER[role], voice) <= (_ROLE_ORDER.get(other_role, 9), other_voice)
        for role, voice, other_role, other_voice in zip(ab["role"], ab["voice"], ab["other_role"], ab["other_voice"])
    ]
    a_first = np.asarray(a_first, dtype=bool)
    chose = ab["choice"].to_numpy()
    winner = np.where(chose == "none", "tie", np.where((chose == "A") == a_first, "voice", "other"))
    return pd.DataFrame({
        "scenario": ab["scenario"].to_numpy(),
        "listener_id": ab["listener_id"].to_numpy(),
        "voice": np.where(a_first, ab["voice"], ab["other_voice"]),
        "role": np.where(a_first, ab["role"], ab["other_role"]),
        "other_voice": np.where(a_first, ab["other_voice"], ab["voice"]),
        "other_role": np.where(a_first, ab["other_role"], ab["role"]),
        "winner": winner,
    })  # fmt: skip


def preference_shares(responses: pd.DataFrame, *, confidence: float = 0.95) -> pd.DataFrame:
    """Preference share per scenario and voice pair, ties excluded, listener-clustered (see module docstring).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`PREFERENCE_COLUMNS`; ``share`` and its interval are proportions (0..1).
    """
    keys = ["scenario", "voice", "role", "other_voice", "other_role"]
    return _shares(decided_pairs(responses), keys, PREFERENCE_COLUMNS, confidence=confidence)


def agent_preference(responses: pd.DataFrame, *, confidence: float = 0.95) -> pd.DataFrame:
    """Each agent voice's preference share against all human voices of its scenario, listener-clustered.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`AGENT_PREFERENCE_COLUMNS`; ``p_holm`` across the rows.
    """
    pairs = decided_pairs(responses)
    pairs = pairs[(pairs["role"] == "agent") & (pairs["other_role"] == "human")]
    return _shares(pairs, ["scenario", "voice"], AGENT_PREFERENCE_COLUMNS, confidence=confidence)


def _shares(pairs: pd.DataFrame, keys: list[str], columns: tuple[str, ...], *, confidence: float) -> pd.DataFrame:
    """One row per group of ``keys``: counts, the listener-clustered share and its inference, Holm across rows."""
    rows = []
    for key, group in pairs.groupby(keys, sort=True):
        per_listener = group.assign(win=group["winner"] == "voice", decided=group["winner"] != "tie").groupby(
            "listener_id")[["win", "decided"]].sum()  # fmt: skip
        n_ties = int((group["winner"] == "tie").sum())
        n_decided = len(group) - n_ties
        inference = clustered_share(per_listener["win"].to_numpy(), per_listener["decided"].to_numpy(), confidence=confidence)
        rows.append({
            **dict(zip(keys, key)), "n_listeners": int((per_listener["decided"] > 0).sum()),
            "n_trials": len(group), "n_ties": n_ties, "n_decided": n_decided,
            "n_preferred": int(per_listener["win"].sum()), "share": inference["share"] if n_decided else np.nan,
            "ci_low": inference["ci_low"], "ci_high": inference["ci_high"], "p_value": inference["p_value"],
            "n_effective": inference["n_effective"], "tie_share": n_ties / len(group),
        })  # fmt: skip
    table = pd.DataFrame(rows).reindex(columns=list(columns))
    table["p_holm"] = holm_adjust(table["p_value"])
    return table


def bradley_terry(
    responses: pd.DataFrame, *, confidence: float = 0.95, n_boot: int = 200, seed: int = 0
) -> pd.DataFrame:
    """Bradley-Terry scores per scenario that compares more than two voices.

    Parameters
    ----------
    responses : pandas.DataFrame
        Validated tidy responses.
    confidence : float
        Confidence level of the bootstrap interval (0..1).
    n_boot : int
        Listener resamples for the interval (0 for none).
    seed : int
        Seed of the bootstrap.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`BRADLEY_TERRY_COLUMNS`; scores of one scenario sum to 1.
    """
    rng = np.random.default_rng(seed)
    pairs = decided_pairs(responses)
    pairs = pairs[pairs["winner"] != "tie"]
    rows = []
    for scenario, group in pairs.groupby("scenario", sort=True):
        roles = dict(zip(group["voice"], group["role"])) | dict(zip(group["other_voice"], group["other_role"]))
        voices = sorted(roles)
        if len(voices) < 3:
            continue
        wins = _listener_win_counts(group, voices)
        scores = fit_bradley_terry(wins.sum(axis=0))
        low, high = _bootstrap_scores(wins, confidence=confidence, n_boot=n_boot, rng=rng)
        connected = _is_connected(wins.sum(axis=0))
        comparisons = (wins.sum(axis=0) + wins.sum(axis=0).T).sum(axis=1)
        for index, voice in enumerate(voices):
            rows.append({
                "scenario": scenario, "voice": voice, "role": roles[voice],
                "n_comparisons": int(comparisons[index]), "score": scores[index],
                "ci_low": low[index], "ci_high": high[index],
                "note": "" if connected else "comparison graph not connected: scores not comparable",
            })  # fmt: skip
    return pd.DataFrame(rows, columns=list(BRADLEY_TERRY_COLUMNS))


def fit_bradley_terry(wins: np.ndarray) -> np.ndarray:
    """Bradley-Terry strengths from a win matrix by Hunter's MM algorithm.

    Parameters
    ----------
    wins : numpy.ndarray
        ``wins[i, j]`` = times voice i was preferred to voice j, shape ``(k, k)``.

    Returns
    -------
    numpy.ndarray
        Strengths normalised to sum to 1, shape ``(k,)``. Half a win is added to both sides
        of every compared pair before fitting.
    """
    wins = np.asarray(wins, dtype=float)
    compared = (wins + wins.T) > 0
    wins = wins + _PRIOR_WINS * compared
    contests = wins + wins.T
    total_wins = wins.sum(axis=1)
    strength = np.full(len(wins), 1.0 / len(wins))
    for _ in range(_MM_MAX_ITERATIONS):
        denominator = (contests / (strength[:, None] + strength[None, :])).sum(axis=1)
        updated = np.where(denominator > 0, total_wins / np.where(denominator > 0, denominator, 1), strength)
        updated /= updated.sum()
        if np.max(np.abs(updated - strength)) < _MM_TOLERANCE:
            return updated
        strength = updated
    return strength


def _listener_win_counts(pairs: pd.DataFrame, voices: list[str]) -> np.ndarray:
    """Win matrices per listener, shape ``(n_listeners, k, k)``."""
    index = {voice: i for i, voice in enumerate(voices)}
    listeners = {listener: i for i, listener in enumerate(pairs["listener_id"].unique())}
    wins = np.zeros((len(listeners), len(voices), len(voices)))
    voice_won = (pairs["winner"] == "voice").to_numpy()
    winners = np.where(voice_won, pairs["voice"], pairs["other_voice"])
    losers = np.where(voice_won, pairs["other_voice"], pairs["voice"])
    for listener, winner, loser in zip(pairs["listener_id"], winners, losers):
        wins[listeners[listener], index[winner], index[loser]] += 1
    return wins


def _bootstrap_scores(wins: np.ndarray, *, confidence: float, n_boot: int, rng: np.random.Generator):
    n_listeners, k = wins.shape[0], wins.shape[1]
    if n_listeners < 2 or n_boot < 1:
        return np.full(k, np.nan), np.full(k, np.nan)
    draws = rng.integers(0, n_listeners, size=(n_boot, n_listeners))
    scores = np.array([fit_bradley_terry(wins[draw].sum(axis=0)) for draw in draws])
    tail = (1 - confidence) / 2
    return np.quantile(scores, tail, axis=0), np.quantile(scores, 1 - tail, axis=0)


def _is_connected(wins: np.ndarray) -> bool:
    """Whether every voice is linked to every other through compared pairs."""
    n_components, _ = connected_components((wins + wins.T) > 0, directed=False)
    return n_components == 1
