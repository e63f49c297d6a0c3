"""`ginny sim`: fly one whole simulated flight of a plan and exit -- 0 when it landed as planned, 3 after a
LAND_NOW contingency landing, 4 when it crashed, 5 when it was aborted, 2 on bad input, 130 when interrupted
-- with a progress bar
while it flies and a summary table at the end. Everything lands in `--out` (summary.json, events, images)."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any, TextIO

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from fsw.comm.fprime.dictionary import gds_command
from fsw.config import ConfigError
from sim_hal.model.terrain import TERRAINS
from fsw.config.stack import load_stack
from fsw.control.plan import bundled_plans
from fsw.health.stack import StackBusy
from fsw.health.supervision import PARENT_ENV
from fsw.runtime.launch import die_with_parent
from sim_hal.worldproc.config import DEFAULT_WORLD
from fsw.runtime.outputs import fresh_out_folder
from sim_hal.run.simflight import FPRIME_DICTIONARY, MAX_SEED, OUTCOME_CODES, SIM_STACK, Recorded, SimRequest, fly, prepare


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sim", help="fly one whole simulated flight of a plan", epilog=EPILOG,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--plan", default="flight51", help=f"a bundled plan ({', '.join(bundled_plans())}) or a file")
    p.add_argument("--terrain", default=None, help=f"{' | '.join(TERRAINS)} (default: the plan's)")
    p.add_argument("--seed", type=int, default=1,
                   help=f"the world's seed, 0..{MAX_SEED}: a lockstep run depends on its seed and configs alone")
    p.add_argument("--realtime", action="store_true",
                   help="pace to the wall clock instead of lockstep (the bundled config then fuses frames without "
                        "delay and takes 600 ms of silence for a hang)")
    p.add_argument("--backend", choices=("sim", "board"), default="sim",
                   help="sim: the simulated devices; board: the board backend's real drivers (BMI-160, LIDAR-Lite, "
                        "SCA100T, MCU UART, V4L2 capture path) on register-level chips the world feeds "
                        "(board in the loop; the config's [board.*] tables, [board.emulation] faults)")
    p.add_argument("--board", default="", metavar="tcp://HOST[:PORT]",
                   help="with --backend board: the flight stack runs on another host (`ginny board --world "
                        "tcp://THIS_HOST` there, the same plan), publishing from this first port (default 7100); "
                        "this side runs the world, in lockstep")
    p.add_argument("--bind", default="", metavar="HOST[:PORT]",
                   help="with --board: this host's address for the world (default: the one that routes to the "
                        "board; port 7160)")
    p.add_argument("--fault", action="append", default=[], metavar="SPEC",
                   help="inject a fault (repeatable; times in seconds from the start): a device's, "
                        "DEVICE.KIND@START[:DURATION][=VALUE] (navcam.drop@54, imu.noise@10:5=20); a process's, "
                        "proc.NAME.kill@START or proc.NAME.hang@START; the radio link's (with --ground), "
                        "link.outage@START:DURATION or link.loss@START:DURATION:PCT")
    p.add_argument("--out", default=None,
                   help="a new or empty output folder (default: sim-out/PLAN-seedN, or -2, -3 ... after it when that "
                        "one holds an earlier flight; a used folder given here is refused)")
    p.add_argument("--config", default=str(SIM_STACK), help="the stack config to fly with")
    p.add_argument("--world", default=str(DEFAULT_WORLD), help="the world config to fly in")
    p.add_argument("--max-sim-seconds", type=float, default=None, help="give up after this much simulated time")
    p.add_argument("--max-wall-seconds", type=float, default=None,
                   help="give up after this much wall time (default 10 per simulated second, and 2 minutes; "
                        "an emulated CPU may need more)")
    p.add_argument("--ground", action="store_true",
                   help="wait for the plan and the commands from a ground station (`ginny ground`); --plan then "
                        "only sets the terrain and the start point (lockstep unless --realtime: the simulated time "
                        "runs ahead while the vehicle waits on the ground)")
    p.add_argument("--keys", default="keys", help="the ground link's keys folder (`ginny ground keys init`)")
    p.add_argument("--endpoint", default="tcp://127.0.0.1:7400", help="where the ground station connects")
    p.add_argument("--truth-endpoint", default="", metavar="E",
                   help="publish the simulator's truth here for the dashboard's map (`ginny ground web --truth E`)")
    p.add_argument("--fprime", nargs="?", const="space-packet-space-data-link", default="",
                   choices=("space-packet-space-data-link", "fprime"), metavar="FRAMING",
                   help="also open the F Prime ground link for fprime-gds (no authentication; loopback only), with "
                        "this framing (default space-packet-space-data-link, or fprime); the F Prime dictionary is "
                        "written into the output folder and the fprime-gds command printed (docs/fprime.md)")
    p.add_argument("--fprime-port", type=int, default=50000, help="the F Prime link's TCP port (default 50000)")
    p.set_defaults(func=run)


EPILOG = """exit codes:
  0    landed as planned          3    landed by a LAND_NOW contingency
  4    crashed (tipped over)      5    aborted (time ran out, the stack failed, or a lockstep hang)
  2    bad input (plan, config, flag or output folder; nothing started, nothing written)
  130  interrupted (Ctrl-C): the summary says so, with no landing figures

