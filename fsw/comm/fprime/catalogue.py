"""ginny's commands, events and telemetry channels as F Prime sees them (pure): one component per process, stable
opcodes and ids.

Every component has a base id (its place in COMPONENTS times 0x1000); an entry's id or opcode is the base plus its
place in the component's list. Lists only grow at the end, so ids never move (a test pins some). What F Prime's own
command dispatcher says (dispatched, completed, error) comes from the component `cmdDisp`, so fprime-gds's test API
(`send_and_assert_command`) works unchanged.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fsw.bus.messages import CommandResult, VisionStatus
from fsw.control.modes import Mode
from fsw.config.stack import FlightConfig
from fsw.runtime.commands import EVERY_PROCESS, FLIGHT_PARAMS, ArgDef, CommandDef, CommandDictionary

PARAMS_AT = 0x800  # a component's parameters (and their PRM_SET commands) from its base + this
PROCESSES = ("health", "camera", "nav", "control", "logger", "comm", "world")
COMPONENTS = ("cmdDisp", "vehicle") + PROCESSES
TEXT_BYTES = 256  # an event's text argument, at most (longer text is cut)


@dataclass(frozen=True)
class Str:
    """An F Prime string of at most `size` bytes (a U16 length, then the bytes)."""
    size: int


@dataclass(frozen=True)
class Enum:
    """An F Prime enum: `names` numbered from 0 (or `values`), sent as `rep`."""
    qualified: str
    names: tuple[str, ...]
    rep: str = "U8"
    values: tuple[int, ...] = ()

    def value(self, name: str) -> int:
        return self.values[self.names.index(name)] if self.values else self.names.index(name)

    def name_of(self, value: int) -> str:
        numbers = self.values or tuple(range(len(self.names)))
        return self.names[numbers.index(value)]  # ValueError when not a member

    def numbered(self) -> list[tuple[str, int]]:
        return [(n, self.value(n)) for n in self.names]


FType = str | Str | Enum  # a primitive's F Prime name (U32, F64, bool ...), a string or an enum


@dataclass(frozen=True)
class Param:
    name: str
    type: FType
    annotation: str = ""


@dataclass(frozen=True)
class FCommand:
    component: str
    name: str
    opcode: int
    cdef: CommandDef  # the ginny command it is
    params: tuple[Param, ...]
    fixed: tuple[tuple[str, Any], ...] = ()  # arguments it always has (a parameter's PRM_SET: its name)

    @property
    def full_name(self) -> str:
        return f"{self.component}.{self.name}"


@dataclass(frozen=True)
class FEvent:
    component: str
    name: str
    id: int
    severity: str  # F Prime's: COMMAND, ACTIVITY_LO, ACTIVITY_HI, WARNING_LO, WARNING_HI, DIAGNOSTIC, FATAL
    params: tuple[Param, ...]
    format: str
    annotation: str = ""


@dataclass(frozen=True)
class FParameter:
    component: str
    name: str
    id: int
    type: FType
    default: Any


@dataclass(frozen=True)
class FChannel:
    component: str
    name: str  # F Prime's (no dots)
    id: int
    type: FType
    key: str  # where ginny keeps it: the telemetry key, or the state frame's field
    annotation: str = ""


MODE = Enum("Ginny.Mode", tuple(m.name for m in Mode))
VISION = Enum("Ginny.VisionStatus", tuple(v.name for v in VisionStatus))
CMD_RESPONSE = Enum("Fw.CmdResponse", ("OK", "INVALID_OPCODE", "VALIDATION_ERROR", "FORMAT_ERROR",
                                       "EXECUTION_ERROR", "BUSY"), rep="I32")
RESPONSE_OF = {CommandResult.OK: "OK", CommandResult.INVALID_COMMAND: "INVALID_OPCODE",
               CommandResult.VALIDATION_ERROR: "VALIDATION_ERROR", CommandResult.FORMAT_ERROR: "FORMAT_ERROR",
               CommandResult.EXECUTION_ERROR: "EXECUTION_ERROR", CommandResult.BUSY: "BUSY"}

_TEXT = (Param("text", Str(TEXT_BYTES), "what happened"),)
# (name, severity, what it says): the events each process raises; every process also raises _COMMON's
_COMMON = (("NO_OP", "ACTIVITY_HI", "a NO_OP command reached the process"),
           ("COMMAND_FAILED", "WARNING_HI", "a command's handler failed"),
           ("HANDLER_FAILED", "WARNING_HI", "a message handler raised; the process goes on"),
           ("TIMER_FAILED", "WARNING_HI", "a timer's callback raised; the process goes on"),
           ("SETUP_FAILED", "FATAL", "the process could not start"),
           ("REALTIME_REFUSED", "WARNING_LO", "real-time scheduling was refused"),
           ("DEVICE_DEGRADED", "WARNING_HI", "a device gives degraded data"),
           ("DEVICE_FAILED", "WARNING_HI", "a device stopped answering"))
_EVENTS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "health": (("FAULT_INJECTED", "WARNING_HI", "a process fault was injected"),
               ("FAULT_REFUSED", "WARNING_LO", "a fault injection was refused"),
               ("HEALTH_REPORT", "ACTIVITY_HI", "every process's state, CPU, memory and restarts"),
               ("SPAWN_FAILED", "WARNING_HI", "a process could not be started"),
               ("STACK_READY", "ACTIVITY_HI", "every flight process is up"),
               ("PROC_READY", "ACTIVITY_HI", "a process is up"),
               ("PROC_EXITED", "WARNING_HI", "a process exited"),
               ("PROC_HUNG", "WARNING_HI", "a process stopped sending heartbeats"),
               ("PROC_RESTART", "ACTIVITY_HI", "a process is being restarted"),
               ("PROC_GIVE_UP", "FATAL", "a process restarted too often: no more restarts")),
    "camera": (("CAPTURE_DONE", "ACTIVITY_HI", "a colour image was taken"),
               ("CAPTURE_FAILED", "WARNING_HI", "a colour image could not be taken")),
    "nav": (("NAV_STARTED_IN_FLIGHT", "WARNING_HI", "navigation (re)started in the air"),
            ("DEADLINE_MISS", "WARNING_HI", "the tracker missed its frame deadline"),
            ("FRAME_GAP", "WARNING_LO", "navcam frames were missed"),
            ("FRAME_TOO_LATE", "WARNING_LO", "a navcam frame came too late to use"),
            ("NAVCAM_SILENT", "WARNING_HI", "no navcam frame for too long"),
            ("VISION_DEGRADED", "WARNING_HI", "too few features: estimating on IMU and altimeter"),
            ("VISION_RECOVERED", "ACTIVITY_HI", "features tracked again"),
            ("ALTIMETER_REJECTED", "WARNING_HI", "the laser's ranges disagree with the estimate, half a second in a row"),
            ("HEIGHT_REINITIALISED", "WARNING_HI", "the laser disagreed for long: the ground (5 s; without vision the height, 2 s) is the laser's again"),
            ("NAV_START_IN_AIR", "ACTIVITY_HI", "navigation started from data in the air (a replay)")),
    "control": (("CAPTURE_REQUESTED", "ACTIVITY_LO", "a colour image was asked for"),
                ("IMU_IMPLAUSIBLE", "WARNING_HI", "the IMU's samples are implausible"),
                ("MODE", "ACTIVITY_HI", "the flight mode changed: 'A -> B: reason'"),
                ("PARAM_SET", "ACTIVITY_HI", "a flight setting changed"),
                ("PLAN_LOADED", "ACTIVITY_HI", "a flight plan was loaded"),
                ("PREFLIGHT_FAILED", "WARNING_HI", "autostart's arming was refused: the preflight problems"),
                ("ACTUATOR_LINK_ERRORS", "WARNING_LO", "bad frames came from the flight-control MCU"),
                ("TAKEOFF_ABORTED", "WARNING_HI", "the body turned against the commands in the takeoff: stopped"),
                ("TERRAIN_CLEARANCE", "WARNING_HI",
                 "the ground came within the minimum clearance in cruise: climbing")),
    "logger": (("LOG_FLIGHT", "ACTIVITY_LO", "a flight's log began"),
               ("LOG_IMAGE_FAILED", "WARNING_LO", "an image could not be logged"),
               ("LOG_STOPPED", "WARNING_HI", "logging stopped")),
    "comm": (("FAULT_INJECTED", "WARNING_HI", "a link fault was injected"),
             ("LINK_LOST", "WARNING_HI", "nothing heard from the ground for too long"),
             ("LINK_OPEN", "ACTIVITY_HI", "ginny's ground link is open"),
             ("LINK_RESTORED", "ACTIVITY_HI", "the ground is heard again"),
             ("FPRIME_LINK_OPEN", "WARNING_LO", "the F Prime ground link is open: it has no authentication"),
             ("FPRIME_GROUND_CONNECTED", "WARNING_LO", "an F Prime ground connected (no authentication)")),
    "world": (("SIM_STARTED", "ACTIVITY_HI", "the simulated world started"),
              ("SIM_DONE", "ACTIVITY_HI", "the simulated flight is over"),
              ("LOCKSTEP_HANG", "FATAL", "lockstep waited too long for a process"),
              ("LOCKSTEP_PARTICIPANT_LOST", "WARNING_HI", "a lockstep participant went away"),
              ("FAULT_INJECTED", "WARNING_HI", "a device fault began"),
              ("FAULT_CLEARED", "ACTIVITY_HI", "a device fault ended")),
}
_DISPATCHER = (
    ("OpCodeDispatched", "COMMAND", (Param("Opcode", "U32"), Param("port", "I32")),
     "Opcode 0x{x} dispatched to port {}", "a command was sent to the process that executes it"),
    ("OpCodeCompleted", "COMMAND", (Param("Opcode", "U32"),), "Opcode 0x{x} completed", "a command succeeded"),
    ("OpCodeError", "COMMAND", (Param("Opcode", "U32"), Param("error", CMD_RESPONSE)),
     "Opcode 0x{x} completed with error {}", "a command failed or was refused"),
    ("CommandResponse", "ACTIVITY_HI", (Param("Opcode", "U32"), Param("response", Str(TEXT_BYTES))),
     "Opcode 0x{x}: {}", "what a command answered (GET_PARAM's value, LIST_FILES, a refusal's reason)"),
    ("MalformedCommand", "WARNING_HI", (Param("reason", Str(TEXT_BYTES)),), "Malformed command: {}",
     "an uplinked command packet could not be read"),
    ("InvalidCommand", "WARNING_HI", (Param("Opcode", "U32"),), "Invalid opcode 0x{x} received",
     "an uplinked command's opcode is not in the dictionary"),
    ("UncataloguedEvent", "WARNING_LO", (Param("source", Str(32)), Param("name", Str(64)), _TEXT[0]),
     "{}.{}: {}", "an event this dictionary does not list (a newer vehicle)"),
)

_COUNTERS = (("commands", "U32"), ("commands_ok", "U32"), ("command_errors", "U32"), ("handler_errors", "U32"))
_VEHICLE = (("mode", MODE, "the flight mode"), ("altitude_m", "F64", "height above the takeoff point (nav)"),
            ("height_m", "F64", "height above the ground below (nav)"), ("pos_n_m", "F64", "north of takeoff"),
            ("pos_e_m", "F64", "east of takeoff"), ("pos_d_m", "F64", "down from takeoff"),
            ("vel_n_mps", "F64", ""), ("vel_e_mps", "F64", ""), ("vel_d_mps", "F64", ""),
            ("roll_deg", "F64", ""), ("pitch_deg", "F64", ""), ("yaw_deg", "F64", ""),
            ("nav_valid", "bool", "navigation's estimate is valid"), ("vision", VISION, "visual navigation's state"),
            ("pos_std_m", "F64", "the estimate's largest position sigma"), ("features", "U32", "tracked features"),
            ("inliers", "U32", "features agreeing with the motion"), ("tracker_ms", "F64", "the tracker's time"),
            ("latency_ms", "F64", "navcam exposure to estimate"), ("frame_seq", "U32", "the last navcam frame"),
            ("link_up", "bool", "the ground is heard"), ("down_bytes", "U64", "bytes sent down"),
            ("down_lost", "U64", "downlink frames lost on the air"), ("up_lost", "U64", "uplink frames lost"),
            ("down_queued", "U32", "frames waiting for the radio"))
_OWN: dict[str, tuple[tuple[str, FType], ...]] = {
    "health": tuple((f"{p}.restarts", "U32") for p in ("camera", "nav", "control", "logger", "comm")),
    "camera": (("navcam_frames", "U64"), ("colour_stills", "U32"), ("stills_waiting", "U32")),
    "nav": (("frames", "U64"), ("frame_gaps", "U32"), ("deadline_misses", "U32"), ("vision_updates", "U64"),
            ("vision", VISION)),
    "control": (("mode", MODE), ("imu_rejected", "U32"), ("nav_losses", "U32")),
    "logger": (("flights", "U32"), ("logging", "bool")),
    "comm": (("peers", "U32"), ("commands_pending", "U32"), ("commands_duplicate", "U32"),
             ("uplink_frames", "U64"), ("uplink_malformed", "U64"), ("fprime_packets_up", "U64"),
             ("fprime_packets_down", "U64"), ("fprime_bytes_discarded", "U64"), ("fprime_bad_checks", "U64"),
             ("fprime_bad_frames", "U64"), ("fprime_connections", "U32"), ("fprime_dropped_down", "U64"), ("fprime_grounds", "U32")),
    "world": (("steps", "U64"), ("frames", "U64"), ("sim_s", "F64")),
}


@dataclass
class Catalogue:
    commands: list[FCommand] = field(default_factory=list)
    events: list[FEvent] = field(default_factory=list)
    channels: list[FChannel] = field(default_factory=list)
    parameters: list[FParameter] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.by_opcode = {c.opcode: c for c in self.commands}
        self.event_of = {(e.component, e.name): e for e in self.events}
        self.channel_of = {(c.component, c.key): c for c in self.channels}

    def types(self) -> list[Enum]:
        """Every enum the entries use, once each."""
        seen: dict[str, Enum] = {}
        params = [p for c in self.commands for p in c.params] + [p for e in self.events for p in e.params]
        for t in [p.type for p in params] + [c.type for c in self.channels]:
            if isinstance(t, Enum):
                seen.setdefault(t.qualified, t)
        return list(seen.values())


def base_id(component: str) -> int:
    return (COMPONENTS.index(component) + 1) * 0x1000


def arg_type(cmd: str, a: ArgDef) -> FType:
    """An argument's F Prime type: ints as I32 and floats as F64 (ranges checked on board, as ginny does)."""
    if a.type == "enum":
        return Enum(f"Ginny.{cmd}_{a.name}", a.choices)
    if a.type == "str":
        return Str(a.max_len)
    return {"int": "I32", "float": "F64", "bool": "bool"}[a.type]


