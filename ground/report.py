"""The flight report, in the spirit of PX4's Flight Review: one self-contained HTML file (plots embedded as
PNG, opens offline) plus the PNGs beside it. Trajectory (estimate, and truth where the log has it), altitude,
velocity, attitude, features and inliers, the tracker's time against the 33.3 ms deadline, modes shaded on
the time plots, the events and the images of the flight.
"""
from __future__ import annotations

import base64
import html
import math
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # the board has no display
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from fsw.control.modes import entered  # noqa: E402
from fsw.logger.read import Decoded, decode_log  # noqa: E402
from sim_hal.backend.topics import sim_registry  # noqa: E402

NS = 1e-9
DEADLINE_MS = 1000.0 / 30.0
_MODE_COLOURS = {"TAKEOFF": "#d0e8ff", "FLY": "#e0ffe0", "LAND": "#fff0c0", "LAND_NOW": "#ffd0d0"}


@dataclass
class Series:
    t: list[float] = field(default_factory=list)
    v: list[tuple] = field(default_factory=list)

    def add(self, t_ns: int, *values: float) -> None:
        self.t.append(t_ns * NS)
        self.v.append(values)

    def arr(self) -> np.ndarray:
        return np.array(self.v, dtype=float).reshape(len(self.v), -1)


def _euler_deg(q: tuple) -> tuple[float, float, float]:
    w, x, y, z = q
    roll = math.atan2(2 * (w * x + y * z), 1 - 2 * (x * x + y * y))
    pitch = math.asin(max(-1.0, min(1.0, 2 * (w * y - z * x))))
    yaw = math.atan2(2 * (w * z + x * y), 1 - 2 * (y * y + z * z))
    return math.degrees(roll), math.degrees(pitch), math.degrees(yaw)


@dataclass
class FlightData:
    nav_pos: Series = field(default_factory=Series)
    nav_vel: Series = field(default_factory=Series)
    nav_att: Series = field(default_factory=Series)
    truth_pos: Series = field(default_factory=Series)
    truth_att: Series = field(default_factory=Series)
    track: Series = field(default_factory=Series)  # features, inliers, proc_ms
    modes: list[tuple[float, str]] = field(default_factory=list)
    events: list[str] = field(default_factory=list)


def collect(d: Decoded) -> FlightData:
    f = FlightData()
    for topic, m in d.messages:
        if topic == "nav.state":
            f.nav_pos.add(m.t_ns, *m.pos_m)
            f.nav_vel.add(m.t_ns, *m.vel_mps)
            f.nav_att.add(m.t_ns, *_euler_deg(m.q_wxyz))
        elif topic == "sim.truth":
            f.truth_pos.add(m.t_ns, *m.pos_m)
            f.truth_att.add(m.t_ns, *_euler_deg(m.q_wxyz))
        elif topic == "nav.track":
            f.track.add(m.t_ns, m.features, m.inliers, m.proc_ms)
        elif topic == "event":
            f.events.append(f"{m.t_ns * NS:8.2f} s  {m.source:<8} {m.severity.name:<11} {m.name}: {m.text}")
            if m.name == "MODE":
                f.modes.append((m.t_ns * NS, entered(m.text)))
    return f


def _shade(ax, modes: list[tuple[float, str]], end: float) -> None:
    for (t0, mode), nxt in zip(modes, modes[1:] + [(end, "")]):
        if mode in _MODE_COLOURS:
            ax.axvspan(t0, nxt[0], color=_MODE_COLOURS[mode], alpha=0.6, lw=0)


