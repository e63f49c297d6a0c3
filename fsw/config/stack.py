"""The stack configuration: which processes run, on which HAL backend, and how they are supervised."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fsw import config
from fsw.bus.topics import MAX_BUNDLE
from fsw.runtime.realtime import check_settings
from fsw.typed import check

DEFAULT_DIR = Path(__file__).parent
DEFAULT_STACK = DEFAULT_DIR / "sim.toml"


@dataclass(frozen=True)
class StackSection:
    backend: str  # HAL backend: see hal.backend.BACKENDS
    topology: str = "topology.toml"  # relative to the config file


@dataclass(frozen=True)
class HealthConfig:
    heartbeat_period_ms: int = 100
    heartbeat_timeout_ms: int = 600
    ready_timeout_ms: int = 15_000
    stop_timeout_ms: int = 3_000
    restart_backoff_min_ms: int = 100
    restart_backoff_max_ms: int = 5_000
    stable_after_ms: int = 10_000
    stats_period_ms: int = 1_000
    faults: list[str] = field(default_factory=list)  # process faults to apply (simulation): proc.NAME.kill@T
    hung_needs_idle_cpu: bool = False  # a silent process that is using the CPU is working, not hung (lockstep:
    # a loaded machine may starve a process's heartbeats, and killing it would change the run)

    def __post_init__(self) -> None:
        check(10 <= self.heartbeat_period_ms <= 10_000, "heartbeat_period_ms", "must be 10..10000")
        check(self.heartbeat_timeout_ms >= 3 * self.heartbeat_period_ms, "heartbeat_timeout_ms",
              "must be at least three heartbeat periods")
        check(0 < self.restart_backoff_min_ms <= self.restart_backoff_max_ms, "restart_backoff_min_ms",
              "must be positive and at most restart_backoff_max_ms")
        check(self.ready_timeout_ms > 0 and self.stop_timeout_ms > 0, "ready_timeout_ms", "must be positive")


@dataclass(frozen=True)
class EventsConfig:
    throttle_limit: int = 20
    throttle_window_ms: int = 1_000

    def __post_init__(self) -> None:
        check(self.throttle_limit >= 1, "throttle_limit", "must be at least 1")
        check(self.throttle_window_ms >= 1, "throttle_window_ms", "must be at least 1")


@dataclass(frozen=True)
class ProcessConfig:
    enabled: bool = True
    critical: bool = True  # losing it for good (restarts exhausted) is a flight-ending failure
    max_restarts: int = 10
    telemetry_period_ms: int = 1_000
    heartbeat_timeout_ms: int = 0  # silent this long: hung (0: [health] heartbeat_timeout_ms)
    realtime_priority: int = 0  # SCHED_FIFO priority (0: leave the scheduling alone); the board's nav takes one,
    # and so do the critical loop's processes in real-time simulation
    cpus: list[int] = field(default_factory=list)  # CPUs the process may run on ([]: any)
    nice: int = 0  # 0..19: a smaller CPU share (lockstep simulation: the work that may lag behind the step)
    bundle: int = 1  # its high-rate streams (the IMU, the actuator commands) sent this many messages at a time:
    # a lockstep simulation's throughput; 1 (each at once) wherever time is real
    host: str = ""  # "": a process of its own; "world": control run in the lockstep world's loop, as the MCU the
    # world stands in for runs it (no exchange across processes each step; docs/performance.md)

    def __post_init__(self) -> None:
        check(self.max_restarts >= 0, "max_restarts", "must not be negative")
        check(1 <= self.bundle <= MAX_BUNDLE, "bundle", f"must be 1..{MAX_BUNDLE} messages")
        check_settings({"realtime_priority": self.realtime_priority}, self.cpus, {"nice": self.nice})
        check(self.telemetry_period_ms >= 10, "telemetry_period_ms", "must be at least 10")
        check(0 <= self.heartbeat_timeout_ms <= 600_000, "heartbeat_timeout_ms", "must be 0..600000 ms")
        check(self.host in ("", "world"), "host", f"must be \"\" (its own process) or \"world\", not {self.host!r}")


@dataclass(frozen=True)
class NavConfig:
    frame_timestamps: str = "exposure"  # "counted" re-creates Flight 6's bug: frame n stamped first + n periods
    vision_degraded_after_s: float = 0.5  # too few inliers for this long: vision degraded
    vision_recover_s: float = 1.0  # degraded vision is good again after good tracking for this long
    publish_every_imu: int = 10  # nav.state at 50 Hz between frames (and after every frame)
    timing_window: int = 300  # frames in the p50/p99/max telemetry window
    deadline_ms: float = 33.3
    fusion_delay_ms: float = 0.0  # IMU is fused this far behind the newest sample, so frames that arrive
    # within it are fused in time order, exactly and deterministically (the sim stack uses it); frames later
    # than that are fused on arrival against the pose estimated for their own time
    start: str = "ground"  # "ground": navigation starts on the legs at the takeoff point (a flight); "data": from
    # its first tenth of a second of data -- in the air when the laser ranges the ground below (height from the
    # ranges, level from the accelerometer, velocity unknown until the frames tell it), else on the ground (a
    # replay of a recording that may start in flight)
    # The vehicle's drag per unit mass: in flight the accelerometer's horizontal specific force is that drag
    # alone, which tells its bias from a tilt (0: not used, as for a recording from another vehicle).
    rotor_drag_per_s: float = 0.0  # across the rotor, per m/s of airspeed (0.05: 0.09 N per m/s on 1.8 kg)
    body_drag_per_m: float = 0.0  # the body's, per squared airspeed (1/2 rho Cd A / m)
    drag_every_imu: int = 25  # IMU samples averaged per drag update
    processing_time: str = "wall"  # how a frame's processing time is measured: "wall" (the monotonic clock),
    # or "thread_cpu" (the thread's CPU time: a lockstep run's machine may be loaded, and that is not the
    # critical loop's cost)

    def __post_init__(self) -> None:
        check(self.start in ("ground", "data"), "start", "must be 'ground' (on the legs) or 'data' (from the first data)")
        check(self.processing_time in ("wall", "thread_cpu"), "processing_time", "must be 'wall' or 'thread_cpu'")
        check(self.frame_timestamps in ("exposure", "counted"), "frame_timestamps",
              "must be 'exposure' (each frame's own time) or 'counted' (the Flight 6 bug, for study)")
        check(0 < self.vision_degraded_after_s <= 10, "vision_degraded_after_s", "must be 0..10 s")
        check(0 <= self.vision_recover_s <= 30, "vision_recover_s", "must be 0..30 s")
        check(self.publish_every_imu >= 1, "publish_every_imu", "must be at least 1")
        check(0 <= self.fusion_delay_ms <= 500, "fusion_delay_ms", "must be 0..500 ms")
        check(0 <= self.rotor_drag_per_s <= 10, "rotor_drag_per_s", "must be 0..10 per second")
        check(0 <= self.body_drag_per_m <= 1, "body_drag_per_m", "must be 0..1 per metre")
        check(1 <= self.drag_every_imu <= 1000, "drag_every_imu", "must be 1..1000 samples")

    def published_by_ms(self, imu_rate_hz: float) -> float:
        """How long after a time every estimate for it has been published, in IMU time: a frame's estimate
        when the frame is fused (`fusion_delay_ms` after its exposure), then the next IMU estimate."""
        return self.fusion_delay_ms + (self.publish_every_imu + 1) * 1000.0 / imu_rate_hz


@dataclass(frozen=True)
class FlightConfig:
    """The control process's flight: which plan, and whether to fly it without waiting for the ground."""

    plan: str = ""  # a bundled plan's name or a plan file; "" = none until one is uploaded
    autostart: bool = False  # fly the plan as soon as preflight passes (simulation without a ground station)
    spin_up_s: float = 9.0  # rotor spin-up before takeoff
    cg_height_m: float = 0.13  # the IMU above the ground on the legs
    touchdown_below_m: float = 2.0  # descending below this estimated height, the vehicle stopping is touchdown
    yaw_rate_dps: float = 60.0  # the fastest turn to a new heading (a plan's own, lower limit rules its turns)
    touchdown_hold_s: float = 0.1  # stopped (vertical speed under a quarter of the descent rate) this long
    land_speed_mps: float = 1.0  # the last metres are flown at most this fast, whatever the plan's descent rate
    # (Ingenuity came down at 1 m/s; PX4's MPC_LAND_SPEED, ArduPilot's LAND_SPEED): the legs give way at 2 m/s
    land_brake_mps2: float = 1.0  # a faster descent brakes to land_speed_mps at this rate ...
    land_slow_height_m: float = 1.0  # ... reaching it this high above the ground (estimated height)
    # contingencies: LAND_NOW when ...
    vision_degraded_land_s: float = 2.0  # ... vision stays degraded (or lost) this long in flight
    nav_timeout_ms: float = 500.0  # ... the nav estimate is invalid or silent this long in flight
    imu_implausible_land_s: float = 0.2  # ... the IMU gives only implausible samples this long in flight
    critical: list[str] = field(default_factory=lambda: ["nav", "camera"])  # ... one of these is gone
    nav_apply_delay_ms: float = 0.0  # lockstep simulation: nav estimates are applied this long after their
    # own time, so a closed-loop run is the same every time (0: on arrival; see fsw/control/navfeed.py)
    min_clearance_m: float = 2.0  # in cruise the laser's height above the ground is kept at least this (or half
    # the planned altitude, if less): ground rising under a plan flown above the takeoff point, or a height
    # estimate gone wrong, is climbed over (PX4's minimum distance to ground; 0: off)

    def __post_init__(self) -> None:
        check(0 < self.spin_up_s <= 60, "spin_up_s", "must be 0..60 s")
        check(1 <= self.yaw_rate_dps <= 90, "yaw_rate_dps", "must be 1..90 deg/s")
        check(0 < self.vision_degraded_land_s <= 600, "vision_degraded_land_s", "must be 0..600 s")
        check(50 <= self.nav_timeout_ms <= 10_000, "nav_timeout_ms", "must be 50..10000 ms")
        check(0 < self.imu_implausible_land_s <= 60, "imu_implausible_land_s", "must be 0..60 s")
        check(0 <= self.nav_apply_delay_ms <= 2000, "nav_apply_delay_ms", "must be 0..2000 ms")
        check(0 <= self.min_clearance_m <= 20, "min_clearance_m", "must be 0..20 m")
        check(0.2 <= self.land_speed_mps <= 1.5, "land_speed_mps", "must be 0.2..1.5 m/s (the legs give way at 2)")
        check(0.2 <= self.land_brake_mps2 <= 5.0, "land_brake_mps2", "must be 0.2..5 m/s^2")
        check(0.3 <= self.land_slow_height_m <= 10.0, "land_slow_height_m", "must be 0.3..10 m")


