"""Navigation process: IMU, altimeter and navcam frames in; the nav state and the tracker's per-frame record
out (`nav.state`, `nav.track`); timing, gaps and vision status as telemetry and events. The work is in
`fsw.nav.pipeline`; this file only wires it to the bus."""
from __future__ import annotations

import time

import cv2

from fsw.bus.messages import Severity
from fsw.bus.transport import Received
from fsw.clock import MonotonicClock
from fsw.config.sensors import load_sensors
from fsw.nav.pipeline import NavPipeline, Outputs
from fsw.runtime.node import FlightProcess


class NavProcess(FlightProcess):
    def setup(self) -> None:
        # One OpenCV thread: its pool spin-waits for helpers, which on a loaded machine costs the critical
        # loop more than it gains; the loop's time then depends on this thread alone.
        cv2.setNumThreads(1)
        # Processing time is wall time on the board. A lockstep simulation may run the stack flat out on a
        # loaded machine, so its config asks for this thread's CPU time: the work of the critical loop, not
        # how long the OS kept it waiting.
        timer = time.thread_time_ns if self.ctx.nav.processing_time == "thread_cpu" else MonotonicClock().now_ns
        self.pipeline = NavPipeline(self.ctx.nav, load_sensors(), timer, self.ctx.clock.now_ns)
        self.received = {"navcam": 0, "imu": 0, "altimeter": 0}
        self.subscribe("imu", self._on_imu)
        self.subscribe("altimeter", self._on_altimeter)
        self.subscribe("inclinometer", lambda rec: self.pipeline.on_inclinometer(rec.msg))
        self.subscribe("navcam", self._on_frame)
        self._actuators = self.subscribe("actuators", self._on_actuators)

    def _on_actuators(self, rec: Received) -> None:
        """Control's commands until the first with thrust: after it they tell navigation nothing new (500 a
        second, each decoded), so it stops taking them."""
        in_flight = self.pipeline.started_in_flight
        self.pipeline.on_actuators(rec.msg)
        if self.pipeline.started_in_flight and not in_flight:
            self.event("NAV_STARTED_IN_FLIGHT", Severity.WARNING_HI,
                       "navigation started with the rotors lifting: no reference, estimate invalid", rec.msg.t_ns)
        if self.pipeline.took_off and self._actuators is not None:
            self.unsubscribe(self._actuators)
            self._actuators = None

    def _on_imu(self, rec: Received) -> None:
        self.received["imu"] += 1
        out = Outputs()
        self.pipeline.on_imu(rec.msg, out)
        self._publish(out, rec.msg.t_ns)

    def _on_altimeter(self, rec: Received) -> None:
        self.received["altimeter"] += 1
        self.pipeline.on_altimeter(rec.msg)

    def _on_frame(self, rec: Received) -> None:
        self.received["navcam"] += 1
        out = Outputs()
        self.pipeline.on_frame(rec.msg, out)
        self._publish(out, rec.msg.t_ns)

    def _publish(self, out: Outputs, t_ns: int) -> None:
        """The estimates first (a frame's is the end of its latency), then the rest of the frame's work and
        its record; events stamped `t_ns`, the time of the input that raised them (not of when this process
        got round to it)."""
        for state in out.states:
            self.publish("nav.state", state)
        out.states.clear()
        self.pipeline.finish_frame(out)
        for track in out.tracks:
            self.publish("nav.track", track)
        for state in out.states:
            self.publish("nav.state", state)
        for name, severity, text in out.events:
            self.event(name, severity, text, t_ns)

    def telemetry(self) -> dict:
        c = self.pipeline.counters
        channels = {f"{k}_received": v for k, v in self.received.items()}
        channels.update({"frames": c.frames, "frame_gaps": c.frame_gaps, "deadline_misses": c.deadline_misses,
                         "vision_updates": c.vision_updates, "vision": self.pipeline.vision.name})
        channels.update(self.pipeline.timing())
        return channels
