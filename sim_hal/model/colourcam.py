"""The colour (return-to-Earth) camera's scene (pure): linear RGB radiance per pixel, with a rolling shutter.

A pinhole looking forward and `pitch_below_horizon_deg` down, `fov_deg` across its rows (vertical). Rows are
read out one after another over `readout_ms`, so each row sees the vehicle where it is at that row's time
(position by its velocity, attitude by its body rates): motion and rotation skew the frame as a CMOS sensor's.

What a pixel sees: the terrain (its ray meets the height map by fixed-point iteration, on a grid four times
coarser, then once more at full resolution), sun-lit regolith tinted butterscotch, darkened where the
rover's or the helicopter's shadow falls (each mesh projected along the sun onto the ground); Perseverance
as a shaded mesh (`sim_hal/model/rover.py`), drawn with a z-buffer; far ground fading into the horizon's
haze; and above the horizon a dusty sky, darker toward the zenith and bluer around the sun. The terrain's
own rover (a height-map block, for the navcam) is taken out of the ground here: the mesh stands there.

Radiance is relative: 1.0 is a white Lambertian surface facing the sun at the reference exposure; the
sensor model (`sim_hal/model/imx214.py`) turns it into a RAW frame.
"""
from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import cv2
import numpy as np

from fsw.config.sensors import ColourCameraConfig
from sim_hal.model import mathx as mx
from sim_hal.model.mathx import Quat, Vec
from sim_hal.model.raster import rasterize, shadow_map
from sim_hal.model.rover import Mesh, ingenuity
from sim_hal.model.terrain import Grid, Terrain

SKY, ROVER, ROVER_SHADOW, OWN_SHADOW = 1, 2, 4, 8  # bits of a pixel's label
REGOLITH = np.array([1.0, 0.72, 0.5], np.float32)  # butterscotch, applied to the terrain's gray albedo
HORIZON_RGB = np.array([0.80, 0.60, 0.42], np.float32)  # the haze at the horizon, and far ground
ZENITH_RGB = np.array([0.42, 0.30, 0.21], np.float32)
AUREOLE_RGB = np.array([0.25, 0.40, 0.70], np.float32)  # forward-scattered blue light around the sun
HAZE_M = 1500.0  # distance over which ground fades into the haze by 1/e
AMBIENT = 0.3  # the share of light from the sky (what a shadow keeps): as the terrain's shading has it
_GRAZING = 0.002  # rays falling less than this per unit length meet no ground within the map: haze or sky
_COARSE_STEP = 4  # the depth iteration runs on a grid this much coarser
_BAND_ROWS = 64  # full-resolution work goes a band of rows at a time (its arrays stay in the caches)
_THREADS = 2


@dataclass(frozen=True)
class Motion:
    """The vehicle at the start of the readout (row 0): NED position, velocity, attitude and body rates."""

    pos_m: Vec
    vel_mps: Vec = (0.0, 0.0, 0.0)
    q: Quat = mx.IDENTITY
    omega_radps: Vec = (0.0, 0.0, 0.0)


@dataclass(frozen=True)
class Scene:
    radiance: np.ndarray  # (h, w, 3) float32, linear RGB
    label: np.ndarray  # (h, w) uint8, bits SKY, ROVER, ROVER_SHADOW, OWN_SHADOW


def sun_vector(elevation_deg: float, azimuth_deg: float) -> np.ndarray:
    """Unit vector toward the sun in NED."""
    el, az = math.radians(elevation_deg), math.radians(azimuth_deg)
    return np.array([math.cos(el) * math.cos(az), math.cos(el) * math.sin(az), -math.sin(el)])