@dataclass(frozen=True)
class LoggerConfig:
    """The flight log: where, how often it is made durable, how big a file gets, what is left out."""

    dir: str = ""  # "" = RUN_DIR/flightlogs
    flush_interval_s: float = 0.5  # at most this much is lost in a crash
    max_file_mb: float = 512.0  # then a new part
    min_free_mb: float = 64.0  # logging stops (with an event) rather than fill the disk
    navcam_every_s: float = 1.0  # one navcam frame kept as an image this often (0: none)
    navcam_all: bool = False  # keep every navcam frame (what `ginny log replay` needs; ~5 MB/s)
    decimate: dict[str, int] = field(default_factory=dict)  # topic -> keep one message in N
    exclude: list[str] = field(default_factory=list)  # topics not logged

    def __post_init__(self) -> None:
        check(0.05 <= self.flush_interval_s <= 10.0, "flush_interval_s", "must be 0.05..10 s")
        check(self.max_file_mb >= 1.0, "max_file_mb", "must be at least 1 MB")
        check(self.min_free_mb >= 0.0, "min_free_mb", "must not be negative")
        check(self.navcam_every_s >= 0.0, "navcam_every_s", "must not be negative")
        for topic, n in self.decimate.items():
            check(n >= 1, f"decimate.{topic}", "must be at least 1")


