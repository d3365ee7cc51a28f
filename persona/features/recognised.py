"""Syllables of what a speech recogniser hears: the words Moonshine transcribes, counted as a transcript is.

Each turn of speech is transcribed by Moonshine base (Jeffries et al. 2024, "Moonshine: Speech
Recognition for Live Transcription and Voice Commands", arXiv:2410.15608): an English encoder-decoder
transformer of 61 M parameters, MIT licence, in the ONNX Runtime files the ``moonshine-cpp`` wheel
ships (PyPI), run here by ONNX Runtime with greedy decoding. The words are counted by
:func:`persona.features.syllables.count_syllables` (CMUdict vowels, spelling rules for other words, numbers as
spoken), the count the validation applies to the transcripts it compares with. The words need not
be right for the count to be: a misheard word mostly has as many syllables as the spoken one
("omelette" for "Alma"). English only: speech in another language is forced onto English words.
Fillers ("uh", "um") are often left out of the transcript, so a disfluent turn reads a little low.

Each utterance is a stretch of speech between turn gaps (:attr:`~persona.features.pace.Segmentation.turns_s`),
padded by ``pad_s``, so long silences (the other party's turns in one channel of a call) cost
nothing; a turn longer than ``max_utterance_s`` (20 s) is cut at its quietest 10 ms near each cut
point (Moonshine encodes variable-length speech segments; its own live transcriber ends a line at 15 s). Audio at other rates is resampled to 16 kHz
(:func:`persona.io.resample`); 8 kHz telephone audio then has no energy above 4 kHz
(``bench/pace_validation.py --telephone`` reports what that costs).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .. import io
from ..errors import MissingExtraError
from .syllables import count_syllables

RATE_HZ = 16000
MODEL_PACKAGE = "moonshine_cpp"
"""The wheel whose ``models/base-en`` folder holds Moonshine base's encoder, decoder and tokenizer."""
LAYERS, HEADS, HEAD_DIM = 8, 8, 52
"""Moonshine base's decoder: layers, attention heads and head size (the shape of its key-value cache)."""
START, END, FIRST_BYTE, LAST_BYTE = 1, 2, 3, 258
"""Tokenizer ids: start and end of the text, and the 256 byte tokens (ids 3-258 are bytes 0x00-0xFF)."""
WORD_SPACE = "\u2581"
"""SentencePiece's mark of a word's start."""


@dataclass(frozen=True)
class RecogniserParams:
    """How each turn is cut and decoded.

    ``pad_s`` (s) of audio on each side of a turn; turns longer than ``max_utterance_s`` (s) are cut;
    at most ``max_tokens_per_s`` tokens a second of audio are decoded, the guard against the loops of
    greedy decoding that Moonshine's model card gives (6.5 tokens/s).
    """

    pad_s: float = 0.2
    max_utterance_s: float = 20.0
    max_tokens_per_s: float = 6.5


@dataclass(frozen=True)
class Recognition:
    """What the recogniser heard: the text of each utterance and the syllables of all of it."""

    texts: tuple[str, ...]
    syllable_count: int


def recognise(audio: io.Audio, spans_s: np.ndarray, params: RecogniserParams = RecogniserParams()) -> Recognition:
    """Transcribe each ``(start_s, end_s)`` span of ``audio`` (padded by ``pad_s``) and count the syllables heard."""
    samples = io.resample(audio, RATE_HZ).samples
    texts = []
    for start_s, end_s in spans_s:
        first, last = (int(round(max(0.0, t) * RATE_HZ)) for t in (start_s - params.pad_s, end_s + params.pad_s))
        texts += [transcribe(piece, params) for piece in utterances(samples[first:last], params.max_utterance_s)]
    return Recognition(tuple(texts), sum(count_syllables(t) for t in texts))


