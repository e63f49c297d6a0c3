"""Camera process: captures navcam frames through the HAL and publishes them as they arrive; takes colour
stills when control asks for them. A still can take seconds (a full-resolution exposure and readout, then
developing the RAW frame and keeping its files: `fsw/camera/store.py`), so it is taken on a worker thread: the
navcam frames keep flowing and the process keeps its heartbeat. The thread only talks to the colour camera
and writes the still's files; what it got is published from the process's own loop, woken through a pipe.
"""
from __future__ import annotations

import os
import queue
import threading
from collections import deque

from fsw.bus.messages import RteRequest, Severity
from fsw.bus.transport import Received
from fsw.camera.develop import as_shot
from fsw.camera.store import Kept, keep_capture
from fsw.clock import NS_PER_MS
from fsw.config.sensors import load_sensors
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
        self._requests: deque[RteRequest] = deque()
        self._results: queue.SimpleQueue[tuple[RteRequest, Kept | None, str]] = queue.SimpleQueue()
        colour = load_sensors().colour_camera
        self._development, self._quality = as_shot(colour), colour.jpeg_quality
        self._worker: threading.Thread | None = None
        self._still_r, self._still_w = os.pipe()
        os.set_blocking(self._still_r, False)
        self.watch(self._still_r, self._publish_stills)
        self.subscribe("rte.request", self._on_still_request)
        handle = getattr(self.navcam, "wait_handle", None)
        if handle is not None:
            self.watch(handle, self._read_navcam)
        else:
            self.timers.every(_POLL_PERIOD_NS, self._read_navcam)

    def teardown(self) -> None:
        if getattr(self, "_worker", None) is not None:
            self._worker.join(timeout=1.0)
        if getattr(self, "navcam", None) is not None:
            self.navcam.close()
        if getattr(self, "colour", None) is not None:
            self.colour.close()
        if hasattr(self, "_still_r"):
            os.close(self._still_r)
            os.close(self._still_w)

    def _on_still_request(self, rec: Received) -> None:
        self._requests.append(rec.msg)
        self._next_still()

    def _next_still(self) -> None:
        """Start the oldest waiting still on the worker thread, unless one is being taken."""
        if not self._requests or (self._worker is not None and self._worker.is_alive()):
            return
        req = self._requests.popleft()
        try:
            if self.colour is None:
                self.colour = self.ctx.backend.colour_camera()
                self.open_device(self.colour)
        except DeviceError as exc:
            self.event("CAPTURE_FAILED", Severity.WARNING_HI, f"colour capture {req.capture_id}: {exc}")
            return
        self._worker = threading.Thread(target=self._take_still, args=(req,), name="still", daemon=True)
        self._worker.start()

    def _take_still(self, req: RteRequest) -> None:
        """On the worker thread: expose and read out, develop and keep the files, then wake the loop."""
        try:
            image = self.colour.capture(req.capture_id, req.width_px, req.height_px)
            if image is None:
                self._results.put((req, None, "no camera"))
            else:
                kept = keep_capture(self.ctx.files_root(), image, req, self._development, self._quality)
                self._results.put((req, kept, ""))
        except DeviceError as exc:
            self._results.put((req, None, str(exc)))
        except OSError as exc:
            self._results.put((req, None, f"its files could not be kept: {exc}"))
        except Exception as exc:  # a failing camera must not take the process's stills with it
            self._results.put((req, None, f"{type(exc).__name__}: {exc}"))
        os.write(self._still_w, b"\0")

    def _publish_stills(self) -> None:
        try:
            os.read(self._still_r, 4096)
        except BlockingIOError:
            pass
        while not self._results.empty():
            req, kept, error = self._results.get()
            if kept is None:
                self.event("CAPTURE_FAILED", Severity.WARNING_HI, f"colour capture {req.capture_id}: {error}",
                           t_ns=req.t_ns)
                continue
            self.stills += 1
            image = kept.picture
            self.publish("rte", image)
            h, w = image.pixels.shape[:2]
            self.event("CAPTURE_DONE", Severity.ACTIVITY_HI,
                       f"colour capture {req.capture_id}: {w}x{h}, {', '.join(kept.files)}",
                       t_ns=image.t_ns)  # the exposure's time: not how far the clock got while it was read out
        if self._worker is not None:
            self._worker.join(timeout=1.0)
        self._next_still()

    def _read_navcam(self) -> None:
        while (frame := self.navcam.read(0)) is not None:
            self.frames += 1
            self.publish("navcam", frame)

    def telemetry(self) -> dict:
        return {"navcam_frames": self.frames, "colour_stills": self.stills, "stills_waiting": len(self._requests)}
