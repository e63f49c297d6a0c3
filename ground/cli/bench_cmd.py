"""`ginny bench ...`: benchmarks that print numbers (speed goals are measured here, not asserted in tests)."""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import TextIO

from fsw.bus.bench import run_bench
from fsw.runtime.outputs import check_export_folder
from sim_hal.model.terrain import TERRAINS


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bench", help="benchmarks")
    bench = p.add_subparsers(dest="bench_command", required=True)
    bus = bench.add_parser("bus", help="bus throughput and latency: 640x480 frames and small messages")
    bus.add_argument("--frames", type=int, default=3000, help="frames for the throughput run")
    bus.add_argument("--small", type=int, default=50_000, help="small messages for the throughput run")
    bus.add_argument("--probes", type=int, default=1000, help="frames sent one at a time for latency")
    bus.add_argument("--transport", choices=("ipc", "tcp", "both"), default="both", help="which ZeroMQ transport")
    bus.add_argument("--json", action="store_true", help="print one JSON object")
    bus.set_defaults(func=bench_bus)
    render = bench.add_parser("render", help="navcam render time (640x480 fisheye, per-pixel terrain height)")
    render.add_argument("--frames", type=int, default=500, help="navcam frames to render")
    render.add_argument("--terrain", default="jezero", choices=TERRAINS, help="the terrain drawn")
    render.add_argument("--json", action="store_true", help="print one JSON object")
    render.set_defaults(func=bench_render)
    camera = bench.add_parser("camera", help="the colour camera's capture: scene, RAW, develop, JPEG, PNG, "
                              "at 4208x3120 and 1052x780")
    camera.add_argument("--captures", type=int, default=3, help="captures timed at each size (after one warm-up)")
    camera.add_argument("--json", action="store_true", help="print one JSON object")
    camera.set_defaults(func=bench_camera)
    bio = bench.add_parser("board-io", help="board in the loop: the drivers' bus time per 2 ms control cycle on the "
                           "emulated chips (I2C, SPI, UART), p50/p99")
    bio.add_argument("--cycles", type=int, default=5000, help="control cycles timed")
    bio.add_argument("--json", action="store_true", help="print one JSON object")
    bio.set_defaults(func=bench_board_io)
    lockstep = bench.add_parser("lockstep", help="a whole flight in lockstep (Flight 51 by default): speed_x, "
                                "cpu_s_per_sim_s, serial_ms_per_step (wall, under load), serial_cpu_ms_per_step "
                                "(its work) and serial_ceiling_x")
    lockstep.add_argument("--plan", default="flight51", help="the plan flown with ginny sim (bundled name or file)")
    lockstep.add_argument("--seed", type=int, default=1, help="the world's seed")
    lockstep.add_argument("--sim-seconds", type=float, default=None,
                          help="fly the scripted hop (ginny run --world) for this long instead of a plan")
    lockstep.add_argument("--profile", metavar="DIR", type=Path,
                          help="profile every flight process into DIR (NAME.prof) and say where the time went")
    lockstep.add_argument("--json", action="store_true", help="print one JSON object")
    lockstep.set_defaults(func=bench_lockstep)
    ex = bench.add_parser("exchange", help="prototypes of the lockstep step exchange: control hosted in the world, "
                          "over eventfd and shared memory, over ZeroMQ")
    ex.add_argument("--channel", choices=("hosted", "eventfd", "zmq", "all"), default="all", help="which prototype")
    ex.add_argument("--steps", type=int, default=15_000, help="world steps (15,000: spin-up, climb, first legs)")
    ex.add_argument("--json", action="store_true", help="print one JSON object")
    ex.set_defaults(func=bench_exchange)
    nav = bench.add_parser("nav", help="the feature tracker against a bare OpenCV baseline, on rendered frames")
    nav.add_argument("--frames", type=int, default=300, help="frames to track")
    nav.add_argument("--json", action="store_true", help="print one JSON object")
    nav.set_defaults(func=bench_nav)
    lat = bench.add_parser("latency", help="the critical loop in a real-time flight: latency, time, misses")
    lat.add_argument("--sim-seconds", type=float, default=33.0, help="simulated time to fly (real time)")
    lat.add_argument("--json", action="store_true", help="print one JSON object")
    lat.set_defaults(func=bench_latency)
    camp = bench.add_parser("campaign", help="a campaign's N flights one after another with ginny sim, then on "
                            "the engine (a LocalCluster): flights per hour, the engine's overhead")
    camp.add_argument("spec", help="a campaign spec (file or bundled name, e.g. flight1_dispersed)")
    camp.add_argument("--flights", type=int, default=10, help="flights of the spec to fly each way (default 10)")
    camp.add_argument("--workers", type=int, default=None, help="the LocalCluster's workers (default: cores / 2)")
    camp.add_argument("--out", required=True, help="a new or empty folder for both runs' flights")
    camp.add_argument("--json", action="store_true", help="print one JSON object")
    camp.set_defaults(func=bench_campaign)
    acc = bench.add_parser("accuracy", help="navigation's accuracy over a fixed matrix: simulated flights (2-10 m/s, "
                           "5-24 m up, 100-800 m, jezero and hills) and replays of real photographs")
    acc.add_argument("--out", required=True, help="a new or empty folder for the flights, datasets and replays")
    acc.add_argument("--only", default="", help="only the cases whose name holds this (e.g. replay's 'gravel')")
    acc.add_argument("--json", action="store_true", help="print one JSON object")
    acc.set_defaults(func=bench_accuracy)
    link = bench.add_parser("link", help="the ground link through the emulated radio: round trip, throughput")
    link.add_argument("--commands", type=int, default=50, help="NO_OPs sent one at a time for the round trip")
    link.add_argument("--file-kib", type=int, default=256, help="size of the file downlinked for throughput")
    link.add_argument("--fuzz", type=int, default=0, metavar="N",
                      help="then send N malformed uplink frames: each answered once, counted, and the vehicle on")
    link.add_argument("--fprime", nargs="?", const="space-packet-space-data-link", default="",
                      choices=("space-packet-space-data-link", "fprime"), metavar="FRAMING",
                      help="also through the F Prime link: NO_OP via a real fprime-gds (needs fprime-gds installed, "
                           "as `make test` does), and --fuzz on that link too")
    link.add_argument("--json", action="store_true", help="print one JSON object")
    link.set_defaults(func=bench_link)