def _commands(dictionary: CommandDictionary) -> list[FCommand]:
    out = []
    for component in PROCESSES:
        mine = [c for c in dictionary if c.target == component or (c.target == EVERY_PROCESS and c.name == "NO_OP")]
        for i, c in enumerate(mine):
            params = tuple(Param(a.name, arg_type(c.name, a), _arg_note(a)) for a in c.args)
            out.append(FCommand(component, c.name, base_id(component) + i, c, params))
    return out


def _arg_note(a: ArgDef) -> str:
    note = a.help + (f" ({a.unit})" if a.unit else "")
    if a.min is not None or a.max is not None:
        note += f", {a.min if a.min is not None else ''}..{a.max if a.max is not None else ''}"
    return note + (f", default {a.default}" if a.default is not None else "")


def _events() -> list[FEvent]:
    out = [FEvent("cmdDisp", n, base_id("cmdDisp") + i, sev, params, fmt, note)
           for i, (n, sev, params, fmt, note) in enumerate(_DISPATCHER)]
    for component in PROCESSES:
        for i, (name, sev, note) in enumerate(_COMMON + _EVENTS[component]):
            out.append(FEvent(component, name, base_id(component) + i, sev, _TEXT, "{}", note))
    return out


def _channels() -> list[FChannel]:
    out = [FChannel("vehicle", n, base_id("vehicle") + i, t, n, note) for i, (n, t, note) in enumerate(_VEHICLE)]
    for component in PROCESSES:
        for i, (key, t) in enumerate(_COUNTERS + _OWN[component]):
            out.append(FChannel(component, key.replace(".", "_"), base_id(component) + i, t, key))
    return out


def _parameters() -> list[FParameter]:
    """The flight settings SET_PARAM changes, as F Prime parameters of control."""
    base = base_id("control") + PARAMS_AT
    return [FParameter("control", n, base + i, "F64", float(getattr(FlightConfig(), n)))
            for i, n in enumerate(FLIGHT_PARAMS)]


def _prm_set(dictionary: CommandDictionary, params: list[FParameter]) -> list[FCommand]:
    """Each parameter's NAME_PRM_SET command (as F Prime generates them): SET_PARAM with the name fixed."""
    set_param = dictionary.get("SET_PARAM")
    return [FCommand(p.component, f"{p.name.upper()}_PRM_SET", p.id, set_param,
                     (Param("value", "F64", f"the new {p.name} (SET_PARAM's checks apply)"),), (("name", p.name),))
            for p in params]


def catalogue(dictionary: CommandDictionary) -> Catalogue:
    params = _parameters()
    return Catalogue(_commands(dictionary) + _prm_set(dictionary, params), _events(), _channels(), params)
