"""Listeners that drive a running ``streamlit run app.py`` over its websocket, as a browser does.

Each :class:`ListenerClient` opens ``/_stcore/stream``, sends Streamlit's ``BackMsg`` protobufs
(a rerun with the query string and every widget's value, triggers for button clicks) and reads
the ``ForwardMsg`` deltas of each page run until ``script_finished``. It listens like a person:
before reporting a clip as played to its end it waits the clip's duration (read from the WAV
bytes it received), one clip after another, plus an answering pause. Many clients share one
asyncio loop, so 50 listeners cost the benchmark almost no CPU next to the server.

Measured per answer: ``next_clip_s``, from sending the click on *Next* to the arrival of the
message that carries the next screen's first clip (the moment a browser can start playing it).
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from dataclasses import dataclass, field

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.Common_pb2 import DoubleArray
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState, WidgetStates
from tornado.httpclient import HTTPRequest
from tornado.websocket import WebSocketClosedError, websocket_connect

WIDGETS = ("button", "checkbox", "radio", "slider", "component_instance", "text_area")


class Disconnected(Exception):
    """The server closed the websocket (or died) before the page run finished."""


class Refused(Exception):
    """The screen's button stayed disabled after every clip was played and every question answered."""


@dataclass
class Screen:
    """The elements of one finished page run, in the order they arrived."""

    elements: list[tuple[str, object]] = field(default_factory=list)
    first_clip_at: float | None = None  # perf_counter time the first new clip arrived

    def of(self, kind: str) -> list:
        return [proto for name, proto in self.elements if name == kind]

    def text(self) -> str:
        """Every heading, markdown, progress and alert text of the screen."""
        parts = [p.body for p in self.of("heading") + self.of("markdown") + self.of("alert")]
        return "\n".join(parts + [p.text for p in self.of("progress")])

    def progress(self) -> str:
        return self.of("progress")[0].text if self.of("progress") else ""


def wav_duration_s(wav: bytes) -> float:
    """Duration of a PCM WAV held in memory (``fmt `` and ``data`` chunks), in seconds."""
    channels, rate, bits = int.from_bytes(wav[22:24], "little"), int.from_bytes(wav[24:28], "little"), int.from_bytes(wav[34:36], "little")
    data = wav.find(b"data")
    size = int.from_bytes(wav[data + 4 : data + 8], "little")
    return size / (channels * rate * bits // 8)


class ListenerClient:
    """One browser tab's worth of Streamlit session, driven by code."""

    def __init__(self, base_url: str, query: str, *, rng: random.Random, listen_scale: float = 1.0):
        self.base_url = base_url.rstrip("/")
        self.query = query
        self.rng = rng
        self.listen_scale = listen_scale
        self.values: dict[str, WidgetState] = {}
        self.ws = None
        self.clip_ids: set[str] = set()

    async def connect(self, *, timeout_s: float = 30.0) -> Screen:
        """Open the websocket and run the page once (what a browser does on load)."""
        url = self.base_url.replace("http", "ws", 1) + "/_stcore/stream"
        request = HTTPRequest(url, headers={"Origin": self.base_url}, connect_timeout=timeout_s, request_timeout=timeout_s)
        try:
            self.ws = await websocket_connect(request, subprotocols=["streamlit"])
        except OSError as exc:
            raise Disconnected(str(exc)) from None
        self.values, self.clip_ids = {}, set()
        return await self.rerun()

    def close(self) -> None:
        if self.ws is not None:
            self.ws.close()

    async def rerun(self, trigger: str | None = None) -> Screen:
        """Send the widget values (and a button click) and collect the page run's elements."""
        states = list(self.values.values())
        if trigger is not None:
            states.append(WidgetState(id=trigger, trigger_value=True))
        message = BackMsg(rerun_script=ClientState(query_string=self.query, widget_states=WidgetStates(widgets=states)))
        try:
            await self.ws.write_message(message.SerializeToString(), binary=True)
        except WebSocketClosedError:
            raise Disconnected("websocket closed") from None
        screen = Screen()
        while True:
            raw = await self.ws.read_message()
            if raw is None:
                raise Disconnected("websocket closed")
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            kind = msg.WhichOneof("type")
            if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                element = msg.delta.new_element
                name = element.WhichOneof("type")
                proto = getattr(element, name)
                screen.elements.append((name, proto))
                if name == "component_instance" and proto.id not in self.clip_ids and screen.first_clip_at is None:
                    screen.first_clip_at = time.perf_counter()
            elif kind == "script_finished":
                if msg.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue
                break
        present = {proto.id for name, proto in screen.elements if name in WIDGETS}
        self.values = {k: v for k, v in self.values.items() if k in present}
        self.clip_ids = {p.id for p in screen.of("component_instance")}
        return screen

    async def set(self, state: WidgetState) -> Screen:
        self.values[state.id] = state
        return await self.rerun()

    # ---- acting like a listener ---------------------------------------------------------

    async def answer(self, screen: Screen) -> tuple[Screen, float | None]:
        """Do what the screen asks, press its button; return the next screen and the Next -> clip time (s)."""
        if screen.of("checkbox"):  # consent
            screen = await self.set(WidgetState(id=screen.of("checkbox")[0].id, bool_value=True))
            return await self.rerun(trigger=screen.of("button")[0].id), None
        clips = screen.of("component_instance")
        await asyncio.sleep(self.listen_scale * sum(wav_duration_s(_wav(c)) for c in clips) + self.rng.uniform(0.5, 2.0))
        for clip in clips:
            self.values[clip.id] = WidgetState(id=clip.id, json_value=json.dumps({"ended": True, "plays": 1}))
        for radio in screen.of("radio"):
            self.values[radio.id] = WidgetState(id=radio.id, string_value=self.rng.choice(list(radio.options)))
        for n, slider in enumerate(screen.of("slider")):
            rating = 100.0 if n == 0 else float(self.rng.choice([v for v in range(0, 101, 5) if v != 50]))
            self.values[slider.id] = WidgetState(id=slider.id, double_array_value=DoubleArray(data=[rating]))
        screen = await self.rerun()
        button = next((b for b in screen.of("button") if not b.disabled), None)
        if button is None:
            raise Refused(screen.text())
        start = time.perf_counter()
        after = await self.rerun(trigger=button.id)
        return after, None if after.first_clip_at is None else after.first_clip_at - start


def _wav(component) -> bytes:
    return next(arg.bytes for arg in component.special_args if arg.key == "wav")


def finished(screen: Screen) -> bool:
    return any(t.body == "Thank you!" for t in screen.of("heading"))
