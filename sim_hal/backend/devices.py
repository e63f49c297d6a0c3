"""The sim backend of every HAL contract: devices that talk to the world process over ZeroMQ.

One SimLink per flight process owns the sockets. The control process's IMU, altimeter and inclinometer read
from `sim.sensors` (one message per world step, so their samples stay in order) and the actuators answer on
`sim.actuators`, which is also the lockstep acknowledgement the world waits for. The camera process's navcam
reads `sim.navcam`; colour captures are a request and a reply. Devices that can wake a process expose their
socket as `wait_handle`. Board health is the host's: in simulation the flight computer is this computer.
"""
from __future__ import annotations

from collections import deque

import zmq

from fsw.bus.messages import (ActuatorCommand, AltimeterSample, ColourImage, ImuSample, InclinometerSample,
                              NavcamFrame, RteRequest)
from sim_hal.backend.timesource import SimTimeSource
from fsw.bus.reader import subscription_for
from fsw.bus.transport import Publisher, Subscription
from fsw.clock import NS_PER_MS, MonotonicClock
from hal.backend import BackendContext
from hal.board.health import HostBoardHealth
from hal.device import DeviceError, NullDevice

WORLD = "world"


class SimLink:
    """The sockets between one flight process's devices and the world (opened when a device opens)."""

    def __init__(self, context: BackendContext, time_source: SimTimeSource) -> None:
        if context.topology is None:
            raise DeviceError("sim backend", context.run_dir, "needs the bus topology to reach the world")
        if WORLD not in context.topology.processes:
            raise DeviceError("sim backend", "topology", "the topology has no 'world' process")
        self.context = context
        self.time_source = time_source
        self.topology = context.topology
        self._zmq: zmq.Context | None = None
        self._subs: dict[str, Subscription] = {}
        self._pubs: dict[str, Publisher] = {}
        self.imu: deque[ImuSample] = deque()
        self.altimeter: deque[AltimeterSample] = deque()
        self.inclinometer: deque[InclinometerSample] = deque()
        self.wall = MonotonicClock()

    def _ctx(self) -> zmq.Context:
        if self._zmq is None:
            self._zmq = zmq.Context()
        return self._zmq

    def subscription(self, topic: str) -> Subscription:
        if topic not in self._subs:
            sub = subscription_for(self._ctx(), self.topology, topic, self.wall, [WORLD])
            sub.open()
            self._subs[topic] = sub
        return self._subs[topic]

    def publisher(self, topic: str) -> Publisher:
        """Bound at the endpoint of the topic's owner in the registry (the actuators are control's, the
        colour-capture requests the camera's), whichever process this backend serves."""
        if topic not in self._pubs:
            owner = self.topology.registry[topic].publisher
            pub = Publisher(self._ctx(), self.topology.registry[topic], self.topology.endpoint(owner, topic),
                            self.context.process or owner)
            pub.open()
            self._pubs[topic] = pub
        return self._pubs[topic]

    def pump_sensors(self) -> None:
        """Move every waiting world step into the per-sensor queues and advance the flight clock."""
        for rec in self.subscription("sim.sensors").drain():
            msg = rec.msg
            self.imu.extend(msg.imu)
            self.altimeter.extend(msg.altimeter)
            self.inclinometer.extend(msg.inclinometer)
            self.time_source.clock.on_tick(msg.t_ns)

    def close(self) -> None:
        for s in self._subs.values():
            s.close()
        for p in self._pubs.values():
            p.close()
        self._subs.clear()
        self._pubs.clear()
        if self._zmq is not None:
            self._zmq.term()
            self._zmq = None


class _SimDevice(NullDevice):
    def __init__(self, name: str, link: SimLink) -> None:
        super().__init__(name)
        self.link = link


class SimImu(_SimDevice):
    def __init__(self, link: SimLink) -> None:
        super().__init__("imu", link)
        self.rate_hz = 0.0

    def open(self) -> None:
        self.wait_handle = self.link.subscription("sim.sensors").socket
        super().open()

    def read(self) -> list[ImuSample]:
        self.link.pump_sensors()
        return _take(self.link.imu)


