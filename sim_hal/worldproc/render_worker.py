"""Navcam rendering in a worker process, so frames are drawn on the other core while the world steps.

The worker builds the same terrain and renderer from the same config and seed, takes jobs (exposure time,
frame number, pose) in order and sends back frames in order: the frames are exactly those the world would
draw itself, only ready a few steps later.
"""
from __future__ import annotations

import select
import shutil
import tempfile
import time
from collections import deque
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

import cv2
import numpy as np

from fsw.bus.messages import NavcamFrame
from fsw.config.sensors import SensorsConfig
from fsw.runtime.node import profiled
from fsw.runtime.realtime import apply_realtime
from sim_hal.helper_process import start_helper, stop_helper, write_whole
from sim_hal.model.render import NavcamRenderer
from sim_hal.model.terrain import Grid, Terrain, TerrainSpec, load_grid, save_grid
from sim_hal.model.terraincache import is_cached, load_coarse
from sim_hal.worldproc.tilemaker import TileFeed


@dataclass(frozen=True)
class RealTimeRender:
    """How the renderer runs in real time: its SCHED_FIFO priority and CPUs, and the tile maker it takes its
    tiles from."""

    priority: int
    cpus: list[int]
    tiles: TileFeed


def _serve(spec: TerrainSpec, sensors: SensorsConfig, seed: int, realtime: RealTimeRender | None, nice: int,
           coarse_file: str, conn: Connection) -> None:
    with profiled("render"):
        _draw_frames(spec, sensors, seed, realtime, nice, coarse_file, conn)


def _draw_frames(spec: TerrainSpec, sensors: SensorsConfig, seed: int, realtime: RealTimeRender | None,
                 nice: int, coarse_file: str, conn: Connection) -> None:
    """Draw the frames asked for; between them, make the terrain the camera is heading for, a piece at a time
    (`_make_ahead`), so that a frame asked for waits a few milliseconds at most. After the first warm-up the
    coarse map it made is in the terrain cache, or (cache off, or not writable) written to `coarse_file` before
    it answers: the world's own colour stills take it from either."""
    cv2.setNumThreads(1)
    terrain = Terrain(spec)
    renderer = NavcamRenderer(sensors.navcam, terrain, seed)
    priority, cpus, feed = (realtime.priority, realtime.cpus, realtime.tiles) if realtime else (0, [], None)
    apply_realtime(priority, cpus, nice)  # refused: the world says so (it asks for its own too)
    last = ahead = None  # the previous camera position; where it will be in about a second
    while True:
        while ahead is not None and not conn.poll(0) and _make_ahead(terrain, feed, ahead):
            pass
        job = conn.recv()
        if job is None:
            return
        pos = job[2]
        ahead = _ahead(last or pos, pos)
        last = pos
        if feed is not None:
            feed.head_for(ahead)
        t_ns, frame_seq, pos, q, *warm = job
        t0 = time.perf_counter_ns()
        pixels = renderer.render(pos, q, noise=not warm)  # a warm-up draws no noise: the sequence stays put
        took = time.perf_counter_ns() - t0
        if warm and not Path(coarse_file).exists() and not is_cached(spec):  # not kept by the cache
            write_whole(Path(coarse_file), lambda part: save_grid(part, terrain.coarse))
        conn.send_bytes(pixels.tobytes())
        conn.send((t_ns, frame_seq, took, terrain.making_ns, time.process_time()))


def _make_ahead(terrain: Terrain, feed: TileFeed | None, ahead: tuple[float, float]) -> bool:
    """One piece of the terrain ahead; False when there is none to make now. Lockstep: a tile (tens of ms) or
    a step of the window. Real time: a tile from the tile maker, or a step of the window (a few ms); never a
    tile made here."""
    if feed is None:
        return terrain.prefetch(*ahead)
    return feed.collect(terrain, at_most=1) > 0 or terrain.prefetch(*ahead, make_tiles=False)


