"""The acoustic persona profile: one tidy row of pitch, pace, energy and voice quality per recording.

>>> from persona import Profiler
>>> Profiler().process_file("reference_audio/billing_dispute/human_jfk.wav")  # doctest: +SKIP
"""

from __future__ import annotations

import dataclasses
import warnings
from concurrent.futures import Executor
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Mapping

import numpy as np
import parselmouth

from .. import io, provenance, workers
from ..errors import ParameterError, PersonaError
from . import energy, pace, phrasing, pitch, recognised, voice
from .syllables import count_syllables

if TYPE_CHECKING:
    import pandas as pd  # imported where a frame is built: 0.5 s, more than measuring a short file

COLUMNS = (
    "file", "channel", "duration_s", "speech_s",
    "f0_median_hz", "f0_mean_hz", "f0_p5_hz", "f0_p95_hz", "f0_sd_st", "f0_range_st", "f0_slope_st_s", "f0_step_sd_st", "voiced_fraction",
    "speech_rate_syl_s", "articulation_rate_syl_s", "syllable_count", "syllable_count_nuclei", "syllable_count_recognised",
    "pause_count", "pause_ratio", "mean_pause_s", "mean_run_s",
    "loudness_lufs", "intensity_mean_db", "intensity_sd_db", "intensity_range_db",
    "hnr_db", "jitter_local", "shimmer_local",
    "f0_declination_st_s", "f0_reset_st", "phrase_f0_sd_st", "final_lengthening", "hnr_sd_db",
    "transcript_syllables", "transcript_rate_syl_s",
    "error", "warning",
)  # fmt: skip
"""Output columns, in order. Units are in the names; ``_st`` = semitones, ``_syl_s`` = syllables/s."""


