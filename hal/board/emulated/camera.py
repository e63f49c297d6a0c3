"""A camera shaped like cv2.VideoCapture, on a clock the caller gives: frames of a textured scene at the
configured rate, with V4L2-like buffer timestamps (CAP_PROP_POS_MSEC), for emulated boards."""
from __future__ import annotations

import time
from collections.abc import Callable

import cv2
import numpy as np


class CaptureShape:
    """What the drivers use of cv2.VideoCapture: properties set and got (the buffer time, CAP_PROP_POS_MSEC,
    is the last frame's), open, grab, release; a subclass gives `read`."""

    def __init__(self, props: dict[int, float] | None = None) -> None:
        self.props: dict[int, float] = dict(props or {})
        self._t_ms = 0.0

    def isOpened(self) -> bool:  # noqa: N802 - OpenCV's name
        return True

    def set(self, prop: int, value: float) -> bool:
        self.props[prop] = float(value)
        return True

    def get(self, prop: int) -> float:
        return self._t_ms if prop == cv2.CAP_PROP_POS_MSEC else self.props.get(prop, 0.0)

    def grab(self) -> bool:
        return True

    def release(self) -> None:
        pass


class EmulatedCapture(CaptureShape):
    def __init__(self, clock_s: Callable[[], float], device: str = "emulated",
                 delay: Callable[[float], None] = time.sleep) -> None:
        super().__init__({cv2.CAP_PROP_FRAME_WIDTH: 640.0, cv2.CAP_PROP_FRAME_HEIGHT: 480.0, cv2.CAP_PROP_FPS: 30.0,
                          cv2.CAP_PROP_EXPOSURE: 20.0})
        self.clock_s = clock_s
        self.delay = delay
        self.device = device
        self._next = 0
        self._scene = np.random.default_rng(7).integers(0, 255, (480, 640), dtype=np.uint8)

    def read(self) -> tuple[bool, np.ndarray]:
        """The next frame: waits for its time, as a V4L2 dequeue does (on the caller's clock)."""
        period = 1.0 / self.props[cv2.CAP_PROP_FPS]
        self._next = max(self._next + 1, int(self.clock_s() / period))
        wait = self._next * period - self.clock_s()
        if wait > 0:
            self.delay(wait)
        self._t_ms = 1000.0 * self._next * period
        w, h = int(self.props[cv2.CAP_PROP_FRAME_WIDTH]), int(self.props[cv2.CAP_PROP_FRAME_HEIGHT])
        frame = np.roll(self._scene, self._next, axis=1)
        return True, frame if (w, h) == (640, 480) else cv2.resize(frame, (w, h))
