"""The one error of every fault family's spec parser (device, process, link): which spec, and why not; and the
number fields the families share (a start time, a duration, a value), each refused with its own reason."""
from __future__ import annotations

import math

MAX_FAULT_TIME_S = 86_400.0  # a fault's start or duration: within a day of flight time


class FaultSpecError(ValueError):
    def __init__(self, spec: str, reason: str) -> None:
        super().__init__(f"fault {spec!r} refused: {reason}")
        self.spec = spec
        self.reason = reason


def spec_number(spec: str, text: str, what: str, positive: bool = False,
                most: float = MAX_FAULT_TIME_S) -> float:
    """`text` (a field of `spec`) as a number in [0, most] (above 0 when `positive`), or FaultSpecError naming
    the field (`what`: "the start time", "the duration") and why not."""
    try:
        value = float(text)
    except ValueError:
        raise FaultSpecError(spec, f"{what} {text!r} is not a number") from None
    if not math.isfinite(value):
        raise FaultSpecError(spec, f"{what} must be a finite number, got {text!r}")
    if value < 0 or (positive and value == 0):
        raise FaultSpecError(spec, f"{what} must be {'above 0' if positive else '0 or more'}, got {text}")
    if value > most:
        raise FaultSpecError(spec, f"{what} must be at most {most:g}, got {text}")
    return value