@dataclasses.dataclass(frozen=True)
class Profiler:
    """Extract the acoustic profile of recordings (what to compute; :meth:`process_files` walks files).

    Parameters
    ----------
    telephone : bool
        Pass audio through the G.711 telephone chain (:func:`persona.io.telephone`) first.
    analysis_sr_hz : int
        Rate (Hz) of the sound Praat's intensity, syllable and voice-quality analyses read;
        higher-rate input is resampled down to it. 8 kHz, the telephone rate, measures studio
        and call audio in the same 0-4 kHz band. Pitch reads this sound's telephone band at
        ``pitch.pitch_sr_hz``; loudness is always measured at the recording's own rate.
    min_duration_s, max_duration_s : float
        Shortest and longest recording accepted (s); see :func:`persona.io.load`.
    syllables : {"fused", "recogniser", "nuclei"}
        What ``syllable_count`` and the rates count: the syllable nuclei of the vowel-band
        loudness (:func:`~persona.features.pace.syllable_nuclei`; any language), the syllables
        of the words a speech recogniser hears (:mod:`~persona.features.recognised`; English
        only; it errs least against transcripts of speech and voices it was never tuned on), or
        the mean of the two, ``fused``. ``nuclei`` is the default (any language, about 28 times
        faster); the other two need the ``recogniser`` extra (Moonshine, ONNX Runtime). The nuclei count
        is in ``syllable_count_nuclei`` either way, the recognised one in
        ``syllable_count_recognised`` (NaN with ``nuclei``).
    pitch, pace, recogniser : PitchParams, PaceParams, RecogniserParams
        Analysis parameters; also settable flat, e.g. ``Profiler.create(pause_min_s=0.3)``.
    """

    telephone: bool = False
    analysis_sr_hz: int = 8000
    min_duration_s: float = 0.5
    max_duration_s: float = io.MAX_DURATION_S
    pitch: pitch.PitchParams = pitch.PitchParams()
    pace: pace.PaceParams = pace.PaceParams()
    syllables: str = "nuclei"
    recogniser: recognised.RecogniserParams = recognised.RecogniserParams()

    def __post_init__(self):
        if self.syllables not in SYLLABLE_METHODS:
            raise ParameterError(f"syllables must be one of {', '.join(SYLLABLE_METHODS)}, not {self.syllables!r}")
        if self.syllables != "nuclei":
            recognised.model_dir(f"syllables={self.syllables!r}")  # or MissingExtraError names the extra

    @classmethod
    def create(cls, **params) -> "Profiler":
        """Build from flat keyword parameters, e.g. ``Profiler.create(pause_min_s=0.3, telephone=True)``."""
        stages = {"pitch": pitch.PitchParams, "pace": pace.PaceParams, "recogniser": recognised.RecogniserParams}
        nested: dict[str, dict] = {stage: {} for stage in stages}
        top = {}
        for key, value in params.items():
            stage = next((s for s, t in stages.items() if key in _field_names(t)), None)
            if stage:
                nested[stage][key] = value
            elif key in _field_names(cls):
                top[key] = value
            else:
                raise ParameterError(f"unknown analysis parameter {key!r}")
        return cls(**top, **{s: stages[s](**kw) for s, kw in nested.items()})

    @classmethod
    def from_params(cls, params: dict) -> "Profiler":
        """The profiler that measured with ``params`` (:meth:`params` output, as a benchmark stores it; JSON's
        lists back to tuples). Under ``nuclei`` the recorded recogniser settings counted nothing and are not read.

        Raises
        ------
        ParameterError
            A recorded recogniser this persona does not run (PocketSphinx's settings, recorded before
            Moonshine replaced it): its counts would not compare with today's.
        """
        check_recogniser(params)
        flat = {}
        for key, value in params.items():
            if key != "recogniser" or params.get("syllables", "nuclei") != "nuclei":
                flat |= value if isinstance(value, dict) else {key: value}
        return cls.create(**{k: tuple(v) if isinstance(v, list) else v for k, v in flat.items()})

    def params(self) -> dict:
        """Every analysis parameter, nested by stage."""
        return dataclasses.asdict(self)

    def provenance(self) -> dict:
        """Provenance record for outputs of this profiler."""
        return provenance.record(self.params(), method=METHOD | {"syllable_count": SYLLABLE_METHODS[self.syllables]})

    # -- one recording --------------------------------------------------------------------------

    def process_audio(self, audio: io.Audio, *, transcript: str | None = None) -> dict:
        """Profile one loaded recording; returns a row dict with every column of :data:`COLUMNS`."""
        row = {"file": audio.path, "channel": audio.channel, "duration_s": audio.duration_s}
        if self.telephone:
            audio = io.telephone(audio)
        row["loudness_lufs"] = energy.loudness_lufs(audio)
        sound = self.analysis_sound(audio)
        track = pitch.track(sound, self.pitch, name=audio.path)
        contour = pace.intensity(sound, self.pace)
        vowel_contour = pace.vowel_contour(sound, self.pace)
        seg = pace.segment(vowel_contour, self.pace)
        nuclei = pace.syllable_nuclei(vowel_contour, seg, track, self.pace)
        row |= pitch.pitch_stats(track, self.pitch)
        row["voiced_fraction"] = _voiced_fraction(track, seg)
        heard = np.nan if self.syllables == "nuclei" else recognised.recognise(audio, seg.turns_s, self.recogniser).syllable_count
        counts = {"nuclei": nuclei.size, "recogniser": heard, "fused": (nuclei.size + heard) / 2}
        row |= pace.pace_stats(seg, counts[self.syllables])
        row["syllable_count_nuclei"], row["syllable_count_recognised"] = nuclei.size, heard
        row |= energy.intensity_stats(contour, seg, self.pace)
        row["hnr_db"] = voice.hnr_db(voice.frame_hnr_db(sound))
        row |= voice.perturbation(sound, track)
        row |= phrasing.phrasing_stats(track, seg, nuclei)
        if transcript is not None:
            row["transcript_syllables"] = count_syllables(transcript)
            row["transcript_rate_syl_s"] = row["transcript_syllables"] / seg.span_s if seg.span_s > 0 else np.nan
        return _complete(row)

    def analysis_sound(self, audio: io.Audio) -> parselmouth.Sound:
        """The Praat sound pitch, pace and voice quality are measured on: ``audio`` at no more than ``analysis_sr_hz``."""
        analysed = io.resample(audio, min(audio.sr_hz, self.analysis_sr_hz))
        return parselmouth.Sound(analysed.samples, analysed.sr_hz)

    def process_file(self, path: str | Path, *, channel: int | None = None, transcript: str | None = None) -> pd.DataFrame:
        """Profile one file; errors raise (use :meth:`process_files` for error-tolerant batches), warnings go to ``warning``."""
        return self._frame([_noting_warnings(lambda: self.process_audio(self.load(path, channel=channel), transcript=transcript))])

    def process_signal(self, samples: np.ndarray, sr_hz: int, *, transcript: str | None = None, name: str = "<array>") -> pd.DataFrame:
        """Profile samples held in memory (mono or ``(n, channels)``); warnings go to ``warning``."""

        def measure() -> dict:
            audio = io.from_array(samples, sr_hz, path=name, min_duration_s=self.min_duration_s, max_duration_s=self.max_duration_s)
            return self.process_audio(audio, transcript=transcript)

        return self._frame([_noting_warnings(measure)])

    def load(self, path: str | Path, *, channel: int | None = None) -> io.Audio:
        """:func:`persona.io.load` with this profiler's duration limits."""
        return io.load(path, channel=channel, min_duration_s=self.min_duration_s, max_duration_s=self.max_duration_s)

    # -- many recordings ------------------------------------------------------------------------

    def process_files(
        self,
        paths: Iterable[str | Path],
        *,
        channel: int | None = None,
        transcripts: Mapping[str, str] | None = None,
        jobs: int | None = None,
        progress: bool = False,
    ) -> pd.DataFrame:
        """Profile many files; a file that fails gets a row with its ``error`` and the rest go on.

        ``transcripts`` maps a file path (as given) or its base name to its transcript.
        ``jobs`` is the number of CPUs, one worker process each (:mod:`persona.workers`; ``None``:
        the calling thread as it is); row order always follows ``paths``.
        """
        return self._frame(self.file_rows(paths, channel=channel, transcripts=transcripts, jobs=jobs, progress=progress))

    def file_rows(
        self,
        paths: Iterable[str | Path],
        *,
        channel: int | None = None,
        transcripts: Mapping[str, str] | None = None,
        jobs: int | None = None,
        progress: bool = False,
    ) -> list[dict]:
        """:meth:`process_files` as row dicts with every column of :data:`COLUMNS`, no DataFrame built."""
        paths = [str(p) for p in paths]
        files = [str(p) for p in io.iter_audio_files(paths)]
        if not files:
            raise ParameterError(f"no audio files ({', '.join(sorted(io.AUDIO_SUFFIXES))}) in {', '.join(paths)}")
        with workers.pool(jobs, n_tasks=len(files)) as executor:
            return self.rows(files, channel=channel, transcripts=transcripts, executor=executor, progress=progress)

    def rows(
        self,
        files: list[str],
        *,
        channel: int | None = None,
        transcripts: Mapping[str, str] | None = None,
        executor: Executor | None = None,
        progress: bool = False,
    ) -> list[dict]:
        """Profile rows of ``files`` in order, in the calling thread or on ``executor`` (see :meth:`process_files`)."""
        texts = transcripts or {}
        tasks = [(self, f, channel, texts.get(f, texts.get(Path(f).name))) for f in files]
        results = workers.map_ordered(_profile_task, tasks, executor)
        if len(tasks) < 2:
            return list(results)
        from tqdm import tqdm  # only batches pay for the progress bar's import

        return list(tqdm(results, total=len(tasks), disable=not progress, desc="profiling", unit="file", leave=False))

    def _frame(self, rows: list[dict]) -> pd.DataFrame:
        import pandas as pd

        frame = pd.DataFrame(rows, columns=list(COLUMNS))
        frame.attrs["provenance"] = self.provenance()
        return frame