def _save(fig, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def plots(f: FlightData, out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    made = []
    end = max((s.t[-1] for s in (f.nav_pos, f.truth_pos, f.track) if s.t), default=1.0)
    if f.nav_pos.t:
        fig, ax = plt.subplots(figsize=(6, 6))
        p = f.nav_pos.arr()
        ax.plot(p[:, 1], p[:, 0], label="estimate")
        if f.truth_pos.t:
            tp = f.truth_pos.arr()
            ax.plot(tp[:, 1] - tp[0, 1], tp[:, 0] - tp[0, 0], "--", label="truth (from its start)")
        ax.set_xlabel("east (m)"), ax.set_ylabel("north (m)"), ax.axis("equal"), ax.legend(), ax.grid(True)
        ax.set_title("trajectory")
        made.append(_save(fig, out / "trajectory.png"))
    for name, series, labels, unit in (
            ("altitude", f.nav_pos, ["above the takeoff point (estimate)"], "m"),
            ("velocity", f.nav_vel, ["north", "east", "down"], "m/s"),
            ("attitude", f.nav_att, ["roll", "pitch", "yaw"], "deg")):
        if not series.t:
            continue
        fig, ax = plt.subplots(figsize=(9, 3.2))
        _shade(ax, f.modes, end)
        a = series.arr()
        cols = [-a[:, 2]] if name == "altitude" else [a[:, i] for i in range(3)]
        for col, label in zip(cols, labels):
            ax.plot(series.t, col, label=label, lw=1)
        if name == "altitude" and f.truth_pos.t:
            tp = f.truth_pos.arr()
            ax.plot(f.truth_pos.t, -(tp[:, 2] - tp[0, 2]) + (-f.nav_pos.arr()[0, 2]), "--", label="truth", lw=1)
        ax.set_xlabel("time (s)"), ax.set_ylabel(unit), ax.set_title(name), ax.legend(loc="upper right"), ax.grid(True)
        made.append(_save(fig, out / f"{name}.png"))
    if f.track.t:
        a = f.track.arr()
        fig, ax = plt.subplots(figsize=(9, 3.2))
        _shade(ax, f.modes, end)
        ax.plot(f.track.t, a[:, 0], label="features", lw=1)
        ax.plot(f.track.t, a[:, 1], label="inliers", lw=1)
        ax.set_xlabel("time (s)"), ax.set_title("feature tracking"), ax.legend(loc="upper right"), ax.grid(True)
        made.append(_save(fig, out / "features.png"))
        fig, ax = plt.subplots(figsize=(6, 3.2))
        ax.hist(a[:, 2], bins=50)
        ax.axvline(DEADLINE_MS, color="red", label=f"deadline {DEADLINE_MS:.1f} ms")
        ax.set_xlabel("tracker time per frame (ms)"), ax.set_ylabel("frames"), ax.legend(), ax.set_title("tracker time")
        made.append(_save(fig, out / "tracker_time.png"))
    return made


def _img(path: Path) -> str:
    return f'<img src="data:image/png;base64,{base64.b64encode(path.read_bytes()).decode()}">'


def write_report(log_path: str | Path, out_dir: str | Path) -> Path:
    """The report of one flight log: OUT/report.html and the PNGs; returns the HTML's path."""
    log_path, out = Path(log_path), Path(out_dir)
    d = decode_log(log_path, sim_registry())
    f = collect(d)
    pngs = plots(f, out)
    images = [log_path.parent / r.body["file"] for r in d.images if r.topic == "rte"]
    images += [log_path.parent / r.body["file"] for r in d.images if r.topic == "navcam"][:12]
    track = f.track.arr() if f.track.t else np.zeros((0, 3))
    misses = int((track[:, 2] > DEADLINE_MS).sum()) if len(track) else 0
    damage = f"{len(d.report.skipped)} damaged stretch(es), torn tail {d.report.torn_tail_bytes} bytes"
    parts = [f"<h1>Flight report: {html.escape(log_path.name)}</h1>",
             f"<p>{html.escape(str((d.report.header or {}).get('software')))}; {len(d.messages)} messages; "
             f"{len(track)} frames tracked, {misses} over the deadline; {damage}; "
             f"lost messages: {html.escape(str(dict(d.gaps)) or 'none')}</p>",
             "<h2>Modes</h2><p>" + " &rarr; ".join(f"{m} ({t:.1f} s)" for t, m in f.modes) + "</p>"]
    parts += [f"<h2>{p.stem.replace('_', ' ')}</h2>{_img(p)}" for p in pngs]
    faults = [e for e in f.events if "FAULT_" in e]
    parts.append("<h2>Faults</h2><pre>" + html.escape("\n".join(faults) or "none injected") + "</pre>")
    parts.append("<h2>Events</h2><pre>" + html.escape("\n".join(f.events)) + "</pre>")
    parts += ["<h2>Images</h2>"] + [_img(p) for p in images if p.exists()]
    page = out / "report.html"
    page.write_text("<!doctype html><meta charset='utf-8'><title>ginny flight report</title>"
                    "<style>body{font-family:sans-serif;max-width:1000px;margin:auto}img{max-width:100%}</style>"
                    + "\n".join(parts), encoding="utf-8")
    return page
