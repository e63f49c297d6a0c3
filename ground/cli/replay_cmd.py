"""`ginny replay DIR [--out DIR]`: run navigation on a recorded dataset (EuRoC/ASL layout)."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TextIO

from rich.progress import Progress

from fsw.config.sensors import load_sensors
from fsw.nav.replay import DatasetError, load_dataset, replay
from fsw.runtime.outputs import check_export_folder


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("replay", help="run navigation on a recorded dataset (EuRoC/ASL layout)")
    p.add_argument("dataset", help="folder holding mav0/")
    p.add_argument("--out", default="replay_out", help="folder for trajectory.csv (made if missing; default replay_out)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    sensors = load_sensors()
    try:
        ds = load_dataset(args.dataset, sensors)
        out_dir = Path(args.out)
        check_export_folder(out_dir, "--out")
        csv_path = out_dir / "trajectory.csv"
        with Progress(disable=args.quiet or not out.isatty()) as bar:
            task = bar.add_task("replay", total=len(ds.frames))
            rows = replay(ds, sensors, csv_path, lambda n: bar.advance(task, n), time.perf_counter_ns)
    except (DatasetError, ValueError) as exc:
        print(f"ginny replay: {exc}", file=sys.stderr)
        return 2
    print(f"ginny replay: {len(ds.frames)} frames, {len(ds.imu)} IMU samples, {len(ds.altimeter)} ranges -> "
          f"{rows} rows in {csv_path}", file=out)
    return 0
