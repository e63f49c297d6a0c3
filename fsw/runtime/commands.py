"""The command dictionary: each command defined once (name, typed arguments with ranges, handler process).

The ground validates a command against this dictionary before sending it and the vehicle validates it again
on arrival. `CommandDictionary.to_json` exports it as ginny's ground station reads it; F Prime's own JSON
dictionary (for fprime-gds) is made in fsw/comm/fprime/dictionary.py.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from fsw.bus.messages import CommandResult, Scalar

EVERY_PROCESS = "*"
_TYPES: dict[str, tuple[type, ...]] = {"int": (int,), "float": (int, float), "bool": (bool,),
                                       "str": (str,), "enum": (str,)}


class CommandRejected(ValueError):
    def __init__(self, result: CommandResult, reason: str) -> None:
        super().__init__(f"{result.name}: {reason}")
        self.result = result
        self.reason = reason


@dataclass(frozen=True)
class ArgDef:
    name: str
    type: str  # int | float | bool | str | enum
    help: str
    unit: str = ""
    min: float | None = None
    max: float | None = None
    choices: tuple[str, ...] = ()
    default: Scalar | None = None
    max_len: int = 256

    def __post_init__(self) -> None:
        if self.type not in _TYPES:
            raise ValueError(f"argument {self.name}: unknown type {self.type!r}")
        if self.type == "enum" and not self.choices:
            raise ValueError(f"argument {self.name}: an enum needs choices")

    def validate(self, value: Any) -> Scalar:
        """Return the value, converted to its type; raise CommandRejected saying what is wrong."""
        if not isinstance(value, _TYPES[self.type]) or (self.type != "bool" and isinstance(value, bool)):
            raise CommandRejected(CommandResult.FORMAT_ERROR,
                                  f"{self.name} must be {self.type}, got {type(value).__name__}")
        if self.type == "float":
            value = float(value)
            if not math.isfinite(value):
                raise CommandRejected(CommandResult.VALIDATION_ERROR, f"{self.name} must be finite")
        self._check_range(value)
        return value

    def _check_range(self, value: Scalar) -> None:
        bad = None
        if self.type == "enum" and value not in self.choices:
            bad = f"{self.name}={value!r} is not one of {', '.join(self.choices)}"
        elif self.type == "str" and len(value) > self.max_len:
            bad = f"{self.name} is longer than {self.max_len} characters"
        elif self.min is not None and value < self.min:
            bad = f"{self.name}={value} is below the minimum {self.min}{self.unit}"
        elif self.max is not None and value > self.max:
            bad = f"{self.name}={value} is above the maximum {self.max}{self.unit}"
        if bad:
            raise CommandRejected(CommandResult.VALIDATION_ERROR, bad)


@dataclass(frozen=True)
class CommandDef:
    name: str
    target: str  # the handling process, or EVERY_PROCESS (the command then names its target)
    help: str
    args: tuple[ArgDef, ...] = field(default=())

    def validate(self, args: Any) -> dict[str, Scalar]:
        if not isinstance(args, dict):
            raise CommandRejected(CommandResult.FORMAT_ERROR, "arguments must be a table of name=value")
        known = {a.name: a for a in self.args}
        extra = sorted(set(args) - set(known))
        if extra:
            raise CommandRejected(CommandResult.FORMAT_ERROR, f"{self.name} takes no argument {extra[0]!r}")
        out: dict[str, Scalar] = {}
        for arg in self.args:
            if arg.name in args:
                out[arg.name] = arg.validate(args[arg.name])
            elif arg.default is not None:
                out[arg.name] = arg.default
            else:
                raise CommandRejected(CommandResult.FORMAT_ERROR, f"{self.name} needs argument {arg.name!r}")
        return out


class CommandDictionary:
    def __init__(self, commands: list[CommandDef]) -> None:
        self._by_name = {c.name: c for c in commands}

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __iter__(self):
        return iter(self._by_name.values())

    def get(self, name: str) -> CommandDef:
        try:
            return self._by_name[name]
        except KeyError:
            raise CommandRejected(CommandResult.INVALID_COMMAND, f"unknown command {name!r}") from None

    def handled_by(self, process: str) -> list[CommandDef]:
        return [c for c in self if c.target in (process, EVERY_PROCESS)]

    def validate(self, name: str, args: Any) -> dict[str, Scalar]:
        return self.get(name).validate(args)

    def to_json(self) -> dict[str, Any]:
        commands = []
        for opcode, c in enumerate(self._by_name.values()):
            commands.append({
                "name": c.name, "opcode": opcode, "component": c.target, "description": c.help,
                "formalParameters": [_arg_json(a) for a in c.args],
            })
        return {"metadata": {"dictionarySpecVersion": "1.0", "project": "ginny"}, "commands": commands}


def _arg_json(a: ArgDef) -> dict[str, Any]:
    ty: dict[str, Any] = {"name": a.type, "kind": "enum" if a.type == "enum" else "primitive"}
    if a.choices:
        ty["enumeratedConstants"] = list(a.choices)
    out = {"name": a.name, "description": a.help, "type": ty, "unit": a.unit}
    for key in ("min", "max", "default"):
        if getattr(a, key) is not None:
            out[key] = getattr(a, key)
    return out


FLIGHT_PARAMS = ("spin_up_s", "touchdown_below_m", "touchdown_hold_s", "yaw_rate_dps", "vision_degraded_land_s",
                 "nav_timeout_ms", "imu_implausible_land_s")  # the [flight] settings SET_PARAM may change (the control process checks ranges)
MAX_PLAN_BYTES = 32 * 1024


def default_dictionary() -> CommandDictionary:
    """ginny's commands, each with the process that executes it."""
    return CommandDictionary([
        CommandDef("NO_OP", EVERY_PROCESS, "Do nothing but acknowledge: proves the path to a process."),
        CommandDef("ARM", "control", "Run the preflight checks and arm; refused with every failed check."),
        CommandDef("DISARM", "control", "Disarm on the ground (after landing, or instead of flying)."),
        CommandDef("PLAN_UPLOAD", "control", "Load a flight plan (TOML text), validated on board.", (
            ArgDef("name", "str", "the plan's name, for the record", max_len=64),
            ArgDef("text", "str", "the plan file's TOML text", max_len=MAX_PLAN_BYTES))),
        CommandDef("PLAN_START", "control", "Fly the loaded plan: spin up, take off, fly, land (needs ARMED)."),
        CommandDef("LAND_NOW", "control", "Contingency: land straight down where the vehicle is."),
        CommandDef("CAPTURE_RTE", "control", "Take a colour (RTE) image now.", (
            ArgDef("width_px", "int", "image width", "px", 64, 4208, default=640),
            ArgDef("height_px", "int", "image height", "px", 48, 3120, default=480))),
        CommandDef("SET_PARAM", "control", "Change a flight setting (on the ground only).", (
            ArgDef("name", "enum", "the setting", choices=FLIGHT_PARAMS),
            ArgDef("value", "float", "its new value (in the setting's unit)"))),
        CommandDef("GET_PARAM", "control", "Report a flight setting's value.", (
            ArgDef("name", "enum", "the setting", choices=FLIGHT_PARAMS),)),
        CommandDef("LIST_FILES", "comm", "List the files on board under a folder of the run directory.", (
            ArgDef("dir", "str", "folder relative to the run directory", default="", max_len=256),)),
        CommandDef("DOWNLINK_FILE", "comm", "Send a file on board to the ground, in chunks at bulk priority.", (
            ArgDef("path", "str", "file relative to the run directory", max_len=256),)),
        CommandDef("FAULT_INJECT", "comm", "Simulation only: inject a fault, its start in seconds from now "
                   "(navcam.drop@0, altimeter.off@2:5, link.outage@1:3, link.loss@0:10:30).", (
                       ArgDef("spec", "str", "device.kind@start_s[:duration_s][=value]", max_len=64),)),
        CommandDef("HEALTH_REPORT", "health", "Report every process's state, CPU, memory and restarts."),
    ])
