"""The TTS voices of split ``holdout2``: engines new to the project, never tuned on (issue 11, item 7).

Each voice reads the transcripts of the held-out human clips (split ``holdout``), the same texts
in the same order, at a rate that cycles normal, slow (1.4x duration), fast (0.8x) over the texts:

======================  =======  ===  =====================================================
voice                   group    sex  engine (Debian bookworm packages)
======================  =======  ===  =====================================================
``mbrola_us1``          diphone  F    espeak-ng ``-v mb-us1`` + mbrola (contrib) + mbrola-us1 (non-free)
``mbrola_us2``          diphone  M    espeak-ng ``-v mb-us2`` + mbrola + mbrola-us2 (non-free)
``mbrola_us3``          diphone  M    espeak-ng ``-v mb-us3`` + mbrola + mbrola-us3 (non-free)
``mbrola_en1``          diphone  M    espeak-ng ``-v mb-en1`` + mbrola + mbrola-en1 (non-free; British)
``festival_ked``        diphone  M    festival ``(voice_ked_diphone)``, festvox-kdlpc16k
``festival_slt_hts``    hmm      F    festival ``(voice_cmu_us_slt_arctic_hts)``, festvox-us-slt-hts
                                      (HTS statistical parametric; CMU ARCTIC speaker slt, whom
                                      ``flite_slt`` and ``arctic_pypi`` already voice in ``tune``)
======================  =======  ===  =====================================================

The MBROLA diphone databases us1, us2 and us3 may not be sold or built into a product that is
sold without the diphone database owner's permission (a non-commercial licence): fine for
validation data kept under /work and out of the repository, which is where this set lives.

What the engines say is what the manifest's ``transcript`` holds (:func:`spoken`): both engines
spell "hm" as letters ("aitch em": espeak-ng ``-x`` prints ``,eItS'Em``, festival's Word relation
``h m``) and read "yknow" as two syllables (``'InoU``; festival's Syllable relation 2), which
CMUdict lacks and Pyphen counts as one. :func:`engine_syllables` counts the syllables each
engine itself plans (espeak-ng's phonemes, festival's Syllable relation), and the build reports
every rendition whose count differs from the transcript's.

Setup (as root; mbrola is in Debian's contrib component, its voices in non-free)::

    printf 'Types: deb\\nURIs: http://deb.debian.org/debian\\nSuites: bookworm\\nComponents: contrib non-free\\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\\n' > /etc/apt/sources.list.d/contrib-non-free.sources
    apt-get update && apt-get install -y mbrola mbrola-us1 mbrola-us2 mbrola-us3 mbrola-en1 festvox-kdlpc16k festvox-us-slt-hts
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import numpy as np

APT = ("mbrola", "mbrola-us1", "mbrola-us2", "mbrola-us3", "mbrola-en1", "festvox-kdlpc16k", "festvox-us-slt-hts")
SPLIT = "holdout2"
RATES = ("normal", "slow", "fast")  # cycled over the texts, so each voice reads each text at one rate
_MBROLA_SALE = (
    "MBROLA database licence ({owner} diphone database, Faculte Polytechnique de Mons): use only with the MBROLA program; "
    "free to copy when no charge is made; may not be sold or incorporated into any product which is sold without prior "
    "permission from the Diphone Database Owner ({owner}): non-commercial; Debian non-free mbrola-{voice}; "
    "engine mbrola AGPL-3+ (Debian contrib), espeak-ng GPL-3.0"
)
_FESTIVAL = "; engine festival 2.5 (BSD-style, University of Edinburgh CSTR)"
# voice id: (group, sex, license)
VOICES = {
    "mbrola_us1": ("diphone", "F", _MBROLA_SALE.format(owner="BaBel Technology SA", voice="us1")),
    "mbrola_us2": ("diphone", "M", _MBROLA_SALE.format(owner="BaBel Technology SA", voice="us2")),
    "mbrola_us3": ("diphone", "M", _MBROLA_SALE.format(owner="Oregon Graduate Institute of Science & Technology", voice="us3")),
    "mbrola_en1": ("diphone", "M", "MBROLA en1 (Roger database, University of Edinburgh): use only with the MBROLA program; copy and "
                   "distribute freely for any purpose with the copyright notice, conditions and disclaimer; Debian non-free "
                   "mbrola-en1; engine mbrola AGPL-3+ (Debian contrib), espeak-ng GPL-3.0"),
    "festival_ked": ("diphone", "M", "CSTR University of Edinburgh 1997 free licence (use, modify, distribute, sell with the "
                     "notice kept), Debian festvox-kdlpc16k" + _FESTIVAL),
    "festival_slt_hts": ("hmm", "F", "EST-2003/EST-2000 (Carnegie Mellon University, BSD-style) and BSD-3-clause (HTS, Nagoya "
                         "Institute of Technology), Debian festvox-us-slt-hts" + _FESTIVAL),
}  # fmt: skip
FESTIVAL_VOICE = {"festival_ked": "(voice_ked_diphone)", "festival_slt_hts": "(voice_cmu_us_slt_arctic_hts)"}
SPOKEN = ((re.compile(r"\bhm\b"), "H M"), (re.compile(r"\byknow\b"), "you know"))
FESTIVAL_SYLLABLES = """
(define (syllables text)
  (let ((u (eval (list 'Utterance 'Text text))))
    (utt.synth u)
    (format t "%d\\n" (length (utt.relation.items u 'Syllable)))))
"""
ESPEAK_VOWEL = re.compile(r"[aeiouAEIOUV03@]")  # espeak-ng's phoneme mnemonics: every vowel (and syllabic @L) has one of these
MBROLA_AMPLITUDE = 70  # espeak-ng's -a (at its default 100, 10 of 260 renditions clipped: mbrola past full scale)
MIN_SYLLABLES_PER_S, MAX_SYLLABLES_PER_S = 1.5, 12.0  # over the sounding span: speech runs 3-7 per s, espeak-ng at 0.8x up to 10
SOUNDING_DB = -40.0  # the sounding span runs from the first to the last sample within this of the peak
FULL_SCALE = 0.999  # a sample at least this far up is at full scale; 3 in a row is clipping


def spoken(transcript: str) -> str:
    """``transcript`` as the new engines say it ("hm" spelled as letters, "yknow" as "you know")."""
    for pattern, said in SPOKEN:
        transcript = pattern.sub(said, transcript)
    return transcript


def render(voice: str, text: str, stretch: float, wav: Path) -> None:
    """Render ``text`` with ``voice`` at ``stretch`` times its normal duration into ``wav`` (the engine's own rate)."""
    if voice.startswith("mbrola_"):
        command = ["espeak-ng", "-v", f"mb-{voice.split('_')[1]}", "-a", str(MBROLA_AMPLITUDE), "-s", str(round(175 / stretch)), "-w", str(wav), text]
        subprocess.run(command, check=True, capture_output=True)  # mbrola warns on stderr of diphones it lacks
        return
    rate = ["-eval", f"(set! hts_engine_params (append hts_engine_params (list (list \"-r\" {1 / stretch}))))"] if voice.endswith("_hts") else []
    command = ["text2wave", "-eval", FESTIVAL_VOICE[voice], "-eval", f"(Parameter.set 'Duration_Stretch {stretch})", *rate, "-o", str(wav)]
    subprocess.run(command, input=text.encode(), check=True, capture_output=True)  # HTS ignores Duration_Stretch, takes -r


def engine_syllables(voice: str, texts: list[str]) -> list[int]:
    """Syllables the engine itself plans for each text: vowels of espeak-ng's phonemes, or festival's Syllable relation."""
    if voice.startswith("mbrola_"):
        command = ["espeak-ng", "-v", f"mb-{voice.split('_')[1]}", "-q", "-x", "--sep=_"]
        phonemes = [subprocess.run([*command, t], check=True, capture_output=True, text=True).stdout for t in texts]
        return [sum(bool(ESPEAK_VOWEL.search(p)) for p in re.split(r"[_\s]+", out)) for out in phonemes]
    script = FESTIVAL_VOICE[voice] + FESTIVAL_SYLLABLES + "".join(f'(syllables "{t}")\n' for t in texts)
    out = subprocess.run(["festival", "--pipe"], input=script, check=True, capture_output=True, text=True).stdout
    return [int(n) for n in re.findall(r"^(\d+)$", out, flags=re.MULTILINE)]


def fault(samples: np.ndarray, rate: float, syllables: int) -> str:
    """Why a rendition is unusable (empty, silent, clipped, implausible duration for its ``syllables``), else ""."""
    if samples.size == 0:
        return "empty"
    level = np.abs(samples)
    peak = float(level.max())
    if peak < 1e-3:
        return f"silent (peak {peak:.1e} of full scale)"
    top = np.convolve(level >= FULL_SCALE, np.ones(3), "valid") == 3
    if top.any():
        return f"clipped ({int(top.sum())} runs of 3+ samples at full scale)"
    sounding = np.flatnonzero(level >= peak * 10 ** (SOUNDING_DB / 20))
    span_s = (sounding[-1] - sounding[0] + 1) / rate
    if not MIN_SYLLABLES_PER_S <= syllables / span_s <= MAX_SYLLABLES_PER_S:
        return f"implausible duration: {span_s:.2f} s sounding for {syllables} syllables ({syllables / span_s:.1f}/s)"
    return ""
