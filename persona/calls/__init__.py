"""Real calls: conversation timing and the agent's persona in two-channel call recordings.

>>> from persona.calls import profile_calls, CallProfiler
>>> calls = profile_calls(["calls/"], jobs=2)                                # doctest: +SKIP
>>> tables = CallProfiler().process_files(["calls/"], turns="turns.csv")     # doctest: +SKIP
>>> tables.calls, tables.turns                                               # doctest: +SKIP
"""

from .activity import ActivityParams
from .benchmark import TIMING_FEATURES, CallScores, build_call_benchmark, load_call_benchmark, score_calls
from .profile import CALL_COLUMNS, TURN_OUTPUT_COLUMNS, CallProfiler, CallTables, guess_agent_channel, profile_calls
from .timing import TIMING_COLUMNS, TimingParams
from .turns import read_turns

__all__ = [
    "ActivityParams", "TIMING_FEATURES", "CallScores", "build_call_benchmark", "load_call_benchmark", "score_calls",
    "CALL_COLUMNS", "TURN_OUTPUT_COLUMNS", "CallProfiler", "CallTables",
    "guess_agent_channel", "profile_calls", "TIMING_COLUMNS", "TimingParams", "read_turns",
]  # fmt: skip
