"""Colour (return-to-Earth) camera contract: stills taken on command."""
from __future__ import annotations

from typing import Protocol

from fsw.bus.messages import ColourImage
from hal.device import Device, NullDevice


class ColourCamera(Device, Protocol):
    def capture(self, capture_id: int, width: int, height: int) -> ColourImage | None:
        """Take one still of the given size (RGB, uint8); None if the camera produced nothing."""


class NullColourCamera(NullDevice):
    def __init__(self) -> None:
        super().__init__("colour_camera")

    def capture(self, capture_id: int, width: int, height: int) -> ColourImage | None:
        return None
