"""Camera process: captures navcam frames through the HAL and publishes them as they arrive."""
from __future__ import annotations

from fsw.clock import NS_PER_MS
from fsw.runtime.node import FlightProcess

_POLL_PERIOD_NS = 5 * NS_PER_MS  # for devices that cannot wake the process: well under the frame period


class CameraProcess(FlightProcess):
    def setup(self) -> None:
        self.navcam = self.ctx.backend.navcam()
        self.navcam.open()
        self.frames = 0
        handle = getattr(self.navcam, "wait_handle", None)
        if handle is not None:
            self.watch(handle, self._read_navcam)
        else:
            self.timers.every(_POLL_PERIOD_NS, self._read_navcam)

    def teardown(self) -> None:
        if getattr(self, "navcam", None) is not None:
            self.navcam.close()

    def _read_navcam(self) -> None:
        while (frame := self.navcam.read(0)) is not None:
            self.frames += 1
            self.publish("navcam", frame)

    def telemetry(self) -> dict:
        return {"navcam_frames": self.frames}