def _print(result: dict, as_json: bool, out: TextIO) -> int:
    if as_json:
        print(json.dumps(result), file=out)
    else:
        for key, value in result.items():
            print(f"{key:<24} {value}", file=out)
    return 0


def _simulation_bench(name: str, valid: bool, rule: str, run, args: argparse.Namespace,
                      out: TextIO | None) -> int:
    """Check the arguments (`valid`, else say `rule`), run, print."""
    if not valid:
        print(f"ginny bench {name}: {rule}", file=sys.stderr)
        return 2
    return _print(run(), args.json, out or sys.stdout)


def bench_render(args: argparse.Namespace, out: TextIO | None = None) -> int:
    from sim_hal.run import bench

    return _simulation_bench("render", args.frames >= 1, "--frames must be at least 1",
                             lambda: bench.bench_render(args.frames, args.terrain), args, out)


def bench_camera(args: argparse.Namespace, out: TextIO | None = None) -> int:
    from sim_hal.run import bench

    return _simulation_bench("camera", args.captures >= 1, "--captures must be at least 1",
                             lambda: bench.bench_camera(args.captures), args, out)


def bench_board_io(args: argparse.Namespace, out: TextIO | None = None) -> int:
    from sim_hal.run import bench

    return _simulation_bench("board-io", args.cycles >= 1, "--cycles must be at least 1",
                             lambda: bench.bench_board_io(args.cycles), args, out)


def bench_lockstep(args: argparse.Namespace, out: TextIO | None = None) -> int:
    from sim_hal.run import bench

    from fsw.config import ConfigError
    from fsw.control.plan import plan_path
    from sim_hal.run.simflight import MAX_SEED

    try:
        if args.profile is not None:
            check_export_folder(args.profile, "--profile")
        if args.sim_seconds is None:
            plan_path(args.plan)
        if not 0 <= args.seed <= MAX_SEED:
            raise ValueError(f"--seed must be 0..{MAX_SEED}, got {args.seed}")
    except (ValueError, ConfigError) as exc:
        print(f"ginny bench lockstep: {exc}", file=sys.stderr)
        return 2
    return _simulation_bench("lockstep", args.sim_seconds is None or args.sim_seconds > 0,
                             "--sim-seconds must be positive",
                             lambda: bench.bench_lockstep(args.plan, args.seed, args.sim_seconds, args.profile),
                             args, out)


