"""Murata SCA100T dual-axis inclinometer over SPI (spidev): a command-level driver (SCA100T datasheet).

Commands are one byte; the answer clocks out in the following bytes. RDAX/RDAY return an 11-bit count
(MSB first: the two bytes after the command, top 11 bits), 1024 at 0 g; RWTR returns the 8-bit temperature.
Angles are `asin((count - 1024) / sensitivity)`; the -D01 part has 1638 counts/g (+-30 deg), the -D02 819
(+-90 deg). The chip has no id register: open() reads both channels and the temperature and refuses a bus that
answers all zeros or all ones (nothing connected) or a temperature no chip would report.
"""
from __future__ import annotations

import math
from collections.abc import Callable

from fsw.bus.messages import InclinometerSample
from hal.board.buses import SpiBus
from hal.board.config import InclinometerConfig
from hal.device import DeviceError

CMD_MEAS, CMD_RWTR, CMD_RDAX, CMD_RDAY = 0x00, 0x08, 0x10, 0x11
ZERO_G_COUNT = 1024
SENSITIVITY = {"D01": 1638.0, "D02": 819.0}


def count_of(answer: list[int]) -> int:
    """The 11-bit count in a RDAX/RDAY answer (command byte, then MSB first)."""
    return (answer[1] << 3) | (answer[2] >> 5)


def temperature_c(count: int) -> float:
    return (count - 197) / -1.083


class Sca100t:
    name = "inclinometer"

    def __init__(self, bus_factory: Callable[[], SpiBus], cfg: InclinometerConfig, clock_ns: Callable[[], int],
                 part: str = "D01") -> None:
        self.bus_factory = bus_factory
        self.cfg = cfg
        self.clock_ns = clock_ns
        self.sensitivity = SENSITIVITY[part]
        self.bus: SpiBus | None = None
        self.errors = 0
        self.temperature_c = math.nan
        self.period_ns = round(1e9 / cfg.rate_hz)
        self._next_ns = 0  # the next reading is due then

    def open(self) -> None:
        self.bus = self.bus_factory()
        self._xfer([CMD_MEAS])
        counts = [count_of(self._xfer([cmd, 0, 0])) for cmd in (CMD_RDAX, CMD_RDAY)]
        if all(c == 0 for c in counts) or all(c == 2047 for c in counts):
            raise DeviceError(self.name, self.cfg.device, f"answers {counts}: no SCA100T on the bus")
        self.temperature_c = temperature_c(self._xfer([CMD_RWTR, 0])[1])
        if not -60.0 <= self.temperature_c <= 130.0:
            raise DeviceError(self.name, self.cfg.device,
                              f"temperature {self.temperature_c:.0f} C is not plausible: not an SCA100T?")

    def close(self) -> None:
        if self.bus is not None:
            self.bus.close()
            self.bus = None

    def read(self) -> InclinometerSample | None:
        """A reading when one is due at the configured rate (else None: the caller may ask every cycle)."""
        now = self.clock_ns()
        if now < self._next_ns:
            return None
        x = count_of(self._xfer([CMD_RDAX, 0, 0]))
        y = count_of(self._xfer([CMD_RDAY, 0, 0]))
        self._next_ns = max(self._next_ns + self.period_ns, now)  # read: the next is due a period on (no catching up)
        gx, gy = (x - ZERO_G_COUNT) / self.sensitivity, (y - ZERO_G_COUNT) / self.sensitivity
        valid = abs(gx) <= 1.0 and abs(gy) <= 1.0 and 0 < x < 2047 and 0 < y < 2047
        clip = lambda g: math.asin(max(-1.0, min(1.0, g)))
        # x along the body's forward axis: its tilt is pitch (nose up positive); y gives roll
        return InclinometerSample(now, clip(gy), clip(gx), valid)

    def _xfer(self, data: list[int]) -> list[int]:
        if self.bus is None:
            raise DeviceError(self.name, self.cfg.device, "not open")
        try:
            return self.bus.xfer2(list(data))
        except OSError as exc:
            self.errors += 1
            raise DeviceError(self.name, self.cfg.device, f"SPI transfer: {exc.strerror or exc}") from None
