"""Process faults (pure): `proc.NAME.kill@START_S` (SIGKILL: the process dies) and `proc.NAME.hang@START_S`
(SIGSTOP: it stops answering, heartbeats included), for every flight process. The supervisor applies them
at their time on the flight clock (from config, simulation only) or, from a ground FAULT_INJECT, that many
seconds from now; then it restarts the process as it would any dead or hung one."""
from __future__ import annotations

import re
from dataclasses import dataclass

from fsw.config.stack import FLIGHT_PROCESSES
from fsw.faultspec import FaultSpecError, spec_number


KINDS = ("kill", "hang")
_SPEC = re.compile(r"^proc\.(?P<name>[a-z_]+)\.(?P<kind>[a-z_]+)@(?P<start>[^@]+)$")


@dataclass(frozen=True)
class ProcessFault:
    name: str
    kind: str  # kill | hang
    start_s: float
    spec: str


def parse_process_fault(spec: str) -> ProcessFault:
    m = _SPEC.match(spec)
    if m is None:
        raise FaultSpecError(spec, "expected proc.NAME.kill@START_S or proc.NAME.hang@START_S")
    if m["name"] not in FLIGHT_PROCESSES:
        raise FaultSpecError(spec, f"no flight process {m['name']!r} (one of {', '.join(FLIGHT_PROCESSES)})")
    if m["kind"] not in KINDS:
        raise FaultSpecError(spec, f"unknown process fault {m['kind']!r} (kill or hang)")
    return ProcessFault(m["name"], m["kind"], spec_number(spec, m["start"], "the start time"), spec)
