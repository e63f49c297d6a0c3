"""Simulation benchmarks: navcam and colour-camera render times, and the whole stack's speed in lockstep."""
from __future__ import annotations

import json
import math
import os
import pstats
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from fsw.config.sensors import load_sensors
from fsw.runtime.node import PROFILE_ENV
from sim_hal.model import mathx as mx
from sim_hal.model.render import NavcamRenderer
from sim_hal.model.terrain import Terrain, TerrainSpec

HOP = Path(__file__).resolve().parent.parent / "worlds" / "hop.toml"


def bench_render(frames: int = 500, terrain: str = "jezero", altitude_m: float = 12.0) -> dict:
    """Render `frames` navcam frames along a 4 m/s straight line at 30 Hz with a gentle wobble. Tile making
    is counted apart (it happens once per 15 m of travel); the render figures are for frames alone."""
    t = Terrain(TerrainSpec(name=terrain, seed=1))
    r = NavcamRenderer(load_sensors().navcam, t, seed=1)
    t.coarse  # made once per world, at start
    times = []
    for i in range(frames):
        pos = (i * 4.0 / 30.0, 0.0, -altitude_m)
        q = mx.q_from_euler(0.05 * math.sin(i / 7), 0.04 * math.cos(i / 5), 0.3)
        t.window(pos[0], pos[1])
        t0 = time.perf_counter_ns()
        r.render(pos, q)
        times.append((time.perf_counter_ns() - t0) / 1e6)
    ms = np.array(times)
    return {"frames": frames, "terrain": terrain, "altitude_m": altitude_m,
            "render_p50_ms": round(float(np.percentile(ms, 50)), 3),
            "render_p99_ms": round(float(np.percentile(ms, 99)), 3), "render_max_ms": round(float(ms.max()), 3),
            "tiles_made": t.made_tiles, "tile_ms_mean": round(t.making_ns / 1e6 / max(t.made_tiles, 1), 1)}


def bench_camera(captures: int = 3, sizes: tuple[tuple[int, int], ...] = ((4208, 3120), (1052, 780))) -> dict:
    """Flight 51's colour capture (12 m up, facing the rover over `jezero`) at each size, through the whole
    chain: the scene, the RAW frame, developing it, its JPEG and its 16-bit PNG. Each size is taken once to
    warm up (its first arrays touch fresh memory: reported apart), then `captures` times (the median)."""
    import cv2

    from fsw.camera.develop import as_shot, develop, jpeg
    from sim_hal.model.colourcam import Motion
    from sim_hal.model.stills import StillCamera
    from sim_hal.model.terrain import RoverSpec

    cfg = load_sensors().colour_camera
    t = Terrain(TerrainSpec(name="jezero", seed=1, rover=RoverSpec(60.0, -40.0, 30.0)))
    camera, dev = StillCamera(cfg, t, seed=1), as_shot(cfg)
    motion = Motion((80.0, 0.0, -(t.height_at(0.0, 0.0) + 12.0)), q=mx.q_from_euler(0.0, 0.0, math.atan2(-40.0, -20.0)))
    t.coarse, t.window(*motion.pos_m[:2])  # made once per world, and as the flight nears the capture
    out: dict = {"captures": captures}

    def chain(w: int, h: int) -> dict[str, float]:
        marks = [time.perf_counter()]
        still = camera.take(1, 0, motion, w, h)
        marks.append(time.perf_counter())
        picture = develop(still.pixels, dev)
        marks.append(time.perf_counter())
        jpeg(picture, cfg.jpeg_quality)
        marks.append(time.perf_counter())
        cv2.imencode(".png", still.pixels)
        marks.append(time.perf_counter())
        stages = dict(zip(("raw_s", "develop_s", "jpeg_s", "png_s"), np.diff(marks)))
        return {**stages, "total_s": marks[-1] - marks[0]}

    for w, h in sizes:
        first = chain(w, h)["total_s"]
        runs = [chain(w, h) for _ in range(captures)]
        key = f"{w}x{h}"
        out[f"{key}_first_s"] = round(first, 3)
        for stage in runs[0]:
            out[f"{key}_{stage}"] = round(float(np.median([r[stage] for r in runs])), 3)
    return out


