"""`ginny bus top` and `ginny bus echo TOPIC`: look at a running stack's message bus."""
from __future__ import annotations

import argparse
import sys
from typing import TextIO

from rich.console import Console
from rich.live import Live
from rich.table import Table

from fsw.bus.introspect import TOP_HEADER, RateMeter, describe, format_table, top_cells, top_row
from fsw.bus.reader import BusReader
from sim_hal.backend.topics import sim_registry
from fsw.bus.topology import Topology, TopologyError
from fsw.clock import NS_PER_S, MonotonicClock
from fsw.config import ConfigError
from fsw.config.stack import DEFAULT_STACK, load_stack
from fsw.health.stack import default_run_dir


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("bus", help="look at a running stack's message bus")
    bus = p.add_subparsers(dest="bus_command", required=True)
    top = bus.add_parser("top", help="per topic: publishers, rate, gaps, errors, age of the last message")
    top.add_argument("--seconds", type=float, default=None, help="watch this long, print the table, exit")
    top.add_argument("--period", type=float, default=1.0, help="refresh period in seconds")
    echo = bus.add_parser("echo", help="print the messages of one topic as they come (images summarized)")
    echo.add_argument("topic", help="a topic of the bus, e.g. nav.state (`ginny bus top` lists them)")
    echo.add_argument("--count", type=int, default=None, help="exit after this many messages")
    echo.add_argument("--seconds", type=float, default=None, help="exit after this many seconds")
    for q in (top, echo):
        q.add_argument("--config", default=str(DEFAULT_STACK), help="stack config of the running stack")
        q.add_argument("--run-dir", default=None, help="run folder of the running stack")
    top.set_defaults(func=top_main)
    echo.set_defaults(func=echo_main)


def open_topology(args: argparse.Namespace) -> Topology:
    loaded = load_stack(args.config)
    return Topology.load(loaded.topology_path, sim_registry(), args.run_dir or default_run_dir())


def readable_topics(topology: Topology) -> list[str]:
    out = []
    for topic in topology.registry:
        try:
            topology.publishers_of(topic.name)
        except TopologyError:
            continue  # e.g. sim.clock in a stack without the simulated world
        out.append(topic.name)
    return out


def top_main(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    try:
        topology = open_topology(args)
    except (ConfigError, TopologyError) as exc:
        print(f"ginny bus top: {exc}", file=sys.stderr)
        return 2
    clock = MonotonicClock()
    topics = readable_topics(topology)
    meters = {t: RateMeter() for t in topics}
    with BusReader(topology, topics, clock) as reader:
        render = _live_renderer(out) if out.isatty() and args.seconds is None else _plain_renderer(out, args)
        end = None if args.seconds is None else clock.now_ns() + int(args.seconds * NS_PER_S)
        next_show = clock.now_ns() + int(args.period * NS_PER_S)
        while end is None or clock.now_ns() < end:
            for rec in reader.poll(50):
                meters[rec.topic].add(rec.recv_ns)
            if clock.now_ns() >= next_show:
                next_show += int(args.period * NS_PER_S)
                render(_rows(reader, meters, clock.now_ns()), False)
        render(_rows(reader, meters, clock.now_ns()), True)
    return 0


def _rows(reader: BusReader, meters: dict[str, RateMeter], now_ns: int) -> list[tuple[str, ...]]:
    return [top_cells(top_row(t, s.stats, meters[t], now_ns)) for t, s in reader.subscriptions.items()]


def _plain_renderer(out: TextIO, args: argparse.Namespace):
    def render(rows: list[tuple[str, ...]], final: bool) -> None:
        if final or args.seconds is None:
            print(format_table(TOP_HEADER, rows) + "\n", file=out, flush=True)

    return render


def _live_renderer(out: TextIO):
    live = Live(console=Console(file=out), auto_refresh=False)
    live.start()

    def render(rows: list[tuple[str, ...]], final: bool) -> None:
        table = Table(*TOP_HEADER, title="ginny bus top")
        for row in rows:
            table.add_row(*row)
        live.update(table, refresh=True)
        if final:
            live.stop()

    return render


def echo_main(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    try:
        topology = open_topology(args)
        topology.publishers_of(args.topic)
    except (ConfigError, TopologyError, KeyError) as exc:
        print(f"ginny bus echo: {exc}", file=sys.stderr)
        return 2
    clock = MonotonicClock()
    end = None if args.seconds is None else clock.now_ns() + int(args.seconds * NS_PER_S)
    shown = 0
    with BusReader(topology, [args.topic], clock) as reader:
        while (end is None or clock.now_ns() < end) and (args.count is None or shown < args.count):
            for rec in reader.poll(50):
                print(describe(rec), file=out, flush=True)
                shown += 1
                if args.count is not None and shown >= args.count:
                    break
    return 0
