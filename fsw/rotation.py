"""Rotation and strapdown helpers shared by navigation and control (numpy; quaternions are (w, x, y, z), body
to world; NED frames)."""
from __future__ import annotations

import math

import numpy as np


MARS_GRAVITY = np.array([0.0, 0.0, 3.71])  # NED: down


def cross3(a, b) -> np.ndarray:
    """a x b of two 3-vectors (arrays or sequences): np.cross's result, bit for bit, in a tenth of its time
    (it is general over axes, and the 500 Hz loops call it for three numbers)."""
    a0, a1, a2 = a.tolist() if isinstance(a, np.ndarray) else a
    b0, b1, b2 = b.tolist() if isinstance(b, np.ndarray) else b
    return np.array([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0])


def skew(v: np.ndarray) -> np.ndarray:
    return np.array([[0, -v[2], v[1]], [v[2], 0, -v[0]], [-v[1], v[0], 0]])


def rotvec_to_matrix(r) -> np.ndarray:
    """The rotation by the rotation vector `r` (Rodrigues: I + sin a K + (1 - cos a) K^2, K^2 = k k^T - I for
    the unit axis k), in plain floats: the 500 Hz strapdown loops call it for three numbers."""
    x, y, z = r.tolist() if isinstance(r, np.ndarray) else r
    angle = math.sqrt(x * x + y * y + z * z)
    if angle < 1e-12:
        return np.array([[1.0, -z, y], [z, 1.0, -x], [-y, x, 1.0]])
    s, c = math.sin(angle), 1.0 - math.cos(angle)
    x, y, z = x / angle, y / angle, z / angle
    return np.array([[1.0 + c * (x * x - 1.0), c * x * y - s * z, c * x * z + s * y],
                     [c * x * y + s * z, 1.0 + c * (y * y - 1.0), c * y * z - s * x],
                     [c * x * z - s * y, c * y * z + s * x, 1.0 + c * (z * z - 1.0)]])


def quat_to_matrix(q: tuple[float, float, float, float]) -> np.ndarray:
    w, x, y, z = q
    return np.array([[1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
                     [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
                     [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)]])


def matrix_to_quat(R: np.ndarray) -> tuple[float, float, float, float]:
    w = math.sqrt(max(0.0, 1.0 + R[0, 0] + R[1, 1] + R[2, 2])) / 2
    if w > 1e-6:
        return (w, (R[2, 1] - R[1, 2]) / (4 * w), (R[0, 2] - R[2, 0]) / (4 * w), (R[1, 0] - R[0, 1]) / (4 * w))
    x = math.sqrt(max(0.0, 1.0 + R[0, 0] - R[1, 1] - R[2, 2])) / 2
    return (0.0, x, (R[0, 1] + R[1, 0]) / (4 * x), (R[0, 2] + R[2, 0]) / (4 * x))


def orthonormalize(R: np.ndarray) -> np.ndarray:
    """The rotation nearest to R (drift from repeated products taken out)."""
    u, _, vt = np.linalg.svd(R)
    return u @ vt


def wrap_angle(angle: float) -> float:
    """An angle in radians brought into [-pi, pi)."""
    return (angle + math.pi) % (2 * math.pi) - math.pi


def kinematics(p: np.ndarray, v: np.ndarray, R: np.ndarray, w: np.ndarray, f: np.ndarray, dt: float,
               gravity: np.ndarray = MARS_GRAVITY) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One strapdown step with (bias-corrected) body rates `w` and specific force `f`."""
    acc = R @ f + gravity
    return p + v * dt + 0.5 * acc * dt * dt, v + acc * dt, R @ rotvec_to_matrix(w * dt)
