"""Navcam rendering (pure): the nadir fisheye camera, from terrain grids (the colour camera: `colourcam.py`).

Navcam: every pixel's ray is fixed in the camera, so for a pose its ground slope ratios (north/down,
east/down) are one perspective transform of precomputed (x/z, y/z). The ground point is found in passes
against the terrain height on a coarser grid of pixels (flat guess, then the height found there, and so on),
and the sun-shaded albedo is sampled there from the fine window, or from the coarse map beyond it. Sensor read
noise comes from a seeded noise plate shifted per frame.
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

    @staticmethod
    def _slopes(uv: tuple[np.ndarray, np.ndarray], m: np.ndarray,
                horizon: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Per pixel (north/down, east/down) of its ray in the world: a perspective map of (x/z, y/z); and,
        when some rays reach the horizon, the mask of those (their slopes are clamped: they see the sky)."""
        u, v = uv
        den = cv2.addWeighted(u, float(m[2, 0]), v, float(m[2, 1]), float(m[2, 2]))
        sky = None
        if horizon:
            sky = den <= _HORIZON
            den = np.maximum(den, np.float32(_HORIZON))
        gn = cv2.divide(cv2.addWeighted(u, float(m[0, 0]), v, float(m[0, 1]), float(m[0, 2])), den)
        ge = cv2.divide(cv2.addWeighted(u, float(m[1, 0]), v, float(m[1, 1]), float(m[1, 2])), den)
        return gn, ge, sky

    def render(self, pos_m: Vec, q: Quat, layer: str = "shade", noise: bool = True) -> np.ndarray:
        """A 8-bit grayscale frame seen from `pos_m` (NED) with attitude `q` (body to world). `layer="rover"`
        renders the rover's footprint instead (a truth label), and `noise=False` leaves out read noise."""
        cfg = self.cfg
        m, horizon = self._world_from_cam(q)
        alt = -pos_m[2]
        win = self.terrain.window(pos_m[0], pos_m[1])
        hn, he, _ = self._slopes(self._uv_coarse, m, horizon)
        h0 = self.terrain.height_at(pos_m[0], pos_m[1])
        depth_coarse = np.float32(alt - h0)  # where each ray meets the terrain: a fixed point, from the level
        previous = depth_coarse
        for _ in range(_GROUND_ITERATIONS):  # of the ground under the vehicle (one pass is off by metres on a slope)
            previous, depth_coarse = depth_coarse, np.float32(alt) - self._sample(win, win.height, pos_m, hn, he,
                                                                                   depth_coarse, float(h0))
        swinging = np.abs(depth_coarse - previous) > _SWING_M  # where the passes oscillate: between the last two
        if swinging.any():
            depth_coarse = np.where(swinging, np.float32(0.5) * (depth_coarse + previous), depth_coarse)
        depth = cv2.resize(depth_coarse, (cfg.width_px, cfg.height_px), interpolation=cv2.INTER_LINEAR)
        gn, ge, sky = self._slopes(self._uv, m, horizon)
        if layer == "rover":
            return self._sample(win, win.rover * np.uint8(255), pos_m, gn, ge, depth, 0)
        img = self._sample(win, win.shade, pos_m, gn, ge, depth, 0)
        far = np.flatnonzero(img == 0)
        if far.size:
            img.ravel()[far] = self._far_field(far, pos_m, gn, ge, depth)
        if sky is not None:
            img[sky] = _SKY_DN
        if self._gain != 1.0:
            img = cv2.convertScaleAbs(img, alpha=self._gain)  # saturates at 255, as a sensor does
        return self._add_noise(img) if noise else img

    def _far_field(self, far: np.ndarray, pos_m: Vec, gn: np.ndarray, ge: np.ndarray,
                   depth: np.ndarray) -> np.ndarray:
        """The coarse map's shade for the pixels (flat indices) beyond the fine window."""
        width = 512  # remap wants fewer than 32767 columns: lay the pixels out in rows
        padded = np.resize(far, -(-far.size // width) * width)
        pick = [a.ravel()[padded].reshape(-1, width) for a in (gn, ge, depth)]
        coarse = self.terrain.coarse
        return self._sample(coarse, coarse.shade, pos_m, *pick, _HAZE_DN).ravel()[:far.size]

    @staticmethod
    def _sample(grid: Grid, image: np.ndarray, pos_m: Vec, gn: np.ndarray, ge: np.ndarray, depth,
                outside: float) -> np.ndarray:
        row0, col0 = grid.to_pixel(pos_m[0], pos_m[1])
        k = depth * np.float32(1.0 / grid.res_m)
        map_x = ge * k
        map_x += np.float32(col0)
        map_y = gn * k
        map_y += np.float32(row0)
        return cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                         borderValue=outside)

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
