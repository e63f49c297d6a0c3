"""`ginny run`: start the whole flight stack from a stack config and supervise it until stopped; with
`--world`, also fly the simulated world once every flight process is ready, and stop when it ends."""
from __future__ import annotations

import argparse
import sys
from typing import TextIO

from fsw.config import ConfigError
from fsw.config.stack import DEFAULT_STACK, load_stack
from fsw.health.process import HealthProcess
from fsw.health.stack import StackBusy, build_supervisor, default_run_dir, lock_run_dir, run_stack
from fsw.health.supervision import Verdict
from sim_hal.run.launch import SupervisedStack, WorldRunner


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run the flight stack (supervisor and every flight process)")
    p.add_argument("--config", default=str(DEFAULT_STACK), help="stack config (TOML)")
    p.add_argument("--seconds", type=float, default=None, help="stop after this many seconds (wall clock)")
    p.add_argument("--run-dir", default=None, help="folder for sockets and process logs (default: /tmp/ginny-UID)")
    p.add_argument("--world", default=None, help="also run the simulated world from this world config")
    p.add_argument("--sim-seconds", type=float, default=None, help="with --world: simulated time to fly")
    p.add_argument("--realtime", action="store_true", help="with --world: pace to the wall clock, not lockstep")
    p.add_argument("--fault", action="append", default=[], metavar="SPEC",
                   help="with --world: inject a fault, device.kind@start_s[:duration_s] (repeatable)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    run_dir = args.run_dir or default_run_dir()
    try:
        check_args(args)
        lock_run_dir(run_dir)
        supervisor = build_supervisor(args.config, run_dir, on_verdict=lambda v: print_verdict(v, out))
    except (ConfigError, RuntimeError, ValueError, StackBusy) as exc:
        print(f"ginny run: {exc}", file=sys.stderr)
        return 2
    print(f"ginny run: stack {args.config}, run folder {run_dir}", file=out, flush=True)
    world = WorldRunner(SupervisedStack(supervisor), args.config, world_args(args), run_dir, out) \
        if args.world else None
    code = run_stack(supervisor, args.seconds)
    if world is not None:
        code = code or world.finish()
    print_summary(supervisor, out)
    return code


def world_args(args: argparse.Namespace) -> list[str]:
    out = ["--world", args.world]
    if args.sim_seconds is not None:
        out += ["--seconds", str(args.sim_seconds)]
    for spec in args.fault:
        out += ["--fault", spec]
    return out + (["--realtime"] if args.realtime else [])


def check_args(args: argparse.Namespace) -> None:
    """Refuse a bad flag, world config or fault spec before anything starts (the world would refuse them too,
    but only once the stack is up)."""
    for flag, value in (("--seconds", args.seconds), ("--sim-seconds", args.sim_seconds)):
        if value is not None and not 0 < value <= 1e7:
            raise ValueError(f"{flag}: {value} must be above 0 (and at most 1e7)")
    stack = load_stack(args.config)  # before the run folder is taken: a bad config is said first
    if not args.world:
        for flag, given in (("--fault", args.fault), ("--sim-seconds", args.sim_seconds is not None),
                            ("--realtime", args.realtime)):
            if given:
                raise ValueError(f"{flag} needs --world: it is about the simulated world")
        return
    from sim_hal.model.faults import parse_fault
    from sim_hal.run.simflight import check_sim_backend
    from sim_hal.worldproc.config import load_world

    check_sim_backend(stack)
    load_world(args.world)
    for spec in args.fault:
        parse_fault(spec)


def print_verdict(v: Verdict, out: TextIO) -> None:
    """A supervisor's verdict on a flight process (ready, hung, restarted ...), as a line of the run's output."""
    print(f"  {v.what:<8} {v.text}", file=out, flush=True)


def print_summary(supervisor: HealthProcess, out: TextIO) -> None:
    print(f"{'process':<10} {'state':<9} {'heartbeats':>10} {'restarts':>8}", file=out)
    for c in supervisor.supervision.children.values():
        print(f"{c.name:<10} {c.state.name:<9} {c.beats:>10} {c.restarts:>8}", file=out)
    print("stack stopped: every flight process ended", file=out, flush=True)
