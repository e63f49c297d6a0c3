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
    mode_texts: list[tuple[float, str]] = field(default_factory=list)  # (t, the MODE event's whole text)
    events: list[tuple[float, str]] = field(default_factory=list)  # (t, line), in time order once collected


def collect(d: Decoded) -> FlightData:
    f = FlightData()
    for topic, m in d.messages:
        if topic == "nav.state" and m.valid:  # an invalid estimate (a restarted navigation's first) is no position
            f.nav_pos.add(m.t_ns, *m.pos_m)
            f.nav_vel.add(m.t_ns, *m.vel_mps)
            f.nav_att.add(m.t_ns, *_euler_deg(m.q_wxyz))
        elif topic == "sim.truth":
            f.truth_pos.add(m.t_ns, *m.pos_m)
            f.truth_att.add(m.t_ns, *_euler_deg(m.q_wxyz))
        elif topic == "nav.track":
            f.track.add(m.t_ns, m.features, m.inliers, m.proc_ms)
        elif topic == "event":
            f.events.append((m.t_ns * NS, f"{m.t_ns * NS:8.2f} s  {m.source:<8} {m.severity.name:<11} {m.name}: "
                                          f"{m.text}"))
            if m.name == "MODE":
                f.mode_texts.append((m.t_ns * NS, m.text))
    f.events.sort(key=lambda e: e[0])  # events come from several processes: in time order
    f.mode_texts.sort(key=lambda e: e[0])
    f.modes = [(t, entered(text)) for t, text in f.mode_texts]
    return f


def _shade(ax, modes: list[tuple[float, str]], end: float) -> list:
    """Shade the time plot by mode; the legend's handles for the modes shaded."""
    from matplotlib.patches import Patch

    shown = []
    for (t0, mode), nxt in zip(modes, modes[1:] + [(end, "")]):
        if mode in _MODE_COLOURS:
            ax.axvspan(t0, nxt[0], color=_MODE_COLOURS[mode], alpha=0.6, lw=0)
            shown += [mode] if mode not in shown else []
    return [Patch(color=_MODE_COLOURS[m], alpha=0.6, label=f"mode {m}") for m in shown]


def _legend(ax, shading: list) -> None:
    handles, _ = ax.get_legend_handles_labels()
    ax.legend(handles=handles + shading, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small")


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
        fig, ax = plt.subplots(figsize=(10, 3.2))
        shading = _shade(ax, f.modes, end)
        a = series.arr()
        cols = [-a[:, 2]] if name == "altitude" else [a[:, i] for i in range(3)]
        for col, label in zip(cols, labels):
            ax.plot(series.t, col, label=label, lw=1)
        if name == "altitude" and f.truth_pos.t:
            tp = f.truth_pos.arr()
            ax.plot(f.truth_pos.t, -(tp[:, 2] - tp[0, 2]) + (-f.nav_pos.arr()[0, 2]), "--", label="truth", lw=1)
        ax.set_xlabel("time (s)"), ax.set_ylabel(unit), ax.set_title(name), ax.grid(True)
        _legend(ax, shading)
        made.append(_save(fig, out / f"{name}.png"))
    if f.track.t:
        a = f.track.arr()
        fig, ax = plt.subplots(figsize=(10, 3.2))
        shading = _shade(ax, f.modes, end)
        ax.plot(f.track.t, a[:, 0], label="features", lw=1)
        ax.plot(f.track.t, a[:, 1], label="inliers", lw=1)
        ax.set_xlabel("time (s)"), ax.set_title("feature tracking"), ax.grid(True)
        _legend(ax, shading)
        made.append(_save(fig, out / "features.png"))
        fig, ax = plt.subplots(figsize=(6, 3.2))
        ax.hist(a[:, 2], bins=50)
        ax.axvline(DEADLINE_MS, color="red", label=f"deadline {DEADLINE_MS:.1f} ms")
        ax.set_xlabel("tracker time per frame (ms)"), ax.set_ylabel("frames"), ax.legend(), ax.set_title("tracker time")
        made.append(_save(fig, out / "tracker_time.png"))
    return made


def _img(path: Path, caption: str = "") -> str:
    img = f'<img src="data:image/png;base64,{base64.b64encode(path.read_bytes()).decode()}" alt="{html.escape(caption)}">'
    return f"<figure>{img}<figcaption>{html.escape(caption)}</figcaption></figure>" if caption else img


def outcome(f: FlightData, summary: dict | None) -> dict[str, str]:
    """The flight at a glance: plan, outcome and landing figures (from the simulation's summary.json beside
    the log when there is one, else from the log's own modes and estimates)."""
    plan = next((text.split("flying ", 1)[1] for _, text in f.mode_texts if "flying " in text), "-")
    modes = [m for _, m in f.modes]
    takeoff = next((t for t, m in f.modes if m == "TAKEOFF"), None)
    landed = next((t for t, m in f.modes if m == "LANDED"), None)
    if summary:
        fl = summary.get("flight", {})
        return {"plan": summary.get("plan", plan), "outcome": summary.get("outcome", "-"),
                "flight time": _fig(fl.get("flight_time_s"), "s", 1), "distance": _fig(fl.get("distance_m"), "m", 1),
                "landing error": _fig(fl.get("landing_error_m"), "m", 2),
                "touchdown speed": _fig(fl.get("touchdown_speed_mps"), "m/s", 2),
                "max tilt": _fig(fl.get("max_tilt_deg"), "deg", 1)}
    if "LAND_NOW" in modes and landed is not None:
        result = "land_now (a contingency landing)"
    else:
        result = "landed" if landed is not None else f"the log ends in {modes[-1] if modes else 'no mode'}"
    last = f.nav_pos.v[-1] if f.nav_pos.v else None
    return {"plan": plan, "outcome": result,
            "flight time": _fig(landed - takeoff if landed is not None and takeoff is not None else None, "s", 1),
            "estimated landing point": f"{last[0]:.2f} m north, {last[1]:.2f} m east" if last else "-"}


def _fig(value: float | None, unit: str, digits: int) -> str:
    return "-" if value is None else f"{value:.{digits}f} {unit}"


def _summary_beside(log_path: Path) -> dict | None:
    """A simulated flight's summary.json (OUT/flightlog/flight-*.glog -> OUT/summary.json), if it is there."""
    import json

    path = log_path.resolve().parent.parent / "summary.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _glance(figures: dict[str, str]) -> str:
    rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in figures.items())
    return f"<table class='glance'>{rows}</table>"


