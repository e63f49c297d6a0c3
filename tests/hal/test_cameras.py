"""The board cameras on a recorded video through the same OpenCV calls as on V4L2."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from hal.board.cameras import BoardColourCamera, BoardNavcam, to_gray
from hal.board.config import CameraConfig
from hal.device import DeviceError


@pytest.fixture(scope="module")
def video(tmp_path_factory) -> str:
    """30 colour frames at 30 fps, 320x240, each with its index in the top-left pixel's blue value."""
    path = str(tmp_path_factory.mktemp("video") / "navcam.avi")
    out = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*"MJPG"), 30.0, (320, 240))
    assert out.isOpened()
    for i in range(30):
        img = np.zeros((240, 320, 3), np.uint8)
        img[:, :, 0] = 8 * i
        cv2.putText(img, str(i), (100, 120), cv2.FONT_HERSHEY_SIMPLEX, 2, (255, 255, 255), 3)
        out.write(img)
    out.release()
    return path


class Clock:
    def __init__(self) -> None:
        self.t = 5_000_000_000

    def __call__(self) -> int:
        self.t += 33_000_000
        return self.t


def cam(video: str, factory=cv2.VideoCapture) -> BoardNavcam:
    c = BoardNavcam(CameraConfig(device=video, api="any"), Clock(), factory)
    c.open()
    return c


def test_frames_come_gray_at_640x480_with_the_files_timing(video) -> None:
    c = cam(video)
    frames = [c.read(10**9) for _ in range(30)]
    c.close()
    assert all(f.pixels.shape == (480, 640) and f.pixels.dtype == np.uint8 for f in frames)
    assert [f.frame_seq for f in frames] == list(range(1, 31)) and c.dropped == 0
    gaps = np.diff([f.t_ns for f in frames])
    assert np.allclose(gaps, 1e9 / 30, atol=1e5)  # the file's frame times, not the read times



class Dropping:
    """cv2.VideoCapture on the file, losing frame 10 (index 9) as a camera that drops one would."""

    def __init__(self, path: str, api: int) -> None:
        self.cap = cv2.VideoCapture(path, api)
        self.n = 0

    def read(self):
        self.n += 1
        if self.n == 10:
            self.cap.read()
        return self.cap.read()

    def __getattr__(self, name):
        return getattr(self.cap, name)


def test_the_end_of_a_recording_is_a_timeout(video) -> None:
    c = cam(video)
    assert sum(c.read(10**9) is not None for _ in range(31)) == 30
    assert c.read(0) is None and c.timeouts == 1
    c.close()


def test_a_dropped_frame_is_a_gap_in_frame_seq(video) -> None:
    c = cam(video, Dropping)
    seqs = [c.read(10**9).frame_seq for _ in range(20)]
    c.close()
    assert seqs == list(range(1, 10)) + list(range(11, 22)) and c.dropped == 1


def test_a_missing_camera_is_named(tmp_path) -> None:
    with pytest.raises(DeviceError, match=r"navcam \(.*nope.avi\): cannot open"):
        cam(str(tmp_path / "nope.avi"))


def test_colour_stills_are_rgb_at_the_size_asked(video) -> None:
    c = BoardColourCamera(CameraConfig(device=video, api="any"), lambda: 7)
    c.open()
    still = c.capture(3, 640, 480)
    assert still.pixels.shape == (480, 640, 3) and still.capture_id == 3
    assert still.pixels[5, 5, 2] > still.pixels[5, 5, 0]  # the frames' blue is the last channel in RGB
    c.close()


def test_conversion_to_gray() -> None:
    assert to_gray(np.zeros((100, 200, 3), np.uint8), 640, 480).shape == (480, 640)
    assert to_gray(np.full((480, 640), 1000, np.uint16), 640, 480).max() == 255
