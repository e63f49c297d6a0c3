"""Terrain tiles made ahead in a process of their own, for a real-time loop that may not stop for one (a tile
takes tens of milliseconds): the world steps the vehicle and ranges its altimeter over the tile below. A
thread would share the interpreter with the loop, and at the ordinary priority would hold it while the loop
waits. Tiles travel as files, so the loop takes one only when it is all there (a pipe could leave the loop
waiting on a half-sent tile). Tiles are the same whoever makes them. The navcam renderer takes its tiles from
one too: a thread beside its drawing would share the interpreter, and a tile blocks it for tens of ms."""
from __future__ import annotations

import shutil
import tempfile
from multiprocessing.connection import Connection
from pathlib import Path

from sim_hal.helper_process import start_helper, stop_helper, write_whole
from sim_hal.model.terrain import Terrain, TerrainSpec, load_grid, make_tile, save_grid, tile_index


def _serve(spec: TerrainSpec, radius_tiles: int, folder: str, conn: Connection) -> None:
    made: set[tuple[int, int]] = set()  # each tile is made and sent once (and not kept here)
    target = None
    while True:
        if target is None or conn.poll(0):
            target = conn.recv()
            if target is None:
                return
        key = _missing(spec, target, radius_tiles, made)
        if key is None:
            target = None  # all made: wait for the next target
            continue
        made.add(key)
        g = make_tile(spec, *key)
        conn.send((key, write_whole(Path(folder) / f"{key[0]}_{key[1]}.npz", lambda part: save_grid(part, g))))


def _missing(spec: TerrainSpec, target: tuple[float, float], radius: int, made: set) -> tuple[int, int] | None:
    ci, cj = tile_index(spec, *target)
    for di in range(-radius, radius + 1):
        for dj in range(-radius, radius + 1):
            if (ci + di, cj + dj) not in made:
                return ci + di, cj + dj
    return None


class TileFeed:
    """The tile maker's end of the pipe: it may be handed to another process (the navcam renderer) that wants
    the tiles itself."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def head_for(self, north_east: tuple[float, float]) -> None:
        """Make the tiles around this point (north, east in m) next."""
        self._conn.send(tuple(map(float, north_east)))

    def wait(self, timeout_s: float) -> bool:
        """Block until a tile is ready to collect, or `timeout_s` has passed; whether one is."""
        return self._conn.poll(timeout_s)

    def collect(self, terrain: Terrain, at_most: int = 1_000_000) -> int:
        """Give `terrain` the tiles made so far that it lacks, up to `at_most` (never waits); how many came."""
        n = 0
        while n < at_most and self._conn.poll(0):
            key, path = self._conn.recv()
            grid = load_grid(path)
            Path(path).unlink(missing_ok=True)
            terrain.add_tile(key, grid)
            n += 1
        return n


class TileMaker:
    def __init__(self, spec: TerrainSpec, radius_tiles: int = 1) -> None:
        self._folder = tempfile.mkdtemp(prefix="ginny-tiles-")
        self._conn, self._proc = start_helper(_serve, spec, radius_tiles, self._folder)
        self.feed = TileFeed(self._conn)

    def close(self) -> None:
        stop_helper(self._conn, self._proc)
        shutil.rmtree(self._folder, ignore_errors=True)
