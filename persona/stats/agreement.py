"""Inter-listener agreement: Krippendorff's alpha (ordinal) per ACR attribute.

Units are stimuli, coders are listeners, values the 1..5 ratings (``krippendorff`` package,
ordinal metric, value domain 1..5). A listener who rated a stimulus more than once (a
test-retest probe) contributes their first rating only. Alpha is undefined when fewer than two
listeners rated a common stimulus or when every rating is the same value; the table then says so.
Conventional reading: alpha >= 0.8 reliable, >= 0.667 tentative, below that the panel disagrees.
"""

from __future__ import annotations

import krippendorff
import numpy as np
import pandas as pd

from .responses import ACR_SCALE, scored_answers

AGREEMENT_COLUMNS = ("attribute", "n_listeners", "n_stimuli", "n_ratings", "alpha_ordinal", "note")


def krippendorff_alpha(responses: pd.DataFrame) -> pd.DataFrame:
    """Krippendorff's ordinal alpha per ACR attribute, pooled over scenarios.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`AGREEMENT_COLUMNS`; ``alpha_ordinal`` is NaN with a ``note`` when
        undefined.
    """
    acr = scored_answers(responses, "acr").dropna(subset=["rating"]).sort_values("trial_index", kind="stable")
    domain = list(range(ACR_SCALE[0], ACR_SCALE[1] + 1))
    rows = []
    for attribute, group in acr.groupby("attribute", sort=True):
        matrix = group.pivot_table(index="listener_id", columns="stimulus_id", values="rating", aggfunc="first")
        shared = matrix.loc[:, matrix.notna().sum(axis=0) >= 2]
        row = {"attribute": attribute, "n_listeners": matrix.shape[0], "n_stimuli": matrix.shape[1],
               "n_ratings": int(matrix.notna().sum().sum()), "alpha_ordinal": np.nan, "note": ""}  # fmt: skip
        if shared.shape[1] == 0:
            row["note"] = "no stimulus rated by two listeners: alpha undefined"
        elif np.unique(shared.stack().to_numpy()).size < 2:
            row["note"] = "all ratings identical: alpha undefined"
        else:
            row["alpha_ordinal"] = float(krippendorff.alpha(
                reliability_data=matrix.to_numpy(dtype=float), level_of_measurement="ordinal",
                value_domain=domain))  # fmt: skip
        rows.append(row)
    return pd.DataFrame(rows, columns=list(AGREEMENT_COLUMNS))