class ColourGeometry:
    """Pixel rays of a capture of one size: focal length, centre and the camera's axes in the body."""

    def __init__(self, cfg: ColourCameraConfig, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.f_px = (height / 2) / math.tan(math.radians(cfg.fov_deg) / 2)
        self.cx, self.cy = (width - 1) / 2, (height - 1) / 2
        p = math.radians(cfg.pitch_below_horizon_deg)
        # columns: the camera's right, down (in the image) and optical axes, in body FRD
        self.body_from_cam = np.array([[0.0, -math.sin(p), math.cos(p)],
                                       [1.0, 0.0, 0.0],
                                       [0.0, math.cos(p), math.sin(p)]])
        self.readout_s = cfg.readout_ms / 1000.0

    def row_time_s(self, rows: np.ndarray) -> np.ndarray:
        """When (after row 0) each (fractional) row is read."""
        return np.asarray(rows, float) * (self.readout_s / max(self.height - 1, 1))

    def world_from_cam(self, motion: Motion, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per row: the camera-to-world rotations (r, 3, 3) and the camera's positions (r, 3)."""
        dt = self.row_time_s(rows)
        base = np.array(mx.matrix(motion.q))
        turn = _rotations(np.outer(dt, motion.omega_radps))  # body rates: the turn since row 0, in the body
        m = base @ turn @ self.body_from_cam
        pos = np.asarray(motion.pos_m, float) + np.outer(dt, motion.vel_mps)
        return m, pos

    def project(self, points: np.ndarray, motion: Motion) -> tuple[np.ndarray, np.ndarray]:
        """World points (n, 3) to pixels (n, 2) and depths along the optical axis (n,), each seen at the time
        of the row it falls on (fixed point from the middle row: rows move little between passes)."""
        rows = np.full(len(points), self.cy)
        for _ in range(3):
            m, pos = self.world_from_cam(motion, rows)
            cam = np.einsum("nji,nj->ni", m, points - pos)
            z = cam[:, 2]
            safe = np.where(z > 1e-6, z, 1e-6)
            px = np.column_stack([cam[:, 0] / safe * self.f_px + self.cx, cam[:, 1] / safe * self.f_px + self.cy])
            rows = np.clip(px[:, 1], 0, self.height - 1)
        return px, z


def _rotations(rotvecs: np.ndarray) -> np.ndarray:
    """Rotation matrices (n, 3, 3) of rotation vectors (n, 3) (Rodrigues)."""
    angle = np.linalg.norm(rotvecs, axis=1)
    k = rotvecs / np.maximum(angle, 1e-12)[:, None]
    kx = np.zeros((len(k), 3, 3))
    kx[:, 0, 1], kx[:, 0, 2], kx[:, 1, 2] = -k[:, 2], k[:, 1], -k[:, 0]
    kx -= kx.transpose(0, 2, 1)
    s, c = np.sin(angle)[:, None, None], np.cos(angle)[:, None, None]
    return np.eye(3) + s * kx + (1 - c) * (kx @ kx)


class _Rays:
    """World ray directions (not unit: the camera-frame ray is (x, y, 1)) of a grid of pixel centres, each
    row at its own time, with where the camera was."""

    def __init__(self, geo: ColourGeometry, motion: Motion, rows: np.ndarray, cols: np.ndarray) -> None:
        m, self.pos = geo.world_from_cam(motion, rows)
        x = ((cols - geo.cx) / geo.f_px).astype(np.float32)[None, :]
        y = (rows - geo.cy) / geo.f_px
        a = m[:, :, 0].astype(np.float32)  # (r, 3): what x multiplies
        b = (m[:, :, 1] * y[:, None] + m[:, :, 2]).astype(np.float32)
        self.d = [a[:, k, None] * x + b[:, k, None] for k in range(3)]  # north, east, down: (r, c) each
        self.length = np.sqrt(1.0 + x * x + (y.astype(np.float32) ** 2)[:, None])
        self.ground = self.d[2] > _GRAZING
        dd = np.where(self.ground, self.d[2], np.float32(1.0))
        self.gn, self.ge = self.d[0] / dd, self.d[1] / dd  # ground slope ratios: north and east per metre down

    def sample(self, grid: Grid, image: np.ndarray, depth: np.ndarray, outside: float) -> np.ndarray:
        """`image` (on `grid`) where each ray is `depth` metres below its camera."""
        k = depth * np.float32(1.0 / grid.res_m)
        col0 = ((self.pos[:, 1] - grid.origin_e) / grid.res_m - 0.5).astype(np.float32)[:, None]
        row0 = ((self.pos[:, 0] - grid.origin_n) / grid.res_m - 0.5).astype(np.float32)[:, None]
        return cv2.remap(image, self.ge * k + col0, self.gn * k + row0, cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_CONSTANT, borderValue=outside)

    def ground_points(self, depth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return (self.pos[:, 0, None].astype(np.float32) + self.gn * depth,
                self.pos[:, 1, None].astype(np.float32) + self.ge * depth)


class ColourRenderer:
    """Draws the colour camera's view of `terrain`, with Perseverance (`rover`, a mesh standing at
    `rover_ground_up_m`) and the helicopter's own shadow."""

    def __init__(self, cfg: ColourCameraConfig, terrain: Terrain, rover: Mesh | None = None,
                 rover_ground_up_m: float = 0.0) -> None:
        self.cfg = cfg
        self.terrain = terrain
        spec = terrain.spec
        self.sun = sun_vector(spec.sun_elevation_deg, spec.sun_azimuth_deg)
        self.rover = rover
        self._rover_colours = _face_colours(rover, self.sun) if rover is not None else None
        self._rover_shadow = shadow_map(rover, self.sun, rover_ground_up_m) if rover is not None else None
        self._ground_up = rover_ground_up_m
        self._bare: dict[int, tuple[Grid, Grid]] = {}

    def _without_rover(self, grid: Grid) -> Grid:
        """The grid with the terrain's height-map rover taken out (flat ground, regolith), kept per grid."""
        key = id(grid)
        if key not in self._bare or self._bare[key][0] is not grid:
            if len(self._bare) > 4:
                self._bare.clear()
            bare = grid
            if self.rover is not None and grid.rover.any():
                inside = grid.rover.astype(bool)
                ring = cv2.dilate(grid.rover, np.ones((9, 9), np.uint8)).astype(bool) & ~inside
                floor = np.uint8(np.median(grid.shade[ring])) if ring.any() else np.uint8(90)
                bare = Grid(grid.origin_n, grid.origin_e, grid.res_m,
                            np.where(inside, np.float32(self._ground_up), grid.height),
                            np.where(inside, floor, grid.shade), np.zeros_like(grid.rover))
            self._bare[key] = (grid, bare)
        return self._bare[key][1]

    def render(self, motion: Motion, width: int, height: int) -> Scene:
        geo = ColourGeometry(self.cfg, width, height)
        win = self._without_rover(self.terrain.window(motion.pos_m[0], motion.pos_m[1]))
        coarse = self._without_rover(self.terrain.coarse)
        depth = self._depth(geo, motion, win, coarse)
        radiance = np.empty((height, width, 3), np.float32)
        label = np.zeros((height, width), np.uint8)
        heli = ingenuity(motion.pos_m, np.array(mx.matrix(motion.q)))
        own = shadow_map(heli, self.sun, self.terrain.height_at(motion.pos_m[0], motion.pos_m[1]))
        casts = [(c, bit) for c, bit in ((self._rover_shadow, ROVER_SHADOW), (own, OWN_SHADOW)) if c is not None]
        cols = np.arange(width, dtype=float)

        def band(r0: int) -> None:
            rows = slice(r0, min(r0 + _BAND_ROWS, height))
            rays = _Rays(geo, motion, np.arange(rows.start, rows.stop, dtype=float), cols)
            self._ground(rays, win, coarse, depth[rows], casts, radiance[rows], label[rows])

        with ThreadPoolExecutor(_THREADS) as pool:  # numpy and OpenCV let go of the GIL over whole arrays
            list(pool.map(band, range(0, height, _BAND_ROWS)))
        if self.rover is not None:
            self._draw_rover(geo, motion, radiance, label)
        return Scene(radiance, label)

    def _ground(self, rays: _Rays, win: Grid, coarse: Grid, depth: np.ndarray, casts: list,
                radiance: np.ndarray, label: np.ndarray) -> None:
        """One band of rows: the ground its rays meet (refined once at full resolution), shadows, haze, sky."""
        alt = (-rays.pos[:, 2]).astype(np.float32)[:, None]
        depth, outside = self._step(rays, win, coarse, depth, alt)
        shade = np.where(outside, rays.sample(coarse, coarse.shade, depth, 0), rays.sample(win, win.shade, depth, 0))
        far = (shade == 0) | ~rays.ground
        radiance[:] = (shade.astype(np.float32) * np.float32(1 / 230.0))[..., None] * REGOLITH
        self._shadows(rays, depth, casts, radiance, label)
        dist = depth * rays.length / np.where(rays.ground, rays.d[2], np.float32(1.0))
        fade = np.exp(-dist / np.float32(HAZE_M))[..., None]
        radiance *= fade
        radiance += HORIZON_RGB * (1 - fade)
        radiance[far] = HORIZON_RGB
        sky = ~rays.ground
        if sky.any():
            radiance[sky] = self._sky(rays, sky)
            label[sky] |= SKY

    def _depth(self, geo: ColourGeometry, motion: Motion, win: Grid, coarse: Grid) -> np.ndarray:
        """Each pixel's depth below its camera (m, vertical) where its ray meets the ground, iterated on a
        coarse grid and enlarged (cv2.resize's pixel centres: depth varies slowly but for rock edges)."""
        w, h = max(1, geo.width // _COARSE_STEP), max(1, geo.height // _COARSE_STEP)
        rows = (np.arange(h) + 0.5) * geo.height / h - 0.5
        cols = (np.arange(w) + 0.5) * geo.width / w - 0.5
        rays = _Rays(geo, motion, rows, cols)
        alt = (-rays.pos[:, 2]).astype(np.float32)[:, None]
        h0 = self.terrain.height_at(motion.pos_m[0], motion.pos_m[1])
        depth = np.broadcast_to(alt - np.float32(h0), rays.gn.shape).astype(np.float32)
        for _ in range(6):  # converge on the heights along each ray
            depth, _ = self._step(rays, win, coarse, depth, alt)
        return cv2.resize(depth, (geo.width, geo.height), interpolation=cv2.INTER_LINEAR)

    @staticmethod
    def _step(rays: _Rays, win: Grid, coarse: Grid, depth: np.ndarray,
              alt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """One pass of the depth iteration: each ray's depth to the height found where it is now, from the
        fine window where it reaches (else the coarse map); and where it does not reach."""
        fine = rays.sample(win, win.height, depth, np.nan)  # NaN wherever the fine window does not reach
        outside = np.isnan(fine)
        h = np.where(outside, rays.sample(coarse, coarse.height, depth, 0.0), fine)
        return np.maximum(alt - h, np.float32(0.05)), outside

    @staticmethod
    def _shadows(rays: _Rays, depth: np.ndarray, casts: list, radiance: np.ndarray, label: np.ndarray) -> None:
        """Darken the ground where the rover and the helicopter shade it (to the sky's share of light)."""
        n, e = rays.ground_points(depth)
        for (grid, cover), bit in casts:
            cols = (e - np.float32(grid.origin_e)) * np.float32(1 / grid.res_m) - np.float32(0.5)
            rows = (n - np.float32(grid.origin_n)) * np.float32(1 / grid.res_m) - np.float32(0.5)
            shade = cv2.remap(cover, cols, rows, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
            shade[~rays.ground] = 0
            if not shade.any():
                continue
            radiance *= (1.0 - shade * np.float32(1.0 - AMBIENT))[..., None]
            label[shade > 0.5] |= bit

    def _sky(self, rays: _Rays, sky: np.ndarray) -> np.ndarray:
        """The sky's radiance for the rays in `sky`: butterscotch, brighter at the horizon, blue by the sun."""
        d = np.stack([c[sky] for c in rays.d], axis=-1)
        d /= np.linalg.norm(d, axis=-1, keepdims=True)
        elevation = np.arcsin(np.clip(-d[:, 2], -1.0, 1.0))
        toward_sun = np.arccos(np.clip(d @ self.sun.astype(np.float32), -1.0, 1.0))
        w = np.exp(-np.maximum(elevation, 0) / np.float32(0.25))[:, None]
        glow = np.exp(-toward_sun / np.float32(0.35))[:, None]
        return (HORIZON_RGB * w + ZENITH_RGB * (1 - w) + AUREOLE_RGB * glow).astype(np.float32)

    def _draw_rover(self, geo: ColourGeometry, motion: Motion, radiance: np.ndarray, label: np.ndarray) -> None:
        px, z = geo.project(self.rover.vertices, motion)
        toward_camera = np.asarray(motion.pos_m) - self.rover.triangles.mean(axis=1)
        front = np.einsum("ij,ij->i", self.rover.normals(), toward_camera) > 0
        face = rasterize(px, z, self.rover.faces[front], (geo.height, geo.width))
        if face is None:
            return
        hit = face >= 0
        radiance[hit] = self._rover_colours[front][face[hit]]
        label[hit] |= ROVER


def _face_colours(mesh: Mesh, sun: np.ndarray) -> np.ndarray:
    """Each face's radiance (float32 RGB): its albedo in the light the terrain's shading has, sky light plus
    the sun by its incidence (1.0 for level ground)."""
    lit = np.clip(mesh.normals() @ sun, 0.0, 1.0)
    light = AMBIENT + (1 - AMBIENT) * lit / -sun[2]
    return (mesh.albedo * light[:, None]).astype(np.float32)
