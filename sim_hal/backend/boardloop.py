"""Board in the loop: the board backend's real drivers (BMI-160 and LIDAR-Lite v3 on I2C, SCA100T on SPI, the
MCU on a UART, cameras through the VideoCapture path) talking to register-level chip emulators that the
simulated world feeds. What the world senses goes into the chips' registers in the chips' own terms (axes as
the chip is really mounted, LSBs of the configured range, centimetres, counts, CRC-framed UART bytes); what
the drivers make of them is what the flight software gets. Nothing in the flight code changes: an axis
flipped or a range in the wrong unit shows up as it would on the first real vehicle.

The chips tick with simulated time (the backend's flight clock is the world's), so the board path flies in
lockstep as the sim backend does, and in real time. Emulated hardware faults (`[board.emulation] faults`)
break one thing at a time: an IMU axis wired backwards, an altimeter firmware reporting millimetres, a chip
mounted otherwise than the config says (`imu_body_from_chip`), a UART that corrupts some of the MCU's frames.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import psutil
import serial
import zmq

from fsw.bus.messages import ActuatorCommand
from fsw.bus.transport import Publisher
from fsw.clock import NS_PER_MS
from fsw.health.resources import cpu_seconds
from hal.board import bmi160 as bmi
from hal.board.bmi160 import Bmi160
from hal.board.cameras import BoardColourCamera, BoardNavcam
from hal.board.config import BoardConfig, board_config
from hal.board.emulated.bmi160 import EmulatedBmi160
from hal.board.emulated.camera import CaptureShape
from hal.board.emulated.lidarlite import EmulatedLidarLite
from hal.board.emulated.mcu import EmulatedMcu
from hal.board.emulated.sca100t import EmulatedSca100t
from hal.board.lidarlite import LidarLiteV3
from hal.board.mculink import McuLink
from hal.board.sca100t import Sca100t
from hal.device import DeviceError
from hal.inclinometer import NullInclinometer
from sim_hal.backend.devices import SimBackend, SimLink
from sim_hal.backend.meter import CpuMeter, write_emulation
from sim_hal.backend.topics import sim_registry, sim_topics as TOPICS
from sim_hal.helper_process import start_helper, stop_helper
from sim_hal.model.mathx import dot

__all__ = ["BoardLoopBackend", "TOPICS"]  # TOPICS: the sim topics this backend adds (hal.backend reads them)


METER = CpuMeter()  # the emulated hardware's CPU in this process (a process has one backend)


class _MeteredI2c:
    """An emulated I2C chip whose bus transactions count as emulation."""

    def read_byte_data(self, address: int, register: int) -> int:
        return METER.run(super().read_byte_data, address, register)

    def write_byte_data(self, address: int, register: int, value: int) -> None:
        METER.run(super().write_byte_data, address, register, value)

    def read_i2c_block_data(self, address: int, register: int, length: int) -> list[int]:
        return METER.run(super().read_i2c_block_data, address, register, length)


def _no_delay(seconds: float) -> None:
    """The emulated chips are ready at once: a driver's datasheet waits cost no simulated time."""


class WorldBmi160(_MeteredI2c, EmulatedBmi160):
    """A BMI-160 whose data registers hold the world's newest IMU sample, in the chip's axes (as it is really
    mounted); data-ready when the world has stepped since the last read."""

    def __init__(self, link: SimLink, chip_from_body: np.ndarray, faults: tuple[str, ...]) -> None:
        super().__init__(lambda: link.time_source.clock.now_ns() / 1e9)
        self.link = link
        flip = np.diag([-1.0 if "imu.flip_x" in faults else 1.0, 1.0, -1.0 if "imu.flip_z" in faults else 1.0])
        self.chip_from_body = flip @ chip_from_body  # a flipped axis is a wiring or firmware fault of the chip
        self._rows = tuple(tuple(row) for row in self.chip_from_body.tolist())  # plain floats: 500 times a second
        self._sample = ((0.0, 0.0, 0.0), (0.0, 0.0, 0.0))
        self.reading = lambda t: self._sample
        self._held = bytes(15)

    def _byte(self, r: int, data: bytes) -> int:
        if r == bmi.REG_STATUS:
            ready = self.acc_on and self.gyr_on and bool(self.link.imu)
            return (bmi.STATUS_DRDY_ACC | bmi.STATUS_DRDY_GYR) if ready else 0
        return super()._byte(r, data)

    def _data(self) -> bytes:
        if self.link.imu:  # without data ready the registers hold what they held
            s = self.link.imu[-1]
            self.link.imu.clear()
            self._sample = (tuple(dot(r, s.gyro_radps) for r in self._rows),
                            tuple(dot(r, s.accel_mps2) for r in self._rows))
            self._held = self._pack(s.t_ns / 1e9)
        return self._held


