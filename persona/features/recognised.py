"""Syllables of what a speech recogniser hears: the vowels of the words CMU PocketSphinx recognises.

The recording's speech is decoded by PocketSphinx 5 (Huggins-Daines et al. 2006, "PocketSphinx: a
free, real-time continuous speech recognition system for hand-held devices", ICASSP) with the US
English models its wheel ships: the 16 kHz ``en-us`` acoustic model, the ``en-us.lm.bin`` 3-gram
language model and the CMU Pronouncing Dictionary. The syllable count is the number of vowel
phones in the dictionary pronunciations of the recognised words, the variant the decoder chose
(``and(2)``). The words need not be right for the count to be: a misrecognised word mostly
has as many syllables as the spoken one ("lovely" for "country"), so the count errs far less
than the words. English only: speech in another language is forced onto English words.

Each utterance is a stretch of speech between turn gaps (:attr:`~persona.features.pace.Segmentation.turns_s`),
padded by ``pad_s``, so long silences (the other party's turns in one channel of a call) cost
nothing and no utterance holds a whole call. Audio at other rates is resampled to 16 kHz
(:func:`persona.io.resample`); 8 kHz telephone audio then has no energy above 4 kHz, which the
model's mel filters up to 6.8 kHz expect (``bench/pace_validation.py --telephone`` reports what
that costs).
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, replace

import numpy as np

from .. import io

RATE_HZ = 16000
VOWELS = frozenset({"AA", "AE", "AH", "AO", "AW", "AY", "EH", "ER", "EY", "IH", "IY", "OW", "OY", "UH", "UW"})
"""The vowel phones of the CMU Pronouncing Dictionary's phone set (one syllable nucleus each)."""


@dataclass(frozen=True)
class RecogniserParams:
    """PocketSphinx search settings (its option names) and the padding of each utterance (s).

    The defaults are PocketSphinx's except three that halve the time without raising the count's
    error on a sample of the development and validation clips (README, the pace figures): no second, flat-lexicon pass (``fwdflat``), at most ``maxwpf`` word
    exits and ``maxhmmpf`` active HMMs per 10 ms frame (PocketSphinx: unlimited and 30000).
    """

    beam: float = 1e-48
    wbeam: float = 7e-29
    pbeam: float = 1e-48
    maxwpf: int = 10
    maxhmmpf: int = 3000
    topn: int = 4
    lw: float = 6.5
    fwdflat: bool = False
    pad_s: float = 0.2


@dataclass(frozen=True)
class Recognition:
    """What the recogniser heard: the words, their syllables (vowel phones) and its confidence.

    ``confidence`` is the syllable-weighted mean posterior probability (0-1) of the recognised
    words in the decoder's word lattice; NaN when no word was recognised.
    """

    words: tuple[str, ...]
    syllable_count: int
    confidence: float


def recognise(audio: io.Audio, spans_s: np.ndarray, params: RecogniserParams = RecogniserParams()) -> Recognition:
    """Decode each ``(start_s, end_s)`` span of ``audio`` (padded by ``pad_s``) and count the vowels heard."""
    samples = io.resample(audio, RATE_HZ).samples
    words, syllables, posteriors = [], [], []
    for start_s, end_s in spans_s:
        first, last = (int(round(max(0.0, t) * RATE_HZ)) for t in (start_s - params.pad_s, end_s + params.pad_s))
        pcm = (np.clip(samples[first:last], -1.0, 1.0) * 32767).astype(np.int16).tobytes()
        for word, n, posterior in _decode(pcm, params):
            words.append(word)
            syllables.append(n)
            posteriors.append(posterior)
    confidence = float(np.average(posteriors, weights=syllables)) if syllables else np.nan
    return Recognition(tuple(words), int(sum(syllables)), confidence)


def _decode(pcm: bytes, params: RecogniserParams) -> list[tuple[str, int, float]]:
    """``(word, vowels, posterior)`` of each word recognised in one utterance of 16-bit PCM.

    A search pruned by ``maxwpf`` and ``maxhmmpf`` now and then ends without a hypothesis (1-2 %
    of the validation clips, even where the unpruned search hears a dozen words); that utterance
    is decoded again with PocketSphinx's own limits.
    """
    for limits in (params, replace(params, maxwpf=-1, maxhmmpf=30000)):
        decoder = _decoder(limits)
        decoder.start_utt()
        decoder.process_raw(pcm, full_utt=True)
        decoder.end_utt()
        segments = decoder.seg()
        if segments is not None:
            heard = [(seg.word.split("(")[0], _vowels(decoder.lookup_word(seg.word)), seg.prob) for seg in segments]
            return [w for w in heard if w[1]]
    return []


def _vowels(pronunciation: str | None) -> int:
    """Vowel phones in a dictionary pronunciation (0 for fillers such as ``<sil>`` and ``[NOISE]``)."""
    return sum(phone in VOWELS for phone in pronunciation.split()) if pronunciation else 0


_per_thread = threading.local()


def _decoder(params: RecogniserParams):
    """This thread's decoder for ``params``: loading the models takes ~0.5 s, and a decoder is not thread-safe."""
    decoders = _per_thread.__dict__.setdefault("decoders", {})
    if params not in decoders:
        from pocketsphinx import Decoder  # only the recogniser's users pay for the import

        settings = {k: v for k, v in asdict(params).items() if k != "pad_s"}
        decoders[params] = Decoder(samprate=RATE_HZ, loglevel="FATAL", **settings)
    return decoders[params]
