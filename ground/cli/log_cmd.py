"""`ginny log info|export|replay|report|compare FILE`: read a flight log back.

Exit codes: 0 done; 1 done, but parts of the log were skipped (damaged stretches, a torn tail, undecodable
records: said on stderr) -- for `replay` and `compare`: not identical; 2 bad input (not a log, an empty one,
an output path that cannot be written)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from fsw.logger.logfile import NotALog
from fsw.logger.mcapout import export_mcap
from fsw.logger.read import Decoded, export_csv, info, skipped
from fsw.runtime.outputs import check_export_file, check_export_folder
from sim_hal.backend.topics import sim_registry

EXIT_SKIPPED = 1
EXIT_BAD_INPUT = 2
_FILE_HELP = "a flight log (.glog), e.g. sim-out/flight51-seed1/flightlog/flight-*.glog"


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("log", help="flight logs: info, export, replay, report, compare",
                       description=__doc__.split("\n\n", 1)[1], formatter_class=argparse.RawDescriptionHelpFormatter)
    log = p.add_subparsers(dest="log_command", required=True)
    i = log.add_parser("info", help="topics, counts, rates, duration, gaps, events and damage of a log")
    i.add_argument("file", help=_FILE_HELP)
    i.set_defaults(func=run_info)
    e = log.add_parser("export", help="to CSV (one file per topic) or MCAP (Foxglove, PlotJuggler)")
    e.add_argument("file", help=_FILE_HELP)
    target = e.add_mutually_exclusive_group(required=True)
    target.add_argument("--csv", metavar="DIR", help="a folder for one CSV file per topic (made if missing)")
    target.add_argument("--mcap", metavar="FILE", help="an MCAP file (its folder must exist)")
    e.set_defaults(func=run_export)
    rp = log.add_parser("replay", help="re-run navigation on the logged sensors; compare with the logged estimates")
    rp.add_argument("file", help=_FILE_HELP + " (the boot log holds navigation from its start)")
    rp.set_defaults(func=run_replay)
    r = log.add_parser("report", help="a self-contained HTML flight report with its plots (PNG)")
    r.add_argument("file", help=_FILE_HELP)
    r.add_argument("--out", default=None, help="output folder (default: FILE without .glog, plus -report)")
    r.set_defaults(func=run_report)
    c = log.add_parser("compare", help="are two logs the same flight, message for message (lockstep repeatability)?")
    c.add_argument("file", help="a flight log")
    c.add_argument("other", help="the log to compare it with")
    c.set_defaults(func=run_compare)


def _refuse(exc: Exception) -> int:
    print(f"ginny log: {exc}", file=sys.stderr)
    return EXIT_BAD_INPUT


def _said_skipped(file: str, d: Decoded) -> int:
    """Say on stderr what reading the log skipped; the exit code that goes with it."""
    what = skipped(d)
    if not what:
        return 0
    print(f"ginny log: {file}: skipped {what}", file=sys.stderr)
    return EXIT_SKIPPED


def run_info(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    try:
        s = info(args.file, sim_registry())
    except NotALog as exc:
        return _refuse(exc)
    if not s["records"]:
        return _refuse(f"{args.file}: holds no records ({Path(args.file).stat().st_size} bytes: a log cut before "
                       "its first record)")
    print(f"{s['file']}: {s['software']}, {s['duration_s']:.1f} s, {s['images']} images", file=out)
    print(f"{'topic':<14} {'messages':>9} {'rate Hz':>9} {'gaps':>6}", file=out)
    for topic, t in s["topics"].items():
        print(f"{topic:<14} {t['messages']:>9} {t['rate_hz']:>9.1f} {t['gaps']:>6}", file=out)
    print("events: " + (", ".join(f"{k} {v}" for k, v in sorted(s["events"].items())) or "none"), file=out)
    for line in s["event_list"]:
        print(f"  {line}", file=out)
    if s["skipped"]:
        print(f"damage: skipped {s['skipped']}", file=out)
    return EXIT_SKIPPED if s["skipped"] else 0


def run_export(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    try:
        if args.csv:
            check_export_folder(Path(args.csv), "--csv")
            files, decoded = export_csv(args.file, args.csv, sim_registry())
            print(f"{len(files)} CSV files in {args.csv}", file=out)
        else:
            check_export_file(Path(args.mcap), "--mcap")
            n, decoded = export_mcap(args.file, args.mcap, sim_registry())
            print(f"{n} messages to {args.mcap}", file=out)
    except (NotALog, ValueError) as exc:
        return _refuse(exc)
    return _said_skipped(args.file, decoded)


def run_report(args: argparse.Namespace, out: TextIO | None = None) -> int:
    from ground.report import write_report  # matplotlib: only when a report is asked for

    out = out or sys.stdout
    target = args.out or str(args.file).removesuffix(".glog") + "-report"
    try:
        check_export_folder(Path(target), "--out")
        page, decoded = write_report(args.file, target)
    except (NotALog, ValueError) as exc:
        return _refuse(exc)
    print(f"report: {page}", file=out)
    return _said_skipped(args.file, decoded)


def run_replay(args: argparse.Namespace, out: TextIO | None = None) -> int:
    from fsw.logger.replay import ReplayError, replay

    out = out or sys.stdout
    try:
        r = replay(args.file)
    except (NotALog, ReplayError, ValueError) as exc:
        return _refuse(exc)
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
        return _refuse(exc)
    if result.identical:
        print(f"identical: {result.messages} messages in {result.streams} streams (host measurements left out)",
              file=out)
        return 0
    print(f"NOT identical: {len(result.differences)} of {result.streams} streams differ", file=out)
    for d in result.differences:
        print(f"  {d}", file=out)
    return 1
