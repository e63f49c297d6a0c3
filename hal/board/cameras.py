"""The board's cameras through OpenCV's VideoCapture: the navcam on V4L2 (8-bit grayscale 640x480 at 30 fps
where the camera offers it, converted and resized otherwise) and the colour camera (stills on command).

Frame times: the driver's buffer timestamp (`CAP_PROP_POS_MSEC`; on V4L2 the kernel's monotonic time of the
frame) when it has one; with `api = "any"` (a recorded video) the file's own frame times, anchored to the
monotonic clock at the first frame; the monotonic time at dequeue when neither exists. A gap of more than
1.5 frame periods between frame times is counted as dropped frames, and `frame_seq` jumps by as many, so
navigation sees the gap (the Flight 6 lesson). A read that times out returns None and is counted.
"""
from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable
from typing import Any

import cv2
import numpy as np

from fsw.bus.messages import ColourImage, NavcamFrame
from hal.board.config import CameraConfig
from hal.device import DeviceError

CaptureFactory = Callable[[str, int], Any]  # (device, api preference) -> something shaped like cv2.VideoCapture


def _api(cfg: CameraConfig) -> int:
    return cv2.CAP_V4L2 if cfg.api == "v4l2" else cv2.CAP_ANY


def _open(factory: CaptureFactory, cfg: CameraConfig, device: str) -> Any:
    cap = factory(cfg.device, _api(cfg))
    if not cap.isOpened():
        raise DeviceError(device, cfg.device, f"cannot open through OpenCV ({cfg.api}): missing, busy or not a camera")
    cap.set(cv2.CAP_PROP_FRAME_WIDTH, cfg.width)
    cap.set(cv2.CAP_PROP_FRAME_HEIGHT, cfg.height)
    cap.set(cv2.CAP_PROP_FPS, cfg.fps)
    if cfg.api == "v4l2":
        cap.set(cv2.CAP_PROP_READ_TIMEOUT_MSEC, cfg.timeout_ms)
    return cap


