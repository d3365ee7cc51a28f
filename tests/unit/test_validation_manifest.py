"""bench/data/fetch_validation.py's parsing helpers, the rendition checks of bench/data/holdout2_voices.py,
bench/register_validation.py's reading of a validation manifest's ``sex`` column, and how the validation
scripts keep split ``holdout2`` out, on hand-made inputs whose answers are worked out by hand."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _module(path: Path):
    if str(path.parent) not in sys.path:
        sys.path.insert(0, str(path.parent))  # bench scripts import their neighbours by name
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module  # its dataclass looks its module up by name
    spec.loader.exec_module(module)
    return module


fetch = _module(BENCH / "data" / "fetch_validation.py")
voices = _module(BENCH / "data" / "holdout2_voices.py")
register_validation = _module(BENCH / "register_validation.py")
pace_validation = _module(BENCH / "pace_validation.py")
validation_sets = _module(BENCH / "validation_sets.py")

def _textgrid(tiers: dict[str, list[tuple[float, float, str]]], xmax: float = 1.5) -> str:
    """A long-format Praat TextGrid of interval tiers ``name -> [(start s, end s, label)]``."""
    items = []
    for n, (name, intervals) in enumerate(tiers.items(), start=1):
        rows = "".join(f'        intervals [{i}]:\n            xmin = {a}\n            xmax = {b}\n            text = "{t}"\n' for i, (a, b, t) in enumerate(intervals, start=1))
        items.append(f'    item [{n}]:\n        class = "IntervalTier"\n        name = "{name}"\n        xmin = 0\n        xmax = {xmax}\n        intervals: size = {len(intervals)}\n{rows}')
    head = f'File type = "ooTextFile"\nObject class = "TextGrid"\n\nxmin = 0\nxmax = {xmax}\ntiers? <exists>\nsize = {len(tiers)}\nitem []:\n'
    return head + "".join(items)


TEXTGRID = _textgrid({"phone": [(0, 0.7, "m"), (0.7, 1.5, "e")], "word": [(0, 0.2, ""), (0.2, 0.9, "mary"), (0.9, 1.5, "rolled")]})


def test_solo_spans_cut_out_the_other_speakers_overlap():
    """A speaks 0-10 s, B 4-6 s and 9-12 s: A alone 0-4 and 6-9 s, B alone 10-12 s (by hand)."""
    spans = [(0.0, 10.0, "A"), (4.0, 6.0, "B"), (9.0, 12.0, "B")]
    assert fetch.solo_spans(spans) == [(0.0, 4.0, "A"), (6.0, 9.0, "A"), (10.0, 12.0, "B")]


def test_same_speaker_spans_do_not_cut_each_other():
    """Two overlapping RTTM rows of one speaker are both kept whole (nobody else talks)."""
    assert fetch.solo_spans([(0.0, 3.0, "A"), (2.0, 5.0, "A")]) == [(0.0, 3.0, "A"), (2.0, 5.0, "A")]


def test_ascii_id_drops_the_diacritics_pyannote_adds():
    """pyannote.audio's tests spell a file trñ00 and a speaker MÉO069; their RTTM and AMI say trn00, MEO069."""
    assert (fetch.ascii_id("trñ00"), fetch.ascii_id("MÉO069")) == ("trn00", "MEO069")


def test_textgrid_words_reads_the_named_tier():
    """The hand-made grid's word tier (its second) holds 'mary' 0.2-0.9 s and 'rolled' 0.9-1.5 s; the first tier is phones."""
    words = fetch.textgrid_words(TEXTGRID.encode(), ("word", "words"))
    assert [w for _, _, w in words] == ["mary", "rolled"]
    assert [(round(a, 3), round(b, 3)) for a, b, _ in words] == [(0.2, 0.9), (0.9, 1.5)]
    assert [w for _, _, w in fetch.textgrid_words(TEXTGRID.encode())] == ["m", "e"]  # no name given: the first tier


def _wav(path: Path, seconds: float) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, np.zeros(int(16000 * seconds)), 16000)
    return path.name


def test_held_out_clips_keep_documented_sex_holdout_humans_of_two_seconds(tmp_path):
    """Of six hand-made rows only the 3 s held-out woman and the 2.5 s held-out man qualify: the others are
    too short, of unknown sex, tune split, a PSOLA copy or TTS."""
    rows = [  # file, source, kind, split, sex, seconds
        ("a.wav", "ami_women", "human", "holdout", "F", 3.0),
        ("b.wav", "ami_men", "human", "holdout", "M", 2.5),
        ("c.wav", "ami_men", "human", "holdout", "M", 1.5),
        ("d.wav", "praatio", "human", "holdout", "", 3.0),
        ("e.wav", "arctic_pypi", "human", "tune", "F", 3.0),
        ("f.wav", "psola_tempo", "human", "holdout", "F", 3.0),
        ("g.wav", "tts_festival_kal", "tts", "holdout", "M", 3.0),
    ]
    lines = ["file,source,style,group,kind,speaker,transcript,license,split,sex"]
    for file, source, kind, split, sex, seconds in rows:
        _wav(tmp_path / file, seconds)
        lines.append(f"{file},{source},s,human,{kind},spk_{file[0]},,lic,{split},{sex}")
    (tmp_path / "manifest.csv").write_text("\n".join(lines) + "\n")
    clips = register_validation.held_out_clips(tmp_path)
    assert [Path(f).name for f in clips["file"]] == ["a.wav", "b.wav"]
    assert list(clips["sex"]) == ["F", "M"] and list(clips["source"]) == ["ami_women", "ami_men"]


