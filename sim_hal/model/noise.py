"""Seeded, seamless procedural noise (pure): values are functions of global coordinates, so any two tiles of
the same terrain agree where they meet, whatever order they are made in."""
from __future__ import annotations

import math

import cv2
import numpy as np

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def hash2(seed: int, salt: int, ix: np.ndarray, iy: np.ndarray) -> np.ndarray:
    """Uniform floats in [0, 1) from integer lattice coordinates (splitmix64 mixing)."""
    with np.errstate(over="ignore"):
        key = (np.uint64(seed & 0xFFFFFFFF) << np.uint64(32)) ^ np.uint64(salt * 0x9E3779B9 & 0xFFFFFFFF)
        h = ix.astype(np.int64).astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        h ^= iy.astype(np.int64).astype(np.uint64) * np.uint64(0xC2B2AE3D27D4EB4F) + key
        h ^= h >> np.uint64(30)
        h *= _M1
        h ^= h >> np.uint64(27)
        h *= _M2
        h ^= h >> np.uint64(31)
    return (h >> np.uint64(40)).astype(np.float64) / float(1 << 24)


def value_noise(seed: int, salt: int, cell_m: float, origin_n: float, origin_e: float, res_m: float,
                shape: tuple[int, int]) -> np.ndarray:
    """Smooth noise in [-1, 1] with features of size `cell_m`, sampled on a grid whose pixel (r, c) centre is
    at north = origin_n + (r + 0.5) res_m, east = origin_e + (c + 0.5) res_m."""
    rows, cols = shape
    step = res_m / cell_m  # lattice cells per pixel
    u0 = (origin_n + 0.5 * res_m) / cell_m
    v0 = (origin_e + 0.5 * res_m) / cell_m
    l_n, l_e = math.floor(u0) - 1, math.floor(v0) - 1
    n_rows = int(math.ceil(rows * step)) + 4
    n_cols = int(math.ceil(cols * step)) + 4
    ix, iy = np.meshgrid(np.arange(l_n, l_n + n_rows), np.arange(l_e, l_e + n_cols), indexing="ij")
    lattice = (hash2(seed, salt, ix, iy) * 2.0 - 1.0).astype(np.float32)
    # dst(r, c) = lattice(u0 - l_n + r * step, v0 - l_e + c * step): an affine map, no per-pixel maps needed
    m = np.array([[step, 0.0, v0 - l_e], [0.0, step, u0 - l_n]], dtype=np.float64)
    return cv2.warpAffine(lattice, m, (cols, rows), flags=cv2.INTER_CUBIC | cv2.WARP_INVERSE_MAP,
                          borderMode=cv2.BORDER_REPLICATE)


def pixel_noise(seed: int, salt: int, origin_n: float, origin_e: float, res_m: float,
                shape: tuple[int, int]) -> np.ndarray:
    """Independent noise in [-1, 1] per pixel, the same for the same grid (seeded by its origin): white noise
    has nothing to match across a seam, so a generator per grid is enough, and much cheaper than hashing."""
    key = [seed, salt, round(origin_n / res_m) & 0xFFFFFFFF, round(origin_e / res_m) & 0xFFFFFFFF, *shape]
    return np.random.default_rng(key).random(shape, dtype=np.float32) * 2.0 - 1.0
