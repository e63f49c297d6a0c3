"""Fault injection on sensor streams (pure).

A fault spec is `device.kind@start_s[:duration_s][=value]`, e.g. `navcam.drop@54`, `altimeter.off@30:5`,
`imu.stuck@10:2`, `navcam.delay@20:3`. Kinds:

  off           the device produces nothing
  stuck         the device repeats its last good output (with fresh timestamps)
  garbage       outputs are random values of the right type
  drop          one output is lost (with a duration: every output in the window)
  delay         outputs arrive `value` seconds late (default 0.1), keeping their own timestamps
  noise         extra noise, `value` times the sensor's own (default 10)
  intermittent  each output is lost with probability `value` (default 0.5)

Without a duration a fault lasts to the end of the run (drop: one output). A spec for a device or kind that is
not supported is refused with the reason; nothing is accepted silently.
"""
from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from fsw.faultspec import FaultSpecError, spec_number

KINDS = ("off", "stuck", "garbage", "drop", "delay", "noise", "intermittent")
DEVICES: dict[str, tuple[str, ...]] = {
    "navcam": KINDS,
    "imu": KINDS,
    "altimeter": KINDS,
    "inclinometer": ("off", "stuck", "garbage", "noise"),
}
DEFAULT_VALUE = {"delay": 0.1, "noise": 10.0, "intermittent": 0.5}
_SPEC = re.compile(r"^(?P<device>[a-z_]+)\.(?P<kind>[a-z_]+)@(?P<start>[^:=]+)(:(?P<duration>[^:=]+))?"
                   r"(=(?P<value>[^:=]+))?$")


@dataclass(frozen=True)
class Fault:
    device: str
    kind: str
    start_s: float
    duration_s: float | None  # None: to the end (drop: a single output)
    value: float
    spec: str

    def active(self, t_s: float) -> bool:
        if t_s < self.start_s:
            return False
        return self.duration_s is None or t_s < self.start_s + self.duration_s


def parse_fault(spec: str) -> Fault:
    m = _SPEC.match(spec.strip())
    if m is None:
        raise FaultSpecError(spec, "expected device.kind@start_s[:duration_s][=value], e.g. navcam.drop@54")
    device, kind = m["device"], m["kind"]
    if device not in DEVICES:
        raise FaultSpecError(spec, f"no device {device!r} (devices: {', '.join(DEVICES)})")
    if kind not in KINDS:
        raise FaultSpecError(spec, f"no fault kind {kind!r} (kinds: {', '.join(KINDS)})")
    if kind not in DEVICES[device]:
        raise FaultSpecError(spec, f"{device} does not support {kind} (it supports {', '.join(DEVICES[device])})")
    start = spec_number(spec, m["start"], "the start time")
    duration = spec_number(spec, m["duration"], "the duration", positive=True) if m["duration"] else None
    if m["value"] and kind not in DEFAULT_VALUE:
        raise FaultSpecError(spec, f"{kind} takes no value")
    value = spec_number(spec, m["value"], "the value", positive=True, most=1e6) if m["value"] \
        else DEFAULT_VALUE.get(kind, 0.0)
    if kind == "intermittent" and not 0.0 < value <= 1.0:
        raise FaultSpecError(spec, "an intermittent loss probability must be in (0, 1]")
    return Fault(device, kind, start, duration, value, spec)


@dataclass(frozen=True)
class Mutators:
    """How to make a bad output of one device kind."""

    garbage: Callable[[Any, np.random.Generator], Any]
    noisy: Callable[[Any, np.random.Generator, float], Any]


class FaultyStream:
    """Passes a device's outputs through the faults aimed at it. `push` takes an output made at `t_s` and
    returns what is delivered now; `release` returns delayed outputs that are due."""

    def __init__(self, faults: list[Fault], mutators: Mutators, seed: int, salt: int) -> None:
        self.faults = faults
        self.can_delay = any(f.kind == "delay" for f in faults)  # only then may `release` give anything
        self.mutators = mutators
        self._rng = np.random.default_rng([seed, salt, 404])
        self._last_good: Any = None
        self._delayed: deque[tuple[float, Any]] = deque()
        self._dropped_once: set[str] = set()
        self.dropped = 0

    def push(self, sample: Any, t_s: float) -> list[Any]:
        out = sample
        for f in self.faults:
            if not self._hits(f, t_s):
                continue
            if f.kind in ("off", "drop") or (f.kind == "intermittent" and self._rng.random() < f.value):
                self.dropped += 1
                return []
            if f.kind == "stuck" and self._last_good is not None:
                out = replace(self._last_good, t_ns=sample.t_ns)
            elif f.kind == "garbage":
                out = self.mutators.garbage(out, self._rng)
            elif f.kind == "noise":
                out = self.mutators.noisy(out, self._rng, f.value)
            elif f.kind == "delay":
                self._delayed.append((t_s + f.value, out))
                return self.release(t_s)
        if out is sample:
            self._last_good = sample
        if self._delayed:  # outputs keep their order: this one waits behind the delayed ones
            self._delayed.append((t_s, out))
            return self.release(t_s)
        return [out]

    def _hits(self, f: Fault, t_s: float) -> bool:
        if f.kind == "drop" and f.duration_s is None:
            if f.spec in self._dropped_once or t_s < f.start_s:
                return False
            self._dropped_once.add(f.spec)
            return True
        return f.active(t_s)

    def release(self, t_s: float) -> list[Any]:
        out = []
        while self._delayed and self._delayed[0][0] <= t_s:
            out.append(self._delayed.popleft()[1])
        return out


def faults_for(faults: list[Fault], device: str) -> list[Fault]:
    return [f for f in faults if f.device == device]
