"""`ginny board --check`: open every configured device, exercise it for a moment, and say what it did."""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fsw.bus.messages import ActuatorCommand
from hal.device import DeviceError

POLL_S = 0.002  # the control loop's rate


@dataclass
class Probe:
    device: str
    where: str
    found: bool
    ident: str = "-"
    rate_hz: float | None = None
    errors: str = "0"


class VirtualClock:
    """Time that moves only when the probe waits: emulated checks give the same figures every run."""

    def __init__(self) -> None:
        self.t_ns = 1_000_000_000

    def ns(self) -> int:
        return self.t_ns

    def sleep(self, seconds: float) -> None:
        self.t_ns += round(seconds * 1e9)


def probe_all(backend: Any, seconds: float, clock_ns: Callable[[], int], delay: Callable[[float], None],
              settle: Callable[[Callable[[], bool]], None]) -> list[Probe]:
    """One Probe per device; `settle(condition)` waits for an asynchronous answer (the MCU's)."""
    cfg = backend.cfg
    probes = [
        ("navcam", cfg.navcam.device, backend.navcam, lambda d: _navcam(d, seconds, delay)),
        ("colour_camera", cfg.colour_camera.device, backend.colour_camera, _still),
        ("imu", f"{cfg.imu.bus} 0x{cfg.imu.address:02x}", backend.imu,
         lambda d: _polled(d, seconds, clock_ns, delay, f"BMI-160 0x{0xD1:02x}")),
        ("altimeter", f"{cfg.altimeter.bus} 0x{cfg.altimeter.address:02x}", backend.altimeter,
         lambda d: _polled(d, seconds, clock_ns, delay, None)),
        ("inclinometer", cfg.inclinometer.device if cfg.inclinometer.enabled else "(disabled)",
         backend.inclinometer, _inclinometer),
        ("actuators", cfg.mcu.port, backend.actuators, lambda d: _mcu(d, seconds, delay, settle)),
        ("board_health", f"{cfg.health.sysfs} {cfg.health.disk}", backend.board_health,
         lambda d: _health(d, clock_ns)),
    ]
    return [_probe(name, where, make, exercise) for name, where, make, exercise in probes]


def _probe(name: str, where: str, make: Callable[[], Any], exercise: Callable[[Any], Probe]) -> Probe:
    try:
        device = make()
        device.open()
    except DeviceError as exc:
        return Probe(name, where, False, errors=exc.reason)
    try:
        failure = getattr(device, "failure", None)
        if failure is not None:
            return Probe(name, where, False, errors=f"{failure.reason} (flies without it)")
        p = exercise(device)
        return Probe(name, where, True, p.ident, p.rate_hz, p.errors)
    except DeviceError as exc:
        return Probe(name, where, True, errors=exc.reason)
    finally:
        device.close()


def _rate(times_ns: list[int]) -> float | None:
    if len(times_ns) < 2 or times_ns[-1] == times_ns[0]:
        return None
    return (len(times_ns) - 1) / ((times_ns[-1] - times_ns[0]) / 1e9)


def _navcam(cam: Any, seconds: float, delay: Callable[[float], None]) -> Probe:
    times = []
    for _ in range(round(seconds * cam.cfg.fps)):
        f = cam.read(cam.cfg.timeout_ms * 1_000_000)
        if f is not None:
            times.append(f.t_ns)
        delay(1.0 / cam.cfg.fps)
    return Probe("", "", True, f"{cam.width}x{cam.height} gray", _rate(times),
                 f"{cam.timeouts} timeouts, {cam.dropped} dropped")


def _still(cam: Any) -> Probe:
    still = cam.capture(1, 640, 480)
    return Probe("", "", True, "still 640x480 ok" if still is not None else "no still")


def _polled(dev: Any, seconds: float, clock_ns: Callable[[], int], delay: Callable[[float], None],
            ident: str | None) -> Probe:
    times, errors = [], 0
    end = clock_ns() + seconds * 1e9
    while clock_ns() < end:
        try:
            times += [s.t_ns for s in dev.read()]
        except DeviceError:
            errors += 1
        delay(POLL_S)
    return Probe("", "", True, ident or f"unit 0x{dev.unit_id:04x}", _rate(times), str(errors))


def _inclinometer(dev: Any) -> Probe:
    r = dev.read()
    return Probe("", "", True, f"roll {math.degrees(r.roll_rad):+.1f} pitch {math.degrees(r.pitch_rad):+.1f} deg, "
                 f"{dev.temperature_c:.0f} C")


def _mcu(link: Any, seconds: float, delay: Callable[[float], None], settle: Callable[[Callable[[], bool]], None]
         ) -> Probe:
    n = round(seconds / POLL_S)
    for i in range(n):
        link.write(ActuatorCommand(i, False, 0.0, (0.0, 0.0, 0.0)))  # disarmed: nothing turns
        settle(lambda: link.poll(0.05) or link.statuses > i)  # one exchange at a time
        delay(POLL_S)
    return Probe("", "", True, f"statuses {link.statuses}/{n}", 1.0 / POLL_S,
                 f"{link.reader.crc_errors} crc, {link.status_gaps} gaps")


def _health(dev: Any, clock_ns: Callable[[], int]) -> Probe:
    h = dev.read(clock_ns())
    temp = "no thermal zone" if math.isnan(h.cpu_temp_c) else f"{h.cpu_temp_c:.0f} C"
    return Probe("", "", True, f"cpu {temp}")
