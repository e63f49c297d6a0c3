"""Backend selection: the one place that turns a backend name from config into device objects.

Backends are listed here by name; each is imported only when chosen, so a board without the simulator (or a
laptop without smbus2) loads only what it uses. A backend that is unknown, cannot be imported, or lacks a
device fails here, at start-up, with a message saying which and why.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Protocol

from fsw.bus.topics import Topic
from fsw.runtime.timesource import HostTimeSource, TimeSource
from hal.actuators import Actuators, NullActuators
from hal.altimeter import Altimeter, NullAltimeter
from hal.board_health import BoardHealthSensor, NullBoardHealth
from hal.colour_camera import ColourCamera, NullColourCamera
from hal.imu import Imu, NullImu
from hal.inclinometer import Inclinometer, NullInclinometer
from hal.navcam import Navcam, NullNavcam

BACKENDS: dict[str, str] = {
    "null": "hal.backend:NullBackend",
    "sim": "sim_hal.backend:SimBackend",
    "board": "hal.board.backend:BoardBackend",
    "board-loop": "sim_hal.backend.boardloop:BoardLoopBackend",  # the board's drivers on chips the world feeds
}
DEVICE_KINDS = ("navcam", "colour_camera", "imu", "altimeter", "inclinometer", "actuators", "board_health")


class BackendError(RuntimeError):
    pass


@dataclass(frozen=True)
class BackendContext:
    """What a backend may need to build its devices: the run folder, its own config table, and (for a
    backend that talks over the bus, like the simulated one) the process it serves and the topology."""

    run_dir: str
    options: dict[str, Any] = field(default_factory=dict)
    process: str = ""
    topology: Any = None  # fsw.bus.topology.Topology


class Backend(Protocol):
    name: str

    def navcam(self) -> Navcam: ...
    def colour_camera(self) -> ColourCamera: ...
    def imu(self) -> Imu: ...
    def altimeter(self) -> Altimeter: ...
    def inclinometer(self) -> Inclinometer: ...
    def actuators(self) -> Actuators: ...
    def board_health(self) -> BoardHealthSensor: ...
    def time_source(self) -> TimeSource: ...


class NullBackend:
    """Every device present and silent: for stacks without sensors, and as the reference in tests."""

    name = "null"

    def __init__(self, context: BackendContext) -> None:
        self.context = context

    def navcam(self) -> Navcam:
        return NullNavcam()

    def colour_camera(self) -> ColourCamera:
        return NullColourCamera()

    def imu(self) -> Imu:
        return NullImu()

    def altimeter(self) -> Altimeter:
        return NullAltimeter()

    def inclinometer(self) -> Inclinometer:
        return NullInclinometer()

    def actuators(self) -> Actuators:
        return NullActuators()

    def board_health(self) -> BoardHealthSensor:
        return NullBoardHealth()

    def time_source(self) -> TimeSource:
        return HostTimeSource()


def _backend_module(name: str) -> tuple[Any, str]:
    if name not in BACKENDS:
        raise BackendError(f"unknown HAL backend {name!r} (known: {', '.join(BACKENDS)})")
    module_name, class_name = BACKENDS[name].split(":")
    try:
        return importlib.import_module(module_name), class_name
    except ImportError as exc:
        raise BackendError(f"HAL backend {name!r} is not available here: {exc}") from None


def backend_topics(name: str) -> list[Topic]:
    """The bus topics backend `name` adds to the flight software's (its module's `TOPICS()`; none for most)."""
    module, _ = _backend_module(name)
    topics = getattr(module, "TOPICS", None)
    return list(topics()) if topics is not None else []


def select_backend(name: str, context: BackendContext) -> Backend:
    """Build the backend called `name`; raise BackendError saying what is missing."""
    module, class_name = _backend_module(name)
    module_name = module.__name__
    cls = getattr(module, class_name, None)
    if cls is None:
        raise BackendError(f"HAL backend {name!r}: {module_name} has no {class_name}")
    missing = [kind for kind in (*DEVICE_KINDS, "time_source") if not callable(getattr(cls, kind, None))]
    if missing:
        raise BackendError(f"HAL backend {name!r} lacks devices: {', '.join(missing)}")
    return cls(context)
