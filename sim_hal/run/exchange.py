"""Prototypes of the lockstep step exchange (issue: lockstep speed), measured with the real world and the real
control law: what each 2 ms step costs in series when control answers

- `zmq`: from another process over ZeroMQ ipc, as today (the world's and control's real messages and codecs);
- `eventfd`: from another process through a shared-memory slot, woken by an eventfd each way;
- `hosted`: in the world's own process, called directly (the MCU's control loop hosted beside the physics).

The world flies Flight 51's opening (spin-up and climb) under the real flight director. It is given a stand-in
estimate made from the world's truth every 10 steps: this is a benchmark of the step chain, not of
navigation, which never sees the truth. Navcam frames are rendered by the world's render worker beside it and
thrown away."""
from __future__ import annotations

import mmap
import os
import select
import struct
import time
from dataclasses import dataclass

from fsw.bus.message import Envelope
from fsw.bus.messages import ActuatorCommand, NavState, VisionStatus
from fsw.config.sensors import load_sensors
from fsw.config.stack import FlightConfig
from fsw.control.flight import FlightDirector
from fsw.control.plan import load_plan
from sim_hal.backend.messages import SimSensors
from sim_hal.backend.topics import sim_registry
from sim_hal.model.params import load_vehicle
from sim_hal.worldproc.config import load_world
from sim_hal.worldproc.world import StepOutput, World

CHANNELS = ("hosted", "eventfd", "zmq")
_SLOT = 1 << 16  # bytes of one direction's shared-memory slot
_ESTIMATE_EVERY = 10  # steps


@dataclass
class _Stand:
    """A world and a flight director flying Flight 51's opening with autostart."""

    world: World
    director: FlightDirector
    origin: tuple[float, float, float]

    @classmethod
    def make(cls) -> "_Stand":
        world = World(load_world(), load_vehicle(), load_sensors(), render_process=True)
        director = FlightDirector(FlightConfig(plan="flight51", autostart=True, spin_up_s=8.0), load_plan("flight51"))
        return cls(world, director, tuple(world.vehicle.state.pos_m))

    def estimate(self) -> NavState:
        """The stand-in estimate (truth, in navigation's frame): benchmark only."""
        s, o = self.world.vehicle.state, self.origin
        pos = (s.pos_m[0] - o[0], s.pos_m[1] - o[1], s.pos_m[2] - o[2])
        return NavState(self.world.t_ns, pos, tuple(s.vel_mps), tuple(s.q), (0.05,) * 3, (0.02,) * 3, (0.01,) * 3,
                        True, VisionStatus.GOOD, 1, 0.0)


def control_answer(director: FlightDirector, sensors: SimSensors, estimate: NavState | None) -> ActuatorCommand:
    """Control's part of one step: the estimate, the ranges, then a cycle per IMU sample; the last command."""
    if estimate is not None:
        director.on_nav(estimate)
    for a in sensors.altimeter:
        director.on_altimeter(a)
    command = None
    for imu in sensors.imu:
        command = director.cycle(imu)
    return command


class _Codec:
    def __init__(self) -> None:
        registry = sim_registry()
        self.sensors = registry["sim.sensors"].codec
        self.actuators = registry["sim.actuators"].codec
        self.state = registry["nav.state"].codec

    def pack(self, sensors: SimSensors, estimate: NavState | None) -> bytes:
        head, _ = self.sensors.encode(sensors, Envelope("world", sensors.step))
        tail = b"" if estimate is None else self.state.encode(estimate, Envelope("world", 0))[0]
        return struct.pack("II", len(head), len(tail)) + head + tail

    def unpack(self, data: bytes) -> tuple[SimSensors, NavState | None]:
        n, m = struct.unpack_from("II", data)
        sensors, _ = self.sensors.decode("sim.sensors", data[8:8 + n])
        estimate = self.state.decode("nav.state", data[8 + n:8 + n + m])[0] if m else None
        return sensors, estimate


def _sensors(out: StepOutput) -> SimSensors:
    return SimSensors(out.t_ns, out.step, out.imu, out.altimeter, out.inclinometer)


def bench_exchange(channel: str, steps: int = 15_000) -> dict:
    """`steps` world steps answered by control over `channel` (15,000: 8 s of spin-up, the climb to 12 m and
    the first legs); per step: the world's physics and sensors, the whole serial chain (world step, exchange,
    control), the world process's CPU, and the speed the chain allows where the other cores are free."""
    stand = _Stand.make()
    try:
        run = {"hosted": _run_hosted, "eventfd": _run_eventfd, "zmq": _run_zmq}[channel]
        world_ns, chain_ns, cpu_s = run(stand, steps)
    finally:
        stand.world.close()
    altitude = stand.origin[2] - stand.world.vehicle.state.pos_m[2]
    return {"channel": channel, "steps": steps, "altitude_at_end_m": round(altitude, 2),
            "rotor_rpm_at_end": stand.world.vehicle.state.rotor_rpm, "world_step_ms": round(world_ns / steps / 1e6, 4),
            "serial_ms_per_step": round(chain_ns / steps / 1e6, 4),
            "exchange_and_control_ms": round((chain_ns - world_ns) / steps / 1e6, 4),
            "world_process_cpu_ms_per_step": round(cpu_s * 1e3 / steps, 4),
            "ceiling_speed_x": round(2.0 / (chain_ns / steps / 1e6), 1)}


