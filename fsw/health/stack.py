"""Run the whole flight stack: the health process supervising every flight process of a stack config."""
from __future__ import annotations

import fcntl
import os
from collections.abc import Callable
from pathlib import Path

from fsw.clock import NS_PER_S
from fsw.health.process import HealthProcess, launcher
from fsw.health.supervision import Supervision, Verdict
from fsw.runtime.launch import build_context

HEALTH = "health"


def default_run_dir() -> str:
    """Where `ginny run` puts its sockets and logs unless told otherwise, and where `ginny bus` looks."""
    return f"/tmp/ginny-{os.getuid()}"


class StackBusy(RuntimeError):
    pass


def lock_run_dir(run_dir: str) -> int:
    """Take the run folder for this stack; raise StackBusy if another running stack holds it."""
    Path(run_dir).mkdir(parents=True, exist_ok=True)
    fd = os.open(Path(run_dir) / "lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise StackBusy(f"another ginny stack is running in {run_dir} (use --run-dir)") from None
    return fd


def build_supervisor(config_path: Path, run_dir: str,
                     on_verdict: Callable[[Verdict], None] | None = None) -> HealthProcess:
    from fsw.config.stack import load_stack

    loaded = load_stack(config_path)
    ctx = build_context(loaded, HEALTH, run_dir)
    supervision = Supervision(loaded.config.processes, loaded.config.health)
    log_dir = Path(run_dir) / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    return HealthProcess(ctx, supervision, launcher(loaded.path.resolve(), run_dir, log_dir), on_verdict)


def run_stack(supervisor: HealthProcess, seconds: float | None = None) -> int:
    """Run until SIGINT/SIGTERM or for `seconds`; 0 if no critical process was lost, else 1."""
    if seconds is not None:
        supervisor.timers.every(max(1, int(seconds * NS_PER_S)), supervisor.stop, name="stop")
    supervisor.run()
    return 1 if supervisor.supervision.lost_critical() else 0
