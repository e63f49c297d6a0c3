"""Every emulated chip of the board on one clock: what the board backend uses with `emulate`."""
from __future__ import annotations

import os
from collections.abc import Callable

import serial

from hal.board.emulated.bmi160 import EmulatedBmi160
from hal.board.emulated.camera import EmulatedCapture
from hal.board.emulated.lidarlite import EmulatedLidarLite
from hal.board.emulated.mcu import EmulatedMcu
from hal.board.emulated.sca100t import EmulatedSca100t


class EmulatedRig:
    def __init__(self, clock_s: Callable[[], float], delay: Callable[[float], None]) -> None:
        self.clock_s = clock_s
        self.delay = delay
        self.chips = {"imu": EmulatedBmi160(clock_s), "altimeter": EmulatedLidarLite(clock_s)}
        self.mcu: EmulatedMcu | None = None

    def i2c(self, device: str):
        return self.chips[device]

    def spi(self) -> EmulatedSca100t:
        return EmulatedSca100t(roll_deg=0.4, pitch_deg=-0.7)

    def capture(self, device: str) -> EmulatedCapture:
        return EmulatedCapture(self.clock_s, device, self.delay)

    def serial(self) -> serial.Serial:
        """A pseudo-terminal with the emulated MCU on its master side."""
        master, slave = os.openpty()
        self.mcu = EmulatedMcu(master)
        self.mcu.start()
        return serial.Serial(os.ttyname(slave), 921_600, timeout=0)
