"""Seeded procedural terrain (pure): heights and sun-shaded albedo, made in tiles on demand.

Named terrains: `jezero` (well textured: regolith, pebbles, rocks of many sizes, small craters), `ripples`
(steep, nearly textureless sand ripples, as on Flights 71 and 72), `flat` (level, textured: for tests), `hills`
(jezero's ground on a 20 m rise of 10% slopes, from 50 to 250 m north), and three of real photographs
(`sim_hal/model/photos.py`): `gravel` and `lunar` (level) and `gravel_slope` (gravel on a 5% slope rising to the
north-east).
Everything is a function of global coordinates, so tiles agree at their seams and a 1 km flight never sees the
same ground twice. A coarse map of the whole area (no small rocks) serves what lies beyond the fine window.
Arrays are indexed [north, east]: row r covers north = origin_n + (r + 0.5) * res_m.
"""
from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from fsw.typed import check
from sim_hal.model.noise import pixel_noise, value_noise
from sim_hal.model.photos import photo_albedo

TERRAINS = ("jezero", "ripples", "flat", "hills", "gravel", "gravel_slope", "lunar")
HILL_START_M, HILL_RISE_M, HILL_SLOPE = 50.0, 20.0, 0.10  # `hills`: where its rise starts (north), how high, how steep


@dataclass(frozen=True)
class RoverSpec:
    north_m: float
    east_m: float
    yaw_deg: float = 0.0


@dataclass(frozen=True)
class TerrainSpec:
    name: str = "jezero"
    seed: int = 1
    res_m: float = 0.03  # fine tiles
    tile_px: int = 512
    coarse_res_m: float = 0.5
    extent_m: float = 1600.0  # the coarse map is a square of this side centred on the origin
    sun_elevation_deg: float = 35.0
    sun_azimuth_deg: float = 110.0  # from north, clockwise
    rover: RoverSpec | None = None

    def __post_init__(self) -> None:
        check(self.name in TERRAINS, "name", f"{self.name!r} is not one of {', '.join(TERRAINS)}")
        check(0.005 <= self.res_m <= 0.2, "res_m", "must be 0.005..0.2 m")
        check(64 <= self.tile_px <= 2048, "tile_px", "must be 64..2048")

    @property
    def tile_m(self) -> float:
        return self.tile_px * self.res_m


@dataclass(frozen=True)
class Grid:
    """A sampled patch of terrain: heights (m, up), shaded albedo (uint8) and the rover's footprint."""

    origin_n: float
    origin_e: float
    res_m: float
    height: np.ndarray  # float32
    shade: np.ndarray  # uint8
    rover: np.ndarray  # uint8 0/1
    extra: dict = field(default_factory=dict, compare=False)

    def to_pixel(self, north_m: float, east_m: float) -> tuple[float, float]:
        """(row, col) as continuous pixel coordinates (cv2.remap convention: pixel centres at integers)."""
        return (north_m - self.origin_n) / self.res_m - 0.5, (east_m - self.origin_e) / self.res_m - 0.5

    def averaged(self, f: int) -> "Grid":
        """The patch on cells f times as wide: heights and shade averaged over each block of f x f cells, the
        rover's footprint where it covers half a block (a last partial block is left out)."""
        return Grid(self.origin_n, self.origin_e, self.res_m * f, _block_mean(self.height, f),
                    _block_mean(self.shade, f), (_block_mean(self.rover * np.uint8(255), f) >= 128).astype(np.uint8))


def _block_mean(a: np.ndarray, f: int) -> np.ndarray:
    rows, cols = a.shape[0] // f, a.shape[1] // f
    return cv2.resize(a[:rows * f, :cols * f], (cols, rows), interpolation=cv2.INTER_AREA)


# --- heights and albedo ------------------------------------------------------------------------------------

def _octaves(spec: TerrainSpec, salt: int, bands: list[tuple[float, float]], g: tuple) -> np.ndarray:
    out = np.zeros(g[3], np.float32)
    for i, (cell, amp) in enumerate(bands):
        if cell >= 2 * g[2]:  # finer than two pixels is aliasing, not detail
            out += amp * _band(spec.seed, salt + i, cell, g)
    return out


