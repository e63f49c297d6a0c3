"""`ginny bench link`: command round trip and downlink throughput through the emulated radio, against a real
simulated vehicle (`ginny sim --ground --realtime` started for the run, with fresh keys, on a free port: in real
time, as the radio's latency and bandwidth run on the flight clock, which lockstep would run faster than the
wall's)."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from fsw.comm.auth import init_keys
from ground.fprimelink import fuzz_fprime, gds_round_trip
from ground.fuzzlink import fuzz_link
from ground.link import GroundLink

PLANS = Path(__file__).resolve().parent.parent / "fsw" / "plans"


def free_port() -> int:
    """A TCP port nobody listens on now (for a vehicle started on this host)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bench_link(commands: int = 50, file_kib: int = 256, idle_s: float = 5.0, fuzz: int = 0,
               fprime: str = "") -> dict[str, Any]:
    """With `fprime` (a framing), the vehicle also opens its F Prime link: NO_OP's round trip through a real
    fprime-gds beside ginny's own, and the fuzz on that link too."""
    with tempfile.TemporaryDirectory(prefix="ginny-bench-link-") as tmp:
        keys, out = Path(tmp) / "keys", Path(tmp) / "out"
        init_keys(keys)
        endpoint, fp_port = f"tcp://127.0.0.1:{free_port()}", free_port()
        extra = ["--fprime", fprime, "--fprime-port", str(fp_port)] if fprime else []
        vehicle = subprocess.Popen([sys.executable, "-m", "ground.cli.main", "sim", "--ground", "--keys", str(keys),
                                    "--endpoint", endpoint, "--plan", "flight1",
                                    "--out", str(out), "--max-sim-seconds", "3000", "--realtime", *extra],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            with GroundLink(endpoint, keys) as link:
                link.wait_for(lambda: (link.got.state or {}).get("valid"), 90, "the vehicle's state")
                result = {"commands": commands, **_round_trip(link, commands), **_idle(link, idle_s)}
                dictionary = out / "fprime-dictionary.json"
                if fprime:
                    result.update(gds_round_trip(dictionary, fp_port, fprime, commands, Path(tmp)))
                result.update(_file(link, out, file_kib))
                if fuzz:  # in flight: the vehicle must fly on through it
                    _hover(link)
                    result.update(fuzz_link(link, fuzz))
                    if fprime:
                        result.update(fuzz_fprime(dictionary, fp_port, fprime, fuzz))
                    result["comm_restarts"] = _restarts(link, "comm")
                    result.update(_land(link))
                result["link"] = (link.got.state or {}).get("link", {})
                return result
        finally:
            vehicle.send_signal(signal.SIGINT)
            vehicle.wait(60)


def _command_ok(link: GroundLink, name: str, args: dict | None = None) -> None:
    ack = link.ack(link.send(name, args), 15)
    if ack["result"] != "OK":
        raise RuntimeError(f"{name}: {ack['result']}: {ack['reason']}")


def _hover(link: GroundLink) -> None:
    """Take off into a long hover (the bundled hover_hour plan) and wait until the vehicle flies it."""
    _command_ok(link, "PLAN_UPLOAD", {"name": "hover_hour", "text": (PLANS / "hover_hour.toml").read_text()})
    _command_ok(link, "ARM")
    _command_ok(link, "PLAN_START")
    link.wait_for(lambda: (link.got.state or {}).get("mode") == "FLY", 120, "the vehicle flying")


def _land(link: GroundLink) -> dict[str, Any]:
    """After the fuzz: still flying? Then LAND_NOW, and the landing."""
    mode = (link.got.state or {}).get("mode")
    _command_ok(link, "LAND_NOW")
    landed = lambda: any(e.get("name") == "MODE" and "-> LANDED" in e.get("text", "") for e in link.got.events)
    link.wait_for(landed, 120, "the landing")
    return {"mode_after_fuzz": mode, "landed_after_fuzz": True}


def _restarts(link: GroundLink, process: str) -> int:
    """How often the supervisor has restarted `process` (HEALTH_REPORT's answer)."""
    report = link.ack(link.send("HEALTH_REPORT"), 10)["reason"]
    entry = next(e for e in report.split("; ") if e.startswith(process + " "))
    return int(entry.split(" restarts ")[1].split()[0])


def _round_trip(link: GroundLink, n: int) -> dict[str, float]:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        link.ack(link.send("NO_OP"), 10)
        times.append((time.perf_counter() - t0) * 1000)
    return {"round_trip_p50_ms": round(float(np.percentile(times, 50)), 1),
            "round_trip_p99_ms": round(float(np.percentile(times, 99)), 1),
            "round_trip_max_ms": round(max(times), 1)}


def _idle(link: GroundLink, seconds: float) -> dict[str, float]:
    """What telemetry alone takes of the link (events, state, process telemetry, thumbnails)."""
    b0, t0 = link.got.bytes, time.monotonic()
    link.wait_for(lambda: time.monotonic() - t0 >= seconds, seconds + 1, "the idle window")
    dt = time.monotonic() - t0
    return {"telemetry_kbps": round((link.got.bytes - b0) * 8 / dt / 1000, 1)}


def _file(link: GroundLink, out: Path, kib: int) -> dict[str, float]:
    """A file of random bytes (incompressible) downlinked whole: the throughput the radio gives bulk data."""
    path = out / "bench.bin"
    path.write_bytes(os.urandom(kib * 1024))
    b0, t0 = link.got.bytes, time.monotonic()
    ack = link.ack(link.send("DOWNLINK_FILE", {"path": "bench.bin"}), 10)
    if ack["result"] != "OK":
        raise RuntimeError(f"DOWNLINK_FILE: {ack['result']}: {ack['reason']}")
    data = link.wait_for(lambda: link.got.files.get("bench.bin"), 600, "the file")
    dt = time.monotonic() - t0
    return {"file_bytes": len(data), "file_s": round(dt, 2), "file_goodput_kbps": round(len(data) * 8 / dt / 1000, 1),
            "downlink_kbps_during_file": round((link.got.bytes - b0) * 8 / dt / 1000, 1),
            "file_intact": data == path.read_bytes()}