def _loop(stand: _Stand, steps: int, answer) -> tuple[int, int, float]:
    """Step, let `answer(sensors, estimate)` give control's command, apply it; time the parts."""
    world_ns = chain_ns = 0
    cpu0 = time.process_time()
    for i in range(steps):
        t0 = time.perf_counter_ns()
        out = stand.world.step()
        t1 = time.perf_counter_ns()
        estimate = stand.estimate() if i % _ESTIMATE_EVERY == 0 else None
        command = answer(_sensors(out), estimate)
        if command is not None:
            stand.world.apply(command)
        chain_ns += time.perf_counter_ns() - t0
        world_ns += t1 - t0
        stand.world.collect_frames()
    return world_ns, chain_ns, time.process_time() - cpu0


def _run_hosted(stand: _Stand, steps: int) -> tuple[int, int, float]:
    return _loop(stand, steps, lambda sensors, estimate: control_answer(stand.director, sensors, estimate))


def _run_eventfd(stand: _Stand, steps: int) -> tuple[int, int, float]:
    codec = _Codec()
    shm = mmap.mmap(-1, 2 * _SLOT)
    to_control, to_world = os.eventfd(0), os.eventfd(0)
    pid = os.fork()
    if pid == 0:  # control: its own process, its own director
        director = stand.director
        while True:
            os.eventfd_read(to_control)
            n = struct.unpack_from("I", shm, 0)[0]
            if n == 0:
                os._exit(0)
            sensors, estimate = codec.unpack(bytes(shm[4:4 + n]))
            cmd = control_answer(director, sensors, estimate)
            head = b"" if cmd is None else codec.actuators.encode(cmd, Envelope("control", 0))[0]
            struct.pack_into("I", shm, _SLOT, len(head))
            shm[_SLOT + 4:_SLOT + 4 + len(head)] = head
            os.eventfd_write(to_world, 1)
    poller = select.poll()
    poller.register(to_world, select.POLLIN)

    def answer(sensors: SimSensors, estimate: NavState | None) -> ActuatorCommand | None:
        data = codec.pack(sensors, estimate)
        struct.pack_into("I", shm, 0, len(data))
        shm[4:4 + len(data)] = data
        os.eventfd_write(to_control, 1)
        poller.poll()
        os.eventfd_read(to_world)
        n = struct.unpack_from("I", shm, _SLOT)[0]
        return codec.actuators.decode("sim.actuators", bytes(shm[_SLOT + 4:_SLOT + 4 + n]))[0] if n else None

    try:
        return _loop(stand, steps, answer)
    finally:
        struct.pack_into("I", shm, 0, 0)
        os.eventfd_write(to_control, 1)
        os.waitpid(pid, 0)


def _run_zmq(stand: _Stand, steps: int) -> tuple[int, int, float]:
    import tempfile

    import zmq

    codec = _Codec()
    folder = tempfile.mkdtemp(prefix="gex-", dir="/tmp")
    down, up = f"ipc://{folder}/sensors", f"ipc://{folder}/actuators"
    pid = os.fork()
    if pid == 0:
        ctx = zmq.Context()
        sub, pub = ctx.socket(zmq.SUB), ctx.socket(zmq.PUB)
        sub.setsockopt(zmq.SUBSCRIBE, b"")
        sub.connect(down)
        pub.bind(up)
        while True:
            data = sub.recv()
            if not data:
                os._exit(0)
            sensors, estimate = codec.unpack(data)
            cmd = control_answer(stand.director, sensors, estimate)
            pub.send(b"" if cmd is None else codec.actuators.encode(cmd, Envelope("control", 0))[0])
    ctx = zmq.Context()
    pub, sub = ctx.socket(zmq.XPUB), ctx.socket(zmq.SUB)
    pub.bind(down)
    sub.setsockopt(zmq.SUBSCRIBE, b"")
    sub.connect(up)
    pub.recv()  # the control side has subscribed
    _probe_until_answered(pub, sub, codec)

    def answer(sensors: SimSensors, estimate: NavState | None) -> ActuatorCommand | None:
        pub.send(codec.pack(sensors, estimate))
        data = sub.recv()
        return codec.actuators.decode("sim.actuators", data)[0] if data else None

    try:
        return _loop(stand, steps, answer)
    finally:
        pub.send(b"")
        os.waitpid(pid, 0)
        sub.close(0)
        pub.close(0)
        ctx.term()


def _probe_until_answered(pub, sub, codec: _Codec) -> int:
    """The actuator socket joins asynchronously: send empty steps until one is answered (control answers an
    empty step with no command)."""
    probes = 0
    while True:
        probes += 1
        pub.send(codec.pack(SimSensors(0, 0, [], [], []), None))
        if sub.poll(100):
            sub.recv()
            return probes
