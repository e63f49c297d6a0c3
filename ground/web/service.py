"""The dashboard's link service: one thread owns the GroundLink (ZeroMQ sockets stay in one thread), polls it,
hands every downlinked frame to the web clients' queues, and sends the commands the web side asks for."""
from __future__ import annotations

import asyncio
import base64
import queue
import threading
import time
from concurrent.futures import Future
from typing import Any

import msgpack
import zmq

from fsw.runtime.commands import CommandRejected
from ground.link import GroundLink

_STATUS_PERIOD_S = 0.5


class LinkService(threading.Thread):
    def __init__(self, link: GroundLink, ack_timeout_s: float = 10.0, truth: str = "") -> None:
        """`truth`: a simulator's truth feed to subscribe to (`ginny sim --truth-endpoint`), for the map."""
        super().__init__(name="ground-link", daemon=True)
        self.link = link
        self.truth_endpoint = truth
        self.ack_timeout_s = ack_timeout_s
        self.clients: set[tuple[asyncio.AbstractEventLoop, asyncio.Queue]] = set()
        self._lock = threading.Lock()
        self._outbox: queue.Queue = queue.Queue()
        self._waiting: dict[int, tuple[Future, float]] = {}
        self._stop = threading.Event()
        self.link.on_frame = self._fan_out

    # --- called from the web side (any thread) ------------------------------------------------------------
    def command(self, name: str, args: dict[str, Any], target: str = "") -> Future:
        """Validate here, send from the link thread; the future gets the acknowledgement (or an error)."""
        fut: Future = Future()
        self.link.dictionary.validate(name, args)  # raises CommandRejected before anything is sent
        self._outbox.put((name, args, target, fut))
        return fut

    def add_client(self, loop: asyncio.AbstractEventLoop, q: asyncio.Queue) -> None:
        with self._lock:
            self.clients.add((loop, q))
        self._send_to(loop, q, self.status())

    def remove_client(self, loop: asyncio.AbstractEventLoop, q: asyncio.Queue) -> None:
        with self._lock:
            self.clients.discard((loop, q))

    def status(self) -> dict[str, Any]:
        g = self.link.got
        return {"type": "link", "up": self.link.link_up, "frames": g.frames, "bytes": g.bytes,
                "events_missed": g.events_missed}

    def stop(self) -> None:
        self._stop.set()

    # --- the link thread -------------------------------------------------------------------------------
    def run(self) -> None:
        """The link must be open (`GroundLink.open`) before the thread starts."""
        last_status = 0.0
        truth = self._subscribe_truth()
        try:
            while not self._stop.is_set():
                self._send_commands()
                self.link.poll(50)
                self._settle()
                self._relay_truth(truth)
                if time.monotonic() - last_status >= _STATUS_PERIOD_S:
                    last_status = time.monotonic()
                    self._fan_out(self.status())
        finally:
            self.link.close()
            if truth is not None:
                truth.close(0)

    def _subscribe_truth(self) -> zmq.Socket | None:
        if not self.truth_endpoint:
            return None
        sock = zmq.Context.instance().socket(zmq.SUB)
        sock.linger = 0
        sock.setsockopt(zmq.SUBSCRIBE, b"")
        sock.connect(self.truth_endpoint)
        return sock

    def _relay_truth(self, sock: zmq.Socket | None) -> None:
        while sock is not None:
            try:
                raw = sock.recv(zmq.NOBLOCK)
            except zmq.Again:
                return
            try:
                frame = msgpack.unpackb(raw)
            except Exception:  # a truth feed is a convenience: a bad frame is skipped
                continue
            if isinstance(frame, dict) and frame.get("type") == "truth":
                self._fan_out(frame)

    def _send_commands(self) -> None:
        while True:
            try:
                name, args, target, fut = self._outbox.get_nowait()
            except queue.Empty:
                return
            try:
                cmd_id = self.link.send(name, args, target)
                self._waiting[cmd_id] = (fut, time.monotonic() + self.ack_timeout_s)
            except (CommandRejected, OSError) as exc:
                fut.set_exception(exc)

    def _settle(self) -> None:
        now = time.monotonic()
        for cmd_id, (fut, deadline) in list(self._waiting.items()):
            ack = self.link.got.acks.get(cmd_id)
            if ack is not None:
                fut.set_result(ack)
            elif now > deadline:
                fut.set_exception(TimeoutError(f"no acknowledgement in {self.ack_timeout_s:g} s"))
            else:
                continue
            del self._waiting[cmd_id]

    def _fan_out(self, frame: dict[str, Any]) -> None:
        web = for_web(frame)
        with self._lock:
            clients = list(self.clients)
        for loop, q in clients:
            self._send_to(loop, q, web)

    @staticmethod
    def _send_to(loop: asyncio.AbstractEventLoop, q: asyncio.Queue, frame: dict[str, Any]) -> None:
        try:
            loop.call_soon_threadsafe(_put_latest, q, frame)
        except RuntimeError:
            pass  # that client's loop has closed


def _put_latest(q: asyncio.Queue, frame: dict[str, Any]) -> None:
    """A slow browser loses the oldest frames, never blocks the link."""
    if q.full():
        q.get_nowait()
    q.put_nowait(frame)


def for_web(frame: dict[str, Any]) -> dict[str, Any]:
    """A frame as JSON can carry it: images as data URLs, file chunks without their bytes."""
    out = {k: v for k, v in frame.items() if k not in ("jpeg", "data")}
    if frame.get("type") == "image":
        out["src"] = "data:image/jpeg;base64," + base64.b64encode(frame["jpeg"]).decode()
    if frame.get("type") == "file":
        out["bytes"] = len(frame.get("data") or b"")
    return out