def utterances(samples: np.ndarray, max_s: float) -> list[np.ndarray]:
    """``samples`` (16 kHz) cut into pieces of at most ``max_s`` seconds, each cut at the quietest 10 ms
    frame of the middle half of the stretch it divides."""
    if samples.size <= max_s * RATE_HZ:
        return [samples]
    frame = RATE_HZ // 100
    energy = np.add.reduceat(samples.astype(np.float64) ** 2, np.arange(0, samples.size, frame))
    quarter = energy.size // 4
    cut = (quarter + int(np.argmin(energy[quarter : energy.size - quarter]))) * frame
    return utterances(samples[:cut], max_s) + utterances(samples[cut:], max_s)


def transcribe(samples: np.ndarray, params: RecogniserParams = RecogniserParams()) -> str:
    """The text Moonshine base hears in one utterance of 16 kHz samples (greedy decoding)."""
    encoder, decoder, tokens = _model()
    audio = np.ascontiguousarray(samples, dtype=np.float32)[None, :]
    hidden = encoder.run(None, {"input_values": audio})[0]
    cache = {f"past_key_values.{layer}.{side}.{kind}": np.zeros((1, HEADS, 0, HEAD_DIM), np.float32)
             for layer in range(LAYERS) for side in ("decoder", "encoder") for kind in ("key", "value")}  # fmt: skip
    heard, token = [], START
    for step in range(int(np.ceil(params.max_tokens_per_s * samples.size / RATE_HZ))):
        logits, *present = decoder.run(None, {"input_ids": np.array([[token]]), "encoder_hidden_states": hidden,
                                              "use_cache_branch": np.array([step > 0]), **cache})  # fmt: skip
        token = int(np.argmax(logits[0, -1]))
        if token == END:
            break
        heard.append(token)
        for name, value in zip(cache, present):
            if step == 0 or ".decoder." in name:  # the encoder's keys and values are computed once
                cache[name] = value
    return detokenise(heard, tokens)


def detokenise(ids: list[int], tokens: list[bytes]) -> str:
    """Text of token ``ids``: byte tokens as their byte, pieces as UTF-8, word marks as spaces."""
    raw = b"".join(bytes([i - FIRST_BYTE]) if FIRST_BYTE <= i <= LAST_BYTE else tokens[i] for i in ids)
    return raw.decode("utf-8", errors="replace").replace(WORD_SPACE, " ").strip()


def read_tokens(path: Path) -> list[bytes]:
    """The tokenizer's pieces, in id order, from ``tokenizer.bin`` (each a length, one byte or two
    little-endian 7-bit groups, then that many bytes)."""
    raw, pieces, at = path.read_bytes(), [], 0
    while at < len(raw):
        size, at = raw[at], at + 1
        if size >= 0x80:
            size, at = (size & 0x7F) | raw[at] << 7, at + 1
        pieces.append(raw[at : at + size])
        at += size
    return pieces


def model_dir(purpose: str = "recognised syllable counts") -> Path:
    """The folder of Moonshine base's files, or :class:`MissingExtraError` naming the extra ``purpose`` needs."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)  # found, not imported: the wheel's own library is not used
    if spec is None or importlib.util.find_spec("onnxruntime") is None:
        raise MissingExtraError("recogniser", purpose)
    return Path(spec.submodule_search_locations[0]) / "models" / "base-en"


@lru_cache(maxsize=1)
def _model():
    """Moonshine base's encoder and decoder sessions (one thread each; ONNX Runtime sessions are
    thread-safe) and its tokenizer's pieces, loaded once per process (~1 s)."""
    import onnxruntime  # only the recogniser's users pay for the import

    folder = model_dir()
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1  # persona's workers are the parallelism
    encoder, decoder = (onnxruntime.InferenceSession(str(folder / name), options, providers=["CPUExecutionProvider"])
                        for name in ("encoder_model.ort", "decoder_model_merged.ort"))  # fmt: skip
    return encoder, decoder, read_tokens(folder / "tokenizer.bin")
