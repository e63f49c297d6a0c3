"""An SCA100T at command level: RDAX/RDAY 11-bit counts (1024 at 0 g), RWTR temperature, MEAS mode."""
from __future__ import annotations

import errno
import math

from hal.board import sca100t as chip


class EmulatedSca100t:
    def __init__(self, roll_deg: float = 0.0, pitch_deg: float = 0.0, temperature_c: float = 20.0,
                 sensitivity: float = 1638.0, absent: bool = False) -> None:
        self.roll_deg, self.pitch_deg = roll_deg, pitch_deg
        self.temperature_c = temperature_c
        self.sensitivity = sensitivity
        self.absent = absent
        self.fail_next = 0

    def xfer2(self, data: list[int]) -> list[int]:
        if self.fail_next:
            self.fail_next -= 1
            raise OSError(errno.EIO, "emulated SPI error")
        if self.absent:
            return [0] * len(data)  # MISO pulled low: nothing answers
        cmd = data[0]
        if cmd in (chip.CMD_RDAX, chip.CMD_RDAY):
            angle = self.pitch_deg if cmd == chip.CMD_RDAX else self.roll_deg
            count = max(0, min(2047, round(chip.ZERO_G_COUNT + math.sin(math.radians(angle)) * self.sensitivity)))
            return [0, count >> 3 & 0xFF, (count & 0x7) << 5][:len(data)]
        if cmd == chip.CMD_RWTR:
            return [0, round(197 - 1.083 * self.temperature_c) & 0xFF][:len(data)]
        return [0] * len(data)

    def close(self) -> None:
        pass
