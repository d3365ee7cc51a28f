"""Transcript syllable counts: CMUdict vowels, Pyphen for unknown words, numbers spelled out."""

from __future__ import annotations

import pytest

from persona.features.syllables import count_syllables, word_syllables, words


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Thank you for calling.", 5),
        ("I understand you have a question about a charge on your bill.", 16),
        ("The forty-nine ninety-nine charge", 8),
        ("I'm sorry about the confusion.", 9),
        ("", 0),
    ],
)
def test_known_counts(text, expected):
    assert count_syllables(text) == expected


def test_numbers_are_spelled_out():
    assert words("Call 49 times") == ["call", "forty", "nine", "times"]
    assert count_syllables("12") == count_syllables("twelve") == 1


def test_unknown_words_fall_back_to_hyphenation():
    assert word_syllables("zorbulation") >= 3


def test_interjections_without_a_vowel_are_one_syllable():
    """CMUdict spells "hmm" HH M and "shh" SH (no vowel); each is spoken as one syllabic consonant."""
    assert word_syllables("hmm") == word_syllables("shh") == 1
    assert count_syllables("Hmm, that's weird.") == 3