def _ahead(last: tuple, pos: tuple) -> tuple[float, float]:
    """About a second ahead of the camera (30 frames a second), from its last two positions."""
    return (pos[0] + 30 * (pos[0] - last[0]), pos[1] + 30 * (pos[1] - last[1]))


class ProcessRenderer:
    """At most `max_in_flight` frames are queued for the worker: when it falls behind, the world waits for
    it (back-pressure), rather than piling up jobs until both ends block on full pipes."""

    def __init__(self, spec: TerrainSpec, sensors: SensorsConfig, seed: int, max_in_flight: int = 3,
                 warm_up_at: tuple[float, float, float] | None = None,
                 realtime: RealTimeRender | None = None, nice: int = 0) -> None:
        self.sensors = sensors
        self.spec = spec
        self._folder = tempfile.mkdtemp(prefix="ginny-render-")
        self.coarse_file = str(Path(self._folder) / "coarse.npz")  # written by the first warm-up, if need be
        self._conn, self._proc = start_helper(_serve, spec, sensors, seed, realtime, nice, self.coarse_file)
        self._answers = select.poll()  # asked every world step: a bare poll(2), not Connection.poll's wait()
        self._answers.register(self._conn.fileno(), select.POLLIN)
        self._in_flight: deque[tuple[int, int]] = deque()  # (frame_seq, t_ns)
        self._done: list[NavcamFrame] = []
        self.max_in_flight = max_in_flight
        self.render_ns = 0
        self.tiles_ns = 0
        self.cpu_s = 0.0  # the worker process's CPU time, as of its latest frame
        if warm_up_at is not None:
            self.warm_up(warm_up_at)

    def warm_up(self, pos_m: tuple[float, float, float]) -> None:
        """Render one throw-away frame at `pos_m` and wait for it: the coarse map and the first tiles are made
        before the flight starts, not while its first frames wait."""
        self._conn.send((0, 0, tuple(pos_m), (1.0, 0.0, 0.0, 0.0), False))
        self._conn.recv_bytes()
        self._conn.recv()

    def coarse(self) -> Grid | None:
        """The coarse map the worker made (after a warm-up): its file, or the cache's (None if since pruned)."""
        return load_grid(self.coarse_file) if Path(self.coarse_file).exists() else load_coarse(self.spec)

    def submit(self, t_ns: int, frame_seq: int, pos_m, q) -> None:
        while len(self._in_flight) >= self.max_in_flight:
            self._done.append(self._receive())
        self._conn.send((t_ns, frame_seq, tuple(pos_m), tuple(q)))
        self._in_flight.append((frame_seq, t_ns))

    def oldest_ns(self) -> int | None:
        return self._in_flight[0][1] if self._in_flight else None

    def wait_one(self) -> None:
        """Block until the oldest frame in flight is back (it waits in `ready`)."""
        if self._in_flight:
            self._done.append(self._receive())

    def _receive(self) -> NavcamFrame:
        cam = self.sensors.navcam
        raw = self._conn.recv_bytes()
        t_ns, frame_seq, render_ns, tiles_ns, self.cpu_s = self._conn.recv()
        self._in_flight.popleft()
        self.render_ns += render_ns
        self.tiles_ns = tiles_ns
        pixels = np.frombuffer(raw, np.uint8).reshape(cam.height_px, cam.width_px)
        return NavcamFrame(t_ns, frame_seq, cam.exposure_us, pixels)

    def ready(self) -> list[NavcamFrame]:
        """Frames finished so far, in order (never waits)."""
        out, self._done = self._done, []
        while self._in_flight and self._answers.poll(0):
            out.append(self._receive())
        return out

    def flush(self) -> list[NavcamFrame]:
        """Every frame still being drawn (waits for them)."""
        out, self._done = self._done, []
        while self._in_flight:
            out.append(self._receive())
        return out

    def close(self) -> None:
        stop_helper(self._conn, self._proc)
        shutil.rmtree(self._folder, ignore_errors=True)
