"""`ginny run`: start the whole flight stack from a stack config and supervise it until stopped."""
from __future__ import annotations

import argparse
import sys
from typing import TextIO

from fsw.config import ConfigError
from fsw.config.stack import DEFAULT_STACK
from fsw.health.process import HealthProcess
from fsw.health.stack import build_supervisor, default_run_dir, lock_run_dir, run_stack
from fsw.health.supervision import Verdict


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run the flight stack (supervisor and every flight process)")
    p.add_argument("--config", default=str(DEFAULT_STACK), help="stack config (TOML)")
    p.add_argument("--seconds", type=float, default=None, help="stop after this many seconds")
    p.add_argument("--run-dir", default=None, help="folder for sockets and process logs (default: /tmp/ginny-UID)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    run_dir = args.run_dir or default_run_dir()
    try:
        lock_run_dir(run_dir)
        supervisor = build_supervisor(args.config, run_dir, on_verdict=lambda v: _print_verdict(v, out))
    except (ConfigError, RuntimeError, ValueError) as exc:
        print(f"ginny run: {exc}", file=sys.stderr)
        return 2
    print(f"ginny run: stack {args.config}, run folder {run_dir}", file=out, flush=True)
    code = run_stack(supervisor, args.seconds)
    print_summary(supervisor, out)
    return code


def _print_verdict(v: Verdict, out: TextIO) -> None:
    print(f"  {v.what:<8} {v.text}", file=out, flush=True)


def print_summary(supervisor: HealthProcess, out: TextIO) -> None:
    print(f"{'process':<10} {'state':<9} {'heartbeats':>10} {'restarts':>8}", file=out)
    for c in supervisor.supervision.children.values():
        print(f"{c.name:<10} {c.state.name:<9} {c.beats:>10} {c.restarts:>8}", file=out)
    print("stack stopped: every flight process ended", file=out, flush=True)
