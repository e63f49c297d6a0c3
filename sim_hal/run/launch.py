"""Starting the world process beside a flight stack: it starts once every flight process is ready, and the
stack stops when the world is done. The stack is supervised on this host (`SupervisedStack`) or runs on
another (`sim_hal.run.split.RemoteStack`)."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Protocol, TextIO

from fsw.bus.message import DecodeError
from fsw.clock import NS_PER_MS
from fsw.health.process import HealthProcess
from fsw.health.stack import run_stack
from fsw.runtime.timers import Timers
from sim_hal.backend.messages import WorldSummary
from sim_hal.worldproc.process import EXIT_HANG, SUMMARY_FILE, read_summary

_OWN_END_S = 10.0  # how long a world stopped by Ctrl-C has to end on its own


class StackHost(Protocol):
    """What the world's runner needs of the flight stack it flies with."""

    timers: Timers
    signalled: bool

    def ready(self) -> bool: ...  # every flight process is ready: the world may start

    def lost(self) -> list[str]: ...  # critical processes that could not start: nothing would fly

    def stop(self) -> None: ...

    def run(self, seconds: float | None) -> int: ...  # until stopped; 0 if no critical process was lost


class SupervisedStack:
    """The flight stack under its supervisor on this host, as the world's runner sees it."""

    def __init__(self, supervisor: HealthProcess) -> None:
        self.supervisor = supervisor
        self.timers = supervisor.timers

    def ready(self) -> bool:
        return self.supervisor.supervision.all_ready()

    def lost(self) -> list[str]:
        return self.supervisor.supervision.lost_critical()

    def stop(self) -> None:
        self.supervisor.stop()

    @property
    def signalled(self) -> bool:
        return self.supervisor.signalled

    def run(self, seconds: float | None) -> int:
        return run_stack(self.supervisor, seconds)


class WorldRunner:
    def __init__(self, stack: StackHost, config: str | Path, world_args: list[str], run_dir: str,
                 out: TextIO) -> None:
        """`world_args`: the world process's own arguments (`--world F`, `--seconds S`, ...)."""
        self.stack, self.run_dir, self.out = stack, run_dir, out
        self.cmd = [sys.executable, "-m", "sim_hal.worldproc.process", "--config", str(Path(config).resolve()),
                    "--run-dir", run_dir, *world_args]
        self.proc: subprocess.Popen | None = None
        self.summary: dict | None = None
        stack.timers.every(50 * NS_PER_MS, self.check, name="world")

    def check(self) -> None:
        if self.proc is None and self.stack.ready():
            log = open(Path(self.run_dir) / "logs" / "world.log", "ab")  # noqa: SIM115 - the child keeps it
            self.proc = subprocess.Popen(self.cmd, stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL)
            log.close()
            print(f"  world    started (pid {self.proc.pid})", file=self.out, flush=True)
        elif self.proc is None and self.stack.lost():
            lost = ", ".join(self.stack.lost())
            print(f"  world    not started: {lost} could not start (see {self.run_dir}/logs)", file=self.out,
                  flush=True)
            self.stack.stop()  # nothing would ever fly: end the run now, not at its time limit
        elif self.proc is not None and self.proc.poll() is not None:
            self.stack.stop()

    def finish(self) -> int:
        """Stop the world if it still runs; 0 if it ended well, EXIT_HANG if a lockstep participant stopped
        answering (its summary then in `self.summary`, as plain data, and in RUN_DIR/world_summary.json)."""
        if self.proc is None:
            return 0
        try:  # after a Ctrl-C (the whole group has it) the world ends and sums up by itself
            self.proc.wait(timeout=_OWN_END_S if self.stack.signalled else 0)
        except subprocess.TimeoutExpired:
            self.proc.terminate()
        self.proc.communicate(timeout=30)
        code = self.proc.returncode
        try:
            summary = read_summary(Path(self.run_dir) / SUMMARY_FILE) if code in (0, EXIT_HANG) else None
        except (OSError, DecodeError):
            summary = None
        if summary is None:
            print(f"  world    failed (exit {code}); see {self.run_dir}/logs/world.log", file=self.out)
            return 1
        self.summary = summary_dict(summary)
        (Path(self.run_dir) / "world_summary.json").write_text(json.dumps(self.summary, indent=1))
        print(f"  world    {summary.ended} at t={summary.sim_s:.3f} s: {summary.steps} steps, {summary.frames} frames, "
              f"{summary.wall_s:.1f} s wall{f'; {summary.hang}' if summary.hang else ''}", file=self.out, flush=True)
        return code


def serial_ms_per_step(s: WorldSummary) -> float:
    """The chain every lockstep step waits on, in series: the world's physics and sensors, its publishing,
    and the wait for control's answer (the exchange both ways and control's cycle), per step."""
    h = s.host
    world_ms = (h["main_physics_and_sensors_s"] + h["main_publish_s"]) * 1e3 / max(s.steps, 1)
    return round(world_ms + h.get("answer_ms_per_step", 0.0), 4)


def serial_cpu_ms_per_step(s: WorldSummary) -> float:
    """The same chain's work: the world's main thread's CPU time in it (a hosted control's cycle included)
    and the wait for an out-of-process control's answer, per step. Under the load of the whole stack the wall
    figure also holds the time the thread waited for a core; this one is what the chain needs where a core is
    free, so 2 ms over it is the speed the design allows."""
    h = s.host
    return round(h.get("main_chain_cpu_s", 0.0) * 1e3 / max(s.steps, 1) + h.get("answer_ms_per_step", 0.0), 4)


def summary_dict(s: WorldSummary) -> dict:
    """The world's summary as plain data, for summary.json and the benches."""
    h = s.host
    return {"sim_s": s.sim_s, "wall_s": s.wall_s, "speed_x": s.sim_s / s.wall_s if s.wall_s > 0 else 0.0,
            "steps": s.steps, "frames": s.frames, "ended": s.ended, "hang": s.hang, "seed": s.seed,
            "terrain": s.terrain, "faults": list(s.faults), "flight": dict(s.flight), "nav": dict(s.nav),
            "tracker": dict(s.tracker),
            "main_thread_s": {"physics_and_sensors": h["main_physics_and_sensors_s"], "publish": h["main_publish_s"],
                              "waiting_for_flight_software": h["main_waiting_for_flight_software_s"]},
            "render_process_s": {"navcam_render_with_tiles": h["render_s"],
                                 "of_which_terrain_tiles": h["render_terrain_tiles_s"]},
            "render_ms_per_frame": h["render_ms_per_frame"], "serial_ms_per_step": serial_ms_per_step(s),
            "serial_cpu_ms_per_step": serial_cpu_ms_per_step(s),
            "cpu_s": {"world": h["cpu_world_s"], "render": h["cpu_render_s"]}}
