"""Real photographs laid on the ground (pure): the albedo of the photographic terrains, for navigation tested on
ground ginny did not draw itself.

The photographs are scikit-image's (`skimage/data`, shipped inside its wheel, public domain): `gravel` (rough
natural ground, stones of a few centimetres) and `moon` (the lunar surface: craters on smooth regolith, little
texture). One photograph covers a square cell of ground; the cells tile the plane, each turned and mirrored
as a seeded hash of its index says (eight ways), so the mosaic does not repeat along a straight line. A grid
coarser than the photograph samples a smoothed copy (an image pyramid), not every n-th pixel.
"""
from __future__ import annotations

from functools import lru_cache
from importlib import resources

import cv2
import numpy as np

PHOTOS = {"gravel": 16.0, "moon": 40.0}  # photograph -> the side of ground it covers (m)


@lru_cache(maxsize=4)
def _pyramid(name: str) -> tuple[np.ndarray, ...]:
    """The photograph as albedo (0..1, float32), then halved again and again down to 16 px."""
    path = resources.files("skimage") / "data" / f"{name}.png"
    img = cv2.imdecode(np.frombuffer(path.read_bytes(), np.uint8), cv2.IMREAD_GRAYSCALE)
    if img is None:
        raise ValueError(f"{path}: not a readable photograph")
    levels = [img.astype(np.float32) / 255.0]
    while levels[-1].shape[0] > 16:
        levels.append(cv2.pyrDown(levels[-1]))
    return tuple(levels)


def _turns(seed: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Each cell's way of laying the photograph (0..7: a quarter turn count, and a mirror), hashed."""
    h = (i.astype(np.int64) * 73856093) ^ (j.astype(np.int64) * 19349663) ^ (seed * 83492791)
    h = (h ^ (h >> 13)) * 1274126177
    return (h ^ (h >> 16)) & 7


def photo_albedo(name: str, seed: int, g: tuple) -> np.ndarray:
    """Albedo (float32, about 0.15..0.85) of the grid g = (origin_n, origin_e, res_m, (rows, cols))."""
    origin_n, origin_e, res, (rows, cols) = g
    cell_m = PHOTOS[name]
    levels = _pyramid(name)
    level = 0
    while level + 1 < len(levels) and cell_m / levels[level + 1].shape[0] <= res:
        level += 1
    img = levels[level]
    side = img.shape[0]
    n = origin_n + (np.arange(rows, dtype=np.float64)[:, None] + 0.5) * res
    e = origin_e + (np.arange(cols, dtype=np.float64)[None, :] + 0.5) * res
    i, j = np.floor(n / cell_m), np.floor(e / cell_m)
    u = (n / cell_m - i) * side - 0.5  # row and column within the cell's photograph
    v = (e / cell_m - j) * side - 0.5
    u, v = np.broadcast_to(u, (rows, cols)), np.broadcast_to(v, (rows, cols))
    k = _turns(seed, np.broadcast_to(i, (rows, cols)), np.broadcast_to(j, (rows, cols)))
    last = side - 1.0
    q = k & 3  # quarter turns
    ru = np.select([q == 0, q == 1, q == 2, q == 3], [u, v, last - u, last - v])
    rv = np.select([q == 0, q == 1, q == 2, q == 3], [v, last - u, last - v, u])
    rv = np.where(k >= 4, last - rv, rv)  # mirrored
    out = cv2.remap(img, rv.astype(np.float32), ru.astype(np.float32), cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    return (0.15 + 0.7 * out).astype(np.float32)