def bench_board_io(cycles: int = 5000) -> dict:
    """The board path's bus time per 2 ms control cycle, on the emulated chips: what the control process's
    drivers spend each cycle (BMI-160 status and 15-byte burst and temperature over I2C, the LIDAR-Lite's
    status or distance at 50 Hz, the SCA100T's two axes over SPI, one ACTUATORS frame out on the UART and the
    MCU's STATUS frames taken in), timed around the driver calls as control makes them. The world is stood in
    for by samples put straight into the link's queues (the chips' registers are filled from them)."""
    from fsw.bus.messages import ActuatorCommand, AltimeterSample, ImuSample, InclinometerSample

    from collections import deque

    from fsw.clock import ManualClock
    from hal.board.config import board_config
    from sim_hal.backend.boardloop import WorldBoard

    class Link:  # the world's side of the link, without sockets: its samples appear in the queues
        def __init__(self) -> None:
            self.imu, self.altimeter, self.inclinometer = deque(), deque(), deque()
            self.time_source = type("TimeSource", (), {"clock": ManualClock(0)})()

        def pump_sensors(self) -> None:
            pass

        def subscription(self, topic: str):
            return type("Subscription", (), {"socket": None})()

        def publisher(self, topic: str):
            return type("Publisher", (), {"publish": lambda self, msg: None})()

    link = Link()
    board = WorldBoard(link, board_config({"inclinometer": {"enabled": True}}, "<bench>"), mcu_in_thread=True)
    imu, alt, incl, act = board.imu(), board.altimeter(), board.inclinometer(), board.actuators()
    for d in (imu, alt, incl, act):
        d.open()
    times = []
    try:
        for k in range(cycles):
            t = (k + 1) * 2_000_000
            link.time_source.clock.set_ns(t)
            link.imu.append(ImuSample(t, (0.01, -0.02, 0.003), (0.1, 0.05, -3.71), 20.0))
            if k % 10 == 0:
                link.altimeter.append(AltimeterSample(t, 5.0, True))
                link.inclinometer.append(InclinometerSample(t, 0.01, -0.02, True))
            t0 = time.perf_counter_ns()
            alt.read()
            samples = imu.read()
            incl.read()
            act.write(ActuatorCommand(t, True, 6.0, (0.0, 0.01, 0.0)))
            times.append(time.perf_counter_ns() - t0)
            assert len(samples) == 1
            while len(board.mcu.commands) <= k:  # as the world waits for the actuators before it steps
                time.sleep(0)
    finally:
        for d in (imu, alt, incl, act):
            d.close()
        board.close()
    us = np.array(times) / 1000.0
    return {"cycles": cycles, "bus_p50_us": round(float(np.percentile(us, 50)), 1),
            "bus_p99_us": round(float(np.percentile(us, 99)), 1), "bus_max_us": round(float(us.max()), 1),
            "cycle_budget_us": 2000.0, "p99_share_of_cycle": round(float(np.percentile(us, 99)) / 2000.0, 3),
            "mcu_statuses": act.statuses, "mcu_crc_errors": act.link_errors}


