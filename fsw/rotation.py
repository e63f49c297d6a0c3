"""Rotation and strapdown helpers shared by navigation and control (numpy; quaternions are (w, x, y, z), body
to world; NED frames)."""
from __future__ import annotations

import math

import numpy as np


MARS_GRAVITY = np.array([0.0, 0.0, 3.71])  # NED: down
_DIAG3 = (np.arange(3), np.arange(3))


def cross3(a, b) -> np.ndarray:
    """a x b of two 3-vectors (arrays or sequences): np.cross's result, bit for bit, in a tenth of its time
    (it is general over axes, and the 500 Hz loops call it for three numbers)."""
    return np.array(cross(a.tolist() if isinstance(a, np.ndarray) else a,
                          b.tolist() if isinstance(b, np.ndarray) else b))


def cross(a, b) -> tuple[float, float, float]:
    """a x b of two 3-sequences of plain floats."""
    return a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]


def skew(v: np.ndarray) -> np.ndarray:
    return np.array([[0, -v[2], v[1]], [v[2], 0, -v[0]], [-v[1], v[0], 0]])


def rotvec_to_matrix(r) -> np.ndarray:
    """The rotation by the rotation vector `r` (Rodrigues: I + sin a K + (1 - cos a) K^2, K^2 = k k^T - I for
    the unit axis k), in plain floats: the 500 Hz strapdown loops call it for three numbers."""
    x, y, z = r.tolist() if isinstance(r, np.ndarray) else r
    m = _rodrigues(x, y, z)
    return np.array([m[0:3], m[3:6], m[6:9]])


def _rodrigues(x: float, y: float, z: float) -> tuple[float, ...]:
    """The rotation by the rotation vector (x, y, z), row by row (nine floats)."""
    angle = math.sqrt(x * x + y * y + z * z)
    if angle < 1e-12:
        return (1.0, -z, y, z, 1.0, -x, -y, x, 1.0)
    s, c = math.sin(angle), 1.0 - math.cos(angle)
    x, y, z = x / angle, y / angle, z / angle
    return (1.0 + c * (x * x - 1.0), c * x * y - s * z, c * x * z + s * y,
            c * x * y + s * z, 1.0 + c * (y * y - 1.0), c * y * z - s * x,
            c * x * z - s * y, c * y * z + s * x, 1.0 + c * (z * z - 1.0))


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
    """The rotation nearest to R (drift from repeated products taken out). R is nearly one wherever the
    loops call this (a rounding error a step), so one step of Bjorck's iteration, R (3I - R^T R) / 2, gives
    it to rounding (its error is the square of R's); an R further off takes the SVD's polar factor."""
    E = R.T @ R
    E[_DIAG3] -= 1.0
    if abs(E).max() > 1e-6:
        u, _, vt = np.linalg.svd(R)
        return u @ vt
    return R - 0.5 * (R @ E)


def wrap_angle(angle: float) -> float:
    """An angle in radians brought into [-pi, pi)."""
    return (angle + math.pi) % (2 * math.pi) - math.pi


def kinematics(p: np.ndarray, v: np.ndarray, R: np.ndarray, w: np.ndarray, f: np.ndarray, dt: float,
               gravity: np.ndarray = MARS_GRAVITY) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One strapdown step with (bias-corrected) body rates `w` and specific force `f`, in plain floats (the
    500 Hz loops of control and navigation call it for a handful of numbers, where numpy's per-call cost
    is most of the time):

        acc = R f + g,   p' = p + v dt + acc dt^2 / 2,   v' = v + acc dt,   R' = R Exp(w dt)
    """
    (r00, r01, r02), (r10, r11, r12), (r20, r21, r22) = R.tolist()
    f0, f1, f2 = f.tolist() if isinstance(f, np.ndarray) else f
    w0, w1, w2 = w.tolist() if isinstance(w, np.ndarray) else w
    g0, g1, g2 = gravity.tolist() if isinstance(gravity, np.ndarray) else gravity
    p0, p1, p2 = p.tolist()
    v0, v1, v2 = v.tolist()
    a0 = r00 * f0 + r01 * f1 + r02 * f2 + g0
    a1 = r10 * f0 + r11 * f1 + r12 * f2 + g1
    a2 = r20 * f0 + r21 * f1 + r22 * f2 + g2
    h = 0.5 * dt * dt
    d00, d01, d02, d10, d11, d12, d20, d21, d22 = _rodrigues(w0 * dt, w1 * dt, w2 * dt)
    return (np.array([p0 + v0 * dt + a0 * h, p1 + v1 * dt + a1 * h, p2 + v2 * dt + a2 * h]),
            np.array([v0 + a0 * dt, v1 + a1 * dt, v2 + a2 * dt]),
            np.array([[r00 * d00 + r01 * d10 + r02 * d20, r00 * d01 + r01 * d11 + r02 * d21,
                       r00 * d02 + r01 * d12 + r02 * d22],
                      [r10 * d00 + r11 * d10 + r12 * d20, r10 * d01 + r11 * d11 + r12 * d21,
                       r10 * d02 + r11 * d12 + r12 * d22],
                      [r20 * d00 + r21 * d10 + r22 * d20, r20 * d01 + r21 * d11 + r22 * d21,
                       r20 * d02 + r21 * d12 + r22 * d22]]))
