"""Camera lens models, shared by the flight software and the world: the navcam's equidistant fisheye
(OpenCV's `fisheye` convention) and, for recorded datasets, a pinhole with radial-tangential distortion.

Camera axes: x right, y down, z along the optical axis. Fisheye: a ray at angle theta from the axis lands at
radius r = f * theta_d from the principal point, theta_d = theta (1 + k1 theta^2 + k2 theta^4 + k3 theta^6 +
k4 theta^8).
"""
from __future__ import annotations

import math

import cv2
import numpy as np

from fsw.config.sensors import NavcamConfig


def camera_model(cfg: NavcamConfig) -> "FisheyeModel | RadtanModel":
    return FisheyeModel(cfg) if cfg.model == "equidistant" else RadtanModel(cfg)


class _Model:
    def __init__(self, cfg: NavcamConfig) -> None:
        self.cfg = cfg
        self.k = np.array(cfg.distortion, dtype=np.float64)
        self.K = np.array([[cfg.fx_px, 0, cfg.cx_px], [0, cfg.fy_px, cfg.cy_px], [0, 0, 1.0]])
        self.body_from_camera = np.array(cfg.body_from_camera, dtype=np.float64)

    def normalize(self, pixels: np.ndarray) -> np.ndarray:
        """Pixels -> undistorted normalized coordinates (x/z, y/z), shape (N, 2)."""
        rays = self.unproject(np.asarray(pixels, dtype=np.float64).reshape(-1, 2))
        return rays[:, :2] / rays[:, 2:3]


class RadtanModel(_Model):
    """Pinhole with radial-tangential distortion (k1, k2, p1, p2), as EuRoC's `radial-tangential`."""

    def project(self, points_cam: np.ndarray) -> np.ndarray:
        p = np.asarray(points_cam, dtype=np.float64).reshape(-1, 1, 3)
        px, _ = cv2.projectPoints(p, np.zeros(3), np.zeros(3), self.K, self.k)
        return px.reshape(-1, 2)

    def unproject(self, pixels: np.ndarray) -> np.ndarray:
        n = cv2.undistortPoints(np.asarray(pixels, dtype=np.float64).reshape(-1, 1, 2), self.K, self.k)
        rays = np.column_stack([n.reshape(-1, 2), np.ones(len(n))])
        return rays / np.linalg.norm(rays, axis=1, keepdims=True)


_OPENCV_MAX_THETA = math.radians(75.0)


class FisheyeModel(_Model):

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

    def normalize(self, pixels: np.ndarray) -> np.ndarray:
        if len(pixels) == 0:
            return np.empty((0, 2), np.float64)
        und = cv2.fisheye.undistortPoints(np.asarray(pixels, np.float64).reshape(-1, 1, 2), self.K, self.k)
        return und.reshape(-1, 2)

    def unproject(self, pixels: np.ndarray) -> np.ndarray:
        """(N, 2) pixels -> (N, 3) unit rays in camera axes. Within 75 deg of the axis OpenCV inverts the
        distortion (a tenth of the time, the same rays to 1e-15); beyond, where its x/z, y/z would fail,
        Newton iterations do."""
        c = self.cfg
        px = np.asarray(pixels, dtype=np.float64)
        mx, my = (px[:, 0] - c.cx_px) / c.fx_px, (px[:, 1] - c.cy_px) / c.fy_px
        theta_d = np.hypot(mx, my)
        if len(px) and theta_d.max() < _OPENCV_MAX_THETA:
            rays = np.ones((len(px), 3))
            rays[:, :2] = self.normalize(px)
            return rays / np.sqrt((rays * rays).sum(axis=1))[:, None]
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
