"""The navcam's lens model (equidistant fisheye, OpenCV's `fisheye` convention), shared with the world.

Camera axes: x right, y down, z along the optical axis. A ray at angle theta from the axis lands at radius
r = f * theta_d from the principal point, theta_d = theta (1 + k1 theta^2 + k2 theta^4 + k3 theta^6 + k4 theta^8).
"""
from __future__ import annotations

import numpy as np

from fsw.config.sensors import NavcamConfig


class FisheyeModel:
    def __init__(self, cfg: NavcamConfig) -> None:
        self.cfg = cfg
        self.k = np.array(cfg.distortion, dtype=np.float64)
        self.body_from_camera = np.array(cfg.body_from_camera, dtype=np.float64)

    def _distort(self, theta: np.ndarray) -> np.ndarray:
        t2 = theta * theta
        k1, k2, k3, k4 = self.k
        return theta * (1 + t2 * (k1 + t2 * (k2 + t2 * (k3 + t2 * k4))))

    def project(self, points_cam: np.ndarray) -> np.ndarray:
        """(N, 3) points in camera axes -> (N, 2) pixels (x, y). Points behind the lens still get a pixel."""
        p = np.asarray(points_cam, dtype=np.float64)
        rho = np.hypot(p[:, 0], p[:, 1])
        theta = np.arctan2(rho, p[:, 2])
        scale = np.where(rho > 1e-12, self._distort(theta) / np.maximum(rho, 1e-12), 1.0 / np.maximum(p[:, 2], 1e-12))
        c = self.cfg
        return np.column_stack([c.fx_px * p[:, 0] * scale + c.cx_px, c.fy_px * p[:, 1] * scale + c.cy_px])

    def unproject(self, pixels: np.ndarray) -> np.ndarray:
        """(N, 2) pixels -> (N, 3) unit rays in camera axes (Newton iterations invert the distortion)."""
        c = self.cfg
        px = np.asarray(pixels, dtype=np.float64)
        mx, my = (px[:, 0] - c.cx_px) / c.fx_px, (px[:, 1] - c.cy_px) / c.fy_px
        theta_d = np.hypot(mx, my)
        theta = theta_d.copy()
        for _ in range(8):
            t2 = theta * theta
            k1, k2, k3, k4 = self.k
            f = theta * (1 + t2 * (k1 + t2 * (k2 + t2 * (k3 + t2 * k4)))) - theta_d
            df = 1 + t2 * (3 * k1 + t2 * (5 * k2 + t2 * (7 * k3 + t2 * 9 * k4)))
            theta = theta - f / df
        s = np.where(theta_d > 1e-12, np.sin(theta) / np.maximum(theta_d, 1e-12), 1.0)
        return np.column_stack([mx * s, my * s, np.cos(theta)])

    def pixel_grid_rays(self) -> np.ndarray:
        """Unit rays of every pixel centre, shape (height, width, 3), camera axes."""
        c = self.cfg
        xs, ys = np.meshgrid(np.arange(c.width_px, dtype=np.float64), np.arange(c.height_px, dtype=np.float64))
        rays = self.unproject(np.column_stack([xs.ravel(), ys.ravel()]))
        return rays.reshape(c.height_px, c.width_px, 3)
