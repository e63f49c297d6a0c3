"""Re-run navigation on a flight log's sensor data and compare with the estimates logged in flight (as
ArduPilot's replay check does): the same inputs through the same pipeline must give the same estimates, so
any difference is a determinism bug -- or a change in the code since the flight.

The log must hold every navcam frame (`[logger] navcam_all = true`) and start where navigation started:
replay the boot log (a flight log begins at arming, with navigation already running). The nav config is
the one the log's header recorded.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fsw import config
from fsw.bus.messages import NavState
from fsw.config.sensors import load_sensors
from fsw.config.stack import NavConfig
from fsw.logger.images import read_image
from fsw.logger.read import decode_log
from fsw.nav.pipeline import NavPipeline, Outputs

_ORDER = {"altimeter": 0, "inclinometer": 0, "actuators": 1, "navcam": 2, "imu": 3}  # at equal times, as the
# process sees them
_SENSORS = ("imu", "altimeter", "inclinometer", "actuators")  # the logged inputs replayed beside the frames


class ReplayError(ValueError):
    pass


@dataclass(frozen=True)
class ReplayResult:
    logged: int  # estimates in the log
    compared: int  # logged estimates matched by time with a replayed one
    identical: int
    max_position_diff_m: float
    max_velocity_diff_mps: float
    frames: int
    missing_frames: int  # navcam frames the sequence numbers say the log does not hold

    @property
    def deterministic(self) -> bool:
        return self.compared > 0 and self.identical == self.compared


def nav_config(header: dict | None) -> NavConfig:
    text = (header or {}).get("config") or ""
    raw = tomllib.loads(text) if text else {}
    return config.parse(raw.get("nav", {}), NavConfig, "the log's config")


def replay(path: str | Path) -> ReplayResult:
    d = decode_log(path)
    frames = [r for r in d.images if r.topic == "navcam"]
    if not frames:
        raise ReplayError(f"{path}: no navcam frames in the log (fly with [logger] navcam_all = true)")
    seqs = [r.body["frame_seq"] for r in frames]
    missing = max(seqs) - min(seqs) + 1 - len(set(seqs))
    if missing > len(frames):
        raise ReplayError(f"{path}: cannot replay: the log lacks {missing} of the {missing + len(frames)} navcam "
                          "frames navigation used (the logger keeps one a second by default); to replay a flight, "
                          "record every frame: [logger] navcam_all = true in a copy of the stack config "
                          "(`ginny sim --config FILE`)")
    inputs = [(m.t_ns, _ORDER[t], t, m) for t, m in d.messages if t in _SENSORS]
    for r in frames:
        frame = read_image(Path(path).parent, "navcam", r.t_ns, r.body)
        if frame is None:
            raise ReplayError(f"{path}: cannot read {r.body['file']}")
        inputs.append((r.t_ns, _ORDER["navcam"], "navcam", frame))
    inputs.sort(key=lambda i: (i[0], i[1]))
    states = _run(nav_config(d.report.header), inputs)
    logged = [m for t, m in d.messages if t == "nav.state"]
    return _compare(logged, states, len(frames), missing)


def _run(cfg: NavConfig, inputs: list) -> dict[tuple[int, int], NavState]:
    p = NavPipeline(cfg, load_sensors(), lambda: 0, lambda: 0)
    out = Outputs()
    for _, _, topic, msg in inputs:
        if topic == "imu":
            p.on_imu(msg, out)
        elif topic == "altimeter":
            p.on_altimeter(msg)
        elif topic == "inclinometer":
            p.on_inclinometer(msg)
        elif topic == "actuators":
            p.on_actuators(msg)
        else:
            p.on_frame(msg, out)
            p.finish_frame(out)  # as the nav process does, once the estimate is out
    return {(s.t_ns, s.frame_seq): s for s in out.states}


def _compare(logged: list[NavState], replayed: dict, frames: int, missing: int) -> ReplayResult:
    compared = identical = 0
    dp = dv = 0.0
    for s in logged:
        r = replayed.get((s.t_ns, s.frame_seq))
        if r is None:
            continue
        compared += 1
        pos = float(np.max(np.abs(np.subtract(s.pos_m, r.pos_m))))
        vel = float(np.max(np.abs(np.subtract(s.vel_mps, r.vel_mps))))
        identical += pos == 0.0 and vel == 0.0 and s.q_wxyz == r.q_wxyz
        dp, dv = max(dp, pos), max(dv, vel)
    return ReplayResult(len(logged), compared, identical, dp, dv, frames, missing)
