"""Camera process: captures navcam frames through the HAL and publishes them as they arrive."""
from __future__ import annotations

from fsw.clock import NS_PER_MS
from fsw.runtime.node import FlightProcess

_POLL_PERIOD_NS = 5 * NS_PER_MS  # well under the 33 ms frame period; the device read does not block


class CameraProcess(FlightProcess):
    def setup(self) -> None:
        self.navcam = self.ctx.backend.navcam()
        self.navcam.open()
        self.frames = 0
        self.timers.every(_POLL_PERIOD_NS, self._poll_navcam)

    def teardown(self) -> None:
        if getattr(self, "navcam", None) is not None:
            self.navcam.close()

    def _poll_navcam(self) -> None:
        frame = self.navcam.read(0)
        if frame is not None:
            self.frames += 1
            self.publish("navcam", frame)

    def telemetry(self) -> dict:
        return {"navcam_frames": self.frames}