def bench_exchange(args: argparse.Namespace, out: TextIO | None = None) -> int:
    from sim_hal.run.exchange import CHANNELS, bench_exchange as run

    channels = CHANNELS if args.channel == "all" else (args.channel,)
    return _simulation_bench("exchange", args.steps >= 100, "--steps must be at least 100",
                             lambda: {c: run(c, args.steps) for c in channels}, args, out)


def bench_nav(args: argparse.Namespace, out: TextIO | None = None) -> int:
    from sim_hal.run import bench

    return _simulation_bench("nav", args.frames >= 2, "--frames must be at least 2",
                             lambda: bench.bench_nav(args.frames), args, out)


def bench_latency(args: argparse.Namespace, out: TextIO | None = None) -> int:
    from sim_hal.run import bench

    return _simulation_bench("latency", args.sim_seconds > 0, "--sim-seconds must be positive",
                             lambda: bench.bench_latency(args.sim_seconds), args, out)


def bench_accuracy(args: argparse.Namespace, out: TextIO | None = None) -> int:
    from ground.accuracy import run_matrix, table

    out = out or sys.stdout
    try:
        check_export_folder(Path(args.out), "--out")
    except ValueError as exc:
        print(f"ginny bench accuracy: {exc}", file=sys.stderr)
        return 2
    say = (lambda name: None) if args.json else (lambda name: print(f"flying {name} ...", file=sys.stderr))
    result = run_matrix(Path(args.out), args.only, say)
    if not result["cases"]:
        print(f"ginny bench accuracy: no case's name holds {args.only!r}", file=sys.stderr)
        return 2
    print(json.dumps(result) if args.json else table(result), file=out)
    return 0


def bench_bus(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    if min(args.frames, args.small, args.probes) < 1:
        print("ginny bench bus: --frames, --small and --probes must be at least 1", file=sys.stderr)
        return 2
    transports = ("ipc", "tcp") if args.transport == "both" else (args.transport,)
    results = {t: dataclasses.asdict(run_bench(t, args.frames, args.small, args.probes)) for t in transports}
    if args.json:
        print(json.dumps(results), file=out)
        return 0
    print(f"{'transport':<10} {'frames/s':>10} {'frame p50 us':>13} {'frame p99 us':>13} {'small msgs/s':>13} "
          f"{'trip p50 us':>12} {'trip cpu us':>12}", file=out)
    for t, r in results.items():
        print(f"{t:<10} {r['frames_per_s']:>10.0f} {r['frame_latency_p50_us']:>13.1f} "
              f"{r['frame_latency_p99_us']:>13.1f} {r['small_msgs_per_s']:>13.0f} {r['round_trip_p50_us']:>12.1f} "
              f"{r['round_trip_cpu_us']:>12.1f}", file=out)
    print("frames: 640x480 uint8 navcam frames; small: IMU samples; latency: send to decoded array, one at a time;\n"
          "trip: a small message answered by a small one (a lockstep step's floor), and the sender's CPU for it",
          file=out)
    return 0


def bench_link(args: argparse.Namespace, out: TextIO | None = None) -> int:
    from ground.bench import bench_link as run

    return _simulation_bench("link", args.commands >= 1 and args.file_kib >= 1 and args.fuzz >= 0,
                             "--commands and --file-kib must be at least 1, --fuzz at least 0",
                             lambda: run(args.commands, args.file_kib, fuzz=args.fuzz, fprime=args.fprime), args, out)


def bench_campaign(args: argparse.Namespace, out: TextIO | None = None) -> int:
    from fsw.config import ConfigError
    from fsw.runtime.outputs import check_out_folder
    from ground.campaign.bench import bench_campaign as run
    from ground.campaign.spec import load_spec

    try:
        spec = load_spec(args.spec)
        if not 1 <= args.flights <= spec.flights:
            raise ValueError(f"--flights must be 1..{spec.flights} (the spec's), got {args.flights}")
        if args.workers is not None and not 1 <= args.workers <= 256:
            raise ValueError(f"--workers must be 1..256, got {args.workers}")
        check_out_folder(Path(args.out).resolve(), "--out")
    except (ValueError, ConfigError) as exc:
        print(f"ginny bench campaign: {exc}", file=sys.stderr)
        return 2
    return _print(run(spec, args.flights, Path(args.out).resolve(), args.workers), args.json, out or sys.stdout)