class WorldLidarLite(_MeteredI2c, EmulatedLidarLite):
    """A LIDAR-Lite v3 measuring the world's newest range (no return where the world's laser has none)."""

    def __init__(self, link: SimLink, faults: tuple[str, ...]) -> None:
        super().__init__(lambda: link.time_source.clock.now_ns() / 1e9, self._range)
        self.link = link
        self.scale = 10.0 if "altimeter.millimetres" in faults else 1.0  # firmware that reports mm as cm
        self._last = (0.0, False)

    def _range(self, t_s: float) -> float:
        if self.link.altimeter:
            s = self.link.altimeter[-1]
            self.link.altimeter.clear()
            self._last = (s.range_m, s.valid)
        r, valid = self._last
        return r * self.scale if valid else 0.0


class WorldSca100t(EmulatedSca100t):
    """An SCA100T inclined as the world's inclinometer says."""

    def __init__(self, link: SimLink) -> None:
        super().__init__()
        self.link = link

    def xfer2(self, data: list[int]) -> list[int]:
        return METER.run(self._xfer2, data)

    def _xfer2(self, data: list[int]) -> list[int]:
        if self.link.inclinometer:
            s = self.link.inclinometer[-1]
            self.link.inclinometer.clear()
            if s.valid:
                self.roll_deg, self.pitch_deg = np.degrees(s.roll_rad), np.degrees(s.pitch_rad)
        return super().xfer2(data)


class WorldMcu(EmulatedMcu):
    """The flight-control MCU: each ACTUATORS frame it takes becomes the world's actuator input (after its
    STATUS answer is on the wire); with `mcu.corrupt` one answer in `corrupt_every` has its CRC broken."""

    def __init__(self, fd: int, link: SimLink, corrupt_every: int) -> None:
        super().__init__(fd)
        self.link = link
        self.corrupt_every = corrupt_every
        self.answers = 0

    def _answer(self, f) -> None:
        self.answers += 1
        if self.corrupt_every and self.answers % self.corrupt_every == 0:
            self.corrupt.set()
        super()._answer(f)  # takes the command (into `commands`) and answers it
        self.corrupt.clear()
        t_ns, armed, thrust, *torque = self.commands[-1]
        self.link.publisher("sim.actuators").publish(ActuatorCommand(t_ns, bool(armed), thrust, tuple(torque)))


class WorldNavcamCapture(CaptureShape):
    """Shaped like cv2.VideoCapture on V4L2: `read` gives the world's next navcam frame as it comes (waiting
    at most `timeout_ms`, as a V4L2 read timeout does), `CAP_PROP_POS_MSEC` its exposure time."""

    def __init__(self, link: SimLink, timeout_ms: int) -> None:
        super().__init__()
        self.link, self.timeout_ms = link, timeout_ms
        self._frames: list = []
        self._t_ms = -1.0

    def read(self) -> tuple[bool, Any]:
        return METER.run(self._read)

    def _read(self) -> tuple[bool, Any]:
        sub = self.link.subscription("sim.navcam")
        if not self._frames and sub.socket.poll(self.timeout_ms):
            self._frames.extend(r.msg for r in sub.drain())
        if not self._frames:
            return False, None
        frame = self._frames.pop(0)
        self._t_ms = frame.t_ns / NS_PER_MS
        return True, frame.pixels


