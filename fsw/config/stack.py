"""The stack configuration: which processes run, on which HAL backend, and how they are supervised."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fsw import config
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

    def __post_init__(self) -> None:
        check(self.max_restarts >= 0, "max_restarts", "must not be negative")
        check(self.telemetry_period_ms >= 10, "telemetry_period_ms", "must be at least 10")


@dataclass(frozen=True)
class StackConfig:
    stack: StackSection
    processes: dict[str, ProcessConfig]
    health: HealthConfig = field(default_factory=HealthConfig)
    events: EventsConfig = field(default_factory=EventsConfig)


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
    for name in cfg.processes:
        if name not in FLIGHT_PROCESSES:
            raise config.ConfigError(path, f"processes.{name}",
                                     f"unknown process (expected one of {', '.join(FLIGHT_PROCESSES)})")
    return LoadedStack(cfg, path)
