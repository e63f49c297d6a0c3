"""Logger process: subscribes to the flight's events and telemetry."""
from __future__ import annotations

from fsw.bus.transport import Received
from fsw.runtime.node import FlightProcess


class LoggerProcess(FlightProcess):
    def setup(self) -> None:
        self.received = 0
        for topic in ("event", "tlm", "cmd.ack"):
            self.subscribe(topic, self._count)

    def _count(self, rec: Received) -> None:
        self.received += 1

    def telemetry(self) -> dict:
        return {"messages_received": self.received}
