"""The sim backend of a control process hosted in the world's own process (lockstep).

On Ingenuity the 500 Hz control loop runs on the flight-control MCU, which the world stands in for; in a lockstep
simulation the world may run the same control process (`fsw/control`, unchanged) in its own loop
(`FlightProcess.host`), so the step's exchange is a function call, not two trips across processes
(`docs/performance.md`). Control reads the same HAL contracts: its IMU, altimeter and inclinometer take what the
world delivers after each step, and its actuators hand each command straight back. Everything else control
does -- its estimates from navigation, its commands, events, telemetry, the IMU and commands it passes on --
goes over the bus exactly as when it is a process of its own.
"""
from __future__ import annotations

import os
from typing import Callable

from fsw.bus.messages import ActuatorCommand, AltimeterSample, ImuSample, InclinometerSample
from hal.backend import BackendContext
from sim_hal.backend.devices import SimActuators, SimBackend, SimImu, SimLink
from sim_hal.backend.timesource import SimTimeSource


class HostedLink(SimLink):
    """The world delivers each step's samples (no socket); commands go to `on_command`."""

    def __init__(self, context: BackendContext, time_source: SimTimeSource) -> None:
        super().__init__(context, time_source)
        self.on_command: Callable[[ActuatorCommand], None] | None = None
        # what control's loop watches its IMU by; the world wakes control by it directly (`FlightProcess.wake`),
        # so it is never written
        self.wake_handle = os.eventfd(0)

    def deliver(self, t_ns: int, imu: list[ImuSample], altimeter: list[AltimeterSample],
                inclinometer: list[InclinometerSample]) -> None:
        """One world step's samples, and its time for control's clock."""
        self.imu.extend(imu)
        self.altimeter.extend(altimeter)
        self.inclinometer.extend(inclinometer)
        self.time_source.clock.on_tick(t_ns)

    def pump_sensors(self) -> None:
        """Nothing to pump: the world delivers."""

    def close(self) -> None:
        if self.wake_handle >= 0:
            os.close(self.wake_handle)
            self.wake_handle = -1
        super().close()


class HostedImu(SimImu):
    def open(self) -> None:
        self.wait_handle = self.link.wake_handle
        self.is_open = True


class HostedActuators(SimActuators):
    def open(self) -> None:
        self.is_open = True

    def write(self, command: ActuatorCommand) -> None:
        self.link.on_command(command)
        self.count += 1


class HostedBackend(SimBackend):
    LINK = HostedLink

    def imu(self) -> HostedImu:
        return HostedImu(self.link)

    def actuators(self) -> HostedActuators:
        return HostedActuators(self.link)
