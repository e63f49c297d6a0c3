"""The tracker on synthetic warps with a known homography, on the fisheye: sub-half-pixel accuracy."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from fsw.camera.model import FisheyeModel
from fsw.config.sensors import load_sensors
from fsw.nav.tracker import TrackQuality, Tracker, TrackerConfig

MODEL = FisheyeModel(load_sensors().navcam)


def texture(seed: int = 1) -> np.ndarray:
    """A rough, well-textured 640x480 image (smoothed noise at several scales)."""
    rng = np.random.default_rng(seed)
    img = np.zeros((480, 640), np.float32)
    for scale, amp in ((4, 40), (16, 50), (64, 60)):
        small = rng.random((480 // scale + 2, 640 // scale + 2)).astype(np.float32)
        img += amp * cv2.resize(small, (640 + 2 * scale, 480 + 2 * scale), interpolation=cv2.INTER_CUBIC)[
            scale:scale + 480, scale:scale + 640]
    return np.clip(img, 0, 255).astype(np.uint8)


def warp(image: np.ndarray, H: np.ndarray) -> np.ndarray:
    """The image the camera would see if the scene moved by H in normalized (undistorted) coordinates:
    each pixel of the new image looks up where H^-1 sends its normalized point in the old one."""
    ys, xs = np.mgrid[0:480, 0:640].astype(np.float64)
    rays = MODEL.unproject(np.column_stack([xs.ravel(), ys.ravel()]))
    n = rays[:, :2] / rays[:, 2:]
    src = np.column_stack([n, np.ones(len(n))]) @ np.linalg.inv(H).T
    src = src[:, :2] / src[:, 2:]
    back = MODEL.project(np.column_stack([src, np.ones(len(src))]))
    maps = back.reshape(480, 640, 2).astype(np.float32)
    return cv2.remap(image, maps[..., 0], maps[..., 1], cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)


def pixel_error(H_est: np.ndarray, H_true: np.ndarray) -> float:
    """Largest distance, in pixels, between where the two homographies send points of the tracked area."""
    ys, xs = np.mgrid[140:341:20, 220:421:20].astype(np.float64)
    rays = MODEL.unproject(np.column_stack([xs.ravel(), ys.ravel()]))
    n = np.column_stack([rays[:, :2] / rays[:, 2:], np.ones(len(rays))])

    def to_pixels(H):
        m = n @ H.T
        return MODEL.project(np.column_stack([m[:, :2] / m[:, 2:], np.ones(len(m))]))

    return float(np.linalg.norm(to_pixels(H_est) - to_pixels(H_true), axis=1).max())


@pytest.mark.parametrize("H", [
    np.array([[1.0, 0.0, 0.02], [0.0, 1.0, -0.015], [0.0, 0.0, 1.0]]),  # a sideways drift: 5 px
    np.array([[0.97, -0.03, 0.01], [0.03, 0.97, 0.02], [0.0, 0.0, 1.0]]),  # turn and climb
    np.array([[1.01, 0.0, 0.0], [0.0, 1.01, 0.0], [0.02, 0.0, 1.0]]),  # descend, tilting
])
def test_a_known_homography_is_recovered_to_half_a_pixel(H: np.ndarray) -> None:
    tracker = Tracker(MODEL)
    base = texture()
    first = tracker.process(base, 0)
    assert first.new_base and first.features >= 150
    result = tracker.process(warp(base, H), 33_000_000)
    assert result.quality is TrackQuality.GOOD and result.inlier_count >= 120
    assert pixel_error(result.homography / result.homography[2, 2], H) < 0.5


def test_tracking_from_the_base_does_not_drift_over_many_frames() -> None:
    tracker = Tracker(MODEL)
    base = texture(2)
    tracker.process(base, 0)
    for k in range(1, 31):  # slow drift: 30 frames, 6 px in all
        H = np.array([[1.0, 0.0, 0.0007 * k], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
        result = tracker.process(warp(base, H), k)
    assert not result.new_base and result.base_id == 1
    assert pixel_error(result.homography / result.homography[2, 2], H) < 0.5


def test_a_featureless_image_is_lost_and_a_new_base_is_taken() -> None:
    tracker = Tracker(MODEL)
    tracker.process(texture(3), 0)
    flat = np.full((480, 640), 120, np.uint8)
    result = tracker.process(flat, 1)
    assert result.quality is TrackQuality.LOST
    again = tracker.process(flat, 2)
    assert again.new_base and again.quality is TrackQuality.LOST and again.features == 0


def test_the_gyro_seeds_a_fast_rotation() -> None:
    # a 10 deg yaw between two frames is about 50 px at 100 px from the centre, beyond plain LK's reach
    # near the window's edge; the gyro's rotation brings the guess close
    tracker = Tracker(MODEL, TrackerConfig(lk_levels=1))
    base = texture(4)
    tracker.process(base, 0)
    a = np.radians(10.0)
    Rz = np.array([[np.cos(a), -np.sin(a), 0], [np.sin(a), np.cos(a), 0], [0, 0, 1.0]])
    seeded = tracker.process(warp(base, Rz), 1, rotation=Rz)
    assert seeded.quality is TrackQuality.GOOD
    assert pixel_error(seeded.homography / seeded.homography[2, 2], Rz) < 0.5


def test_a_new_base_is_taken_when_finished_or_by_the_next_frame() -> None:
    """The detection for a new base waits until the caller has published the frame's estimate."""
    tracker = Tracker(MODEL)
    tracker.process(texture(3), 0)
    flat = np.full((480, 640), 120, np.uint8)
    tracker.process(flat, 1)  # lost: this frame is to become the base
    assert tracker.base_id == 1
    assert tracker.finish() and tracker.base_id == 2
    assert not tracker.finish()  # nothing more to do
    other = Tracker(MODEL)
    other.process(texture(3), 0)
    other.process(flat, 1)
    again = other.process(texture(3), 2)  # not finished by the caller: the next frame does it first (the
    assert other.base_id == 3 and again.new_base  # flat base has nothing to track, so this one is the next)