@dataclass(frozen=True)
class RadioConfig:
    """The emulated radio between the vehicle and the ground (Ingenuity's Zigbee link: 250 kbps)."""

    bandwidth_bps: int = 250_000  # both directions, each on its own
    latency_ms: float = 20.0  # one way, on top of the time to send the bytes
    loss_pct: float = 0.0  # frames lost at random (seeded), either way
    outages: list[list[float]] = field(default_factory=list)  # [start_s, duration_s] on the flight clock
    loss_windows: list[list[float]] = field(default_factory=list)  # [start_s, duration_s, loss_pct] likewise
    seed: int = 0

    def __post_init__(self) -> None:
        check(1_000 <= self.bandwidth_bps <= 1_000_000_000, "bandwidth_bps", "must be 1000..1e9")
        check(0 <= self.latency_ms <= 60_000, "latency_ms", "must be 0..60000 ms")
        check(0 <= self.loss_pct <= 100, "loss_pct", "must be 0..100 %")
        for i, w in enumerate(self.outages):
            check(len(w) == 2 and w[0] >= 0 and w[1] > 0, f"outages[{i}]",
                  "must be [start_s >= 0, duration_s > 0]")
        for i, w in enumerate(self.loss_windows):
            check(len(w) == 3 and w[0] >= 0 and w[1] > 0 and 0 <= w[2] <= 100, f"loss_windows[{i}]",
                  "must be [start_s >= 0, duration_s > 0, loss_pct 0..100]")