fault kinds of the devices (navcam, imu, altimeter, inclinometer): off, stuck, garbage, drop, delay, noise,
intermittent; `ginny plan check FILE` checks a plan and its faults without flying it."""


def request(args: argparse.Namespace) -> SimRequest:
    out = args.out or fresh_out_folder(Path(f"sim-out/{Path(args.plan).stem}-seed{args.seed}"))
    return SimRequest(plan=args.plan, terrain=args.terrain, seed=args.seed, realtime=args.realtime,
                      faults=tuple(args.fault), out=Path(out), config=Path(args.config), world=Path(args.world),
                      max_sim_s=args.max_sim_seconds, max_wall_s=args.max_wall_seconds, ground=args.ground,
                      keys=Path(args.keys),
                      endpoint=args.endpoint, truth_endpoint=args.truth_endpoint, fprime=args.fprime,
                      fprime_port=args.fprime_port, backend=args.backend,
                      board=args.board, bind=args.bind)


def run(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    if os.environ.get(PARENT_ENV):  # started by a campaign's worker: end with it (and so stop the stack)
        die_with_parent()
    req = request(args)
    try:
        prep = prepare(req)
    except (ConfigError, ValueError) as exc:
        print(f"ginny sim: {exc}", file=sys.stderr)
        return 2
    print(f"ginny sim: {prep.plan.name} over {prep.terrain}, seed {req.seed}, "
          f"{_pace(req)}; output in {req.out}", file=out, flush=True)
    if req.fprime:
        fprime = load_stack(prep.stack_path).config.comm.fprime
        print(f"ginny sim: F Prime link on {fprime.address}:{fprime.port}; fly it with\n  "
              f"{gds_command(Path(req.out) / FPRIME_DICTIONARY, fprime)}", file=out, flush=True)
    console = Console(file=sys.stderr)
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[status]}"),
                  TimeElapsedColumn(), console=console, transient=False, auto_refresh=False) as bar:
        task = bar.add_task(prep.plan.name, total=prep.expected_s, status="")

        def update(got: Recorded) -> None:
            bar.update(task, completed=min(got.sim_s, prep.expected_s),
                       status=f"{got.sim_s:6.1f} s  {got.agl_m:5.1f} m  {got.mode}")
            bar.refresh()  # here, 5 times a second (not on a thread of its own): its cost is measured as the run's
        log = open(Path(req.out) / "stack.log", "w", encoding="utf-8")  # noqa: SIM115 - closed below
        try:
            summary = fly(req, prep, log, update, flight_report)
        except StackBusy as exc:
            print(f"ginny sim: {exc}", file=sys.stderr)
            return 2
        finally:
            log.close()
    print_summary(summary, Console(file=out, width=100))
    return OUTCOME_CODES[summary["outcome"]]


def flight_report(out: Path) -> str | None:
    """The flight report of a flight's log, into OUT/report (None when there is no flight log)."""
    from ground.report import write_report  # matplotlib: only once a flight is done

    logs = sorted((out / "flightlog").glob("flight-*.glog"))
    if not logs:
        return None
    return str(write_report(logs[-1], out / "report")[0].relative_to(out))


