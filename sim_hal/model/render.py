"""Navcam rendering (pure): the nadir fisheye camera, from terrain grids (the colour camera: `colourcam.py`).

Navcam: every pixel's ray is fixed in the camera, so for a pose its ground slope ratios (north/down,
east/down) are one perspective transform of precomputed (x/z, y/z). The ground point is found in passes
against the terrain height on a coarser grid of pixels (flat guess, then the height found there, and so on;
the heights averaged to about that grid's spacing on the ground), and the sun-shaded albedo is sampled there
from the fine window, or from the coarse map beyond it. Sensor read noise comes from a seeded noise plate
shifted per frame.
"""
from __future__ import annotations

import cv2
import numpy as np

from fsw.camera.model import FisheyeModel
from fsw.config.sensors import NavcamConfig
from sim_hal.model import mathx as mx
from sim_hal.model.mathx import Quat, Vec
from sim_hal.model.terrain import Grid, Terrain

_NOISE_MARGIN = 64
_HORIZON = 0.02  # rays whose down component is below this see the sky (and the far haze near it)
_HAZE_DN = 70
_SKY_DN = 90
_HEIGHT_STEP = 4  # heights on a grid of 4x4 pixels: 2.9 ms a frame, not 4.4, over `jezero`; features within
# 0.07 px (median; 0.26 px p95) of a frame with a height for every pixel (2x2: 0.05 px, 0.18 px)
_GROUND_ITERATIONS = 4  # passes of the ray-terrain fixed point, each a lookup on that grid: it converges by
# the slope times the ray's tangent a pass (0.2 at the image's edge over a 10% slope) ...
_SWING_M = 0.05  # ... but oscillates where that passes 1 (Flight 72's steep ripple faces seen obliquely): where
# the last two passes differ by more than this the ground is taken between them, not at either (damping every
# pass instead left gentle ground unconverged, sliding from frame to frame, and Flight 51 lost its features)
_MAX_AVERAGING = 8  # heights averaged over up to 8x8 cells (0.24 m) for the lookups: in cache, 0.5 ms a frame
# less at 12 m; features within 0.02 px (median; 0.15 px p99) of the fine heights', and no farther from a
# frame with a height for every pixel (0.07 px median both ways at 12 m; 0.05 at 24 m; 0.15 vs 0.13 at 5 m)
REFERENCE_EXPOSURE_US = 2000.0  # the scene's brightness is set for this exposure: a longer one is brighter