def to_gray(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """8-bit grayscale at the wanted size, whatever the camera gave."""
    if image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    if image.dtype != np.uint8:
        image = cv2.convertScaleAbs(image, alpha=255.0 / max(1.0, float(image.max())))
    if image.shape != (height, width):
        image = cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(image)


class _Camera:
    """A VideoCapture opened and released as a device."""

    name = "camera"

    def __init__(self, cfg: CameraConfig, clock_ns: Callable[[], int],
                 factory: CaptureFactory = cv2.VideoCapture) -> None:
        self.cfg = cfg
        self.clock_ns = clock_ns
        self.factory = factory
        self.cap = None

    def open(self) -> None:
        self.cap = _open(self.factory, self.cfg, self.name)

    def close(self) -> None:
        if self.cap is not None:
            self.cap.release()
            self.cap = None


class BoardNavcam(_Camera):
    """Frames are read by a thread (OpenCV's read blocks until the driver has one) into a short queue; `read`
    takes them without blocking longer than asked, and `wait_handle` (a pipe) wakes the camera process the
    moment a frame is in. The thread never drops: when the queue is full it waits, the driver drops, and the
    gap shows in the frame times."""

    name = "navcam"

    def __init__(self, cfg: CameraConfig, clock_ns: Callable[[], int],
                 factory: CaptureFactory = cv2.VideoCapture) -> None:
        super().__init__(cfg, clock_ns, factory)
        self.width, self.height = cfg.width, cfg.height
        self.period_ns = round(1e9 / cfg.fps)
        self.frame_seq = 0
        self.dropped = 0
        self.timeouts = 0
        self._last_t: int | None = None
        self._anchor: int | None = None  # file time -> monotonic time
        self._queue: queue.Queue = queue.Queue(maxsize=4)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        self.wait_handle = self._wake_r

    def open(self) -> None:
        super().open()
        self._stop.clear()
        self._thread = threading.Thread(target=self._capture, name="navcam-capture", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            while self._thread.is_alive():
                try:
                    self._queue.get_nowait()  # let a waiting put finish
                except queue.Empty:
                    self._thread.join(timeout=0.05)
            self._thread = None
        super().close()

    def _capture(self) -> None:
        """The reader thread: each frame with its dequeue time, driver time and exposure; None at the end."""
        while not self._stop.is_set():
            ok, image = self.cap.read()
            item = (image, self.clock_ns(), self.cap.get(cv2.CAP_PROP_POS_MSEC),
                    self.cap.get(cv2.CAP_PROP_EXPOSURE)) if ok and image is not None else None
            if item is None:
                self.timeouts += 1
            while not self._stop.is_set():
                try:
                    self._queue.put(item, timeout=0.1)
                    os.write(self._wake_w, b"f")
                    break
                except queue.Full:
                    continue
            if item is None and self.cfg.api != "v4l2":
                return  # the end of a recording

    def read(self, timeout_ns: int) -> NavcamFrame | None:
        if self.cap is None:
            raise DeviceError(self.name, self.cfg.device, "not open")
        try:
            item = self._queue.get(timeout=timeout_ns / 1e9) if timeout_ns > 0 else self._queue.get_nowait()
        except queue.Empty:
            return None
        try:
            os.read(self._wake_r, 1)
        except BlockingIOError:
            pass
        if item is None:
            return None
        image, dequeued, msec, exposure = item
        t = self._frame_time(dequeued, msec)
        self._count_drops(t)
        return NavcamFrame(t, self.frame_seq, float(exposure * 100.0) if exposure > 0 else 0.0,
                           to_gray(image, self.width, self.height))

    def _frame_time(self, dequeued: int, msec: float) -> int:
        if self.cfg.api == "v4l2":
            return round(msec * 1e6) if msec > 0 else dequeued  # the kernel's monotonic buffer time
        if msec < 0:
            return dequeued
        t = round(msec * 1e6)  # a file's times start at 0: anchor them to the clock at the first frame
        self._anchor = dequeued - t if self._anchor is None else self._anchor
        return t + self._anchor

    def _count_drops(self, t: int) -> None:
        missing = 0
        if self._last_t is not None and t - self._last_t > 1.5 * self.period_ns:
            missing = round((t - self._last_t) / self.period_ns) - 1
        self.dropped += missing
        self.frame_seq += 1 + missing
        self._last_t = t


class BoardColourCamera(_Camera):
    name = "colour_camera"

    def capture(self, capture_id: int, width: int, height: int) -> ColourImage | None:
        """A still: the newest frame (stale buffered ones are skipped), RGB, at the size asked for."""
        if self.cap is None:
            raise DeviceError(self.name, self.cfg.device, "not open")
        self.cap.grab()
        ok, image = self.cap.read()
        if not ok or image is None:
            return None
        if self.cfg.raw and image.ndim == 2 and image.dtype == np.uint16:  # the sensor's RAW Bayer frame
            return ColourImage(self.clock_ns(), capture_id, 0.0, np.ascontiguousarray(_window(image, width, height)),
                               1.0, self.cfg.raw, self.cfg.raw_bits, 0.0)
        rgb = cv2.cvtColor(image, cv2.COLOR_GRAY2RGB if image.ndim == 2 else cv2.COLOR_BGR2RGB)
        if rgb.shape[:2] != (height, width):
            rgb = cv2.resize(rgb, (width, height), interpolation=cv2.INTER_AREA)
        # a UVC-style camera delivers a developed picture (no RAW): exposure and gain are its own
        return ColourImage(self.clock_ns(), capture_id, 0.0, np.ascontiguousarray(rgb), 1.0, "RGB", 8, 0.0)


def _window(raw: np.ndarray, width: int, height: int) -> np.ndarray:
    """The centre of a RAW frame at the size asked for (no larger than the frame), on whole Bayer cells: a
    mosaic cannot be resized, only windowed, as a sensor's region of interest is."""
    h, w = raw.shape
    width, height = min(width, w) & ~1, min(height, h) & ~1
    top, left = ((h - height) // 2) & ~1, ((w - width) // 2) & ~1
    return raw[top:top + height, left:left + width]
