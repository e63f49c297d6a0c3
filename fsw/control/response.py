"""Does the body turn the way the rotors push it? (pure)

A gyro axis wired backwards, or a chip mounted otherwise than the board config says, passes every check on
the ground: at rest on level ground the roll and pitch rates read nothing, and the accelerometers only show a
flipped z. Once airborne the attitude loop then pushes the wrong way and the vehicle rolls over within a
second (PX4's attitude failure detector sees only the consequence, a roll or pitch beyond its limit).

This watches the cause. Each cycle the rate model predicts the body rate from the torque commanded (through
the rotors' lag); over each window of `window_s`, per roll and pitch axis, the change in rate the model
predicted is compared with the change the gyro measured. Where the predicted change is large enough to see
(`min_change_radps`) and the measured one is at least half of it the other way, the window is opposed; on the
ground the legs hold the body still, so the measured change is small and no window counts. `windows` opposed
windows of one axis in a row mean that axis turns against the commands.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from fsw.bus.messages import ImuSample

_AXES = ("roll (x)", "pitch (y)")


@dataclass
class ResponseCheck:
    window_s: float = 0.05
    min_change_radps: float = 0.02
    windows: int = 3
    _prev: tuple[float, float, float] | None = None
    _start_ns: int | None = None
    _predicted: list[float] = field(default_factory=lambda: [0.0, 0.0])
    _measured: list[float] = field(default_factory=lambda: [0.0, 0.0])
    _opposed: list[int] = field(default_factory=lambda: [0, 0])

    def observe(self, measured: ImuSample, expected: ImuSample) -> str | None:
        """One cycle: the sample measured and the one the rate model expected for it (predicted from the last
        measured rate). The reason the vehicle must not fly on, once an axis has turned against the commands."""
        prev, self._prev = self._prev, measured.gyro_radps
        if prev is None:
            self._start_ns = measured.t_ns
            return None
        for axis in (0, 1):
            self._predicted[axis] += expected.gyro_radps[axis] - prev[axis]
            self._measured[axis] += measured.gyro_radps[axis] - prev[axis]
        if (measured.t_ns - self._start_ns) * 1e-9 < self.window_s:
            return None
        verdict = self._close_window()
        self._start_ns = measured.t_ns
        return verdict

    def reset(self) -> None:
        """Start afresh (a new takeoff); called every cycle outside a takeoff, so nothing is done twice."""
        if self._prev is None:  # nothing observed since the last reset
            return
        self._prev, self._start_ns = None, None
        self._predicted, self._measured, self._opposed = [0.0, 0.0], [0.0, 0.0], [0, 0]

    def _close_window(self) -> str | None:
        verdict = None
        for axis in (0, 1):
            p, m = self._predicted[axis], self._measured[axis]
            opposed = abs(p) >= self.min_change_radps and p * m < 0 and abs(m) >= 0.5 * abs(p)
            self._opposed[axis] = self._opposed[axis] + 1 if opposed else 0
            if self._opposed[axis] >= self.windows and verdict is None:
                verdict = (f"the body turns against the {_AXES[axis]} commands ({self._opposed[axis]} windows of "
                           f"{self.window_s * 1e3:.0f} ms in a row; last {m:+.3f} rad/s measured against "
                           f"{p:+.3f} predicted): a gyro axis reversed, or the IMU mounted otherwise than the "
                           "config says")
        self._predicted, self._measured = [0.0, 0.0], [0.0, 0.0]
        return verdict