def _pace(req: SimRequest) -> str:
    if req.ground:
        return f"{'real time' if req.realtime else 'lockstep'}, waiting for the ground station on {req.endpoint}"
    if req.board:
        return f"lockstep, the flight stack on {req.board} (`ginny board --world` there)"
    return "real time" if req.realtime else "lockstep"


def _rows(summary: dict[str, Any]) -> list[tuple[str, str]]:
    f, n, t = summary["flight"], summary["nav"], summary["tracker"]

    def fmt(d: dict, key: str, unit: str, digits: int = 2) -> str:
        v = d.get(key)
        return "-" if v is None else f"{v:.{digits}f} {unit}".strip()
    return [
        ("outcome", summary["outcome"]),
        ("distance", fmt(f, "distance_m", "m", 1)), ("flight time", fmt(f, "flight_time_s", "s", 1)),
        ("max altitude", fmt(f, "max_altitude_m", "m")), ("max tilt", fmt(f, "max_tilt_deg", "deg", 1)),
        ("touchdown speed", fmt(f, "touchdown_speed_mps", "m/s")),
        ("touchdown horizontal", fmt(f, "touchdown_horizontal_speed_mps", "m/s")),
        ("landing error", fmt(f, "landing_error_m", "m")),
        ("nav final error", fmt(n, "final_position_error_m", "m")),
        ("nav max error", fmt(n, "max_position_error_m", "m")),
        ("vision degraded", fmt(n, "vision_degraded_s", "s", 1)),
        ("tracker p50/p99/max", _p50_p99_max(t, "")),
        ("exposure->estimate", _p50_p99_max(t, "latency_") if "latency_p50_ms" in t else "- (lockstep)"),
        ("frames (dropped, misses)", f"{t.get('frames', 0)} ({t.get('dropped_frames', 0)}, "
                                     f"{t.get('deadline_misses', 0)})"),
        ("events warn/err/fatal", "/".join(str(summary["events"][k]) for k in ("warning", "error", "fatal"))),
        ("sim / wall time", f"{summary['sim_time_s']:.1f} s / {summary['wall_time_s']:.1f} s "
                            f"({summary['speed_x']:.2f}x)"),
        ("most RSS growth", _most_growth(summary.get("processes", {}))),
        ("CPU s (most first)", _cpu(summary.get("cpu_s", {}))),
    ] + ([("flight stack CPU", f"{summary['flight_stack_cores']:.2f} of a core (world, renderer, emulated "
                                "hardware excluded)")] if summary.get("flight_stack_cores") is not None else [])


def _cpu(cpu_s: dict[str, float]) -> str:
    """The four processes that used the most CPU, and the total: where the run's time went."""
    if not cpu_s:
        return "-"
    top = [f"{name} {s:.0f}" for name, s in cpu_s.items() if name != "total"][:4]
    return ", ".join(top) + f"; all {cpu_s.get('total', 0):.0f}"


def _p50_p99_max(t: dict[str, Any], prefix: str) -> str:
    return " / ".join(f"{t.get(f'{prefix}{q}_ms', 0):.1f}" for q in ("p50", "p99", "max")) + " ms"


def _most_growth(processes: dict[str, dict]) -> str:
    """The process whose memory grew most since the run settled (a minute in), or '-' on shorter runs."""
    grown = [(p["rss_growth_pct"], name) for name, p in processes.items() if p.get("rss_growth_pct") is not None]
    if not grown:
        return "-"
    pct, name = max(grown)
    return f"{name} {pct:+.1f}% ({processes[name]['rss_end_mib']:.0f} MiB)"


def print_summary(summary: dict[str, Any], console: Console) -> None:
    table = Table(title=f"{summary['plan']} over {summary['terrain']}, seed {summary['seed']}")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for name, value in _rows(summary):
        table.add_row(name, value)
    console.print(table)
    for mode in summary["modes"]:
        console.print(f"  mode: {mode}")
    hang = summary.get("world", {}).get("hang")
    if hang:
        console.print(f"  lockstep hang: {hang}", soft_wrap=True)
