"""The one error of every fault family's spec parser (device, process, link): which spec, and why not."""
from __future__ import annotations


class FaultSpecError(ValueError):
    def __init__(self, spec: str, reason: str) -> None:
        super().__init__(f"fault {spec!r} refused: {reason}")
        self.spec = spec
        self.reason = reason