def _band(seed: int, salt: int, cell: float, g: tuple) -> np.ndarray:
    """One octave; a smooth one is made on a coarser grid (at least 4 samples a cell) and enlarged."""
    origin_n, origin_e, res, (rows, cols) = g
    f = 1
    while f < 8 and cell >= 8 * f * res and rows % (2 * f) == 0 and cols % (2 * f) == 0:
        f *= 2
    if f == 1:
        return value_noise(seed, salt, cell, origin_n, origin_e, res, (rows, cols))
    small = value_noise(seed, salt, cell, origin_n, origin_e, res * f, (rows // f, cols // f))
    return cv2.resize(small, (cols, rows), interpolation=cv2.INTER_LINEAR)


def _jezero(spec: TerrainSpec, g: tuple, detail: bool) -> tuple[np.ndarray, np.ndarray]:
    height = _octaves(spec, 10, [(60.0, 0.8), (15.0, 0.25), (4.0, 0.06), (1.0, 0.015), (0.25, 0.006)], g)
    albedo = 0.42 + _octaves(spec, 20, [(30.0, 0.05), (6.0, 0.06), (1.5, 0.07), (0.4, 0.07), (0.12, 0.08)], g)
    if detail:
        albedo += 0.06 * pixel_noise(spec.seed, 30, g[0], g[1], g[2], g[3])
    return height, albedo


def _ripples(spec: TerrainSpec, g: tuple, detail: bool) -> tuple[np.ndarray, np.ndarray]:
    origin_n, origin_e, res, shape = g
    n = origin_n + (np.arange(shape[0], dtype=np.float32)[:, None] + 0.5) * res
    e = origin_e + (np.arange(shape[1], dtype=np.float32)[None, :] + 0.5) * res
    warp = 1.2 * value_noise(spec.seed, 40, 25.0, *g)
    phase = ((0.8 * n + 0.6 * e + warp) / 4.0) % 1.0  # crests 4 m apart, running north-west
    profile = np.where(phase < 0.7, phase / 0.7, (1.0 - phase) / 0.3)  # gentle stoss, steep lee
    height = 0.45 * profile + _octaves(spec, 41, [(40.0, 0.3)], g)
    albedo = 0.55 + _octaves(spec, 42, [(20.0, 0.015), (3.0, 0.006)], g)  # almost featureless sand
    return height.astype(np.float32), albedo


def _flat(spec: TerrainSpec, g: tuple, detail: bool) -> tuple[np.ndarray, np.ndarray]:
    albedo = 0.45 + _octaves(spec, 50, [(5.0, 0.08), (1.0, 0.1), (0.3, 0.1), (0.1, 0.08)], g)
    return np.zeros(g[3], np.float32), albedo


def _northing(g: tuple) -> tuple[np.ndarray, np.ndarray]:
    origin_n, origin_e, res, (rows, cols) = g
    return (origin_n + (np.arange(rows, dtype=np.float64)[:, None] + 0.5) * res,
            origin_e + (np.arange(cols, dtype=np.float64)[None, :] + 0.5) * res)


def _softplus(x: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, x)


def _hills(spec: TerrainSpec, g: tuple, detail: bool) -> tuple[np.ndarray, np.ndarray]:
    """Jezero's ground on a rise: the slope eases from 0 to 10% and back over about 20 m at each end."""
    height, albedo = _jezero(spec, g, detail)
    n, _ = _northing(g)
    ease = 10.0
    end = HILL_START_M + HILL_RISE_M / HILL_SLOPE
    rise = HILL_SLOPE * ease * (_softplus((n - HILL_START_M) / ease) - _softplus((n - end) / ease))
    return (height + rise).astype(np.float32), albedo


def _photo(name: str, slope: tuple[float, float]) -> Callable:
    def terrain(spec: TerrainSpec, g: tuple, detail: bool) -> tuple[np.ndarray, np.ndarray]:
        n, e = _northing(g)
        height = (slope[0] * n + slope[1] * e).astype(np.float32)
        return np.broadcast_to(height, g[3]).copy(), photo_albedo(name, spec.seed, g)
    return terrain


_BASE = {"jezero": _jezero, "ripples": _ripples, "flat": _flat, "hills": _hills,
         "gravel": _photo("gravel", (0.0, 0.0)), "gravel_slope": _photo("gravel", (0.04, 0.03)),
         "lunar": _photo("moon", (0.0, 0.0))}


def _cells_around(origin_n: float, origin_e: float, size_n: float, size_e: float, cell: float, margin: float):
    i0, i1 = math.floor((origin_n - margin) / cell), math.floor((origin_n + size_n + margin) / cell)
    j0, j1 = math.floor((origin_e - margin) / cell), math.floor((origin_e + size_e + margin) / cell)
    return [(i, j) for i in range(i0, i1 + 1) for j in range(j0, j1 + 1)]


@lru_cache(maxsize=4096)
def _rocks_in_cell(seed: int, i: int, j: int, cell: float, per_m2: float, d_min: float, d_max: float):
    """Rocks (north, east, diameter, albedo) of one cell: sizes follow a power law."""
    rng = np.random.default_rng([seed, i & 0xFFFFFFFF, j & 0xFFFFFFFF, 77])
    count = rng.poisson(per_m2 * cell * cell)
    u = rng.random((count, 4))
    d = np.minimum(d_min * (1.0 - u[:, 2]) ** (-1.0 / 2.5), d_max)
    return np.column_stack([(i + u[:, 0]) * cell, (j + u[:, 1]) * cell, d, 0.22 + 0.2 * u[:, 3]])


def _add_rocks(spec: TerrainSpec, g: tuple, height: np.ndarray, albedo: np.ndarray, d_min: float) -> None:
    origin_n, origin_e, res, shape = g
    cell = 4.0
    for i, j in _cells_around(origin_n, origin_e, shape[0] * res, shape[1] * res, cell, 1.0):
        for n, e, d, a in _rocks_in_cell(spec.seed, i, j, cell, 1.2, d_min, 1.6):
            _stamp_rock(g, height, albedo, n, e, d, a)


def _stamp_rock(g: tuple, height: np.ndarray, albedo: np.ndarray, n: float, e: float, d: float,
                a: float) -> None:
    origin_n, origin_e, res, shape = g
    r_px = 0.5 * d / res
    cr, cc = (n - origin_n) / res - 0.5, (e - origin_e) / res - 0.5
    r0, r1 = max(int(cr - r_px), 0), min(int(cr + r_px) + 2, shape[0])
    c0, c1 = max(int(cc - r_px), 0), min(int(cc + r_px) + 2, shape[1])
    if r0 >= r1 or c0 >= c1:
        return
    rr = (np.arange(r0, r1, dtype=np.float32)[:, None] - cr) / r_px
    cc_ = (np.arange(c0, c1, dtype=np.float32)[None, :] - cc) / r_px
    q = 1.0 - rr * rr - cc_ * cc_
    inside = q > 0
    bump = 0.35 * d * np.sqrt(np.clip(q, 0.0, 1.0))
    patch = height[r0:r1, c0:c1]
    height[r0:r1, c0:c1] = np.where(inside, patch + bump, patch)
    albedo[r0:r1, c0:c1] = np.where(inside, a, albedo[r0:r1, c0:c1])


@lru_cache(maxsize=1024)
def _craters_in_cell(seed: int, i: int, j: int, cell: float):
    rng = np.random.default_rng([seed, i & 0xFFFFFFFF, j & 0xFFFFFFFF, 91])
    count = rng.poisson(0.8)
    u = rng.random((count, 3))
    return np.column_stack([(i + u[:, 0]) * cell, (j + u[:, 1]) * cell, 2.0 + 14.0 * u[:, 2] ** 2])


def _add_craters(spec: TerrainSpec, g: tuple, height: np.ndarray, albedo: np.ndarray) -> None:
    origin_n, origin_e, res, shape = g
    cell = 40.0
    for i, j in _cells_around(origin_n, origin_e, shape[0] * res, shape[1] * res, cell, 20.0):
        for n, e, d in _craters_in_cell(spec.seed, i, j, cell):
            _stamp_crater(g, height, albedo, n, e, d)


def _stamp_crater(g: tuple, height: np.ndarray, albedo: np.ndarray, n: float, e: float, d: float) -> None:
    origin_n, origin_e, res, shape = g
    r_px = 0.75 * d / res  # the rim's apron reaches 1.5 radii
    cr, cc = (n - origin_n) / res - 0.5, (e - origin_e) / res - 0.5
    r0, r1 = max(int(cr - r_px), 0), min(int(cr + r_px) + 2, shape[0])
    c0, c1 = max(int(cc - r_px), 0), min(int(cc + r_px) + 2, shape[1])
    if r0 >= r1 or c0 >= c1:
        return
    dr = np.arange(r0, r1, dtype=np.float32)[:, None] - cr
    dc = np.arange(c0, c1, dtype=np.float32)[None, :] - cc
    r = np.sqrt(dr * dr + dc * dc) * res / (0.5 * d)  # 1 at the rim
    bowl = np.where(r < 1.0, 0.18 * d * (r * r - 1.0), 0.0)
    rim = 0.035 * d * np.exp(-((r - 1.0) / 0.18) ** 2)
    height[r0:r1, c0:c1] += bowl + rim
    albedo[r0:r1, c0:c1] += np.where(r < 1.0, -0.04, 0.0) + 0.5 * rim / d


def _add_rover(spec: TerrainSpec, g: tuple, height: np.ndarray, albedo: np.ndarray, mask: np.ndarray) -> None:
    """A body-and-wheels rover: a 3 x 2.7 m deck 1.1 m up, a mast to 2.2 m, six wheels 0.5 m across."""
    rover = spec.rover
    origin_n, origin_e, res, shape = g
    yaw = math.radians(rover.yaw_deg)
    ground = rover_ground(spec)
    parts = [((0.0, 0.0), (1.5, 1.35), 1.1)]  # (centre fwd/right, half size fwd/right, top above ground)
    parts += [((f, s), (0.25, 0.2), 0.5) for f in (-1.2, 0.0, 1.2) for s in (-1.35, 1.35)]
    parts += [((1.0, -0.9), (0.15, 0.15), 2.2)]
    for (f, s), (hf, hs), top in parts:
        cn = rover.north_m + f * math.cos(yaw) - s * math.sin(yaw)
        ce = rover.east_m + f * math.sin(yaw) + s * math.cos(yaw)
        corners = [(cn + a * math.cos(yaw) - b * math.sin(yaw), ce + a * math.sin(yaw) + b * math.cos(yaw))
                   for a, b in ((hf, hs), (hf, -hs), (-hf, -hs), (-hf, hs))]
        poly = np.array([[(e - origin_e) / res - 0.5, (n - origin_n) / res - 0.5] for n, e in corners])
        part = np.zeros(shape, np.uint8)
        cv2.fillConvexPoly(part, np.round(poly * 16).astype(np.int32), 1, lineType=cv2.LINE_8, shift=4)
        inside = part.astype(bool)
        height[inside] = np.maximum(height[inside], ground + top)
        albedo[inside] = 0.85
        mask |= part


@lru_cache(maxsize=16)
def rover_ground(spec: TerrainSpec) -> float:
    """The ground the rover stands on: the mean height of the bare terrain under it (same in every tile)."""
    r = spec.rover
    g = (r.north_m - 2.0, r.east_m - 2.0, 0.25, (16, 16))
    height, albedo = _BASE[spec.name](spec, g, False)
    if spec.name in ("jezero", "hills"):
        _add_craters(spec, g, height, albedo)
    return float(height.mean())


def shade(spec: TerrainSpec, height: np.ndarray, albedo: np.ndarray, res: float) -> np.ndarray:
    """Sun-lit albedo as uint8: Lambert with some sky light."""
    dh_dn, dh_de = np.gradient(height, res)
    el, az = math.radians(spec.sun_elevation_deg), math.radians(spec.sun_azimuth_deg)
    sun = (math.cos(el) * math.cos(az), math.cos(el) * math.sin(az), math.sin(el))  # north, east, up
    lit = (-dh_dn * sun[0] - dh_de * sun[1] + sun[2]) / np.sqrt(1.0 + dh_dn * dh_dn + dh_de * dh_de)
    light = 0.3 + 0.7 * np.clip(lit, 0.0, 1.0) / sun[2]
    return np.clip(albedo * light * 230.0, 1, 255).astype(np.uint8)  # 0 is kept to mean "no data"


def make_grid(spec: TerrainSpec, origin_n: float, origin_e: float, res: float, shape: tuple[int, int],
              detail: bool) -> Grid:
    g = (origin_n, origin_e, res, shape)
    height, albedo = _BASE[spec.name](spec, g, detail)
    if spec.name in ("jezero", "hills"):
        _add_craters(spec, g, height, albedo)
        if detail:  # the coarse map, for the far field, leaves rocks out
            _add_rocks(spec, g, height, albedo, d_min=max(0.08, 3 * res))
    mask = np.zeros(shape, np.uint8)
    if spec.rover is not None:
        _add_rover(spec, g, height, albedo, mask)
    return Grid(origin_n, origin_e, res, height, shade(spec, height, albedo, res), mask)


def make_tile(spec: TerrainSpec, i: int, j: int) -> Grid:
    """Tile (i, j): the fine grid from (i, j) tile lengths north and east of the origin."""
    return make_grid(spec, i * spec.tile_m, j * spec.tile_m, spec.res_m, (spec.tile_px, spec.tile_px), True)


def save_grid(path: Path, g: Grid) -> None:
    """A grid as an .npz file (uncompressed: it is read back at once, by another process of the run)."""
    np.savez(path, height=g.height, shade=g.shade, rover=g.rover, origin=np.array([g.origin_n, g.origin_e, g.res_m]))


def load_grid(path: str | Path) -> Grid:
    with np.load(path) as z:
        n, e, res = z["origin"]
        return Grid(float(n), float(e), float(res), z["height"], z["shade"], z["rover"])


def tile_index(spec: TerrainSpec, north_m: float, east_m: float) -> tuple[int, int]:
    """The tile holding a point."""
    return math.floor(north_m / spec.tile_m), math.floor(east_m / spec.tile_m)


_KEEP_WINDOWS = 3  # fine windows kept: the one in use, the one before, the one prefetched ahead


class Terrain:
    """Tiles on demand (cached), a fine window around a point, the coarse map, and point queries."""

    def __init__(self, spec: TerrainSpec, max_tiles: int = 256) -> None:
        self.spec = spec
        self._tiles: dict[tuple[int, int], Grid] = {}
        self._max_tiles = max_tiles
        self._windows: dict[tuple[int, int], Grid] = {}  # the current window and, prefetched, the next
        self._building: tuple[tuple[int, int], Iterator[Grid | None]] | None = None  # (centre, steps) prefetching
        self._coarse: Grid | None = None
        self._coarse_load: Callable[[], Grid | None] | None = None
        self.made_tiles = 0
        self.making_ns = 0  # time spent making tiles (profiling: where a simulation's time goes)
        self._last_height = (math.nan, math.nan, 0.0)  # (north, east, height) of the latest query: a world step
        # asks for the ground under the vehicle twice (its dynamics, its figures) at the same point

    def tile(self, i: int, j: int) -> Grid:
        key = (i, j)
        if key not in self._tiles:
            t0 = time.perf_counter_ns()
            self.add_tile(key, make_tile(self.spec, i, j))
            self.making_ns += time.perf_counter_ns() - t0
            self.made_tiles += 1
        return self._tiles[key]

    def add_tile(self, key: tuple[int, int], grid: Grid) -> bool:
        """A tile made elsewhere (the same as this one would make); False if it was here already."""
        if key in self._tiles:
            return False
        if len(self._tiles) >= self._max_tiles:
            self._tiles.pop(next(iter(self._tiles)))  # oldest first
        self._tiles[key] = grid
        return True

    def tile_index(self, north_m: float, east_m: float) -> tuple[int, int]:
        return tile_index(self.spec, north_m, east_m)

    def window(self, north_m: float, east_m: float, radius_tiles: int = 2) -> Grid:
        """The fine grid of (2 radius + 1)^2 tiles centred on the tile holding the point (cached)."""
        centre = self.tile_index(north_m, east_m)
        window = self._windows.get(centre)
        self._last_centre = centre
        if window is None:
            window = self._build_window(centre, radius_tiles)
            self._keep_window(centre, window)
        return window

    def _keep_window(self, centre: tuple[int, int], window: Grid) -> None:
        """Keep it, with the newest others (each is tens of MB), never dropping the one in use."""
        self._windows.setdefault(centre, window)
        spare = [k for k in self._windows if k != self._last_centre]  # the oldest first
        for key in spare[:max(0, len(self._windows) - _KEEP_WINDOWS)]:
            del self._windows[key]

    _last_centre: tuple[int, int] | None = None

    def _build_window(self, centre: tuple[int, int], radius_tiles: int) -> Grid:
        *_, window = self._window_steps(centre, radius_tiles)
        return window

    def _window_steps(self, centre: tuple[int, int], radius_tiles: int) -> Iterator[Grid | None]:
        """Build the window a tile at a time (None after each; the window last): made ahead between frames,
        a frame asked for waits for a tile's copy at most, not the whole window's (about 80 ms)."""
        ci, cj = centre
        n, px = 2 * radius_tiles + 1, self.spec.tile_px
        height = np.empty((n * px, n * px), np.float32)
        shade = np.empty((n * px, n * px), np.uint8)
        rover = np.empty((n * px, n * px), np.uint8)
        for r in range(n):
            for c in range(n):
                t = self.tile(ci - radius_tiles + r, cj - radius_tiles + c)
                rows, cols = slice(r * px, (r + 1) * px), slice(c * px, (c + 1) * px)
                height[rows, cols], shade[rows, cols], rover[rows, cols] = t.height, t.shade, t.rover
                yield None
        first = self.tile(ci - radius_tiles, cj - radius_tiles)
        yield Grid(first.origin_n, first.origin_e, first.res_m, height, shade, rover)

    def prefetch(self, north_m: float, east_m: float, radius_tiles: int = 2, window: bool = True,
                 make_tiles: bool = True) -> bool:
        """Make one missing tile of the window around the point (unless not `make_tiles`: then a missing tile
        means nothing to do yet), or else (`window`) a step of the window itself; False when nothing was done.
        Time spent here keeps tile making out of the frames (tiles are the same whenever made)."""
        ci, cj = centre = self.tile_index(north_m, east_m)
        for di in range(-radius_tiles, radius_tiles + 1):
            for dj in range(-radius_tiles, radius_tiles + 1):
                if (ci + di, cj + dj) not in self._tiles:
                    if not make_tiles:
                        return False
                    self.tile(ci + di, cj + dj)
                    return True
        if not window:
            return False
        if centre in self._windows:
            return False
        if self._building is None or self._building[0] != centre:
            self._building = (centre, self._window_steps(centre, radius_tiles))
        step = next(self._building[1])
        if step is not None:
            self._keep_window(centre, step)
            self._building = None
        return True

    def coarse_from(self, load: Callable[[], Grid | None]) -> None:
        """Take the coarse map from `load` when it is first needed (one made for this spec elsewhere, the
        same as this one would make) instead of making it: 2 s of CPU over `jezero`; None: make it after all."""
        self._coarse_load = load

    @property
    def coarse(self) -> Grid:
        if self._coarse is None and self._coarse_load is not None:
            self._coarse = self._coarse_load()
        if self._coarse is None:
            from sim_hal.model.terraincache import load_coarse, store_coarse  # the cache imports this module

            s = self.spec
            self._coarse = load_coarse(s)
            if self._coarse is None:
                px = int(s.extent_m / s.coarse_res_m)
                self._coarse = make_grid(s, -s.extent_m / 2, -s.extent_m / 2, s.coarse_res_m, (px, px), False)
                store_coarse(s, self._coarse)
        return self._coarse

    def height_at(self, north_m: float, east_m: float) -> float:
        """Terrain height (m, up) at a point, bilinear between fine samples."""
        last = self._last_height
        if north_m == last[0] and east_m == last[1]:
            return last[2]
        h = self._height_at(north_m, east_m)
        self._last_height = (north_m, east_m, h)
        return h

    def _height_at(self, north_m: float, east_m: float) -> float:
        t = self.tile(*self.tile_index(north_m, east_m))
        r, c = t.to_pixel(north_m, east_m)
        r = min(max(r, 0.0), t.height.shape[0] - 1.001)
        c = min(max(c, 0.0), t.height.shape[1] - 1.001)
        r0, c0 = int(r), int(c)
        fr, fc = r - r0, c - c0
        (h00, h01), (h10, h11) = t.height[r0:r0 + 2, c0:c0 + 2].tolist()  # plain floats: 500 Hz, a few numbers
        return (h00 * (1 - fc) + h01 * fc) * (1 - fr) + (h10 * (1 - fc) + h11 * fc) * fr

    def normal_at(self, north_m: float, east_m: float, span_m: float = 0.3) -> tuple[float, float, float]:
        """Unit ground normal in NED (pointing up, so its z is negative), averaged over the vehicle's legs."""
        dn = (self.height_at(north_m + span_m, east_m) - self.height_at(north_m - span_m, east_m)) / (2 * span_m)
        de = (self.height_at(north_m, east_m + span_m) - self.height_at(north_m, east_m - span_m)) / (2 * span_m)
        k = 1.0 / math.sqrt(1.0 + dn * dn + de * de)
        return (dn * k, de * k, -k)
