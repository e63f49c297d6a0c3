"""The messages between the simulated world and the sim backend, defined once (typed, versioned). They are
the simulator's own: flight code never sees them (the sim backend turns them into HAL samples and the flight
clock), and truth is for logs and reports only. Units are in the field names."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from fsw.bus.message import Message
from fsw.bus.messages import AltimeterSample, ImuSample, InclinometerSample, Scalar, Vec3


@dataclass(frozen=True, eq=False)
class ClockTick(Message):
    """Simulated time, published by the world. In lockstep (`rate` 0) a process's flight clock reads t_ns
    until the next tick. In real time the world's clock runs `rate` simulated ns per wall ns, so between
    ticks a process's clock runs on with its host's, at most `period_ns` past the tick (ticks can be rare)."""

    step: int
    rate: float = 0.0
    period_ns: int = 0

    SCHEMA_VERSION: ClassVar[int] = 2


@dataclass(frozen=True, eq=False)
class SimSensors(Message):
    """One world step's output for the control process's sensors (one message keeps them in order)."""

    step: int
    imu: list[ImuSample]
    altimeter: list[AltimeterSample]
    inclinometer: list[InclinometerSample]


@dataclass(frozen=True, eq=False)
class SimTruth(Message):
    """Ground truth of the vehicle: never read by flight software, only logged and reported."""

    pos_m: Vec3  # NED from the start point's datum
    vel_mps: Vec3
    q_wxyz: tuple[float, float, float, float]  # body to world
    omega_radps: Vec3
    agl_m: float
    contact: str
    rotor_rpm: float
    thrust_n: float


@dataclass(frozen=True, eq=False)
class LockstepProgress(Message):
    """A lockstep participant has handled a paced input (sent by its time source, not by flight code): the
    newest message of `topic` it has taken in is stamped `last_t_ns` (for navigation's navcam frames: the
    exposure time). t_ns: the participant's flight clock."""

    process: str
    topic: str
    last_t_ns: int


@dataclass(frozen=True, eq=False)
class WorldSummary(Message):
    """How a world run ended, in figures (t_ns: the simulated time it ended at). `flight`, `nav` and `tracker`
    are the flight meter's reports (None: not measured); `host` says where the world's wall and CPU time went
    (figures of the machine, not of the flight)."""

    ended: str  # landed | tipped | time | hang | stopped
    hang: str  # ended "hang": who stopped answering, at which step (else "")
    seed: int
    terrain: str
    sim_s: float
    wall_s: float
    steps: int
    frames: int
    faults: list[str]
    flight: dict[str, Scalar | None]
    nav: dict[str, Scalar | None]
    tracker: dict[str, Scalar | None]
    host: dict[str, float]

    SCHEMA_VERSION: ClassVar[int] = 1
