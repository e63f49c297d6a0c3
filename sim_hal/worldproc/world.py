"""The simulated world (pure): one `step` advances the vehicle by one physics step and returns what every
sensor produced during it, passed through the injected faults. No sockets, no clocks: the world process
wires this to the bus and decides when to step (lockstep or real time)."""
from __future__ import annotations

import math
import time
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from fsw.bus.messages import (ActuatorCommand, AltimeterSample, ColourImage, ImuSample, InclinometerSample,
                              NavcamFrame, RteRequest)
from fsw.clock import NS_PER_S
from fsw.config.sensors import SensorsConfig
from sim_hal.backend.messages import SimTruth
from sim_hal.model import mathx as mx
from sim_hal.worldproc.colour_worker import ColourWorker
from sim_hal.worldproc.config import WorldConfig
from sim_hal.model.dynamics import Command, Contact, Vehicle
from sim_hal.model.faults import FaultyStream, Mutators, faults_for, parse_fault
from sim_hal.model.params import VehicleParams
from sim_hal.model.colourcam import Motion
from sim_hal.model.render import NavcamRenderer
from sim_hal.model.stills import StillCamera
from sim_hal.worldproc.render_worker import ProcessRenderer, RealTimeRender
from sim_hal.model.script import Script, attitude_for
from sim_hal.model.sensors import AltimeterModel, ImuModel, InclinometerModel, NoiseSource
from sim_hal.model.terrain import RoverSpec, Terrain, TerrainSpec
from sim_hal.worldproc.tilemaker import TileMaker

_PREFETCH_EVERY_STEPS = 50  # real time: tiles made ahead are taken, and where the vehicle will be in a
# second is told, this often


@dataclass
class StepOutput:
    t_ns: int
    step: int
    imu: list[ImuSample] = field(default_factory=list)
    altimeter: list[AltimeterSample] = field(default_factory=list)
    inclinometer: list[InclinometerSample] = field(default_factory=list)
    navcam: list[NavcamFrame] = field(default_factory=list)


class Wind:
    """Steady wind plus seeded gusts (a first-order Gauss-Markov process per horizontal axis)."""

    def __init__(self, cfg, seed: int) -> None:
        self.cfg = cfg
        self._noise = NoiseSource(seed, 61, 2)
        self.gust = (0.0, 0.0)

    def step(self, dt_s: float) -> tuple[float, float, float]:
        c = self.cfg
        if c.gust_std_mps > 0:
            a = math.exp(-dt_s / c.gust_tau_s)
            k = c.gust_std_mps * math.sqrt(1 - a * a)
            n = self._noise.next()
            self.gust = (a * self.gust[0] + k * n[0], a * self.gust[1] + k * n[1])
        return (c.north_mps + self.gust[0], c.east_mps + self.gust[1], 0.0)