def test_held_out_clips_name_a_manifest_without_sex(tmp_path):
    (tmp_path / "manifest.csv").write_text("file,source,style,group,kind,speaker,transcript,license,split\n")
    with pytest.raises(SystemExit, match="no sex column"):
        register_validation.held_out_clips(tmp_path)


RATE = 16000


def _tone(seconds: float, amplitude: float = 0.5) -> np.ndarray:
    return amplitude * np.sin(2 * np.pi * 200 * np.arange(int(RATE * seconds)) / RATE)


def test_fault_names_empty_silent_and_clipped_renditions():
    """No samples, a peak of 1e-4, and a tone with 3 consecutive samples at full scale (one run)."""
    clipped = _tone(1.0)
    clipped[100:103] = 1.0
    assert voices.fault(np.zeros(0), RATE, 5) == "empty"
    assert voices.fault(np.full(RATE, 1e-4), RATE, 5).startswith("silent")
    assert voices.fault(clipped, RATE, 5) == "clipped (1 runs of 3+ samples at full scale)"
    two = _tone(1.0)
    two[100:102] = 1.0  # two samples at full scale: a peak, not clipping
    assert voices.fault(two, RATE, 5) == ""


def test_fault_measures_duration_over_the_sounding_span():
    """A 1 s tone inside 2 s of silence sounds for 1 s: 5 syllables is 5/s (fine), 20 is 20/s and 1 is 1/s (not)."""
    padded = np.concatenate([np.zeros(RATE), _tone(1.0), np.zeros(RATE)])
    assert voices.fault(padded, RATE, 5) == ""
    assert voices.fault(padded, RATE, 20).startswith("implausible duration: 1.00 s sounding for 20 syllables")
    assert voices.fault(padded, RATE, 1).startswith("implausible duration")


def test_spoken_spells_what_the_engines_spell():
    """espeak-ng (``,eItS'Em``) and festival (words h, m) spell "hm"; "yknow" is said as two syllables; "hmm" and "hmmm" are words."""
    assert voices.spoken("uh hm hm um yknow") == "uh H M H M um you know"
    assert voices.spoken("hmm hmmm ohm") == "hmm hmmm ohm"


def test_every_new_voice_lands_in_its_engine_family():
    """festival's HTS voice is statistical parametric (hmm), its ked voice and every mbrola voice diphone."""
    assert {v: g for v, (g, _, _) in voices.VOICES.items()} == {
        "mbrola_us1": "diphone", "mbrola_us2": "diphone", "mbrola_us3": "diphone", "mbrola_en1": "diphone",
        "festival_ked": "diphone", "festival_slt_hts": "hmm",
    }  # fmt: skip
    assert {v: s for v, (_, s, _) in voices.VOICES.items()} == {
        "mbrola_us1": "F", "mbrola_us2": "M", "mbrola_us3": "M", "mbrola_en1": "M", "festival_ked": "M", "festival_slt_hts": "F",
    }  # fmt: skip


def test_tts_groups_map_voice_folders_to_engine_families(tmp_path):
    """A corpus laid out like ../shared/corpus with the new voices' folders: the HTS voice is hmm, the others diphone."""
    files = ["tts/festival_slt_hts/a.wav", "tts/festival_kal/a.wav", "tts/mbrola_us1/a.wav", "tts/flite_slt/a.wav"]
    lines = ["file,kind,transcript,line_id"] + [f"{f},tts,one two three,prompt_1" for f in files]
    (tmp_path / "manifest.csv").write_text("\n".join(lines) + "\n")
    assert list(pace_validation.corpus_clips(tmp_path)["group"]) == ["hmm", "diphone", "diphone", "hmm"]


def _gathered(tmp_path: Path, *flags: str) -> pd.DataFrame:
    clips = pd.DataFrame({"path": ["a", "b", "c"], "split": ["tune", "holdout", "holdout2"]})
    (tmp_path / "manifest.csv").write_text("file\n")
    parser = validation_sets.parser("test")
    args = parser.parse_args(["--corpus", str(tmp_path / "none"), "--validation", str(tmp_path), *flags])
    return validation_sets.gather(args, lambda _: None, lambda _: clips)


def test_gather_leaves_holdout2_out_unless_asked(tmp_path, capsys):
    """Split holdout2 is measured once, at the end: without --holdout2 its clips are dropped, and the drop is said."""
    assert list(_gathered(tmp_path)["split"]) == ["tune", "holdout"]
    assert "split holdout2: 1 clips left out" in capsys.readouterr().out
    assert list(_gathered(tmp_path, "--holdout2")["split"]) == ["tune", "holdout", "holdout2"]
