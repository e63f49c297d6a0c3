"""Navigation accuracy (pure): a flight's estimates against the truth of the same instants, in the figures
`ginny bench accuracy` reports -- the same for a simulated flight (its flight log) and a replayed dataset
(trajectory.csv and the dataset's ground truth).

- final error: the last estimate's horizontal error, as a percentage of the horizontal distance flown;
- ATE: the RMS position error after the 4-DOF alignment visual-inertial odometry is judged by (a rotation
  about the vertical and a translation: what an IMU-aided estimate cannot observe; Zhang and Scaramuzza, 2018);
- speed RMSE (of the velocity error's magnitude) and altitude RMSE (of the vertical error);
- time with vision degraded, and the fraction of estimates whose error lies within 3 sigma on every axis (and
  on each axis alone: which one the covariance is too sure of).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Track:
    """Estimates and the truth at their instants (arrays of n rows), in one frame."""

    t_s: np.ndarray
    est_p: np.ndarray  # n x 3, NED
    true_p: np.ndarray
    est_v: np.ndarray
    true_v: np.ndarray
    sd_p: np.ndarray  # n x 3: the estimate's own standard deviations
    degraded: np.ndarray  # n: vision degraded at that estimate

    def __post_init__(self) -> None:
        n = len(self.t_s)
        if n < 2 or any(len(a) != n for a in (self.est_p, self.true_p, self.est_v, self.true_v, self.sd_p,
                                               self.degraded)):
            raise ValueError("a track needs two or more estimates, each with its truth")


def interpolate(t_s: np.ndarray, at_s: np.ndarray, values: np.ndarray) -> np.ndarray:
    """`values` (rows at `t_s`) at the instants `at_s`, linearly, column by column."""
    return np.column_stack([np.interp(at_s, t_s, values[:, k]) for k in range(values.shape[1])])


def align_4dof(est: np.ndarray, true: np.ndarray) -> np.ndarray:
    """`est` moved by the rotation about the vertical and the translation that bring it closest to `true`
    (least squares: the planar Kabsch/Umeyama solution, no scale)."""
    me, mt = est.mean(axis=0), true.mean(axis=0)
    a, b = est[:, :2] - me[:2], true[:, :2] - mt[:2]
    yaw = math.atan2(float(np.sum(a[:, 0] * b[:, 1] - a[:, 1] * b[:, 0])), float(np.sum(a * b)))
    c, s = math.cos(yaw), math.sin(yaw)
    R = np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])
    return (est - me) @ R.T + mt


def distance_m(true_p: np.ndarray) -> float:
    """The horizontal path length of the truth."""
    return float(np.sum(np.hypot(*np.diff(true_p[:, :2], axis=0).T)))


def metrics(track: Track) -> dict[str, float]:
    err = track.est_p - track.true_p
    dist = distance_m(track.true_p)
    final = float(np.hypot(*err[-1, :2]))
    ate = align_4dof(track.est_p, track.true_p) - track.true_p
    dt = np.diff(track.t_s, append=track.t_s[-1])
    sd = np.maximum(track.sd_p, 1e-9)
    inside_axes = np.abs(err) <= 3.0 * sd
    inside = np.all(inside_axes, axis=1)
    by_axis = inside_axes.mean(axis=0)
    return {"distance_m": round(dist, 2),
            "final_error_m": round(final, 3),
            "final_error_pct": round(100.0 * final / dist, 3) if dist > 0 else float("nan"),
            "ate_rmse_m": round(_rms(np.linalg.norm(ate, axis=1)), 3),
            "speed_rmse_mps": round(_rms(np.linalg.norm(track.est_v - track.true_v, axis=1)), 4),
            "altitude_rmse_m": round(_rms(err[:, 2]), 3),
            "vision_degraded_s": round(float(np.sum(dt[track.degraded])), 2),
            "within_3sigma": round(float(inside.mean()), 4),
            # which axis the covariance is too sure of (north, east, down)
            **{f"within_3sigma_{axis}": round(float(f), 4) for axis, f in zip(("north", "east", "down"), by_axis)},
            "estimates": len(track.t_s)}


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x))))
