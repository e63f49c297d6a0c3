"""`ginny campaign run|report|query|rerun`: Monte Carlo campaigns of seeded, dispersed flights on Dask."""
from __future__ import annotations

import argparse
import sys
import webbrowser
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from fsw.config import ConfigError
from ground.campaign import run as engine
from ground.campaign.spec import bundled_specs, load_spec, spec_path
from ground.campaign.table import TABLE, query, read_table

EPILOG = """exit codes: 0 done (run: every flight flown; rerun: reproduced exactly), 1 some flights failed to
run (run) or the rerun differs (rerun), 2 bad input (spec, folder, flag, SQL).
a spec names plans, flights, a seed and dispersions: docs/campaigns.md."""


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("campaign", help="Monte Carlo campaigns of dispersed flights, on Dask", epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    s = p.add_subparsers(dest="campaign_command", required=True)
    r = s.add_parser("run", help="fly a campaign (or resume one into the same --out)")
    r.add_argument("spec", help=f"the campaign spec: a TOML file, or a bundled one ({', '.join(bundled_specs())})")
    r.add_argument("--out", required=True, help="the campaign's folder: new, empty, or this campaign's to resume")
    r.add_argument("--scheduler", default=None, metavar="tcp://HOST:8786",
                   help="a running Dask scheduler (default: a LocalCluster on this machine)")
    r.add_argument("--workers", type=int, default=None,
                   help=f"LocalCluster workers (default: cores / {engine.CORES_PER_FLIGHT} = {engine.default_workers()})")
    r.add_argument("--report", action="store_true", help="write the report when done and open it")
    r.set_defaults(func=run)
    rep = s.add_parser("report", help="the campaign's HTML report (DIR/report.html)")
    rep.add_argument("dir", help="the campaign's folder")
    rep.add_argument("--open", action="store_true", help="open it in a browser")
    rep.set_defaults(func=report)
    q = s.add_parser("query", help="SQL over the flights table (DuckDB; the table is `flights`)")
    q.add_argument("dir", help="the campaign's folder")
    q.add_argument("sql", help='e.g. "SELECT outcome, count(*) FROM flights GROUP BY outcome"')
    q.add_argument("--csv", action="store_true", help="print CSV instead of a table")
    q.set_defaults(func=run_query)
    rr = s.add_parser("rerun", help="fly one flight again here and check it reproduces its recorded summary")
    rr.add_argument("dir", help="the campaign's folder")
    rr.add_argument("id", help="the flight's id (its index: 7 or 000007)")
    rr.set_defaults(func=rerun)


def run(args: argparse.Namespace) -> int:
    try:
        if args.workers is not None and not 1 <= args.workers <= 256:
            raise ValueError(f"--workers: {args.workers} must be 1..256")
        if args.scheduler is not None and not args.scheduler.startswith(("tcp://", "tls://", "inproc://")):
            raise ValueError(f"--scheduler: {args.scheduler!r} is not a scheduler address (tcp://HOST:PORT)")
        spec = load_spec(args.spec)
        out = Path(args.out).resolve()
        engine.prepare_folder(spec_path(args.spec).read_bytes(), args.spec, out)
    except (ConfigError, ValueError) as exc:
        print(f"ginny campaign: {exc}", file=sys.stderr)
        return 2
    with Progress(TextColumn("campaign"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.fields[status]}"),
                  TimeElapsedColumn(), console=Console(file=sys.stderr)) as bar:
        task = bar.add_task("flights", total=spec.flights, status="")

        def show(p: engine.Progress) -> None:
            eta = p.eta_s()
            bar.update(task, completed=p.done, status=f"running {p.running}  failed {p.failed}  "
                       f"{p.per_hour():.0f} flights/h  ETA {_duration(eta)}")
        try:
            result = engine.run_campaign(spec, out, args.scheduler, args.workers, show)
        except OSError as exc:  # the scheduler cannot be reached
            print(f"ginny campaign: --scheduler {args.scheduler}: {exc}", file=sys.stderr)
            return 2
    rows = read_table(out)
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["outcome"]] = counts.get(r["outcome"], 0) + 1
    print(f"{len(rows)} flights in {out / TABLE}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
          + f"; {sum(bool(r['lost']) for r in rows)} lost; {result.failed} failed to run")
    if args.report:
        _report(out, True)
    return 1 if result.failed else 0


def report(args: argparse.Namespace) -> int:
    out = Path(args.dir)
    if not (out / TABLE).exists():
        print(f"ginny campaign: {out}: no {TABLE} (is it a campaign folder?)", file=sys.stderr)
        return 2
    _report(out, args.open)
    return 0


def _report(out: Path, open_it: bool) -> None:
    from ground.campaign.report import write_campaign_report  # matplotlib: only when asked for
    page = write_campaign_report(out)
    print(f"report: {page}")
    if open_it:
        webbrowser.open(page.resolve().as_uri())


def run_query(args: argparse.Namespace) -> int:
    import duckdb
    try:
        names, rows = query(Path(args.dir), args.sql)
    except (FileNotFoundError, duckdb.Error) as exc:
        print(f"ginny campaign query: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 2
    if args.csv:
        import csv
        w = csv.writer(sys.stdout)
        w.writerow(names)
        w.writerows(rows)
        return 0
    t = Table()
    for n in names:
        t.add_column(n)
    for row in rows:
        t.add_row(*["" if v is None else str(v) for v in row])
    Console(width=200).print(t)
    return 0


def rerun(args: argparse.Namespace) -> int:
    from ground.campaign.rerun import rerun as fly_again
    try:
        folder, diffs = fly_again(Path(args.dir), args.id)
    except (ConfigError, ValueError) as exc:
        print(f"ginny campaign rerun: {exc}", file=sys.stderr)
        return 2
    if diffs:
        print(f"flight {args.id} did NOT reproduce ({folder}):\n  " + "\n  ".join(diffs))
        return 1
    print(f"flight {args.id} reproduced its recorded summary exactly ({folder})")
    return 0


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    m, s = divmod(int(seconds), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}"
