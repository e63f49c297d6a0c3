"""Navigation camera contract: nadir 640x480 8-bit grayscale frames, global shutter, exposure timestamps."""
from __future__ import annotations

from typing import Protocol

from fsw.bus.messages import NavcamFrame
from hal.device import Device, NullDevice


class Navcam(Device, Protocol):
    width: int
    height: int

    def read(self, timeout_ns: int) -> NavcamFrame | None:
        """The next frame (t_ns = middle of exposure, frame_seq counting sensor frames) or None on timeout."""


class NullNavcam(NullDevice):
    width = 640
    height = 480

    def __init__(self) -> None:
        super().__init__("navcam")

    def read(self, timeout_ns: int) -> NavcamFrame | None:
        return None
