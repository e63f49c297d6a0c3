"""Navigation process: reads navcam frames, IMU and altimeter samples."""
from __future__ import annotations

from fsw.bus.transport import Received
from fsw.runtime.node import FlightProcess


class NavProcess(FlightProcess):
    def setup(self) -> None:
        self.received = {"navcam": 0, "imu": 0, "altimeter": 0}
        for topic in self.received:
            self.subscribe(topic, self._count)

    def _count(self, rec: Received) -> None:
        self.received[rec.topic] += 1

    def telemetry(self) -> dict:
        return {f"{k}_received": v for k, v in self.received.items()}