@dataclass(frozen=True)
class FprimeConfig:
    """The F Prime ground link (fprime-gds's IP adapter): off unless enabled; it has no authentication."""

    enabled: bool = False
    address: str = "127.0.0.1"  # loopback: only this machine's fprime-gds; another address opens it further
    port: int = 50000  # fprime-gds's default
    mode: str = "server"  # server: fprime-gds connects (--ip-client); client: the vehicle connects to fprime-gds
    framing: str = "space-packet-space-data-link"  # or "fprime" (fprime-gds --framing-selection)
    spacecraft_id: int = 0x44  # the CCSDS frames' (written into the dictionary for fprime-gds)
    vcid: int = 1  # the virtual channel, both ways (fprime-gds --vcid; its default)
    tm_frame_bytes: int = 1024  # fixed TM frame size (written into the dictionary)
    file_packet_bytes: int = 512  # a file DATA packet's data, at most

    def __post_init__(self) -> None:
        check(bool(self.address), "address", "must be an IP address")
        check(1 <= self.port <= 65535, "port", "must be 1..65535")
        check(self.mode in ("server", "client"), "mode", "must be server or client")
        check(self.framing in ("fprime", "space-packet-space-data-link"), "framing",
              "must be fprime or space-packet-space-data-link")
        check(0 <= self.spacecraft_id <= 0x3FF, "spacecraft_id", "must be 0..1023 (10 bits)")
        check(0 <= self.vcid <= 7, "vcid", "must be 0..7 (a TM frame has 3 bits for it)")
        check(64 <= self.tm_frame_bytes <= 2048, "tm_frame_bytes", "must be 64..2048")
        check(64 <= self.file_packet_bytes <= 4000, "file_packet_bytes", "must be 64..4000")


@dataclass(frozen=True)
class CommConfig:
    """The comm process: where the ground connects, whose keys it allows, and the radio in between."""

    endpoint: str = "tcp://127.0.0.1:7400"  # the CurveZMQ ROUTER the ground connects to
    keys_dir: str = ""  # vehicle.key_secret and authorized/*.key; "" = no ground link (bus commands only)
    files_dir: str = ""  # what LIST_FILES and DOWNLINK_FILE reach; "" = the run directory
    heartbeat_ms: int = 500  # both sides send one at least this often
    link_timeout_ms: int = 2_000  # nothing heard for this long: link lost
    max_frame_bytes: int = 64 * 1024  # larger uplink frames are refused and counted
    tlm_hz: float = 5.0  # the vehicle-state frame (essential telemetry) rate, lowered when the link is full
    thumbnail_every_s: float = 2.0  # a navcam thumbnail downlinked this often (0: none)
    file_chunk_bytes: int = 8_192
    fault_injection: bool = False  # FAULT_INJECT of device and process faults is accepted (a simulated
    # vehicle); link faults always are
    radio: RadioConfig = field(default_factory=RadioConfig)
    fprime: FprimeConfig = field(default_factory=FprimeConfig)

    def __post_init__(self) -> None:
        check(self.endpoint.startswith(("tcp://", "ipc://")), "endpoint", "must be tcp://HOST:PORT or ipc://PATH")
        check(50 <= self.heartbeat_ms <= 10_000, "heartbeat_ms", "must be 50..10000 ms")
        check(self.link_timeout_ms >= 2 * self.heartbeat_ms, "link_timeout_ms", "must be at least two heartbeats")
        check(1_024 <= self.max_frame_bytes <= 16 * 1024 * 1024, "max_frame_bytes", "must be 1 KiB..16 MiB")
        check(0.1 <= self.tlm_hz <= 100, "tlm_hz", "must be 0.1..100 Hz")
        check(self.thumbnail_every_s >= 0, "thumbnail_every_s", "must not be negative")
        check(256 <= self.file_chunk_bytes <= 1_000_000, "file_chunk_bytes", "must be 256..1000000")


