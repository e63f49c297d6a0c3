"""Control process: owns the IMU, altimeter, inclinometer and actuators. One control cycle runs per IMU
sample and ends with one actuator command stamped with that sample's time (in simulation, that command is
also the lockstep answer the world waits for). Until flight control lands the command keeps the rotors idle."""
from __future__ import annotations

from fsw.bus.messages import ActuatorCommand, ImuSample
from fsw.clock import NS_PER_MS
from fsw.runtime.node import FlightProcess

_SENSOR_PERIOD_NS = 2 * NS_PER_MS  # 500 Hz, the IMU rate, for devices that cannot wake the process
IDLE = (0.0, 0.0, 0.0)


class ControlProcess(FlightProcess):
    def setup(self) -> None:
        backend = self.ctx.backend
        self.devices = [backend.imu(), backend.altimeter(), backend.inclinometer(), backend.actuators()]
        self.imu, self.altimeter, self.inclinometer, self.actuators = self.devices
        for device in self.devices:
            device.open()
        self.samples = {"imu": 0, "altimeter": 0, "cycles": 0}
        handle = getattr(self.imu, "wait_handle", None)
        if handle is not None:
            self.watch(handle, self._read_sensors)
        else:
            self.timers.every(_SENSOR_PERIOD_NS, self._read_sensors)

    def teardown(self) -> None:
        for device in getattr(self, "devices", []):
            device.close()

    def _read_sensors(self) -> None:
        imu = self.imu.read()
        for sample in self.altimeter.read():
            self.publish("altimeter", sample)
            self.samples["altimeter"] += 1
        tilt = self.inclinometer.read()
        if tilt is not None:
            self.publish("inclinometer", tilt)
        for sample in imu:
            self.publish("imu", sample)
            self.samples["imu"] += 1
            self._cycle(sample)

    def _cycle(self, sample: ImuSample) -> None:
        self.samples["cycles"] += 1
        self.actuators.write(ActuatorCommand(sample.t_ns, False, 0.0, IDLE))

    def telemetry(self) -> dict:
        return {f"{k}_samples": v for k, v in self.samples.items()}
