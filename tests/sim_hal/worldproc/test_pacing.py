"""The real-time world's helpers: the metronome that wakes its loop as steps fall due, the tile makers, the
renderer's terrain made ahead between frames, and the worker that draws colour stills."""
from __future__ import annotations

import select
import time

import numpy as np

from sim_hal.worldproc.metronome import Metronome
from sim_hal.model.terrain import Terrain, TerrainSpec
from tests.conftest import wait_until


def test_the_metronome_wakes_the_loop_on_each_beat_never_before() -> None:
    m = Metronome(time.monotonic_ns)
    start = time.monotonic_ns()
    period = 20_000_000  # 20 ms
    m.start(start, period)
    try:
        woken = []
        while len(woken) < 5:
            ready, _, _ = select.select([m.fileno()], [], [], 2.0)
            assert ready, "no beat within 2 s"
            woken.append(time.monotonic_ns())
            m.drain()
        beats = [(w - start) / period for w in woken]
        assert beats[0] >= 1.0  # the first beat is one period after the start
        assert all(b >= a for a, b in zip(beats, beats[1:]))
        assert int(beats[-1]) >= 5 - 1  # one wake per beat (or fewer, if beats came while it was busy)
    finally:
        m.close()


def test_the_renderer_makes_tiles_only_from_the_tile_maker_in_real_time_and_windows_a_step_at_a_time() -> None:
    from sim_hal.worldproc.render_worker import _make_ahead
    from sim_hal.worldproc.tilemaker import TileMaker

    spec = TerrainSpec(name="flat", seed=3, extent_m=200.0, tile_px=64)
    terrain = Terrain(spec)
    maker = TileMaker(spec, radius_tiles=2)
    try:
        assert not _make_ahead(terrain, maker.feed, (40.0, 10.0))  # no tile yet, and none made here
        maker.feed.head_for((40.0, 10.0))
        centre = terrain.tile_index(40.0, 10.0)
        def step() -> None:  # as the renderer does between frames: wait, then take a tile or a window step
            maker.feed.wait(0.05)
            _make_ahead(terrain, maker.feed, (40.0, 10.0))

        wait_until(lambda: centre in terrain._windows, 20.0, step, "the window ahead")
    finally:
        maker.close()
    assert terrain.made_tiles == 0  # every tile came from the maker
    fresh = Terrain(spec).window(40.0, 10.0)
    ahead = terrain.window(40.0, 10.0)
    assert np.array_equal(ahead.height, fresh.height) and np.array_equal(ahead.shade, fresh.shade)


def test_tiles_only_when_no_window_is_wanted() -> None:
    terrain = Terrain(TerrainSpec(name="flat", seed=3, extent_m=200.0, tile_px=64))
    made = 0
    while terrain.prefetch(20.0, 0.0, radius_tiles=1, window=False):
        made += 1
    assert made == 9 and not terrain._windows


def test_windows_kept_are_few_and_never_the_one_in_use() -> None:
    terrain = Terrain(TerrainSpec(name="flat", seed=3, extent_m=200.0, tile_px=64))
    in_use = terrain.window(0.0, 0.0)
    terrain.prefetch(terrain.spec.tile_m, 0.0)
    while terrain.prefetch(terrain.spec.tile_m, 0.0):
        pass
    assert len(terrain._windows) == 2  # fewer than three: none dropped
    made = 0
    for k in range(2, 7):  # prefetched windows further and further along
        while terrain.prefetch(k * terrain.spec.tile_m, 0.0):
            made += 1
    assert made > 5 and len(terrain._windows) == 3
    assert terrain.window(0.0, 0.0) is in_use


def test_tiles_made_in_the_tile_maker_are_those_made_here() -> None:
    from sim_hal.worldproc.tilemaker import TileMaker

    spec = TerrainSpec(name="jezero", seed=3, extent_m=200.0, tile_px=64)
    here, there = Terrain(spec), Terrain(spec)
    maker = TileMaker(spec, radius_tiles=1)
    try:
        maker.feed.head_for((10.0, -5.0))
        wait_until(lambda: maker.feed.collect(there) >= 0 and len(there._tiles) >= 9, 20.0,
                   lambda: maker.feed.wait(0.05), "nine tiles")
    finally:
        maker.close()
    ci, cj = there.tile_index(10.0, -5.0)
    for key in [(ci + di, cj + dj) for di in (-1, 0, 1) for dj in (-1, 0, 1)]:
        a, b = there._tiles[key], here.tile(*key)
        assert np.array_equal(a.height, b.height) and np.array_equal(a.shade, b.shade)
        assert (a.origin_n, a.origin_e, a.res_m) == (b.origin_n, b.origin_e, b.res_m)


def test_a_colour_still_from_the_worker_is_the_one_drawn_here() -> None:
    from fsw.config.sensors import load_sensors
    from sim_hal.model.colourcam import Motion
    from sim_hal.model.stills import StillCamera
    from sim_hal.worldproc.colour_worker import ColourWorker

    spec = TerrainSpec(name="flat", seed=3, extent_m=200.0, tile_px=64)
    cfg = load_sensors().colour_camera
    worker = ColourWorker(spec, cfg, seed=5)
    motion = Motion((1.0, 2.0, -10.0), (1.0, 0.0, 0.0), (1.0, 0.0, 0.0, 0.0), (0.0, 0.0, 0.5))
    try:
        assert worker.submit(7, 123, motion, 64, 48)
        assert not worker.submit(7, 123, motion, 64, 48)  # asked again while drawn: once is enough
        stills = []
        wait_until(lambda: bool(stills.extend(worker.ready()) or stills), 20.0, lambda: worker.wait(0.05),
                   "the still")
    finally:
        worker.close()
    (still,) = stills
    assert (still.t_ns, still.capture_id, still.pattern) == (123, 7, "RGGB")
    assert np.array_equal(still.pixels, StillCamera(cfg, Terrain(spec), seed=5).take(7, 123, motion, 64, 48).pixels)


def test_a_window_built_a_tile_at_a_time_is_the_one_built_at_once() -> None:
    terrain = Terrain(TerrainSpec(name="jezero", seed=3, extent_m=200.0, tile_px=64))
    while terrain.prefetch(20.0, 0.0):  # tiles, then the window step by step
        pass
    stepped = terrain._windows[terrain.tile_index(20.0, 0.0)]
    whole = Terrain(TerrainSpec(name="jezero", seed=3, extent_m=200.0, tile_px=64)).window(20.0, 0.0)
    assert np.array_equal(stepped.height, whole.height) and np.array_equal(stepped.shade, whole.shade)
    assert (stepped.origin_n, stepped.origin_e) == (whole.origin_n, whole.origin_e)
