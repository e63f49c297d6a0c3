"""Colour stills drawn in a process of their own, for a real-time world: a full-resolution still takes a second
or more to draw (13 million rays, then the sensor's RAW frame), and the world's loop, which steps the vehicle and feeds the
IMU every 2 ms, may not stop for it. The still is of the pose at the request (its exposure); it comes back
when drawn, as a real camera's comes after its readout. Lockstep draws it at once: time waits."""
from __future__ import annotations

import shutil
import tempfile
from dataclasses import astuple, replace
from multiprocessing.connection import Connection
from pathlib import Path

import cv2
import numpy as np

from fsw.bus.messages import ColourImage
from fsw.config.sensors import ColourCameraConfig
from sim_hal.helper_process import start_helper, stop_helper, write_whole
from sim_hal.model.colourcam import Motion
from sim_hal.model.stills import StillCamera
from sim_hal.model.terrain import Terrain, TerrainSpec


def _serve(spec: TerrainSpec, cfg: ColourCameraConfig, seed: int, folder: str, conn: Connection) -> None:
    cv2.setNumThreads(1)
    camera = StillCamera(cfg, Terrain(spec), seed)
    while True:
        job = conn.recv()
        if job is None:
            return
        capture_id, t_ns, motion, w, h = job
        still = camera.take(capture_id, t_ns, Motion(*motion), w, h)
        path = write_whole(Path(folder) / f"{capture_id}_{t_ns}.npy", lambda part: np.save(part, still.pixels))
        conn.send((still, path))


class ColourWorker:
    def __init__(self, spec: TerrainSpec, cfg: ColourCameraConfig, seed: int) -> None:
        self._folder = tempfile.mkdtemp(prefix="ginny-stills-")
        self._conn, self._proc = start_helper(_serve, spec, cfg, seed, self._folder)
        self._pending: set[int] = set()

    def submit(self, capture_id: int, t_ns: int, motion: Motion, width: int, height: int) -> bool:
        """Draw a still of this pose; False if that capture is being drawn already (a repeated request)."""
        if capture_id in self._pending:
            return False
        self._pending.add(capture_id)
        self._conn.send((capture_id, t_ns, astuple(motion), width, height))
        return True

    def wait(self, timeout_s: float) -> bool:
        """Block until a still is ready, or `timeout_s` has passed; whether one is."""
        return self._conn.poll(timeout_s)

    def ready(self) -> list[ColourImage]:
        """The stills drawn so far (never waits for one being drawn)."""
        out = []
        while self._conn.poll(0):
            still, path = self._conn.recv()
            self._pending.discard(still.capture_id)
            out.append(replace(still, pixels=np.load(path)))
            Path(path).unlink(missing_ok=True)
        return out

    def close(self) -> None:
        stop_helper(self._conn, self._proc)
        shutil.rmtree(self._folder, ignore_errors=True)
