"""Meshes into images (pure): a z-buffer rasterizer, and the shadow a mesh casts on level ground."""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from sim_hal.model.rover import Mesh

_NEAR_M = 0.2  # faces with a corner nearer the camera than this (or behind it) are not drawn
SHADOW_RES_M = 0.02


def rasterize(px: np.ndarray, depth: np.ndarray, faces: np.ndarray, shape: tuple[int, int]) -> np.ndarray | None:
    """Which face each pixel sees (index into `faces`, -1 for none), nearest first; None if no face is in
    view. `px` (n, 2) are the vertices' pixel coordinates (x, y; pixel centres at integers), `depth` (n,)
    their distances along the optical axis. Depth is interpolated as 1/z (perspective-correct)."""
    h, w = shape
    tri, inv_z = px[faces], 1.0 / np.maximum(depth[faces], 1e-6)
    near = (depth[faces] > _NEAR_M).all(axis=1)
    lo = np.floor(tri.min(axis=1)).astype(int)
    hi = np.ceil(tri.max(axis=1)).astype(int)
    visible = near & (hi[:, 0] >= 0) & (hi[:, 1] >= 0) & (lo[:, 0] < w) & (lo[:, 1] < h)
    if not visible.any():
        return None
    face = np.full(shape, -1, np.int32)
    zbuf = np.zeros(shape, np.float64)  # 1/z: larger is nearer; 0 is infinitely far
    for i in np.flatnonzero(visible):
        x0, y0 = max(lo[i, 0], 0), max(lo[i, 1], 0)
        x1, y1 = min(hi[i, 0], w - 1), min(hi[i, 1], h - 1)
        if x1 < x0 or y1 < y0:
            continue
        bary = _barycentric(tri[i], x0, y0, x1, y1)
        if bary is None:
            continue
        inside = (bary >= -1e-9).all(axis=0)
        z = np.einsum("k,kij->ij", inv_z[i], bary)
        window = zbuf[y0:y1 + 1, x0:x1 + 1]
        nearer = inside & (z > window)
        window[nearer] = z[nearer]
        face[y0:y1 + 1, x0:x1 + 1][nearer] = i
    return face


def _barycentric(t: np.ndarray, x0: int, y0: int, x1: int, y1: int) -> np.ndarray | None:
    """(3, rows, cols) barycentric coordinates of the pixel centres of a box in triangle `t` (3, 2)."""
    (ax, ay), (bx, by), (cx, cy) = t
    area = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax)
    if abs(area) < 1e-12:
        return None
    xs = np.arange(x0, x1 + 1, dtype=np.float64)[None, :]
    ys = np.arange(y0, y1 + 1, dtype=np.float64)[:, None]
    wa = ((bx - xs) * (cy - ys) - (by - ys) * (cx - xs)) / area
    wb = ((cx - xs) * (ay - ys) - (cy - ys) * (ax - xs)) / area
    return np.stack(np.broadcast_arrays(wa, wb, 1.0 - wa - wb))


@dataclass(frozen=True)
class ShadowGrid:
    """Where a shadow map lies on the ground: row r covers north = origin_n + (r + 0.5) * res_m."""

    origin_n: float
    origin_e: float
    res_m: float


def shadow_map(mesh: Mesh, sun: np.ndarray, ground_up_m: float,
               res_m: float = SHADOW_RES_M) -> tuple[ShadowGrid, np.ndarray] | None:
    """The mesh's shadow on level ground `ground_up_m` high, lit from `sun` (unit vector toward the sun,
    NED): a grid of how much light each point loses (0..1, each face by its opacity); None if the sun is
    down."""
    if sun[2] >= -1e-3:
        return None
    v = mesh.vertices
    t = (-ground_up_m - v[:, 2]) / -sun[2]  # along the sun's rays (away from the sun) down to the ground
    ground = v[:, :2] - np.outer(t, sun[:2])
    lo, hi = ground.min(axis=0) - 2 * res_m, ground.max(axis=0) + 2 * res_m
    rows, cols = (np.ceil((hi - lo) / res_m).astype(int) + 1).tolist()
    cover = np.zeros((rows, cols), np.float32)
    pix = (ground - lo) / res_m - 0.5  # (row, col) as continuous pixel coordinates
    order = np.argsort(mesh.opacity, kind="stable")  # solid parts last: they cover the see-through ones
    for f in order:
        poly = np.round(pix[mesh.faces[f]][:, ::-1] * 16).astype(np.int32)  # (x=col, y=row), 4 fractional bits
        cv2.fillConvexPoly(cover, poly, float(mesh.opacity[f]), lineType=cv2.LINE_8, shift=4)
    return ShadowGrid(float(lo[0]), float(lo[1]), res_m), cover
