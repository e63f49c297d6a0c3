"""Every message type of the bus, defined once. Units are in the field names.

Changing the fields of a message means bumping its SCHEMA_VERSION and its golden bytes in the tests.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from fsw.bus.message import Message

Vec3 = tuple[float, float, float]
Scalar = bool | int | float | str


class ProcState(enum.IntEnum):
    STARTING = 0
    READY = 1
    DEGRADED = 2
    STOPPING = 3
    DEAD = 4


class Severity(enum.IntEnum):
    """Event severities, as in F Prime."""

    DIAGNOSTIC = 0
    ACTIVITY_LO = 1
    ACTIVITY_HI = 2
    WARNING_LO = 3
    WARNING_HI = 4
    FATAL = 5


class CommandResult(enum.IntEnum):
    OK = 0
    INVALID_COMMAND = 1
    VALIDATION_ERROR = 2
    FORMAT_ERROR = 3
    BUSY = 4
    EXECUTION_ERROR = 5


# --- process and link plumbing -------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Heartbeat(Message):
    process: str
    pid: int
    state: ProcState
    boot_id: int  # random per process start, so a restart is visible even when pids repeat


@dataclass(frozen=True, eq=False)
class Event(Message):
    source: str
    name: str
    severity: Severity
    text: str
    suppressed: int  # events of this name dropped by the throttle since the previous one


@dataclass(frozen=True, eq=False)
class Command(Message):
    cmd_id: int
    name: str
    target: str  # the process that executes it
    args: dict[str, Scalar]


@dataclass(frozen=True, eq=False)
class CommandAck(Message):
    cmd_id: int
    name: str
    source: str
    result: CommandResult
    reason: str


@dataclass(frozen=True, eq=False)
class Telemetry(Message):
    source: str
    channels: dict[str, Scalar]


@dataclass(frozen=True)
class ProcessStat:
    name: str
    pid: int
    state: ProcState
    cpu_pct: float
    rss_bytes: int
    restarts: int
    heartbeat_age_ms: float
    cpu_s: float = 0.0  # CPU time used since it started (user and system)


@dataclass(frozen=True, eq=False)
class ProcessStats(Message):
    processes: list[ProcessStat]

    SCHEMA_VERSION: ClassVar[int] = 2  # 2: ProcessStat.cpu_s


# --- sensors and actuators (the data types of the HAL contracts) ----------------------------------------

@dataclass(frozen=True, eq=False)
class ImuSample(Message):
    gyro_radps: Vec3
    accel_mps2: Vec3
    temperature_c: float


@dataclass(frozen=True, eq=False)
class AltimeterSample(Message):
    range_m: float
    valid: bool


@dataclass(frozen=True, eq=False)
class InclinometerSample(Message):
    roll_rad: float
    pitch_rad: float
    valid: bool


@dataclass(frozen=True, eq=False)
class NavcamFrame(Message):
    """t_ns is the middle of the exposure; frame_seq counts sensor frames, so drops show as jumps."""

    frame_seq: int
    exposure_us: float
    pixels: np.ndarray

    PAYLOAD = "pixels"


@dataclass(frozen=True, eq=False)
class ColourImage(Message):
    """A colour capture; t_ns is the start of its exposure. `pattern` is "RGB" for a picture (h, w, 3) uint8,
    or the Bayer mosaic of a RAW frame (h, w) uint16 of `bits` (e.g. "RGGB": R at even rows and columns)."""

    capture_id: int
    exposure_us: float
    pixels: np.ndarray
    gain: float
    pattern: str
    bits: int
    readout_us: float  # rolling shutter: first row to last

    PAYLOAD = "pixels"
    SCHEMA_VERSION = 2


@dataclass(frozen=True, eq=False)
class ActuatorCommand(Message):
    """Mixer-level command to the flight-control MCU: total rotor thrust and body torques."""

    armed: bool
    thrust_n: float
    torque_nm: Vec3


@dataclass(frozen=True, eq=False)
class BoardHealth(Message):
    cpu_temp_c: float
    load_1m: float
    mem_used_pct: float
    disk_free_bytes: int


@dataclass(frozen=True, eq=False)
class RteRequest(Message):
    """A colour capture asked for, with where the vehicle thinks it is (for the picture's record)."""

    capture_id: int
    width_px: int
    height_px: int
    pos_m: Vec3  # the nav estimate (NED from the takeoff point)
    att_deg: Vec3  # roll, pitch, yaw

    SCHEMA_VERSION = 2


# --- navigation ----------------------------------------------------------------------------------------

class VisionStatus(enum.IntEnum):
    OFF = 0  # below the navcam's minimum altitude, or no frames yet
    GOOD = 1
    DEGRADED = 2  # too few inliers for too long: estimating on IMU and altimeter
    LOST = 3


@dataclass(frozen=True, eq=False)
class NavState(Message):
    """The navigation estimate at t_ns (NED from the takeoff point on the ground), with its uncertainty."""

    pos_m: Vec3
    vel_mps: Vec3
    q_wxyz: tuple[float, float, float, float]
    pos_std_m: Vec3
    vel_std_mps: Vec3
    att_std_rad: Vec3
    valid: bool
    vision: VisionStatus
    frame_seq: int  # the last frame used (0: none)
    ground_z_m: float  # the ground under the vehicle (NED z, the plane of the current base frame)


@dataclass(frozen=True, eq=False)
class NavTrack(Message):
    """What the critical loop did with one frame: t_ns is the frame's exposure time."""

    frame_seq: int
    features: int
    inliers: int
    quality: int  # fsw.nav.tracker.TrackQuality
    new_base: bool
    proc_ms: float
    latency_ms: float  # exposure to published estimate
