"""A simulated flight waiting for the ground (`ginny sim --ground`), run as a subprocess, and the ground
station's link to it -- what the ground-link and dashboard system tests drive, as an operator would."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from fsw.comm.auth import init_keys
from ground.bench import free_port
from ground.link import GroundLink
from ground.testapi import GroundTestAPI

PLANS = Path(__file__).parent / "plans"


class GroundFlight:
    """`ginny sim --ground` over the plan's terrain, with fresh keys, on a free port."""

    def __init__(self, tmp: Path, plan: Path = PLANS / "hop.toml", extra: tuple[str, ...] = ()) -> None:
        self.tmp = tmp
        self.keys = tmp / "keys"
        init_keys(self.keys)
        self.endpoint = f"tcp://127.0.0.1:{free_port()}"
        self.truth = f"tcp://127.0.0.1:{free_port()}"
        self.out = tmp / "out"
        self.plan = plan
        self.extra = extra  # more `ginny sim` flags (--fprime ...)
        self.proc: subprocess.Popen | None = None

    def start(self) -> "GroundFlight":
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "ground.cli.main", "sim", "--ground", "--keys", str(self.keys), "--endpoint",
             self.endpoint, "--truth-endpoint", self.truth, "--plan", str(self.plan), "--out", str(self.out),
             "--max-sim-seconds", "1800", *self.extra],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        return self

    def link(self) -> GroundLink:
        return GroundLink(self.endpoint, self.keys).open()

    def wait(self, timeout_s: float) -> tuple[int, str, dict]:
        out, _ = self.proc.communicate(timeout=timeout_s)
        summary_path = self.out / "summary.json"
        summary = json.loads(summary_path.read_text()) if summary_path.exists() else {}
        return self.proc.returncode, out, summary

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.communicate()


def outage_spec(ground: GroundTestAPI, wall_s: float = 6.0) -> str:
    """A link outage starting 0.5 flight-clock seconds from now that lasts about `wall_s` of wall time, from the
    flight clock's speed measured now: lockstep runs several times faster than real time (more on an idle
    machine), and the ground sees the link down only after 2 s of silence on its own wall clock."""
    start_ns, start_wall = ground.link.got.state["t_ns"], time.monotonic()
    ground.link.wait_for(lambda: time.monotonic() - start_wall >= 2.0, 10, "2 s of telemetry")
    speed = (ground.link.got.state["t_ns"] - start_ns) / 1e9 / (time.monotonic() - start_wall)
    return f"link.outage@0.5:{max(1.0, speed) * wall_s:.1f}"


def connected(flight: GroundFlight, timeout_s: float = 60.0) -> GroundTestAPI:
    """A ground station linked to the vehicle, once the vehicle's state comes down."""
    api = GroundTestAPI(flight.link())
    api.await_telemetry(lambda s: s.get("valid"), timeout_s)
    return api
