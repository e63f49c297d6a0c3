"""The world's configuration: a TOML file validated into frozen dataclasses (units in the names)."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from fsw import config
from fsw.runtime.realtime import check_settings
from fsw.typed import check
from fsw.config.sensors import DEFAULT_SENSORS, SensorsConfig, load_sensors
from sim_hal.model.faults import parse_fault
from sim_hal.model.params import DEFAULT_VEHICLE, VehicleParams, load_vehicle
from sim_hal.model.terrain import TERRAINS

DEFAULT_WORLD = Path(__file__).resolve().parent.parent / "world.toml"


@dataclass(frozen=True)
class StartConfig:
    north_m: float = 0.0
    east_m: float = 0.0
    yaw_deg: float = 0.0


@dataclass(frozen=True)
class RoverConfig:
    north_m: float
    east_m: float
    yaw_deg: float = 0.0


@dataclass(frozen=True)
class WindConfig:
    north_mps: float = 0.0
    east_mps: float = 0.0
    gust_std_mps: float = 0.0
    gust_tau_s: float = 2.0

    def __post_init__(self) -> None:
        check(self.gust_std_mps >= 0, "gust_std_mps", "must not be negative")
        check(self.gust_tau_s > 0, "gust_tau_s", "must be positive")


@dataclass(frozen=True)
class ScriptConfig:
    """A scripted flight: the world moves the vehicle along these waypoints and ignores the actuators.
    Each waypoint is [t_s, north_m, east_m, height_m], height of the feet above the start point's ground."""

    waypoints: list[tuple[float, float, float, float]]

    def __post_init__(self) -> None:
        times = [w[0] for w in self.waypoints]
        check(len(times) >= 2, "waypoints", "a script needs at least two waypoints")
        check(times == sorted(times) and len(set(times)) == len(times), "waypoints", "times must increase")


@dataclass(frozen=True)
class WorldConfig:
    seed: int = 1
    terrain: str = "jezero"
    terrain_seed: int | None = None  # the terrain's own seed (None: `seed`), so a campaign can disperse it alone
    vehicle: str = ""  # the vehicle's model file ("": the bundled sim_hal/model/vehicle.toml)
    sensors: str = ""  # the world's sensor models ("": the flight software's fsw/config/sensors.toml): a
    # campaign's noisier IMU or darker navcam; the flight software keeps its own calibration
    step_hz: float = 500.0
    lockstep: bool = True
    speed: float = 1.0  # real-time mode: how many times faster than real time
    event_listeners: int = 0  # readers of the flight's events outside the flight software that a hosted
    # control's events wait for before time starts, so none misses its first mode (`ginny sim` passes its
    # recorder's 1 on the world's command line: a world.toml repeated by `ginny run` has none)
    hang_timeout_ms: int = 60_000  # lockstep: a participant that has not answered, and not used the CPU, for
    # this long of wall time is hung: the run ends (exit 5) naming it. Time never steps on without it.
    frame_lead_ms: float = 50.0  # lockstep: a frame must be in navigation's hands this soon after exposure
    # (keep it below navigation's fusion delay)
    capture_latency_ms: float = 20.0  # lockstep: a colour still is exposed this long after control asked for
    # it (time holds there until the camera's request has reached the world)
    nav_lag_ms: float = 400.0  # lockstep: how far time may run ahead of the oldest frame navigation has not
    # finished (more than nav's fusion delay plus the frames being rendered)
    render_ahead_ms: float = 10.0  # real time: a navcam frame is drawn this long before its exposure, from the
    # state predicted for it, so it is out at its exposure time as from a camera (lockstep draws it at its time)
    realtime_priority: int = 0  # real time: the world (the hardware's stand-in) at this SCHED_FIFO priority,
    # above the flight software's, as an IMU and a camera are not slowed by a busy CPU (0: none)
    cpus: list[int] = field(default_factory=list)  # real time: the CPUs the world and its renderer run on
    # ([]: any); the critical loop's processes may then have the others to themselves
    render_priority: int = 0  # real time: its navcam renderer's, below the critical loop's: a frame is drawn
    # `render_ahead_ms` before its exposure, so it may wait while navigation works on the one before
    render_nice: int = 0  # lockstep: the renderer's nice value (0..19): it draws ahead, so it may take the CPU
    # the world and control leave, rather than hold up the step
    truth_every_steps: int = 10
    clock_every_steps: int = 50
    realtime_clock_every_steps: int = 50  # real time: between ticks each process's clock runs on with its host's
    terrain_extent_m: float = 1600.0
    faults: list[str] = field(default_factory=list)
    start: StartConfig = field(default_factory=StartConfig)
    wind: WindConfig = field(default_factory=WindConfig)
    rover: RoverConfig | None = None
    script: ScriptConfig | None = None

    def __post_init__(self) -> None:
        check(self.terrain in TERRAINS, "terrain", f"{self.terrain!r} is not one of {', '.join(TERRAINS)}")
        check(self.terrain_seed is None or 0 <= self.terrain_seed < 2**32, "terrain_seed", "must be 0..2**32-1")
        for key in ("vehicle", "sensors"):
            check(not getattr(self, key) or Path(getattr(self, key)).is_file(), key,
                  f"{getattr(self, key)} is not a file")
        check(100.0 <= self.step_hz <= 2000.0, "step_hz", "must be 100..2000")
        check(0.01 <= self.speed <= 1000.0, "speed", "must be 0.01..1000")
        check(0 <= self.event_listeners <= 8, "event_listeners", "must be 0..8")
        check(1_000 <= self.hang_timeout_ms <= 3_600_000, "hang_timeout_ms", "must be 1000..3600000 ms")
        check(0.0 <= self.render_ahead_ms <= 30.0, "render_ahead_ms", "must be 0..30 ms (under a frame period)")
        check_settings({"realtime_priority": self.realtime_priority, "render_priority": self.render_priority},
                       self.cpus, {"render_nice": self.render_nice})
        check(self.truth_every_steps >= 1 and self.clock_every_steps >= 1, "truth_every_steps",
              "must be at least 1")
        check(self.realtime_clock_every_steps >= 1, "realtime_clock_every_steps", "must be at least 1")
        for i, spec in enumerate(self.faults):
            try:
                parse_fault(spec)
            except ValueError as exc:
                raise_field(f"faults[{i}]", str(exc))

    def with_overrides(self, **changes) -> "WorldConfig":
        """A copy with the given fields changed (None leaves a field as it is); validated again."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


def raise_field(key: str, reason: str) -> None:
    check(False, key, reason)


def load_world(path: str | Path = DEFAULT_WORLD) -> WorldConfig:
    """The world's config; its vehicle and sensor files are loaded too, so their errors name them now."""
    cfg = config.load(path, WorldConfig)
    world_models(cfg)
    return cfg


def world_models(cfg: WorldConfig) -> tuple[VehicleParams, SensorsConfig]:
    """The vehicle and the sensor models the world simulates."""
    return load_vehicle(cfg.vehicle or DEFAULT_VEHICLE), load_sensors(cfg.sensors or DEFAULT_SENSORS)
