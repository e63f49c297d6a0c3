"""Comm process: the vehicle's door to the ground. Publishes commands on `cmd`, reads acknowledgements."""
from __future__ import annotations

from fsw.bus.transport import Received
from fsw.runtime.node import FlightProcess


class CommProcess(FlightProcess):
    def setup(self) -> None:
        self.acks = 0
        self.subscribe("cmd.ack", self._on_ack)

    def _on_ack(self, rec: Received) -> None:
        self.acks += 1

    def telemetry(self) -> dict:
        return {"acks_received": self.acks}
