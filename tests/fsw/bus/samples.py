"""One sample message per topic, for round-trip and golden-bytes tests."""
from __future__ import annotations

import numpy as np

from fsw.bus import messages as m
from sim_hal.backend import messages as sm

T = 1_700_000_000_123_456_789


def image(h: int, w: int, channels: int = 0) -> np.ndarray:
    shape = (h, w, channels) if channels else (h, w)
    return (np.arange(int(np.prod(shape)), dtype=np.uint32) * 37 % 251).astype(np.uint8).reshape(shape)


SAMPLES: dict[str, m.Message] = {
    "heartbeat": m.Heartbeat(T, "nav", 4242, m.ProcState.READY, 123456),
    "event": m.Event(T, "health", "PROC_RESTART", m.Severity.WARNING_HI, "restarting nav in 100 ms", 2),
    "tlm": m.Telemetry(T, "nav", {"commands": 3, "ok": True, "rate_hz": 29.97, "mode": "FLY"}),
    "cmd.ack": m.CommandAck(T, 77, "NO_OP", "nav", m.CommandResult.OK, ""),
    "cmd": m.Command(T, 77, "SET_PARAM", "control", {"name": "kp", "value": 1.5}),
    "health.procs": m.ProcessStats(T, [m.ProcessStat("nav", 4242, m.ProcState.READY, 12.5, 50_000_000, 1, 42.0, 3.25)]),
    "board.health": m.BoardHealth(T, 51.5, 0.75, 33.3, 10_000_000_000),
    "sim.clock": sm.ClockTick(T, 1234, 1.0, 100_000_000),
    "imu": m.ImuSample(T, (0.01, -0.02, 0.03), (0.1, -0.2, -3.71), 25.0),
    "altimeter": m.AltimeterSample(T, 12.345, True),
    "inclinometer": m.InclinometerSample(T, 0.01, -0.02, True),
    "actuators": m.ActuatorCommand(T, True, 6.678, (0.0, 0.01, -0.02)),
    "navcam": m.NavcamFrame(T, 1620, 250.0, image(480, 640)),
    "rte": m.ColourImage(T, 3, 1000.0, image(312, 420, 3), 1.0, "RGB", 8, 33000.0),
    "sim.sensors": sm.SimSensors(T, 42, [m.ImuSample(T, (0.0, 0.1, 0.2), (0.0, 0.0, -3.71), 20.0)],
                                [m.AltimeterSample(T, 3.5, True)], []),
    "sim.navcam": m.NavcamFrame(T, 7, 2000.0, image(48, 64)),
    "sim.rte": m.ColourImage(T, 1, 500.0, (image(24, 32) * 4).astype(np.uint16), 2.0, "RGGB", 10, 33000.0),
    "sim.truth": sm.SimTruth(T, (1.0, 2.0, -3.0), (0.1, 0.0, 0.0), (1.0, 0.0, 0.0, 0.0), (0.0, 0.0, 0.1), 2.87,
                            "airborne", 2537.0, 6.68),
    "sim.actuators": m.ActuatorCommand(T, False, 0.0, (0.0, 0.0, 0.0)),
    "sim.rte.request": m.RteRequest(T, 1, 1052, 780, (0.0, 0.0, 0.0), (0.0, 0.0, 0.0)),
    "rte.request": m.RteRequest(T, 1, 1052, 780, (80.0, 0.0, -12.0), (0.4, -1.2, -116.57)),
    "nav.state": m.NavState(T, (1.0, 2.0, -12.0), (0.5, 0.0, 0.0), (1.0, 0.0, 0.0, 0.0), (0.1, 0.1, 0.02),
                            (0.01, 0.01, 0.01), (0.001, 0.001, 0.01), True, m.VisionStatus.GOOD, 42, 0.5),
    "nav.track": m.NavTrack(T, 42, 150, 120, 0, False, 2.5, 4.0),
    "sim.progress": sm.LockstepProgress(T, "nav", "navcam", T - 5_000_000),
}
