"""`ginny log info FILE`, `ginny log export FILE --csv DIR | --mcap FILE`, `ginny log report FILE [--out DIR]`:
read a flight log back."""
from __future__ import annotations

import argparse
import sys
from typing import TextIO

from fsw.logger.logfile import NotALog
from fsw.logger.read import export_csv, export_mcap, info
from sim_hal.backend.topics import sim_registry


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("log", help="flight logs: info, export, replay, report, compare")
    log = p.add_subparsers(dest="log_command", required=True)
    i = log.add_parser("info", help="topics, counts, rates, duration, gaps, events and damage of a log")
    i.add_argument("file")
    i.set_defaults(func=run_info)
    e = log.add_parser("export", help="to CSV (one file per topic) or MCAP (Foxglove, PlotJuggler)")
    e.add_argument("file")
    target = e.add_mutually_exclusive_group(required=True)
    target.add_argument("--csv", metavar="DIR")
    target.add_argument("--mcap", metavar="FILE")
    e.set_defaults(func=run_export)
    rp = log.add_parser("replay", help="re-run navigation on the logged sensors; compare with the logged estimates")
    rp.add_argument("file")
    rp.set_defaults(func=run_replay)
    r = log.add_parser("report", help="a self-contained HTML flight report with its plots (PNG)")
    r.add_argument("file")
    r.add_argument("--out", default=None, help="output folder (default: FILE without .glog, plus -report)")
    r.set_defaults(func=run_report)
    c = log.add_parser("compare", help="are two logs the same flight, message for message (lockstep repeatability)?")
    c.add_argument("file", help="a flight log")
    c.add_argument("other", help="the log to compare it with")
    c.set_defaults(func=run_compare)


def run_info(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    try:
        s = info(args.file, sim_registry())
    except NotALog as exc:
        print(f"ginny log: {exc}", file=sys.stderr)
        return 2
    print(f"{s['file']}: {s['software']}, {s['duration_s']:.1f} s, {s['images']} images", file=out)
    print(f"{'topic':<14} {'messages':>9} {'rate Hz':>9} {'gaps':>6}", file=out)
    for topic, t in s["topics"].items():
        print(f"{topic:<14} {t['messages']:>9} {t['rate_hz']:>9.1f} {t['gaps']:>6}", file=out)
    print("events: " + (", ".join(f"{k} {v}" for k, v in sorted(s["events"].items())) or "none"), file=out)
    for line in s["event_list"]:
        print(f"  {line}", file=out)
    if s["damaged"] or s["torn_tail_bytes"]:
        print(f"damage: {len(s['damaged'])} stretch(es) skipped "
              f"({sum(n for _, n in s['damaged'])} bytes), torn tail {s['torn_tail_bytes']} bytes", file=out)
    if s["undecodable"]:
        print(f"undecodable records: {s['undecodable']}", file=out)
    return 0


def run_export(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    try:
        if args.csv:
            files = export_csv(args.file, args.csv, sim_registry())
            print(f"{len(files)} CSV files in {args.csv}", file=out)
        else:
            n = export_mcap(args.file, args.mcap, sim_registry())
            print(f"{n} messages to {args.mcap}", file=out)
    except NotALog as exc:
        print(f"ginny log: {exc}", file=sys.stderr)
        return 2
    return 0


def run_report(args: argparse.Namespace, out: TextIO | None = None) -> int:
    from ground.report import write_report  # matplotlib: only when a report is asked for

    out = out or sys.stdout
    target = args.out or str(args.file).removesuffix(".glog") + "-report"
    try:
        page = write_report(args.file, target)
    except NotALog as exc:
        print(f"ginny log: {exc}", file=sys.stderr)
        return 2
    print(f"report: {page}", file=out)
    return 0


def run_replay(args: argparse.Namespace, out: TextIO | None = None) -> int:
    from fsw.logger.replay import ReplayError, replay

    out = out or sys.stdout
    try:
        r = replay(args.file)
    except (NotALog, ReplayError, ValueError) as exc:
        print(f"ginny log: {exc}", file=sys.stderr)
        return 2
    print(f"replayed {r.frames} frames ({r.missing_frames} missing); {r.compared} logged estimates compared, "
          f"{r.identical} identical; max difference {r.max_position_diff_m:.3g} m, "
          f"{r.max_velocity_diff_mps:.3g} m/s", file=out)
    print("deterministic: the replay reproduces the flight's estimates" if r.deterministic
          else "NOT identical: the replay differs from the flight", file=out)
    if r.compared < r.logged / 2:
        print("(most logged estimates had no replayed twin: replay the boot log, which starts with navigation)",
              file=out)
    return 0 if r.deterministic else 1


def run_compare(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """Exit 0: the same flight; 1: they differ (the first difference of each stream is printed)."""
    from fsw.logger.compare import compare_logs

    out = out or sys.stdout
    try:
        result = compare_logs(args.file, args.other, sim_registry())
    except NotALog as exc:
        print(f"ginny log: {exc}", file=sys.stderr)
        return 2
    if result.identical:
        print(f"identical: {result.messages} messages in {result.streams} streams (host measurements left out)",
              file=out)
        return 0
    print(f"NOT identical: {len(result.differences)} of {result.streams} streams differ", file=out)
    for d in result.differences:
        print(f"  {d}", file=out)
    return 1
