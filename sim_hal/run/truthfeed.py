"""The simulator's truth for a ground station's map (`ginny sim --truth-endpoint`): a ZeroMQ PUB socket of
msgpack maps `{"type": "truth", "t_ns", "pos_m": [north, east], "agl_m"}` at 5 Hz of simulated time, in the
navigation frame (from the takeoff point, heading 0 along the start heading). It is published by the simulator
host, never by the flight software: truth stays out of fsw/."""
from __future__ import annotations

import math

import msgpack
import zmq

from sim_hal.backend.messages import SimTruth

_PERIOD_NS = 200_000_000


class TruthFeed:
    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self._ctx: zmq.Context | None = None
        self._sock: zmq.Socket | None = None
        self._origin: tuple[float, float, float] | None = None  # north, east, yaw of the start
        self._next_ns = 0

    def open(self) -> "TruthFeed":
        self._ctx = zmq.Context()
        self._sock = self._ctx.socket(zmq.PUB)
        self._sock.linger = 0
        self._sock.sndhwm = 100
        self._sock.bind(self.endpoint)
        return self

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close(0)
            self._ctx.term()
            self._sock = self._ctx = None

    def offer(self, truth: SimTruth) -> None:
        if self._origin is None:
            w, x, y, z = truth.q_wxyz
            self._origin = (truth.pos_m[0], truth.pos_m[1], math.atan2(2 * (w * z + x * y), 1 - 2 * (y * y + z * z)))
        if truth.t_ns < self._next_ns or self._sock is None:
            return
        self._next_ns = truth.t_ns + _PERIOD_NS
        n0, e0, yaw0 = self._origin
        dn, de = truth.pos_m[0] - n0, truth.pos_m[1] - e0
        c, s = math.cos(yaw0), math.sin(yaw0)
        frame = {"type": "truth", "t_ns": truth.t_ns, "pos_m": [c * dn + s * de, -s * dn + c * de],
                 "agl_m": truth.agl_m}
        try:
            self._sock.send(msgpack.packb(frame), zmq.NOBLOCK)
        except zmq.Again:
            pass
