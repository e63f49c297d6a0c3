"""`ginny board`: run the flight stack on the board backend, or `--check` every configured device."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TextIO

from rich.console import Console
from rich.table import Table

from fsw.config import ConfigError
from fsw.config.stack import load_stack
from hal.backend import BackendContext

DEFAULT_BOARD = Path(__file__).resolve().parents[2] / "deploy" / "board.example.toml"


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("board", help="the flight stack on the board's real devices; --check probes them")
    p.add_argument("--config", default=str(DEFAULT_BOARD), help="board stack config (deploy/board.example.toml)")
    p.add_argument("--check", action="store_true", help="probe every configured device and print a table")
    p.add_argument("--emulate", action="store_true", help="with --check: every chip is its emulator")
    p.add_argument("--seconds", type=float, default=1.0, help="with --check: how long to exercise each device")
    p.add_argument("--run-dir", default=None, help="folder for sockets and process logs (default: /tmp/ginny-UID)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    try:
        loaded = load_stack(args.config)
        if loaded.config.stack.backend != "board":
            raise ConfigError(args.config, "stack.backend", f"is {loaded.config.stack.backend!r}; "
                              "ginny board needs \"board\"")
        if args.check:
            return check(loaded, args, out)
    except ConfigError as exc:
        print(f"ginny board: {exc}", file=sys.stderr)
        return 2
    from ground.cli import run_cmd
    return run_cmd.run(argparse.Namespace(config=args.config, seconds=None, run_dir=args.run_dir, world=None,
                                          sim_seconds=None, realtime=False, fault=[]), out)


def check(loaded, args: argparse.Namespace, out: TextIO) -> int:
    from hal.board.backend import BoardBackend
    from hal.board.check import VirtualClock, probe_all

    options = {"board": loaded.config.board, "config_path": str(loaded.path), "emulate": args.emulate}
    context = BackendContext("", options)
    if args.emulate:
        clock = VirtualClock()
        backend = BoardBackend(context, clock.ns, clock.sleep)
        probes = probe_all(backend, args.seconds, clock.ns, clock.sleep, _settle)
    else:
        backend = BoardBackend(context)
        probes = probe_all(backend, args.seconds, time.monotonic_ns, time.sleep, _settle)
    table = Table(title=f"ginny board --check{' --emulate' if args.emulate else ''}: {loaded.path.name}")
    for col in ("device", "path", "found", "id", "rate", "errors"):
        table.add_column(col)
    for p in probes:
        rate = "-" if p.rate_hz is None else f"{p.rate_hz:.1f} Hz"
        table.add_row(p.device, p.where, "yes" if p.found else "NO", p.ident, rate, p.errors)
    Console(file=out, width=140, color_system=None, highlight=False).print(table)
    missing = [p.device for p in probes if not p.found and p.device in ("navcam", "imu", "altimeter", "actuators")]
    return 1 if missing else 0


def _settle(condition) -> None:
    """Wait (up to 5 s) for an asynchronous answer."""
    end = time.monotonic() + 5.0
    while not condition() and time.monotonic() < end:
        pass