class World:
    """`render_process=True` renders navcam frames in a worker process while the world keeps stepping: a
    frame then comes out a few steps after its exposure, in order, with its exposure time and content exactly
    as if rendered at once. In real time (not lockstep) each frame is drawn `render_ahead_ms` before its
    exposure, from the state predicted for it (constant velocity and body rates: micrometres off over that
    time), and held until the world reaches its exposure: out when a camera's would be, not a render later."""

    def __init__(self, cfg: WorldConfig, vehicle: VehicleParams, sensors: SensorsConfig,
                 render_process: bool = False) -> None:
        self.cfg = cfg
        self._pending: deque[NavcamFrame] = deque()
        self.sensors = sensors
        rover = RoverSpec(cfg.rover.north_m, cfg.rover.east_m, cfg.rover.yaw_deg) if cfg.rover else None
        terrain_seed = cfg.seed if cfg.terrain_seed is None else cfg.terrain_seed
        self.terrain = Terrain(TerrainSpec(name=cfg.terrain, seed=terrain_seed, rover=rover,
                                           extent_m=cfg.terrain_extent_m))
        s = cfg.start
        self.vehicle = Vehicle(vehicle, self.terrain.height_at, self.terrain.normal_at, s.north_m, s.east_m,
                               math.radians(s.yaw_deg))
        self.dt_s = 1.0 / cfg.step_hz
        self.dt_ns = round(NS_PER_S / cfg.step_hz)
        self.t_ns = 0
        self.step_count = 0
        self.wind = Wind(cfg.wind, cfg.seed)
        self.imu = ImuModel(sensors.imu, cfg.seed)
        self.altimeter = AltimeterModel(sensors.altimeter, cfg.seed)
        self.inclinometer = InclinometerModel(sensors.inclinometer, cfg.seed)
        self.navcam = NavcamRenderer(sensors.navcam, self.terrain, cfg.seed)
        # real time (the world process): the ground under the vehicle a second ahead, the renderer's tiles and
        # colour stills are made in other processes, so that neither the world nor a frame ever waits for one
        # (lockstep makes them when asked: time waits)
        helpers = render_process and not cfg.lockstep
        self._tiles = TileMaker(self.terrain.spec) if helpers else None
        self._render_tiles = TileMaker(self.terrain.spec, radius_tiles=2) if helpers else None
        self._stills = ColourWorker(self.terrain.spec, sensors.colour_camera, cfg.seed) if helpers else None
        start = (cfg.start.north_m, cfg.start.east_m, -12.0)
        realtime = RealTimeRender(cfg.render_priority, cfg.cpus, self._render_tiles.feed) if helpers else None
        self._worker = ProcessRenderer(self.terrain.spec, sensors, cfg.seed, warm_up_at=start, realtime=realtime,
                                       nice=cfg.render_nice) if render_process else None
        if self._worker is not None:  # and where the navcam comes on, low over the start: its finest tiles
            ground = -self.terrain.height_at(cfg.start.north_m, cfg.start.east_m)
            self._worker.warm_up((cfg.start.north_m, cfg.start.east_m, ground - sensors.navcam.min_altitude_m - 0.3))
            self.terrain.coarse_from(self._worker.coarse)  # the colour stills' far field: made once a run
        self._colour: StillCamera | None = None  # lockstep draws stills here, when first asked for
        self._every = {"altimeter": max(1, round(cfg.step_hz / sensors.altimeter.rate_hz)),
                       "inclinometer": max(1, round(cfg.step_hz / sensors.inclinometer.rate_hz)),
                       "imu": max(1, round(cfg.step_hz / sensors.imu.rate_hz))}
        self._frame_period_ns = round(NS_PER_S / sensors.navcam.rate_hz)
        self._next_frame_ns = self._frame_period_ns
        self._ahead_ns = 0 if cfg.lockstep or not render_process else round(cfg.render_ahead_ms * 1e6)
        self._held: deque[NavcamFrame] = deque()  # drawn ahead, their exposure still to come
        self.frame_seq = 0
        self.streams = self._fault_streams(cfg)
        self._delaying = tuple(n for n in ("imu", "altimeter", "inclinometer", "navcam") if self.streams[n].can_delay)
        self.script = self._script(cfg, vehicle)
        self.command = Command(False, 0.0, (0.0, 0.0, 0.0))
        self.render_ns = 0  # profiling: time spent rendering navcam frames (tiles included)

    def _fault_streams(self, cfg: WorldConfig) -> dict[str, FaultyStream]:
        faults = [parse_fault(f) for f in cfg.faults]
        muts = _mutators(self.sensors)
        return {d: FaultyStream(faults_for(faults, d), muts[d], cfg.seed, i)
                for i, d in enumerate(("imu", "altimeter", "inclinometer", "navcam"))}

    def _script(self, cfg: WorldConfig, vehicle: VehicleParams) -> Script | None:
        if cfg.script is None:
            return None
        ground_z = -self.terrain.height_at(cfg.start.north_m, cfg.start.east_m)
        return Script(cfg.script.waypoints, ground_z, vehicle.body.feet_below_cg_m)

    # --- stepping ---------------------------------------------------------------------------------------
    def apply(self, cmd: ActuatorCommand) -> None:
        """Hold this actuator command from the next step on."""
        self.command = Command(cmd.armed, cmd.thrust_n, cmd.torque_nm)

    def step(self) -> StepOutput:
        self.step_count += 1
        self.t_ns += self.dt_ns
        if self._tiles is not None and self.step_count % _PREFETCH_EVERY_STEPS == 0:
            s = self.vehicle.state
            self._tiles.feed.collect(self.terrain)
            self._tiles.feed.head_for((s.pos_m[0] + s.vel_mps[0], s.pos_m[1] + s.vel_mps[1]))
        if self.script is None:
            self.vehicle.step(self.command, self.wind.step(self.dt_s), self.dt_s, self.t_ns)
        else:
            self._follow_script()
        return self._sense()

    def _follow_script(self) -> None:
        s = self.vehicle.state
        t = self.t_ns / NS_PER_S
        k = self.script.at(t)
        g = self.vehicle.p.environment.gravity_mps2
        yaw = math.radians(self.cfg.start.yaw_deg)
        q = attitude_for(k.acc_mps2, g, yaw)
        dq = mx.q_mul(mx.q_conj(s.q), q)  # body rate from the attitude change over the step
        angle = 2 * math.atan2(math.sqrt(dq[1] ** 2 + dq[2] ** 2 + dq[3] ** 2), dq[0])
        axis = mx.scale(dq[1:], 1.0 / max(math.sqrt(dq[1] ** 2 + dq[2] ** 2 + dq[3] ** 2), 1e-12))
        s.omega_radps = mx.scale(axis, angle / self.dt_s) if angle > 1e-12 else (0.0, 0.0, 0.0)
        s.pos_m, s.vel_mps, s.q = k.pos_m, k.vel_mps, q
        s.specific_force_mps2 = mx.rotate_inv(q, mx.sub(k.acc_mps2, (0.0, 0.0, g)))
        s.contact = Contact.LANDED if self.script.height_m(t) <= 1e-6 else Contact.AIRBORNE

    def _sense(self) -> StepOutput:
        out = StepOutput(self.t_ns, self.step_count)
        s, t, n, t_s = self.vehicle.state, self.t_ns, self.step_count, self.t_ns / NS_PER_S
        if n % self._every["imu"] == 0:
            out.imu = self._push("imu", self.imu.sample(t, s.omega_radps, s.specific_force_mps2), t_s)
        if n % self._every["altimeter"] == 0:
            out.altimeter = self._push("altimeter", self.altimeter.sample(t, s, self.terrain.height_at), t_s)
        if n % self._every["inclinometer"] == 0:
            out.inclinometer = self._push("inclinometer", self.inclinometer.sample(t, s.specific_force_mps2), t_s)
        exposure = -(-self._next_frame_ns // self.dt_ns) * self.dt_ns  # the first step at or after the frame's time
        if t + self._ahead_ns >= exposure:
            self._next_frame_ns += self._frame_period_ns
            self._start_frame(exposure)
        out.navcam += self.collect_frames()
        for name in self._delaying:  # a delay fault's outputs, due now
            late = self.streams[name].release(t_s) if not getattr(out, name) else []
            getattr(out, name).extend(late)
        return out

    def _push(self, device: str, sample, t_s: float) -> list:
        return self.streams[device].push(sample, t_s)

    def agl_m(self) -> float:
        return self._agl_at(self.vehicle.state.pos_m)

    def _agl_at(self, pos_m) -> float:
        return -pos_m[2] - self.vehicle.p.body.feet_below_cg_m - self.terrain.height_at(pos_m[0], pos_m[1])

    def _pose_at(self, t_ns: int) -> tuple:
        """The vehicle's pose at t_ns (now or a little ahead), at constant velocity and body rates."""
        s = self.vehicle.state
        dt = (t_ns - self.t_ns) / NS_PER_S
        if dt <= 0:
            return s.pos_m, s.q
        return mx.add(s.pos_m, mx.scale(s.vel_mps, dt)), mx.q_normalize(
            mx.q_mul(s.q, mx.q_from_rotvec(mx.scale(s.omega_radps, dt))))

    def _start_frame(self, exposure_ns: int) -> None:
        """The navcam is off below its minimum altitude (as on Ingenuity); its frame counter runs when on."""
        pos, q = self._pose_at(exposure_ns)
        if self._agl_at(pos) < self.sensors.navcam.min_altitude_m:
            return
        self.frame_seq += 1
        if self._worker is not None:
            self._worker.submit(exposure_ns, self.frame_seq, pos, q)
            return
        t0 = time.perf_counter_ns()
        pixels = self.navcam.render(pos, q)
        self.render_ns += time.perf_counter_ns() - t0
        self._pending.append(NavcamFrame(exposure_ns, self.frame_seq, self.sensors.navcam.exposure_us, pixels))

    def collect_frames(self) -> list[NavcamFrame]:
        """Frames finished rendering, through the navcam's faults (a step does this; so may a waiting world)."""
        out = []
        for frame in self._finished_frames():
            out += self._push("navcam", frame, frame.t_ns / NS_PER_S)
        return out

    def _finished_frames(self) -> list[NavcamFrame]:
        if self._worker is not None:
            self._held.extend(self._worker.ready())
            return self._exposed()
        out = list(self._pending)
        self._pending.clear()
        return out

    def oldest_rendering_ns(self) -> int | None:
        """Exposure time of the oldest frame still being rendered (None if none)."""
        return self._worker.oldest_ns() if self._worker is not None else None

    def wait_frame(self) -> list[NavcamFrame]:
        """Wait for the oldest frame being rendered; return what is finished, through the faults."""
        if self._worker is not None:
            self._worker.wait_one()
        return self.collect_frames()

    def flush_frames(self) -> list[NavcamFrame]:
        """Every frame still being rendered, waited for (at the end of a run)."""
        if self._worker is None:
            return self._finished_frames()
        self._held.extend(self._worker.flush())
        out = self._exposed()
        self._held.clear()  # not those whose exposure never came
        return out

    def _exposed(self) -> list[NavcamFrame]:
        """The frames drawn ahead whose exposure the world has reached, taken from those held."""
        out = []
        while self._held and self._held[0].t_ns <= self.t_ns:
            out.append(self._held.popleft())
        return out

    def render_stats(self) -> tuple[int, int]:
        """(ns spent rendering, ns of it spent making terrain tiles), wherever the rendering ran."""
        if self._worker is not None:
            return self._worker.render_ns, self._worker.tiles_ns
        return self.render_ns, self.terrain.making_ns

    def render_cpu_s(self) -> float:
        """The render worker process's CPU time so far (0 when frames are drawn in this process)."""
        return self._worker.cpu_s if self._worker is not None else 0.0

    def close(self) -> None:
        if self._worker is not None:
            self._worker.close()
        for helper in (self._tiles, self._render_tiles, self._stills):
            if helper is not None:
                helper.close()

    # --- on request and for the record ---------------------------------------------------------------
    def capture(self, req: RteRequest) -> ColourImage | None:
        """A RAW colour still whose exposure starts now; in real time it comes later, from `stills_ready`."""
        s = self.vehicle.state
        motion = Motion(tuple(s.pos_m), tuple(s.vel_mps), tuple(s.q), tuple(s.omega_radps))
        if self._stills is not None:
            self._stills.submit(req.capture_id, self.t_ns, motion, req.width_px, req.height_px)
            return None
        if self._colour is None:
            self._colour = StillCamera(self.sensors.colour_camera, self.terrain, self.cfg.seed)
        return self._colour.take(req.capture_id, self.t_ns, motion, req.width_px, req.height_px)

    def stills_ready(self) -> list[ColourImage]:
        """Real time: the colour stills drawn since last asked."""
        return self._stills.ready() if self._stills is not None else []

    def truth(self) -> SimTruth:
        s = self.vehicle.state
        return SimTruth(self.t_ns, s.pos_m, s.vel_mps, s.q, s.omega_radps, self.agl_m(), s.contact.value,
                        s.rotor_rpm, s.thrust_n)


def _mutators(sensors: SensorsConfig) -> dict[str, Mutators]:
    imu, alt, inc, cam = sensors.imu, sensors.altimeter, sensors.inclinometer, sensors.navcam

    def vec(rng, scale: float) -> tuple[float, float, float]:
        return tuple(float(v) for v in rng.normal(0.0, scale, 3))

    return {
        "imu": Mutators(
            garbage=lambda s, rng: ImuSample(s.t_ns, vec(rng, 20.0), vec(rng, 80.0), s.temperature_c),
            noisy=lambda s, rng, k: ImuSample(
                s.t_ns, tuple(map(sum, zip(s.gyro_radps, vec(rng, k * imu.gyro_noise_radps)))),
                tuple(map(sum, zip(s.accel_mps2, vec(rng, k * imu.accel_noise_mps2)))), s.temperature_c)),
        "altimeter": Mutators(
            garbage=lambda s, rng: AltimeterSample(s.t_ns, float(rng.uniform(0.0, alt.max_range_m)), True),
            noisy=lambda s, rng, k: AltimeterSample(s.t_ns, s.range_m + float(rng.normal(0, k * alt.noise_std_m)),
                                                    s.valid)),
        "inclinometer": Mutators(
            garbage=lambda s, rng: InclinometerSample(s.t_ns, float(rng.uniform(-1, 1)), float(rng.uniform(-1, 1)),
                                                      True),
            noisy=lambda s, rng, k: InclinometerSample(s.t_ns, s.roll_rad + float(rng.normal(0, k * inc.noise_std_rad)),
                                                       s.pitch_rad + float(rng.normal(0, k * inc.noise_std_rad)),
                                                       s.valid)),
        "navcam": Mutators(
            garbage=lambda s, rng: NavcamFrame(s.t_ns, s.frame_seq, s.exposure_us,
                                               rng.integers(0, 256, s.pixels.shape, dtype=np.uint8)),
            noisy=lambda s, rng, k: NavcamFrame(s.t_ns, s.frame_seq, s.exposure_us, np.clip(
                s.pixels + rng.normal(0, k * cam.noise_std_dn, s.pixels.shape), 0, 255).astype(np.uint8))),
    }
