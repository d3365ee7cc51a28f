"""The clip player: a Streamlit component that plays one clip and reports when it ended.

``st.audio`` cannot tell the server whether a clip was heard, so listeners get this small
player instead (static HTML, no build step, works offline). It receives the WAV bytes as a
binary argument over the app's websocket, plays them from a ``blob:`` URL, offers play and
pause but no seeking, and sets its value to ``{"ended": true, "plays": n}`` when playback
reaches the end. Nothing but the opaque key and the bytes reaches the browser.
"""

from __future__ import annotations

from pathlib import Path

import streamlit.components.v1 as components

_player = components.declare_component("clip_player", path=str(Path(__file__).parent / "frontend"))


def clip_player(wav: bytes, *, key: str, label: str) -> bool:
    """Show a player for ``wav``; ``True`` once the listener has played it to the end.

    Parameters
    ----------
    wav : bytes
        The clip, a WAV file in memory.
    key : str
        Opaque widget key, unique per clip presentation (never a file or voice name).
    label : str
        Button caption, e.g. ``"Clip A"``.
    """
    state = _player(wav=wav, clip=key, label=label, key=key, default=None)
    return bool(state and state.get("ended"))