class WorldStillCapture(CaptureShape):
    """The colour camera's VideoCapture path: a still is the world's RAW frame, asked for at `read`."""

    def __init__(self, link: SimLink) -> None:
        super().__init__()
        self.link = link
        self.captures = 0

    def read(self) -> tuple[bool, Any]:
        from sim_hal.backend.devices import SimColourCamera

        self.captures += 1
        w = int(self.props.get(cv2.CAP_PROP_FRAME_WIDTH, 1052))
        h = int(self.props.get(cv2.CAP_PROP_FRAME_HEIGHT, 780))
        still = SimColourCamera(self.link).capture(self.captures, w, h)
        return (True, still.pixels) if still is not None else (False, None)


class Fed:
    """A driver whose chip the world feeds: each read first takes in what the world has sent (which moves
    the flight clock to the world's step). The IMU's `wait_handle` wakes control when a step comes."""

    def __init__(self, driver: Any, link: SimLink, wakes: bool = False) -> None:
        self.driver, self.link, self.wakes = driver, link, wakes
        self.name = driver.name

    def open(self) -> None:
        self.driver.open()
        if self.wakes:
            self.wait_handle = self.link.subscription("sim.sensors").socket

    def read(self, *args: Any) -> Any:
        METER.run(self.link.pump_sensors)
        return self.driver.read(*args)

    def __getattr__(self, attr: str) -> Any:
        return getattr(self.driver, attr)


class WorldBoard:
    """The board's devices, their drivers on chips fed through `link` (the world's samples in its queues;
    the flight clock `link.time_source.clock`)."""

    def __init__(self, link: SimLink, cfg: BoardConfig, mcu_in_thread: bool = False) -> None:
        self.link, self.cfg, self.mcu_in_thread = link, cfg, mcu_in_thread
        self._mcu_proc: BaseProcess | None = None
        self._mcu_conn: Connection | None = None
        self.clock_ns = link.time_source.clock.now_ns
        em = cfg.emulation
        mounted = np.asarray(em.imu_body_from_chip if em.imu_body_from_chip is not None
                             else cfg.imu.body_from_chip, dtype=float)
        self.imu_chip = WorldBmi160(link, mounted.T, em.faults)
        self.altimeter_chip = WorldLidarLite(link, em.faults)
        self.mcu: WorldMcu | None = None
        self.mcu_cpu_s = 0.0  # the emulated MCU's process's CPU, when it closes

    def imu(self) -> Fed:
        return Fed(Bmi160(lambda: self.imu_chip, self.cfg.imu, self.clock_ns, _no_delay), self.link, wakes=True)

    def altimeter(self) -> Fed:
        return Fed(LidarLiteV3(lambda: self.altimeter_chip, self.cfg.altimeter, self.clock_ns, _no_delay), self.link)

    def inclinometer(self) -> Fed | NullInclinometer:
        if not self.cfg.inclinometer.enabled:
            return NullInclinometer()
        return Fed(Sca100t(lambda: WorldSca100t(self.link), self.cfg.inclinometer, self.clock_ns), self.link)

    def actuators(self) -> McuLink:
        return McuLink(self._uart, self.cfg.mcu, self.clock_ns)

    def _uart(self) -> serial.Serial:
        """A pseudo-terminal with the world's MCU on its master side: in a process of its own, as the MCU is
        a chip of its own (a thread would share the flight process's interpreter, and be starved with it)."""
        em = self.cfg.emulation
        corrupt = em.corrupt_every if "mcu.corrupt" in em.faults else 0
        if self.mcu_in_thread:
            master, slave = os.openpty()
            self.mcu = WorldMcu(master, self.link, corrupt)
            self.mcu.start()
            return serial.Serial(os.ttyname(slave), self.cfg.mcu.baud, timeout=0)
        owner = self.link.topology.registry["sim.actuators"].publisher
        endpoint = self.link.topology.endpoint(owner, "sim.actuators")
        self._mcu_conn, self._mcu_proc = start_helper(_serve_mcu, endpoint, self.link.context.process or owner,
                                                      corrupt)
        if not self._mcu_conn.poll(30):
            raise DeviceError("actuators", "emulated MCU", "did not start within 30 s")
        return serial.Serial(self._mcu_conn.recv(), self.cfg.mcu.baud, timeout=0)

    def navcam(self) -> BoardNavcam:
        cfg = self.cfg.navcam
        return BoardNavcam(cfg, self.clock_ns, lambda device, api: WorldNavcamCapture(self.link, cfg.timeout_ms))

    def colour_camera(self) -> BoardColourCamera:
        return BoardColourCamera(self.cfg.colour_camera, self.clock_ns, lambda device, api: WorldStillCapture(self.link))

    def close(self) -> None:
        if self.mcu is not None:
            self.mcu.stop()
        if self._mcu_proc is not None:
            self.mcu_cpu_s = cpu_seconds(self._mcu_proc.pid) or 0.0
            stop_helper(self._mcu_conn, self._mcu_proc)
            self._mcu_proc = None


