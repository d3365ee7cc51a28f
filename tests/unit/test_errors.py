"""persona's errors survive a trip between processes (a worker's error must reach the parent)."""

import pickle

import pytest

from persona import errors


@pytest.mark.parametrize("cls", [errors.AudioError, errors.CorruptAudioError, errors.TooLongError, errors.SilentAudioError])
def test_audio_errors_pickle(cls):
    """Exception.__reduce__ replays ``args`` (the one formatted message) into a two-argument __init__ and fails."""
    error = cls("calls/a.wav", "no voiced speech")
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is cls
    assert (back.path, back.problem, str(back)) == ("calls/a.wav", "no voiced speech", "calls/a.wav: no voiced speech")


def test_clip_left_out_warning_pickles():
    warning = errors.ClipLeftOutWarning("ref/b.wav", "too short")
    back = pickle.loads(pickle.dumps(warning))
    assert (back.file, back.reason, str(back)) == ("ref/b.wav", "too short", "human clip left out: too short")


def test_error_crosses_a_process_pool():
    """Before __reduce__, unpickling in the parent raised TypeError and a multiprocessing.Pool hung."""
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(1) as pool, pytest.raises(errors.CorruptAudioError, match="x.wav: not audio"):
        pool.submit(_raise).result(timeout=120)


def _raise():
    raise errors.CorruptAudioError("x.wav", "not audio")
