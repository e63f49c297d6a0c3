"""`ginny chaos [--flights N] [--seed S] [--out DIR] [--plan P] [--jobs J]`: a seeded fault campaign."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from fsw.config import ConfigError
from fsw.runtime.outputs import check_out_folder, fresh_out_folder
from ground.chaos import ChaosFlight, kill_campaign, run_chaos, sums
from sim_hal.run.plancheck import check_plan
from ground.campaign.spec import MAX_FLIGHTS, MAX_SEED



def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("chaos", help="seeded flights with random faults: what survives, in a table")
    p.add_argument("--flights", type=int, default=50, help="how many flights (default 50)")
    p.add_argument("--seed", type=int, default=1,
                   help="the campaign's seed: it draws every flight's faults and seeds (default 1)")
    p.add_argument("--out", default=None,
                   help="a new or empty folder for chaos.csv and each flight's records (default: a fresh chaos-out)")
    p.add_argument("--plan", default="flight1", help="the plan every flight flies (default flight1)")
    p.add_argument("--jobs", type=int, default=None,
                   help="flights at once: the LocalCluster's workers (default: cores / 2, as `ginny campaign`)")
    p.add_argument("--kills", type=int, default=0, metavar="N",
                   help="instead: kill -9 the whole stack N times at random moments and read everything back")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    try:
        check_args(args)
    except (ConfigError, ValueError) as exc:
        print(f"ginny chaos: {exc}", file=sys.stderr)
        return 2
    console = Console(file=out, width=160)
    if args.kills:
        return kills(args, console)
    with Progress(TextColumn("chaos"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=Console(file=sys.stderr)) as bar:
        task = bar.add_task("flights", total=args.flights)
        try:
            rows = run_chaos(args.flights, args.seed, Path(args.out), args.plan, args.jobs,
                             lambda p: bar.update(task, completed=p.done))
        except (ConfigError, ValueError) as exc:
            print(f"ginny chaos: {exc}", file=sys.stderr)
            return 2
    console.print(table(rows))
    s = sums(rows)
    console.print(" ".join(f"{k}={v}" for k, v in s.items()) + f"  (table: {Path(args.out) / 'chaos.csv'})")
    return 1 if s["lost_in_survivable"] or s["unexplained"] else 0


def check_args(args: argparse.Namespace) -> None:
    """Every flag checked before the first flight starts; --out is then the folder to use."""
    if not 1 <= args.flights <= MAX_FLIGHTS:
        raise ValueError(f"--flights: {args.flights} must be 1..{MAX_FLIGHTS}")
    if not 0 <= args.seed <= MAX_SEED:
        raise ValueError(f"--seed: {args.seed} must be 0..{MAX_SEED}")
    if args.jobs is not None and not 1 <= args.jobs <= 64:
        raise ValueError(f"--jobs: {args.jobs} must be 1..64")
    if args.kills < 0:
        raise ValueError(f"--kills: {args.kills} must not be negative")
    check_plan(args.plan)
    args.out = str(fresh_out_folder(Path("chaos-out"))) if args.out is None else args.out
    check_out_folder(Path(args.out).resolve(), "--out")


def table(rows: list[ChaosFlight]) -> Table:
    t = Table(title="ginny chaos")
    for col in ("#", "faults", "surv.", "outcome", "tilt", "touchdown", "landing err", "explanation"):
        t.add_column(col)
    for r in rows:
        t.add_row(str(r.index), " ".join(r.faults), "yes" if r.survivable else "no",
                  r.outcome + (" LOST" if r.lost else ""), _num(r.max_tilt_deg, 1), _num(r.touchdown_speed_mps, 2),
                  _num(r.landing_error_m, 2), r.explanation[:60])
    return t


def kills(args: argparse.Namespace, console: Console) -> int:
    with Progress(TextColumn("kill -9"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=Console(file=sys.stderr)) as bar:
        task = bar.add_task("kills", total=args.kills)
        rows = kill_campaign(args.kills, args.seed, Path(args.out), args.plan, progress=lambda r: bar.advance(task))
    t = Table(title="ginny chaos --kills")
    for col in ("#", "killed at", "logs", "unreadable", "damaged bytes", "images", "corrupt", "lost", "restart"):
        t.add_column(col)
    for r in rows:
        t.add_row(str(r.index), f"{r.killed_after_mb} MB", str(r.logs), str(r.unreadable_logs), str(r.damaged_bytes),
                  str(r.images), str(r.corrupt_images), f"{r.lost_s:.3f} s", "ok" if r.restart_ok else "FAILED")
    console.print(t)
    bad = sum(r.unreadable_logs + r.corrupt_images + (not r.restart_ok) for r in rows)
    worst = max((r.lost_s for r in rows if r.lost_s == r.lost_s), default=float("nan"))
    console.print(f"kills={len(rows)} unreadable_logs={sum(r.unreadable_logs for r in rows)} "
                  f"corrupt_images={sum(r.corrupt_images for r in rows)} "
                  f"failed_restarts={sum(not r.restart_ok for r in rows)} worst_lost_s={worst:.3f}")
    return 1 if bad else 0


def _num(value: float | None, digits: int) -> str:
    """A figure, or "-" when the flight never produced it (an aborted run has no touchdown)."""
    return "-" if value is None or value != value else f"{value:.{digits}f}"
