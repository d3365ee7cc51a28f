"""bench/data/fetch_validation.py's parsing helpers and bench/register_validation.py's reading of a
validation manifest's ``sex`` column, on hand-made inputs whose answers are worked out by hand."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _module(path: Path):
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))  # register_validation imports its bench neighbours by name
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module  # its dataclass looks its module up by name
    spec.loader.exec_module(module)
    return module


fetch = _module(BENCH / "data" / "fetch_validation.py")
register_validation = _module(BENCH / "register_validation.py")

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
