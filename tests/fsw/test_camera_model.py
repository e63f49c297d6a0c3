"""The navcam's fisheye model: pixels and rays go back and forth, on either side of the angle where the
unprojection changes method."""
from __future__ import annotations

import math

import numpy as np

from fsw.camera.model import FisheyeModel
from fsw.config.sensors import load_sensors

MODEL = FisheyeModel(load_sensors().navcam)


def rays_at(theta_deg: np.ndarray) -> np.ndarray:
    t, phi = np.radians(theta_deg), np.linspace(0, 2 * math.pi, len(theta_deg), endpoint=False)
    return np.column_stack([np.sin(t) * np.cos(phi), np.sin(t) * np.sin(phi), np.cos(t)])


def test_rays_within_75_deg_come_back_from_their_pixels() -> None:
    rays = rays_at(np.linspace(0.0, 74.0, 200))
    assert np.abs(MODEL.unproject(MODEL.project(rays)) - rays).max() < 1e-12


def test_rays_beyond_75_deg_and_behind_the_lens_plane_come_back_too() -> None:
    rays = rays_at(np.linspace(0.0, 110.0, 200))  # one set, so the wide path takes all of it
    assert np.abs(MODEL.unproject(MODEL.project(rays)) - rays).max() < 1e-9


def test_both_paths_give_the_same_rays() -> None:
    near = MODEL.project(rays_at(np.linspace(0.0, 70.0, 50)))
    wide = MODEL.unproject(np.vstack([near, MODEL.project(rays_at(np.array([100.0])))]))[:50]
    assert np.abs(MODEL.unproject(near) - wide).max() < 1e-12
