"""Camera process: captures navcam frames through the HAL and publishes them as they arrive; takes colour
stills when control asks for them (a still can take long: the navcam frames wait in their queue)."""
from __future__ import annotations

from fsw.bus.messages import Severity
from fsw.bus.transport import Received
from fsw.clock import NS_PER_MS
from fsw.runtime.node import FlightProcess
from hal.device import DeviceError

_POLL_PERIOD_NS = 5 * NS_PER_MS  # for devices that cannot wake the process: well under the frame period


class CameraProcess(FlightProcess):
    def setup(self) -> None:
        self.navcam = self.ctx.backend.navcam()
        self.open_device(self.navcam)
        self.frames = 0
        self.stills = 0
        self.colour = None
        self.subscribe("rte.request", self._on_still_request)
        handle = getattr(self.navcam, "wait_handle", None)
        if handle is not None:
            self.watch(handle, self._read_navcam)
        else:
            self.timers.every(_POLL_PERIOD_NS, self._read_navcam)

    def teardown(self) -> None:
        if getattr(self, "navcam", None) is not None:
            self.navcam.close()
        if getattr(self, "colour", None) is not None:
            self.colour.close()

    def _on_still_request(self, rec: Received) -> None:
        req = rec.msg
        try:
            if self.colour is None:
                self.colour = self.ctx.backend.colour_camera()
                self.open_device(self.colour)
            image = self.colour.capture(req.capture_id, req.width_px, req.height_px)
        except DeviceError as exc:
            self.event("CAPTURE_FAILED", Severity.WARNING_HI, f"colour capture {req.capture_id}: {exc}")
            return
        if image is None:
            self.event("CAPTURE_FAILED", Severity.WARNING_HI, f"colour capture {req.capture_id}: no camera")
            return
        self.stills += 1
        self.publish("rte", image)
        h, w = image.pixels.shape[:2]
        self.event("CAPTURE_DONE", Severity.ACTIVITY_HI, f"colour capture {req.capture_id}: {w}x{h}")

    def _read_navcam(self) -> None:
        while (frame := self.navcam.read(0)) is not None:
            self.frames += 1
            self.publish("navcam", frame)

    def telemetry(self) -> dict:
        return {"navcam_frames": self.frames, "colour_stills": self.stills}
