"""Starting the world process beside a supervised flight stack: it starts once every flight process is
ready, and the stack stops when the world is done."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import TextIO

from fsw.clock import NS_PER_MS
from fsw.health.process import HealthProcess


class WorldRunner:
    def __init__(self, supervisor: HealthProcess, config: str | Path, world_args: list[str], run_dir: str,
                 out: TextIO) -> None:
        """`world_args`: the world process's own arguments (`--world F`, `--seconds S`, ...)."""
        self.supervisor, self.run_dir, self.out = supervisor, run_dir, out
        self.cmd = [sys.executable, "-m", "sim_hal.worldproc.process", "--config", str(Path(config).resolve()),
                    "--run-dir", run_dir, *world_args]
        self.proc: subprocess.Popen | None = None
        self.summary: dict | None = None
        supervisor.timers.every(50 * NS_PER_MS, self.check, name="world")

    def check(self) -> None:
        if self.proc is None and self.supervisor.supervision.all_ready():
            log = open(Path(self.run_dir) / "logs" / "world.log", "ab")  # noqa: SIM115 - the child keeps it
            self.proc = subprocess.Popen(self.cmd, stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL)
            log.close()
            print(f"  world    started (pid {self.proc.pid})", file=self.out, flush=True)
        elif self.proc is None and self.supervisor.supervision.lost_critical():
            lost = ", ".join(self.supervisor.supervision.lost_critical())
            print(f"  world    not started: {lost} could not start (see {self.run_dir}/logs)", file=self.out,
                  flush=True)
            self.supervisor.stop()  # nothing would ever fly: end the run now, not at its time limit
        elif self.proc is not None and self.proc.poll() is not None:
            self.supervisor.stop()

    def finish(self) -> int:
        """Stop the world if it still runs; 0 if it ended well (its summary then in `self.summary` and in
        RUN_DIR/world_summary.json)."""
        if self.proc is None:
            return 0
        if self.proc.poll() is None:
            self.proc.terminate()
        stdout, _ = self.proc.communicate(timeout=30)
        lines = stdout.decode().strip().splitlines()
        if self.proc.returncode == 0 and lines:
            try:
                self.summary = json.loads(lines[-1])
                (Path(self.run_dir) / "world_summary.json").write_text(json.dumps(self.summary, indent=1))
            except json.JSONDecodeError:
                self.summary = None
            print(f"  world    done: {lines[-1][:300]}", file=self.out, flush=True)
            return 0
        print(f"  world    failed (exit {self.proc.returncode}); see {self.run_dir}/logs/world.log", file=self.out)
        return 1