SYLLABLE_METHODS = {
    "fused": "mean of the syllable nuclei count and the recognised syllable count",
    "recogniser": "syllables (CMUdict, spelling rules, numbers as said) of the words Moonshine base (moonshine-cpp 0.1.4's ONNX files, greedy decoding) transcribes in each turn",
    "nuclei": "syllable nuclei (see pace)",
}
"""The ``syllables`` methods of :class:`Profiler` and what each counts (recorded in provenance)."""

METHOD = {
    "f0": "Praat autocorrelation (to_pitch_ac) of the 300-3400 Hz telephone band (full band if pitch.in_telephone_band is off), two-pass adaptive floor/ceiling (De Looze & Hirst 2008); micro-variation = SD of 10 ms semitone steps up to 200 st/s",
    "pace": "syllable nuclei: prominent periodic peaks of 600-3000 Hz band intensity (after de Jong & Wempe 2009); speech runs and pauses on the same contour; rates over the speaking span (speech runs plus pauses of 0.25-2 s; longer silences are turn gaps)",
    "loudness": "ITU-R BS.1770-4 gated integrated loudness (libebur128 via pyebur128, K-weighting designed at the file's rate)",
    "intensity": "Praat intensity over speech frames, dB averaging",
    "hnr": "Praat To Harmonicity (cc) (0.02 s, 75 Hz, 0.1, 1 period), Get mean, on the 0-4 kHz analysis sound",
    "jitter_shimmer": "Praat local jitter/shimmer on cross-correlation pulses (0.1-20 ms, 1.3, 1.6)",
    "phrasing": "per speech run (inter-pausal unit): median F0 slope (st/s), median F0 step across pauses (st), SD of run median F0 (st), median last/median inter-nucleus interval, SD of frame HNR (dB)",
}