class SimAltimeter(_SimDevice):
    """Reads what the last IMU read pumped (one world step carries all three), else pumps itself."""

    def __init__(self, link: SimLink) -> None:
        super().__init__("altimeter", link)

    def read(self) -> list[AltimeterSample]:
        if not self.link.altimeter:
            self.link.pump_sensors()
        return _take(self.link.altimeter)


class SimInclinometer(_SimDevice):
    def __init__(self, link: SimLink) -> None:
        super().__init__("inclinometer", link)

    def read(self) -> InclinometerSample | None:
        if not self.link.inclinometer:
            self.link.pump_sensors()
        samples = _take(self.link.inclinometer)
        return samples[-1] if samples else None


class SimActuators(_SimDevice):
    def __init__(self, link: SimLink) -> None:
        super().__init__("actuators", link)
        self.count = 0

    def open(self) -> None:
        self.link.publisher("sim.actuators")
        super().open()

    def write(self, command: ActuatorCommand) -> None:
        self.link.publisher("sim.actuators").publish(command)
        self.count += 1


class SimNavcam(_SimDevice):
    width = 640
    height = 480

    def __init__(self, link: SimLink) -> None:
        super().__init__("navcam", link)
        self._frames: deque[NavcamFrame] = deque()

    def open(self) -> None:
        self.wait_handle = self.link.subscription("sim.navcam").socket
        super().open()

    def read(self, timeout_ns: int) -> NavcamFrame | None:
        sub = self.link.subscription("sim.navcam")
        if not self._frames and timeout_ns > 0:
            sub.socket.poll(timeout_ns // NS_PER_MS)
        self._frames.extend(r.msg for r in sub.drain())
        return self._frames.popleft() if self._frames else None


class SimColourCamera(_SimDevice):
    TIMEOUT_MS = 30_000  # a full-resolution render takes seconds
    RETRY_MS = 5_000

    def __init__(self, link: SimLink) -> None:
        super().__init__("colour_camera", link)

    def open(self) -> None:
        self.link.publisher("sim.rte.request")
        self.link.subscription("sim.rte")
        super().open()

    def capture(self, capture_id: int, width: int, height: int) -> ColourImage | None:
        """Ask the world for a still and wait for it; the request goes again every RETRY_MS unanswered (a
        request sent before the world's subscription joined is lost, and answering twice is harmless)."""
        link = self.link
        request = link.publisher("sim.rte.request")
        request.wait_subscribers(1, self.RETRY_MS * NS_PER_MS, link.wall)
        sub = link.subscription("sim.rte")
        now = link.wall.now_ns()
        deadline, resend = now + self.TIMEOUT_MS * NS_PER_MS, now
        while link.wall.now_ns() < deadline:
            if link.wall.now_ns() >= resend:
                request.publish(RteRequest(0, capture_id, width, height, (0.0, 0.0, 0.0), (0.0, 0.0, 0.0)))
                resend = link.wall.now_ns() + self.RETRY_MS * NS_PER_MS
            if sub.socket.poll(50):
                for rec in sub.drain():
                    if rec.msg.capture_id == capture_id:
                        return rec.msg
        raise DeviceError(self.name, "sim.rte", f"no image for capture {capture_id} from the world")


def _take(queue: deque) -> list:
    out = list(queue)
    queue.clear()
    return out


class SimBackend:
    name = "sim"
    LINK: type[SimLink] = SimLink  # how the devices reach the world

    def __init__(self, context: BackendContext) -> None:
        self.context = context
        self._time_source = SimTimeSource(context.process)
        self.link = self.LINK(context, self._time_source)

    def navcam(self) -> SimNavcam:
        return SimNavcam(self.link)

    def colour_camera(self) -> SimColourCamera:
        return SimColourCamera(self.link)

    def imu(self) -> SimImu:
        return SimImu(self.link)

    def altimeter(self) -> SimAltimeter:
        return SimAltimeter(self.link)

    def inclinometer(self) -> SimInclinometer:
        return SimInclinometer(self.link)

    def actuators(self) -> SimActuators:
        return SimActuators(self.link)

    def board_health(self) -> HostBoardHealth:
        return HostBoardHealth()

    def time_source(self) -> SimTimeSource:
        """The world's time, and the lockstep participation of the process this backend serves."""
        return self._time_source

    def close(self) -> None:
        """Close the link's sockets (after the devices are closed)."""
        self.link.close()