def _lost(gaps: dict[str, int]) -> str:
    return ", ".join(f"{topic} {n}" for topic, n in sorted(gaps.items())) or "none"


def write_report(log_path: str | Path, out_dir: str | Path) -> tuple[Path, Decoded]:
    """The report of one flight log: OUT/report.html and the PNGs; returns the HTML's path and what was
    decoded (its damage report says what was skipped)."""
    log_path, out = Path(log_path), Path(out_dir)
    d = decode_log(log_path, sim_registry())
    f = collect(d)
    pngs = plots(f, out)
    images = [(log_path.parent / r.body["file"], r) for r in d.images if r.topic == "rte"]
    images += [(log_path.parent / r.body["file"], r) for r in d.images if r.topic == "navcam"][:12]
    track = f.track.arr() if f.track.t else np.zeros((0, 3))
    misses = int((track[:, 2] > DEADLINE_MS).sum()) if len(track) else 0
    damage = f"{len(d.report.skipped)} damaged stretch(es), torn tail {d.report.torn_tail_bytes} bytes"
    parts = [f"<h1>Flight report: {html.escape(log_path.name)}</h1>", _glance(outcome(f, _summary_beside(log_path))),
             f"<p>{html.escape(str((d.report.header or {}).get('software')))}; {len(d.messages)} messages; "
             f"{len(track)} frames tracked, {misses} over the deadline; {damage}; "
             f"messages lost on the bus: {html.escape(_lost(dict(d.gaps)))}</p>",
             "<h2>Modes</h2><p>" + " &rarr; ".join(f"{m} ({t:.1f} s)" for t, m in f.modes) + "</p>"]
    parts += [f"<h2>{p.stem.replace('_', ' ')}</h2>{_img(p)}" for p in pngs]
    faults = [line for _, line in f.events if "FAULT_" in line]
    parts.append("<h2>Faults</h2><pre>" + html.escape("\n".join(faults) or "none injected") + "</pre>")
    parts.append("<h2>Events</h2><pre>" + html.escape("\n".join(line for _, line in f.events)) + "</pre>")
    parts += ["<h2>Images</h2>"] + [_img(p, _caption(p, r)) for p, r in images if p.exists()]
    page = out / "report.html"
    page.write_text("<!doctype html><meta charset='utf-8'><title>ginny flight report</title>"
                    "<style>body{font-family:sans-serif;max-width:1000px;margin:auto}img{max-width:100%}"
                    "table.glance th{text-align:left;padding-right:1em}figcaption{color:#555;font-size:90%}</style>"
                    + "\n".join(parts), encoding="utf-8")
    return page, d


def _caption(path: Path, record) -> str:
    camera = {"rte": "colour camera (RTE)", "navcam": "navigation camera"}.get(record.topic, record.topic)
    return f"{camera}, t = {record.t_ns * NS:.2f} s: {path.name}"
