"""`ginny board`: run the flight stack on the board backend, or `--check` every configured device; with
`--world`, fly a plan against a simulated world on another host (processor in the loop, in lockstep)."""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
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
    p.add_argument("--config", default=None,
                   help="board stack config (default deploy/board.example.toml; with --world, the simulated "
                        "flight's, fsw/config/sim_flight.toml)")
    p.add_argument("--check", action="store_true", help="probe every configured device and print a table")
    p.add_argument("--emulate", action="store_true", help="with --check: every chip is its emulator")
    p.add_argument("--seconds", type=float, default=1.0, help="with --check: how long to exercise each device")
    p.add_argument("--run-dir", default=None, help="folder for sockets and process logs (default: /tmp/ginny-UID)")
    p.add_argument("--world", default="", metavar="tcp://HOST[:PORT]",
                   help="fly --plan against the simulated world at HOST (`ginny sim --backend board --board "
                        "tcp://THIS_HOST` there, the same plan; world port default 7160), in lockstep: the board "
                        "backend's drivers on chips the world's samples feed")
    p.add_argument("--plan", default="flight51", help="with --world: the plan to fly (bundled or a file)")
    p.add_argument("--bind", default="", metavar="HOST[:PORT]",
                   help="with --world: this host's address for the flight processes (default: the one that "
                        "routes to the world; first port 7100)")
    p.add_argument("--out", default=None, help="with --world: a new or empty output folder for the flight log "
                                               "and configs (default: board-out/PLAN, -2 ... when used)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    if getattr(args, "world", ""):  # callers that build their own arguments may leave it out
        return against_world(args, out)
    args.config = args.config or str(DEFAULT_BOARD)
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


def against_world(args: argparse.Namespace, out: TextIO) -> int:
    """The flight stack of `ginny sim --backend board`, here, against the world on another host; until the
    world says it is done (its SIM_DONE event), goes silent, or Ctrl-C. 0 if no critical process was lost and
    the world did not vanish, 1 otherwise, 2 on bad input."""
    from fsw.health.stack import StackBusy, build_supervisor, lock_run_dir, run_stack
    from fsw.runtime.outputs import fresh_out_folder
    from ground.cli import run_cmd
    from sim_hal.run.simflight import SIM_STACK, prepare_board
    from sim_hal.run.split import WorldDone, stack_side

    folder = Path(args.out or fresh_out_folder(Path(f"board-out/{Path(args.plan).stem}")))
    try:
        split = stack_side(args.world, args.bind)
        stack_path = prepare_board(args.plan, Path(args.config or SIM_STACK), folder, split)
        run_dir = args.run_dir or tempfile.mkdtemp(prefix=f"ginny-board-{os.getuid()}-")
        lock_run_dir(run_dir)
        supervisor = build_supervisor(stack_path, run_dir, on_verdict=lambda v: run_cmd.print_verdict(v, out))
    except (ConfigError, ValueError, StackBusy) as exc:
        print(f"ginny board: {exc}", file=sys.stderr)
        return 2
    print(f"ginny board: {args.plan} against the world at {split.world_host}:{split.world_port}, the flight "
          f"processes at {split.stack_host}:{split.stack_port}...; output in {folder}", file=out, flush=True)
    done = WorldDone(supervisor, load_stack(stack_path).topology_path, run_dir)
    try:
        code = run_stack(supervisor)
    finally:
        done.close()
        shutil.copytree(Path(run_dir) / "logs", folder / "logs", dirs_exist_ok=True)
    said = f"said: {done.said}" if done.said else done.gone or "said nothing (stopped before it was done)"
    print(f"ginny board: the world {said}", file=out, flush=True)
    return code or (1 if done.gone else 0)


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