def check_recogniser(params: dict) -> None:
    """Refuse recorded profile ``params`` whose recognised count came from a recogniser this persona does not
    run (:class:`~persona.errors.ParameterError`, one line); a ``nuclei`` profile's recorded recogniser never counted."""
    unknown = sorted(set(params.get("recogniser", {})) - _field_names(recognised.RecogniserParams))
    if unknown and params.get("syllables", "nuclei") != "nuclei":
        raise ParameterError(f"measured with syllables={params['syllables']!r} by another speech recogniser (settings "
                             f"{', '.join(unknown)}: PocketSphinx); rebuild it with this persona to count alike")  # fmt: skip


def _field_names(cls) -> set[str]:
    return {f.name for f in dataclasses.fields(cls)}


def _voiced_fraction(track: pitch.PitchTrack, seg: pace.Segmentation) -> float:
    """Fraction of pitch frames inside speech runs that are voiced."""
    inside = seg.contains(track.times_s)
    return float(track.voiced[inside].mean()) if inside.any() else np.nan


def _complete(row: dict) -> dict:
    return {c: row.get(c, "" if c in ("error", "warning") else np.nan) for c in COLUMNS}


def _noting_warnings(measure: Callable[[], dict]) -> dict:
    """The row ``measure()`` returns, with the UserWarnings raised on the way in its ``warning`` column."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        row = measure()
    row["warning"] = "; ".join(str(w.message) for w in caught if issubclass(w.category, UserWarning))
    return row


def _profile_task(task) -> dict:
    profiler, path, channel, transcript = task

    def measure() -> dict:
        try:
            return profiler.process_audio(profiler.load(path, channel=channel), transcript=transcript)
        except PersonaError as exc:
            return _complete({"file": path, "error": str(exc)})
        except Exception as exc:  # noqa: BLE001 - one bad file never stops a batch
            return _complete({"file": path, "error": f"{path}: unexpected {type(exc).__name__}: {exc}"})

    return _noting_warnings(measure)


def profile(
    source,
    *,
    sr_hz: int | None = None,
    channel: int | None = None,
    transcript: str | None = None,
    telephone: bool = False,
    **params,
) -> pd.DataFrame:
    """Acoustic profile of a file path or a sample array (then ``sr_hz`` is required).

    Returns a one-row DataFrame with :data:`COLUMNS`; provenance in ``frame.attrs["provenance"]``.
    Extra keyword arguments are analysis parameters (see :class:`PitchParams`, :class:`PaceParams`).
    """
    profiler = Profiler.create(telephone=telephone, **params)
    if isinstance(source, (str, Path)):
        return profiler.process_file(source, channel=channel, transcript=transcript)
    if sr_hz is None:
        raise ParameterError("profile(array) needs sr_hz")
    samples = np.asarray(source)
    if channel is not None and samples.ndim == 2:
        samples = samples[:, channel]
    return profiler.process_signal(samples, sr_hz, transcript=transcript)
