"""Where the validation scripts find their clips: the development corpus and our own validation set."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Callable

import pandas as pd

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
VALIDATION = Path("/work/validation")
FINAL_SPLIT = "holdout2"  # measured once, at the end: left out unless --holdout2 is given


def parser(description: str) -> argparse.ArgumentParser:
    """Command line with ``--corpus``, ``--validation`` (``bench/data/fetch_validation.py --out``), ``--jobs`` and ``--holdout2``."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--corpus", type=Path, default=CORPUS, help="The development corpus (../shared/corpus).")
    p.add_argument("--validation", type=Path, default=VALIDATION, help="The folder fetch_validation.py built.")
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--holdout2", action="store_true", help=f"Include split {FINAL_SPLIT} (never tuned on: measure it once, when the method is final).")
    return p


def gather(args: argparse.Namespace, corpus_clips: Callable[[Path], pd.DataFrame], validation_clips: Callable[[Path], pd.DataFrame]) -> pd.DataFrame:
    """The clips of whichever of the two sets exist, split ``holdout2`` only with ``--holdout2``; exits with a message when neither set does."""
    parts = [corpus_clips(args.corpus)] if (args.corpus / "manifest.csv").exists() else []
    parts += [validation_clips(args.validation)] if (args.validation / "manifest.csv").exists() else []
    if not parts:
        raise SystemExit(f"no corpus at {args.corpus} and no validation set at {args.validation} (bench/data/fetch_validation.py)")
    clips = pd.concat(parts, ignore_index=True)
    final = clips["split"] == FINAL_SPLIT
    if final.any() and not args.holdout2:
        print(f"split {FINAL_SPLIT}: {int(final.sum())} clips left out (never tuned on; --holdout2 measures them, once, at the end)\n")
        clips = clips[~final].reset_index(drop=True)
    return clips


def measured(table: pd.DataFrame, path_column: str) -> pd.DataFrame:
    """The rows whose profile succeeded; the refused ones are printed (file and reason), not dropped silently."""
    refused = table[table["error"] != ""]
    if len(refused):
        print(f"{len(refused)} of {len(table)} clips refused and left out of every figure below:")
        for path, reason in zip(refused[path_column], refused["error"]):
            print(f"  {Path(path).name}: {reason.split(': ', 1)[-1]}")
        print()
    return table[table["error"] == ""].reset_index(drop=True)