def _serve_mcu(endpoint: str, name: str, corrupt_every: int, conn: Connection) -> None:
    """The emulated MCU's process: a pseudo-terminal (its slave's path sent back), the MCU on its master
    side, publishing the commands it takes to the world; until told to end (or its parent is gone)."""
    master, slave = os.openpty()
    ctx = zmq.Context()
    pub = Publisher(ctx, sim_registry()["sim.actuators"], endpoint, name)
    pub.open()
    mcu = WorldMcu(master, _Publishing(pub), corrupt_every)
    mcu.start()
    conn.send(os.ttyname(slave))
    try:
        conn.recv()
    except (EOFError, OSError):
        pass
    mcu.stop()
    pub.close()
    ctx.term()


class _Publishing:
    """What WorldMcu needs of a link: the actuators' publisher."""

    def __init__(self, pub: Publisher) -> None:
        self.pub = pub

    def publisher(self, topic: str) -> Publisher:
        return self.pub


class _FeedLink(SimLink):
    """The world's feed to the emulated chips. Its ZeroMQ context's I/O threads do nothing else (the world's
    steps and frames arriving), so their CPU, read (psutil) when the link closes, is the emulation's."""

    def __init__(self, context: Any, time_source: Any) -> None:
        super().__init__(context, time_source)
        self._io_threads: set[int] | None = None

    def subscription(self, topic: str) -> Any:
        return self._noting_threads(lambda: super(_FeedLink, self).subscription(topic))

    def publisher(self, topic: str) -> Any:
        return self._noting_threads(lambda: super(_FeedLink, self).publisher(topic))

    def _noting_threads(self, make: Callable[[], Any]) -> Any:
        """The first socket starts the context's threads (its I/O thread and reaper): those that appear are the
        link's. (Not told by name: a new thread names itself only once it runs.)"""
        if self._io_threads is not None:
            return make()
        before = _threads()
        made = make()
        self._io_threads = _threads() - before
        return made

    def io_cpu_ns(self) -> int:
        mine = self._io_threads or set()
        return round(1e9 * sum(t.user_time + t.system_time for t in psutil.Process().threads() if t.id in mine))


def _threads() -> set[int]:
    """This process's thread ids."""
    return {t.id for t in psutil.Process().threads()}


class BoardLoopBackend(SimBackend):
    """The board backend's drivers on chips the simulated world feeds (`ginny sim --backend board`)."""

    name = "board-loop"
    LINK = _FeedLink

    def __init__(self, context: Any) -> None:
        super().__init__(context)
        options = context.options
        self.board = WorldBoard(self.link, board_config(options.get("board", {}), options.get("config_path", "<config>")))

    def navcam(self) -> BoardNavcam:
        return self.board.navcam()

    def colour_camera(self) -> BoardColourCamera:
        return self.board.colour_camera()

    def imu(self) -> Fed:
        return self.board.imu()

    def altimeter(self) -> Fed:
        return self.board.altimeter()

    def inclinometer(self) -> Fed | NullInclinometer:
        return self.board.inclinometer()

    def actuators(self) -> McuLink:
        return self.board.actuators()

    def close(self) -> None:
        self.board.close()
        METER.ns += self.link.io_cpu_ns()
        super().close()
        if self.context.process and (METER.ns or self.board.mcu_cpu_s):
            write_emulation(Path(self.context.run_dir) / "logs", self.context.process, METER, self.board.mcu_cpu_s)