class NavcamRenderer:
    def __init__(self, cfg: NavcamConfig, terrain: Terrain, seed: int) -> None:
        self.cfg = cfg
        self.terrain = terrain
        model = FisheyeModel(cfg)
        uv = _ratios(model.pixel_grid_rays())
        self._uv = _planes(uv)
        # Heights are looked up on a coarser grid (pixel centres f i + (f - 1) / 2 for f = _HEIGHT_STEP) and
        # interpolated back: they only move the ground point by parallax, which varies slowly across the image.
        f = _HEIGHT_STEP
        ys, xs = np.mgrid[0:cfg.height_px // f, 0:cfg.width_px // f] * float(f) + (f - 1) / 2.0
        coarse = model.unproject(np.column_stack([xs.ravel(), ys.ravel()])).reshape(*xs.shape, 3)
        self._uv_coarse = _planes(_ratios(coarse))
        self._border = np.concatenate([uv[0], uv[-1], uv[:, 0], uv[:, -1]]).astype(np.float64)
        self._body_from_cam = np.array(cfg.body_from_camera, dtype=np.float64)
        self._rng = np.random.default_rng([seed, 5150])
        self._noise = self._noise_plates(cfg)
        self._gain = cfg.exposure_us / REFERENCE_EXPOSURE_US
        self._spacing = _HEIGHT_STEP / cfg.fx_px  # the height grid's spacing on the ground, per metre of depth
        self._averaged: tuple[Grid | None, int, Grid | None] = (None, 1, None)  # a window, f, its averaged copy

    def _noise_plates(self, cfg: NavcamConfig) -> tuple[np.ndarray, np.ndarray]:
        shape = (cfg.height_px + _NOISE_MARGIN, cfg.width_px + _NOISE_MARGIN)
        n = np.rint(self._rng.normal(0.0, cfg.noise_std_dn, shape))
        return np.clip(n, 0, 255).astype(np.uint8), np.clip(-n, 0, 255).astype(np.uint8)

    def _world_from_cam(self, q: Quat) -> tuple[np.ndarray, bool]:
        """The camera-to-world rotation, and whether some pixels look at (or near) the horizon. The down
        component of a ray is linear in (x/z, y/z), so its smallest value over the image is on the border."""
        m = np.array(mx.matrix(q)) @ self._body_from_cam
        den = self._border @ m[2, :2] + m[2, 2]
        return m, bool(den.min() <= _HORIZON)

    def render(self, pos_m: Vec, q: Quat, layer: str = "shade", noise: bool = True) -> np.ndarray:
        """A 8-bit grayscale frame seen from `pos_m` (NED) with attitude `q` (body to world). `layer="rover"`
        renders the rover's footprint instead (a truth label), and `noise=False` leaves out read noise."""
        cfg = self.cfg
        m, horizon = self._world_from_cam(q)
        win = self.terrain.window(pos_m[0], pos_m[1])
        depth = cv2.resize(self._ground_depth(pos_m, m, horizon, win), (cfg.width_px, cfg.height_px),
                           interpolation=cv2.INTER_LINEAR)
        rays = _Rays(self._uv, m, horizon)
        map_x, map_y = rays.maps(depth, win, pos_m)
        if layer == "rover":
            return _remap(win.rover * np.uint8(255), map_x, map_y, 0)
        img = _remap(win.shade, map_x, map_y, 0)
        far = np.flatnonzero(img == 0)
        if far.size:
            img.ravel()[far] = self._far_field(far, pos_m, win, map_x, map_y)
        if rays.sky is not None:
            img[rays.sky] = _SKY_DN
        if self._gain != 1.0:
            img = cv2.convertScaleAbs(img, alpha=self._gain)  # saturates at 255, as a sensor does
        return self._add_noise(img) if noise else img

    def _ground_depth(self, pos_m: Vec, m: np.ndarray, horizon: bool, win: Grid) -> np.ndarray:
        """How far below the vehicle each ray of the coarse pixel grid meets the terrain: a fixed point, from
        the level of the ground under the vehicle (one pass is off by metres on a slope)."""
        alt = -pos_m[2]
        h0 = self.terrain.height_at(pos_m[0], pos_m[1])
        depth = np.full(self._uv_coarse[0].shape, alt - h0, np.float32)
        heights = self._heights(win, alt - h0)
        rays, previous = _Rays(self._uv_coarse, m, horizon), depth
        for _ in range(_GROUND_ITERATIONS):
            map_x, map_y = rays.maps(depth, heights, pos_m)
            previous, depth = depth, np.float32(alt) - _remap(heights.height, map_x, map_y, float(h0))
        swinging = np.abs(depth - previous) > _SWING_M  # where the passes oscillate: between the last two
        if swinging.any():
            depth = np.where(swinging, np.float32(0.5) * (depth + previous), depth)
        return depth

    def _heights(self, win: Grid, depth_m: float) -> Grid:
        """The window, or a copy averaged over blocks of f x f cells, f the largest power of two (up to
        `_MAX_AVERAGING`) whose block is no wider than the coarse pixel grid's spacing on the ground straight
        below: each lookup then stands for the ground between the grid's rays, and stays in the cache."""
        f = 1
        while f < _MAX_AVERAGING and 2 * f * win.res_m <= depth_m * self._spacing:
            f *= 2
        if f == 1:
            return win
        if self._averaged[0] is not win or self._averaged[1] != f:
            self._averaged = (win, f, win.averaged(f))
        return self._averaged[2]

    def _far_field(self, far: np.ndarray, pos_m: Vec, win: Grid, map_x: np.ndarray,
                   map_y: np.ndarray) -> np.ndarray:
        """The coarse map's shade for the pixels (flat indices) beyond the fine window: their coordinates in
        the window scaled to the coarse map's cells."""
        width = 512  # remap wants fewer than 32767 columns: lay the pixels out in rows
        padded = np.resize(far, -(-far.size // width) * width)
        coarse = self.terrain.coarse
        ratio = np.float32(win.res_m / coarse.res_m)
        fine, wide = win.to_pixel(pos_m[0], pos_m[1]), coarse.to_pixel(pos_m[0], pos_m[1])
        xs, ys = ((a.ravel()[padded].reshape(-1, width) - np.float32(fine[i])) * ratio + np.float32(wide[i])
                  for i, a in ((1, map_x), (0, map_y)))
        return _remap(coarse.shade, xs, ys, _HAZE_DN).ravel()[:far.size]

    def _add_noise(self, img: np.ndarray) -> np.ndarray:
        r, c = self._rng.integers(0, _NOISE_MARGIN, 2)
        h, w = img.shape
        out = cv2.add(img, self._noise[0][r:r + h, c:c + w])
        return cv2.subtract(out, self._noise[1][r:r + h, c:c + w])


def _ratios(rays: np.ndarray) -> np.ndarray:
    """(x/z, y/z) of camera rays."""
    return rays[..., :2] / rays[..., 2:3]


def _planes(uv: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.ascontiguousarray(uv[..., 0], np.float32), np.ascontiguousarray(uv[..., 1], np.float32)


class _Rays:
    """Per pixel, a ray's (north, east, down) in the world per unit of its camera z -- a perspective map of the
    camera rays (x/z, y/z) = `uv` under the camera-to-world rotation `m`, the same for every depth. When some
    rays reach the horizon (`horizon`), their down component is clamped and `sky` masks them (they see the
    sky); else `sky` is None."""

    def __init__(self, uv: tuple[np.ndarray, np.ndarray], m: np.ndarray, horizon: bool) -> None:
        u, v = uv
        self.north, self.east, down = (cv2.addWeighted(u, float(m[i, 0]), v, float(m[i, 1]), float(m[i, 2]))
                                       for i in range(3))
        self.sky = None
        if horizon:
            self.sky = down <= _HORIZON
            down = np.maximum(down, np.float32(_HORIZON))
        self.down = down

    def maps(self, depth: np.ndarray, grid: Grid, pos_m: Vec) -> tuple[np.ndarray, np.ndarray]:
        """Where each ray meets the ground `depth` metres below the vehicle at `pos_m`, in `grid`'s pixel
        coordinates (remap's maps: columns, rows)."""
        scale = cv2.divide(depth, self.down, scale=1.0 / grid.res_m)
        row0, col0 = grid.to_pixel(pos_m[0], pos_m[1])
        map_x = cv2.multiply(self.east, scale)
        map_x += np.float32(col0)
        map_y = cv2.multiply(self.north, scale)
        map_y += np.float32(row0)
        return map_x, map_y


def _remap(image: np.ndarray, map_x: np.ndarray, map_y: np.ndarray, outside: float) -> np.ndarray:
    return cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=outside)
