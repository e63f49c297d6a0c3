"""Flying through an IMU dropout on a model (pure): the body rate predicted from the torques commanded.

When the IMU gate rejects a sample, control has no measured rate for that cycle. Holding the last rate, or
commanding no torque, lets any turn the vehicle had grow unchecked (half a second of that tips it). Instead
the rate is carried forward with the rigid body's own equation, omega' = J^-1 (tau - omega x J omega), using
the torque the rotors were commanded (through their first-order lag), and the specific force from the thrust
commanded. The control loop keeps running on this predicted sample, so the attitude loop keeps damping the
turn it knows of. Unmodelled torques (gusts, rotor damping) make it drift: it bridges a dropout of a fraction
of a second, long enough to land (LAND_NOW follows a dropout that lasts).
"""
from __future__ import annotations

import math

from fsw.bus.messages import ActuatorCommand, ImuSample
from fsw.control.controller import ControlConfig
from fsw.rotation import cross


class RateModel:
    """On plain floats, operation for operation as numpy would do them: it runs in every 500 Hz cycle, where a
    numpy array of three costs more than the arithmetic."""

    def __init__(self, cfg: ControlConfig, torque_lag_s: float = 0.02, thrust_lag_s: float = 0.03) -> None:
        self.J = tuple(float(j) for j in cfg.inertia_kgm2)
        self.mass_kg = cfg.mass_kg
        self.torque_lag_s, self.thrust_lag_s = torque_lag_s, thrust_lag_s
        self._last: ImuSample | None = None  # the last sample, measured or predicted
        self._omega = (0.0, 0.0, 0.0)
        self._torque = [0.0, 0.0, 0.0]  # the torque the rotors are delivering (lagging the command)
        self._thrust = 0.0
        self._command: ActuatorCommand | None = None
        self._gains: tuple[float, float, float] | None = None  # (dt, torque's and thrust's share) as last worked out

    def observe(self, sample: ImuSample) -> None:
        """A plausible sample: the model restarts from the rate measured (the rotors' lag runs on)."""
        self._follow_rotors(sample.t_ns)
        self._last = sample
        self._omega = tuple(float(x) for x in sample.gyro_radps)

    @property
    def armed(self) -> bool:
        """The rotors are armed: the torques commanded are what turns the body."""
        return self._command is not None and self._command.armed

    def commanded(self, command: ActuatorCommand) -> None:
        """The command sent this cycle: the rotors follow it from now on."""
        self._command = command

    def predict(self, t_ns: int, temperature_c: float = 20.0) -> ImuSample:
        """The sample the IMU would have given at `t_ns` had the model been right."""
        if self._last is None:
            return ImuSample(t_ns, (0.0, 0.0, 0.0), (0.0, 0.0, 0.0), temperature_c)
        dt = self._follow_rotors(t_ns)
        w, J, tau = self._omega, self.J, self._torque
        gyro = cross(w, (J[0] * w[0], J[1] * w[1], J[2] * w[2]))
        self._omega = tuple(w[i] + dt * (tau[i] - gyro[i]) / J[i] for i in range(3))
        accel = (self._last.accel_mps2[0], self._last.accel_mps2[1], -self._thrust / self.mass_kg)
        self._last = ImuSample(t_ns, self._omega, accel, self._last.temperature_c)
        return self._last

    def _follow_rotors(self, t_ns: int) -> float:
        """Advance the delivered torque and thrust towards the last command to `t_ns`; the step in seconds."""
        dt = max(0.0, (t_ns - self._last.t_ns) * 1e-9) if self._last is not None else 0.0
        cmd = self._command
        armed = cmd is not None and cmd.armed
        torque_cmd = cmd.torque_nm if armed else (0.0, 0.0, 0.0)
        thrust_cmd = cmd.thrust_n if armed else 0.0
        if self._gains is None or self._gains[0] != dt:  # the same step, cycle after cycle
            self._gains = (dt, 1.0 - math.exp(-dt / self.torque_lag_s), 1.0 - math.exp(-dt / self.thrust_lag_s))
        _, k_torque, k_thrust = self._gains
        tau = self._torque
        for i in range(3):
            tau[i] += (float(torque_cmd[i]) - tau[i]) * k_torque
        self._thrust += (thrust_cmd - self._thrust) * k_thrust
        return dt
