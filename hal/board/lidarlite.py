"""Garmin LIDAR-Lite v3 laser altimeter over I2C: a register-level driver (Operation Manual 190-02088).

Each measurement: write the acquisition command (0x04, with receiver bias correction, every 100th time; 0x03
otherwise, as Garmin advises) to ACQ_COMMAND, poll STATUS until its busy bit clears, then read the distance in
centimetres from FULL_DELAY_HIGH/LOW (0x8F: both bytes in one auto-incrementing read). `read()` never blocks:
it starts a measurement when one is due and collects it when the chip is done. A range outside 0.3-40 m, or a
measurement the chip flags as having no valid return, is reported invalid.
"""
from __future__ import annotations

from collections.abc import Callable

from fsw.bus.messages import AltimeterSample
from hal.board.buses import I2CBus, RegisterDevice
from hal.board.config import AltimeterConfig
from hal.device import DeviceError

REG_ACQ_COMMAND, REG_STATUS, REG_DISTANCE_2B, REG_UNIT_ID_2B = 0x00, 0x01, 0x8F, 0x96
CMD_RESET, CMD_MEASURE, CMD_MEASURE_BIAS = 0x00, 0x03, 0x04
STATUS_BUSY, STATUS_INVALID, STATUS_HEALTH = 0x01, 0x08, 0x20
MIN_RANGE_M, MAX_RANGE_M = 0.3, 40.0
_BIAS_EVERY = 100


class LidarLiteV3(RegisterDevice):
    name = "altimeter"

    def __init__(self, bus_factory: Callable[[], I2CBus], cfg: AltimeterConfig, clock_ns: Callable[[], int],
                 delay: Callable[[float], None]) -> None:
        super().__init__(bus_factory, cfg.bus, cfg.address)
        self.cfg = cfg
        self.clock_ns = clock_ns
        self.delay = delay
        self.period_ns = round(1e9 / cfg.rate_hz)
        self.unit_id = 0
        self._started_ns: int | None = None  # the measurement in progress
        self._next_ns: int | None = None  # when the next measurement is due
        self.measurements = 0
        self.timeouts = 0

    def open(self) -> None:
        self.bus = self.bus_factory()
        self._write(REG_ACQ_COMMAND, CMD_RESET)
        self.delay(0.022)  # the reset reloads the chip's defaults
        status = self._read(REG_STATUS)
        if not status & STATUS_HEALTH:
            raise DeviceError(self.name, self.where, f"status 0x{status:02x}: the chip reports itself unhealthy")
        high, low = self._block(REG_UNIT_ID_2B, 2)
        self.unit_id = high << 8 | low
        self._start(self.clock_ns())

    def read(self) -> list[AltimeterSample]:
        now = self.clock_ns()
        if self._started_ns is None:
            if now >= (self._next_ns or 0):
                self._start(now)
            return []
        status = self._read(REG_STATUS)
        if status & STATUS_BUSY:
            if now - self._started_ns > self.cfg.busy_timeout_ms * 1e6:
                self.timeouts += 1
                self._start(now)
                raise DeviceError(self.name, self.where, f"still busy after {self.cfg.busy_timeout_ms:.0f} ms")
            return []
        high, low = self._block(REG_DISTANCE_2B, 2)
        self._started_ns = None
        range_m = (high << 8 | low) / 100.0
        valid = not status & STATUS_INVALID and MIN_RANGE_M <= range_m <= MAX_RANGE_M
        return [AltimeterSample(now, range_m, valid)]

    def _start(self, now: int) -> None:
        self.measurements += 1
        self._write(REG_ACQ_COMMAND, CMD_MEASURE_BIAS if self.measurements % _BIAS_EVERY == 1 else CMD_MEASURE)
        self._started_ns = now
        # the next one a period after this one was due (or now, when late: no catching up)
        self._next_ns = now + self.period_ns if self._next_ns is None else max(self._next_ns + self.period_ns, now)

    def _on_error(self) -> None:
        self._started_ns = None  # start afresh
