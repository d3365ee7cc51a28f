"""Which clips to hear side by side: each script line's agent renditions next to human clips of that line."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..benchmark import reference as ref
from ..benchmark.score import Scores

COLUMNS = ["line", "transcript", "role", "voice", "file"]


def listening_lines(scores: Scores, reference: pd.DataFrame) -> pd.DataFrame:
    """Clips grouped by script line: ``line, transcript, role, voice, file``, humans first within a line.

    An agent clip's line is its manifest ``line_id``, else its file stem, so uploaded files named
    like the script lines (``billing_dispute_01.wav``) group with them. Human clips of the
    scenario join the lines they share (``voice`` is then the human speaker).
    """
    agents = scores.profiles[["file", "voice", "line_id"]].assign(role="agent")
    stems = agents["file"].map(lambda f: Path(f).stem)
    agents["line"] = agents["line_id"].where(agents["line_id"] != "", stems)
    humans = ref.humans(reference, scores.scenario)
    humans = humans[humans["line_id"].isin(set(agents["line"]))]
    humans = humans.assign(role="human", voice=humans["speaker"], line=humans["line_id"])
    texts = reference[reference["transcript"] != ""].drop_duplicates("line_id").set_index("line_id")["transcript"]
    table = pd.concat([humans, agents], ignore_index=True)
    table["transcript"] = table["line"].map(texts).fillna("")
    order = table.assign(_human=table["role"] != "human").sort_values(["line", "_human", "voice"], kind="stable")
    return order[COLUMNS].reset_index(drop=True)