@dataclass(frozen=True)
class StackConfig:
    stack: StackSection
    processes: dict[str, ProcessConfig]
    health: HealthConfig = field(default_factory=HealthConfig)
    events: EventsConfig = field(default_factory=EventsConfig)
    nav: NavConfig = field(default_factory=NavConfig)
    flight: FlightConfig = field(default_factory=FlightConfig)
    logger: LoggerConfig = field(default_factory=LoggerConfig)
    comm: CommConfig = field(default_factory=CommConfig)
    # the board backend's devices, one table each ([board.imu] ...): checked by hal/board/config.py
    board: dict[str, dict[str, int | float | bool | str | list[int] | list[str] | list[list[float]]]] = field(default_factory=dict)


@dataclass(frozen=True)
class LoadedStack:
    """A stack config together with the file it came from (relative paths resolve against it)."""

    config: StackConfig
    path: Path

    @property
    def topology_path(self) -> Path:
        return (self.path.parent / self.config.stack.topology).resolve()


FLIGHT_PROCESSES = ("camera", "nav", "control", "logger", "comm")


def load_stack(path: str | Path = DEFAULT_STACK) -> LoadedStack:
    path = Path(path)
    cfg = config.load(path, StackConfig)
    for name, proc in cfg.processes.items():
        if name not in FLIGHT_PROCESSES:
            raise config.ConfigError(path, f"processes.{name}",
                                     f"unknown process (expected one of {', '.join(FLIGHT_PROCESSES)})")
        if proc.host and (name != "control" or cfg.stack.backend != "sim"):
            raise config.ConfigError(path, f"processes.{name}.host",
                                     "only control may be hosted, and only by the simulated world (backend sim)")
    from fsw.faultspec import FaultSpecError
    from fsw.health.faults import parse_process_fault
    for i, spec in enumerate(cfg.health.faults):
        try:
            parse_process_fault(spec)
        except FaultSpecError as exc:
            raise config.ConfigError(path, f"health.faults[{i}]", exc.reason) from None
    _check_nav_apply_delay(path, cfg)
    loaded = LoadedStack(cfg, path)
    _check_topology(loaded)
    return loaded


def _check_topology(loaded: LoadedStack) -> None:
    """The topology file the stack names is read and checked with it, so a missing or bad one is said
    before anything starts (naming the stack's key, then the topology file's own key and reason)."""
    from fsw.bus.topology import TopologyFile
    try:
        config.load(loaded.topology_path, TopologyFile)
    except config.ConfigError as exc:
        raise config.ConfigError(loaded.path, "stack.topology", str(exc)) from None


def _check_nav_apply_delay(path: Path, cfg: StackConfig) -> None:
    """A delay too short for navigation's own fusion delay would hold every control cycle."""
    if cfg.flight.nav_apply_delay_ms == 0:
        return  # applied on arrival: nothing to check (and no sensors file to read)
    from fsw.config.sensors import load_sensors
    need = cfg.nav.published_by_ms(load_sensors().imu.rate_hz) + 50.0
    if cfg.flight.nav_apply_delay_ms < need:
        raise config.ConfigError(path, "flight.nav_apply_delay_ms",
                                 f"must be 0 or at least {need:.0f} ms (nav's fusion_delay_ms "
                                 f"{cfg.nav.fusion_delay_ms:g} ms, its publishing period and 50 ms to spare)")
