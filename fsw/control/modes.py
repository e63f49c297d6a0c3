"""The mode commander (pure): the vehicle's flight modes and the only ways between them.

    IDLE -> PREFLIGHT -> ARMED -> SPIN_UP -> TAKEOFF -> FLY -> LAND -> LANDED -> DISARMED
                                     \\________ any airborne mode -> LAND_NOW -> LANDED ______/

Every request either moves the vehicle or is refused with the reason (so an operator's ARM gets "nav not
ready", not silence). Preflight checks are plain facts handed in; the commander only judges them.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Mode(enum.IntEnum):
    IDLE = 0
    PREFLIGHT = 1
    ARMED = 2
    SPIN_UP = 3
    TAKEOFF = 4
    FLY = 5
    LAND = 6
    LANDED = 7
    DISARMED = 8
    LAND_NOW = 9


AIRBORNE = frozenset({Mode.TAKEOFF, Mode.FLY, Mode.LAND, Mode.LAND_NOW})
_NEXT = {  # the nominal sequence: what each mode may step on to
    Mode.IDLE: {Mode.PREFLIGHT},
    Mode.PREFLIGHT: {Mode.ARMED, Mode.IDLE},
    Mode.ARMED: {Mode.SPIN_UP, Mode.DISARMED},
    Mode.SPIN_UP: {Mode.TAKEOFF, Mode.DISARMED},
    Mode.TAKEOFF: {Mode.FLY, Mode.LAND},
    Mode.FLY: {Mode.LAND},
    Mode.LAND: {Mode.LANDED},
    Mode.LAND_NOW: {Mode.LANDED},
    Mode.LANDED: {Mode.DISARMED, Mode.SPIN_UP},
    Mode.DISARMED: {Mode.IDLE},
}


@dataclass(frozen=True)
class PreflightFacts:
    """What preflight needs to know, gathered by the control process."""

    nav_ready: bool
    imu_alive: bool
    altimeter_alive: bool
    level_deg: float  # tilt from the inclinometer (or the accelerometers)
    plan_valid: bool
    plan_problem: str = ""
    max_level_deg: float = 5.0
    imu_gravity_problem: str = ""  # the accelerometers at rest disagree with gravity (a flipped or unscaled axis)
    altimeter_problem: str = ""  # the laser reads a height on the ground (a wrong unit, or something below it)

    def problems(self) -> list[str]:
        out = []
        if not self.imu_alive:
            out.append("IMU silent")
        if not self.altimeter_alive:
            out.append("altimeter silent")
        if not self.nav_ready:
            out.append("nav not ready")
        if self.level_deg > self.max_level_deg:
            out.append(f"not level: {self.level_deg:.1f} deg > {self.max_level_deg:.1f} deg")
        if self.imu_gravity_problem:
            out.append(self.imu_gravity_problem)
        if self.altimeter_problem:
            out.append(self.altimeter_problem)
        if not self.plan_valid:
            out.append(f"plan invalid: {self.plan_problem}" if self.plan_problem else "no valid plan")
        return out


@dataclass(frozen=True)
class Transition:
    t_ns: int
    old: Mode
    new: Mode
    reason: str


def describe(tr: Transition) -> str:
    """A transition as the text of its MODE event: `OLD -> NEW: reason`."""
    return f"{tr.old.name} -> {tr.new.name}: {tr.reason}"


def entered(mode_text: str) -> str:
    """The mode a MODE event's text says the vehicle went into."""
    return mode_text.split("->")[-1].split(":")[0].strip()


@dataclass
class ModeCommander:
    mode: Mode = Mode.IDLE
    history: list[Transition] = field(default_factory=list)

    def _go(self, t_ns: int, new: Mode, reason: str) -> Transition:
        tr = Transition(t_ns, self.mode, new, reason)
        self.mode = new
        self.history.append(tr)
        return tr

    def step(self, t_ns: int, new: Mode, reason: str) -> Transition:
        """A nominal transition; raises ModeRefused if `new` does not follow the current mode."""
        if new not in _NEXT[self.mode]:
            raise ModeRefused(f"{new.name} does not follow {self.mode.name}")
        return self._go(t_ns, new, reason)

    def preflight(self, t_ns: int) -> Transition:
        return self.step(t_ns, Mode.PREFLIGHT, "preflight checks")

    def arm(self, t_ns: int, facts: PreflightFacts) -> Transition:
        """ARM is refused, with every reason at once, unless in PREFLIGHT and every check passes."""
        if self.mode is not Mode.PREFLIGHT:
            raise ModeRefused(f"arming needs PREFLIGHT, not {self.mode.name}")
        problems = facts.problems()
        if problems:
            raise ModeRefused("arming refused: " + "; ".join(problems))
        return self._go(t_ns, Mode.ARMED, "preflight passed")

    def land_now(self, t_ns: int, reason: str) -> Transition:
        """The contingency: from any airborne mode (or spinning up), land where the vehicle is."""
        if self.mode is Mode.LAND_NOW:
            raise ModeRefused("already landing now")
        if self.mode not in AIRBORNE and self.mode is not Mode.SPIN_UP:
            raise ModeRefused(f"LAND_NOW needs the vehicle flying, not {self.mode.name}")
        return self._go(t_ns, Mode.LAND_NOW, reason)

    def abort_takeoff(self, t_ns: int, reason: str) -> Transition:
        """The rotors stopped in a takeoff that must not go on (the vehicle within a drop of the ground)."""
        if self.mode is not Mode.TAKEOFF:
            raise ModeRefused(f"a takeoff is aborted only in TAKEOFF, not {self.mode.name}")
        return self._go(t_ns, Mode.DISARMED, reason)

    def disarm(self, t_ns: int, reason: str = "disarm") -> Transition:
        if self.mode in AIRBORNE:
            raise ModeRefused(f"cannot disarm in {self.mode.name}: the vehicle is flying")
        if self.mode in (Mode.IDLE, Mode.PREFLIGHT, Mode.DISARMED):
            raise ModeRefused(f"nothing to disarm in {self.mode.name}")
        return self._go(t_ns, Mode.DISARMED, reason)


class ModeRefused(ValueError):
    pass