def bench_lockstep(plan: str = "flight51", seed: int = 1, sim_seconds: float | None = None,
                   profile_dir: Path | None = None) -> dict:
    """Fly `plan` with `ginny sim` in lockstep (or, given `sim_seconds`, the scripted hop with `ginny run
    --world` for that long) and say how fast: `speed_x` (simulated over wall time), `cpu_s_per_sim_s` (every
    process's CPU, the world's renderer included, per simulated second) and `serial_ms_per_step` (what each
    2 ms step waits on in series: the world's step and publishing, and control's answer). With
    `profile_dir`, every flight process profiles its loop into it (a profiled run is about 3x slower)."""
    out_dir = Path(tempfile.mkdtemp(prefix="gls-", dir="/tmp"))
    env = dict(os.environ)
    if profile_dir is not None:
        Path(profile_dir).mkdir(parents=True, exist_ok=True)
        env[PROFILE_ENV] = str(Path(profile_dir).resolve())
    if sim_seconds is None:
        cmd = ["sim", "--plan", plan, "--seed", str(seed), "--out", str(out_dir / "flight")]
    else:
        cmd = ["run", "--world", str(HOP), "--sim-seconds", str(sim_seconds), "--run-dir", str(out_dir)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([sys.executable, "-m", "ground.cli.main", *cmd], capture_output=True, text=True,
                          timeout=3600, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_s = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    result = _flight_figures(out_dir / "flight" / "summary.json") if sim_seconds is None else \
        _hop_figures(out_dir / "world_summary.json")
    if result is None or (sim_seconds is not None and done.returncode != 0):
        raise RuntimeError(f"lockstep run failed (exit {done.returncode}); its output is in {out_dir}")
    result["cpu_s"] = round(cpu_s, 1)
    result["cpu_s_per_sim_s"] = round(cpu_s / result["sim_s"], 3) if result["sim_s"] > 0 else None
    if profile_dir is not None:
        result["profile"] = profile_summary(Path(profile_dir))
    return result


def _flight_figures(path: Path) -> dict | None:
    """A flown plan's speed figures, with what shows it was flown whole (frames tracked, stills, outcome)."""
    if not path.exists():
        return None
    s = json.loads(path.read_text())
    w = s.get("world", {})
    return {"plan": s["plan"], "seed": s["seed"], "outcome": s["outcome"], "sim_s": s["sim_time_s"],
            "wall_s": s["wall_time_s"], "speed_x": s["speed_x"], "serial_ms_per_step": w.get("serial_ms_per_step"),
            "serial_cpu_ms_per_step": w.get("serial_cpu_ms_per_step"), "serial_ceiling_x": _ceiling(s, w),
            "steps": w.get("steps"), "frames": w.get("frames"), "tracked_frames": s["tracker"].get("frames"),
            "stills": len(s.get("images", [])), "landing_error_m": s["flight"].get("landing_error_m"),
            "nav_final_error_m": s["nav"].get("final_position_error_m"), "cpu_s_by_process": s.get("cpu_s", {})}


def _ceiling(s: dict, w: dict) -> float | None:
    """The speed the serial chain allows where cores are free: a step's length over its work."""
    chain, steps = w.get("serial_cpu_ms_per_step"), w.get("steps")
    if not chain or not steps:
        return None
    return round(s["sim_time_s"] * 1e3 / steps / chain, 1)


def _hop_figures(path: Path) -> dict | None:
    """The scripted hop's world summary, with the speed figures on top."""
    if not path.exists():
        return None
    w = json.loads(path.read_text())
    return {"plan": "scripted hop", "sim_s": w["sim_s"], "wall_s": w["wall_s"], "speed_x": w["speed_x"],
            "serial_ms_per_step": w["serial_ms_per_step"], **w}


def profile_summary(folder: Path, top: int = 6) -> dict:
    """Per profiled process: its loop's CPU seconds and the functions that took the most of it (their own
    time), as "seconds function (file:line)"."""
    out = {}
    for path in sorted(folder.glob("*.prof")):
        stats = pstats.Stats(str(path))
        # stats: (file, line, name) -> (calls, primitive calls, own time, cumulative time, callers)
        rows = sorted(stats.stats.items(), key=lambda kv: -kv[1][2])[:top]
        out[path.stem] = {"cpu_s": round(stats.total_tt, 2),
                          "most_own_time": [f"{v[2]:.2f} s {k[2]} ({Path(k[0]).name}:{k[1]})" for k, v in rows]}
    return out


def nav_frames(count: int, terrain: str = "jezero", altitude_m: float = 12.0, speed_mps: float = 4.0):
    """Navcam frames of a straight flight at 30 Hz with a gentle wobble, and the camera rotation between
    consecutive frames (what the gyro would give)."""
    from fsw.camera.model import FisheyeModel

    sensors = load_sensors()
    t = Terrain(TerrainSpec(name=terrain, seed=1))
    r = NavcamRenderer(sensors.navcam, t, seed=1)
    body_from_cam = FisheyeModel(sensors.navcam).body_from_camera
    frames, rotations, prev = [], [], None
    for i in range(count):
        pos = (i * speed_mps / 30.0, 0.0, -altitude_m)
        q = mx.q_from_euler(0.04 * math.sin(i / 9), 0.03 * math.cos(i / 6), 0.3 + 0.002 * i)
        world_from_cam = np.array(mx.matrix(q)) @ body_from_cam
        rotations.append(None if prev is None else world_from_cam.T @ prev)
        prev = world_from_cam
        frames.append(r.render(pos, q))
    return frames, rotations


def bench_nav(count: int = 300) -> dict:
    """The tracker against a bare OpenCV baseline (the same FAST grid detection and calcOpticalFlowPyrLK
    with the same parameters, frame to frame, nothing else), on the same rendered frames."""
    import cv2

    from fsw.camera.model import FisheyeModel
    from fsw.nav.tracker import Tracker

    frames, rotations = nav_frames(count)
    tracker = Tracker(FisheyeModel(load_sensors().navcam))
    lk = {k: v for k, v in tracker._lk.items() if k != "flags"}
    t_tr, t_bl, inliers = [], [], []
    prev_pts = None
    for i, (img, rot) in enumerate(zip(frames, rotations)):
        t0 = time.perf_counter_ns()
        res = tracker.process(img, i, rot)
        t1 = time.perf_counter_ns()
        if prev_pts is not None and len(prev_pts):
            cv2.calcOpticalFlowPyrLK(frames[i - 1], img, prev_pts.reshape(-1, 1, 2), None, **lk)
        prev_pts = tracker.detect(img)
        t2 = time.perf_counter_ns()
        if i > 0:
            t_tr.append((t1 - t0) / 1e6)
            t_bl.append((t2 - t1) / 1e6)
            inliers.append(res.inlier_count)

    def stats(ms: list[float]) -> dict:
        a = np.array(ms)
        return {"p50_ms": round(float(np.percentile(a, 50)), 3), "p99_ms": round(float(np.percentile(a, 99)), 3),
                "max_ms": round(float(a.max()), 3)}

    tr, bl = stats(t_tr), stats(t_bl)
    return {"frames": len(t_tr), "tracker": tr, "baseline": bl,
            "ratio_p50": round(tr["p50_ms"] / bl["p50_ms"], 3), "ratio_p99": round(tr["p99_ms"] / bl["p99_ms"], 3),
            "inliers_p50": int(np.median(inliers)), "new_bases": tracker.base_id,
            "imu_us_per_sample": imu_path_us()}


def imu_path_us(samples: int = 5000, passes: int = 3) -> float:
    """Navigation's work per IMU sample (500 Hz) in flight, frames aside: the pipeline fed a turning, leaning
    flight's samples with a range every tenth; CPU time, the best of `passes`."""
    import math

    from fsw.bus.messages import ActuatorCommand, AltimeterSample, ImuSample
    from fsw.config.stack import load_stack
    from fsw.nav.pipeline import NavPipeline, Outputs

    rng = np.random.default_rng(1)
    imu = [ImuSample(i * 2_000_000, (0.01 * math.sin(i * 1e-3), 0.02 * math.cos(i * 7e-4), 0.05 * math.sin(i * 3e-4)),
                     tuple(float(x) for x in rng.normal((0.1 * math.sin(i * 1e-3), 0.0, -3.71), 0.02)), 20.0)
           for i in range(samples)]
    best = math.inf
    for _ in range(passes):
        nav = NavPipeline(load_stack().config.nav, load_sensors(), time.perf_counter_ns, lambda: 0)
        nav.on_actuators(ActuatorCommand(0, False, 0.0, (0.0, 0.0, 0.0)))
        nav.on_actuators(ActuatorCommand(samples * 200_000, True, 10.0, (0.0, 0.0, 0.0)))  # airborne at a tenth
        out = Outputs()
        t0 = time.thread_time()
        for i, sample in enumerate(imu):
            if i % 10 == 0:
                nav.on_altimeter(AltimeterSample(sample.t_ns, 1.0 + i * 1e-4, i > samples // 10))
            nav.on_imu(sample, out)
            out.states.clear()
        best = min(best, time.thread_time() - t0)
    return round(best / samples * 1e6, 1)


def bench_latency(sim_seconds: float = 33.0, world: Path = HOP) -> dict:
    """Fly `world` in real time with the whole stack and collect the critical loop's record: processing time
    per frame (`nav.track`), deadline misses, and the end-to-end latency from each frame's exposure to the
    estimate from it, as the world measures it on the wall clock (render, camera, bus, tracking, filter)."""
    from fsw.bus.reader import BusReader
    from sim_hal.backend.topics import sim_registry
    from fsw.bus.topology import Topology
    from fsw.config.stack import DEFAULT_DIR

    run_dir = tempfile.mkdtemp(prefix="glat-", dir="/tmp")
    topology = Topology.load(DEFAULT_DIR / "topology.toml", sim_registry(), run_dir)
    tracks = []
    with BusReader(topology, ["nav.track"]) as reader:
        proc = subprocess.Popen([sys.executable, "-m", "ground.cli.main", "run", "--world", str(world), "--realtime",
                                 "--config", str(DEFAULT_DIR / "sim_realtime.toml"),
                                 "--sim-seconds", str(sim_seconds), "--run-dir", run_dir],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while proc.poll() is None:
            tracks += [r.msg for r in reader.poll(100)]
        tracks += [r.msg for r in reader.poll(300)]
    used = [t for t in tracks if t.quality != 3]  # frames tracked (not skipped below 1 m)
    if proc.returncode != 0 or not used:
        raise RuntimeError(f"real-time run failed or tracked nothing (exit {proc.returncode}); logs in {run_dir}")
    world = json.loads((Path(run_dir) / "world_summary.json").read_text())["tracker"]
    ms = np.array([t.proc_ms for t in used])
    latency = {k: v for k, v in world.items() if k.startswith("latency_")}  # end to end, and by stage
    return {"frames": len(used), **latency,
            "proc_p50_ms": round(float(np.percentile(ms, 50)), 2), "proc_p99_ms": round(float(np.percentile(ms, 99)), 2),
            "deadline_misses": int((ms > 33.3).sum())}
