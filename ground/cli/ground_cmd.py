"""`ginny ground`: the operator's command line -- keys, commands, plan upload, live telemetry, events, files,
the command dictionary and the web dashboard. Exit codes: 0 OK, 1 the vehicle refused or failed the command,
2 bad input (refused before sending), 3 no answer in time."""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.table import Table

from fsw.comm.auth import KeyFileError, init_keys
from fsw.config import ConfigError, decode_text
from fsw.runtime.outputs import check_endpoint, check_export_file
from fsw.runtime.commands import CommandDef, CommandRejected, default_dictionary
from ground.link import DEFAULT_ENDPOINT, GroundLink
from sim_hal.run.plancheck import check_plan

EXIT_REFUSED, EXIT_BAD_INPUT, EXIT_TIMEOUT = 1, 2, 3


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ground", help="the ground station: command the vehicle and watch it")
    p.add_argument("--endpoint", default=DEFAULT_ENDPOINT, help="the vehicle's comm endpoint")
    p.add_argument("--keys", default="keys", help="keys folder (ground.key_secret, vehicle.key)")
    p.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for an answer")
    g = p.add_subparsers(dest="ground_command", required=True)
    k = g.add_parser("keys", help="key management").add_subparsers(dest="keys_command", required=True)
    ki = k.add_parser("init", help="make the vehicle's and this ground station's keys, and allow this station")
    ki.add_argument("--dir", default=None, help="where (default: --keys)")
    ki.add_argument("--name", default="ground", help="this ground station's name")
    ki.set_defaults(func=_guarded(_keys_init))
    s = g.add_parser("send", help="send one command: send CMD [name=value ...]")
    s.add_argument("cmd", help="a command of the dictionary (`ginny ground dict` lists them), e.g. NO_OP")
    s.add_argument("args", nargs="*", metavar="name=value", help="the command's arguments, e.g. seconds=5")
    s.add_argument("--target", default="", help="the process, for commands every process takes (NO_OP)")
    s.add_argument("--id", type=int, default=None, help="command id (default: a fresh one)")
    s.set_defaults(func=_guarded(_send))
    pl = g.add_parser("plan", help="flight plans").add_subparsers(dest="plan_command", required=True)
    pu = pl.add_parser("upload", help="validate a plan file here, then upload it")
    pu.add_argument("file", help="the plan file (TOML); checked here before it is sent")
    pu.set_defaults(func=_guarded(_plan_upload))
    w = g.add_parser("watch", help="live telemetry table")
    w.add_argument("--seconds", type=float, default=None, help="stop after this long (default: Ctrl-C)")
    w.set_defaults(func=_guarded(_watch))
    e = g.add_parser("events", help="print events as they come down")
    e.add_argument("--seconds", type=float, default=None, help="stop after this long (default: Ctrl-C)")
    e.set_defaults(func=_guarded(_events))
    f = g.add_parser("files", help="files on board").add_subparsers(dest="files_command", required=True)
    fl = f.add_parser("list", help="list a folder of the run directory")
    fl.add_argument("dir", nargs="?", default="", help="a folder of the vehicle's files (default: the top)")
    fl.set_defaults(func=_guarded(_files_list))
    fg = f.add_parser("get", help="downlink a file")
    fg.add_argument("path", help="the file on the vehicle (as `files list` shows it)")
    fg.add_argument("--out", default=None, help="where to write it (default: its name, here)")
    fg.set_defaults(func=_guarded(_files_get))
    d = g.add_parser("dict", help="the command dictionary as JSON (ginny's own), or F Prime's dictionary")
    d.add_argument("--fprime", default=None, metavar="FILE",
                   help="write F Prime's JSON dictionary here, for `fprime-gds --dictionary FILE` (docs/fprime.md)")
    d.add_argument("--config", default=None, help="the stack config whose [comm.fprime] framing the dictionary "
                   "states (default: the bundled simulation's)")
    d.set_defaults(func=_guarded(_dict))
    web = g.add_parser("web", help="the web dashboard")
    web.add_argument("--host", default="127.0.0.1", help="the address the dashboard listens on (default 127.0.0.1)")
    web.add_argument("--port", type=int, default=8080, help="its port (default 8080)")
    web.add_argument("--truth", default="", metavar="E", help="a simulator's truth feed for the map "
                     "(`ginny sim --truth-endpoint E`)")
    web.set_defaults(func=_guarded(_web))


_NO_LINK = ("keys", "dict")  # subcommands that do not talk to the vehicle


def _guarded(func: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Check the ground station's flags and keys before `func` opens anything; a bad one is one line, exit 2."""
    def run(args: argparse.Namespace) -> int:
        try:
            check_args(args)
        except (ValueError, KeyFileError) as exc:
            print(f"ginny ground: {exc}", file=sys.stderr)
            return EXIT_BAD_INPUT
        return func(args)
    return run


def check_args(args: argparse.Namespace) -> None:
    check_endpoint(args.endpoint, "--endpoint")
    if getattr(args, "truth", ""):
        check_endpoint(args.truth, "--truth")
    if not 0 < args.timeout <= 3600:
        raise ValueError(f"--timeout: {args.timeout} must be above 0 and at most 3600 s")
    if getattr(args, "seconds", None) is not None and not args.seconds > 0:
        raise ValueError(f"--seconds: {args.seconds} must be above 0")
    if getattr(args, "port", None) is not None and not 1 <= args.port <= 65535:
        raise ValueError(f"--port: {args.port} is not a TCP port (1..65535)")
    if args.ground_command == "files" and args.files_command == "get":
        out = Path(args.out or Path(args.path).name)
        check_export_file(out, "--out")
        if out.exists():
            raise ValueError(f"--out {out}: exists (a downlinked file never overwrites one here: give --out)")
    if args.ground_command not in _NO_LINK:
        GroundLink.check_keys(Path(args.keys))


def parse_args(cdef: CommandDef, pairs: list[str]) -> dict[str, Any]:
    """`name=value` strings into typed arguments (the dictionary then checks them)."""
    types = {a.name: a.type for a in cdef.args}
    out: dict[str, Any] = {}
    for pair in pairs:
        name, eq, text = pair.partition("=")
        if not eq:
            raise ArgumentError("FORMAT_ERROR", f"{pair!r}: arguments are name=value")
        if name not in types:
            raise ArgumentError("FORMAT_ERROR", f"{cdef.name} takes no argument {name!r}")
        out[name] = _convert(name, types[name], text)
    return out


class ArgumentError(ValueError):
    def __init__(self, result: str, reason: str) -> None:
        super().__init__(f"{result}: {reason}")


def _convert(name: str, type_: str, text: str) -> Any:
    try:
        if type_ == "int":
            return int(text, 0)
        if type_ == "float":
            return float(text)
    except ValueError:
        raise ArgumentError("FORMAT_ERROR", f"{name}={text!r} is not a number") from None
    if type_ == "bool":
        if text.lower() not in ("true", "false", "1", "0", "yes", "no"):
            raise ArgumentError("FORMAT_ERROR", f"{name}={text!r} is not true or false")
        return text.lower() in ("true", "1", "yes")
    return text


def _link(args: argparse.Namespace) -> GroundLink:
    return GroundLink(args.endpoint, Path(args.keys)).open()


def _keys_init(args: argparse.Namespace) -> int:
    try:
        made = init_keys(Path(args.dir or args.keys), args.name)
    except (OSError, ValueError) as exc:
        print(f"ginny ground keys init: {args.dir or args.keys}: cannot make the keys there "
              f"({getattr(exc, 'strerror', None) or exc})", file=sys.stderr)
        return EXIT_BAD_INPUT
    for what, path in made.items():
        print(f"{what:<11} {path}")
    print("give the vehicle the folder (its [comm] keys_dir); keep *.key_secret private")
    return 0


def _send_and_report(args: argparse.Namespace, name: str, cmd_args: dict, target: str = "",
                     cmd_id: int | None = None) -> tuple[int, dict | None]:
    try:
        link = _link(args)
    except KeyFileError as exc:
        print(f"ginny ground: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT, None
    try:
        cmd_id = link.send(name, cmd_args, target, cmd_id)
        ack = link.ack(cmd_id, args.timeout)
    except CommandRejected as exc:
        print(f"{name}: refused here: {exc.result.name}: {exc.reason}", file=sys.stderr)
        return EXIT_BAD_INPUT, None
    except TimeoutError as exc:
        print(f"{name}: {exc}", file=sys.stderr)
        return EXIT_TIMEOUT, None
    finally:
        link.close()
    print(f"{name} [{cmd_id}]: {ack['result']}" + (f": {ack['reason']}" if ack["reason"] else ""))
    return (0 if ack["result"] == "OK" else EXIT_REFUSED), ack


def _send(args: argparse.Namespace) -> int:
    try:
        cdef = default_dictionary().get(args.cmd)
        cmd_args = parse_args(cdef, args.args)
    except (CommandRejected, ArgumentError) as exc:
        print(f"{args.cmd}: refused here: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return _send_and_report(args, args.cmd, cmd_args, args.target, args.id)[0]


def _plan_upload(args: argparse.Namespace) -> int:
    try:
        plan = check_plan(Path(args.file)).plan
    except (ConfigError, ValueError) as exc:
        print(f"plan refused here: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    text = decode_text(Path(args.file).read_bytes(), args.file)
    return _send_and_report(args, "PLAN_UPLOAD", {"name": plan.name, "text": text})[0]


def _until(seconds: float | None):
    end = None if seconds is None else time.monotonic() + seconds
    return lambda: end is None or time.monotonic() < end


def _watch(args: argparse.Namespace) -> int:
    with _link(args) as link, Live(_state_table(link), refresh_per_second=4) as live:
        more = _until(args.seconds)
        while more():
            link.poll(200)
            live.update(_state_table(link))
    return 0


def _state_table(link: GroundLink) -> Table:
    t = Table(title=f"ginny  link {'UP' if link.link_up else 'DOWN'}  {link.got.frames} frames")
    t.add_column("channel")
    t.add_column("value")
    for k, v in (link.got.state or {}).items():
        if k not in ("type", "v"):
            t.add_row(k, json.dumps(v) if isinstance(v, (list, dict)) else str(v))
    return t


def _events(args: argparse.Namespace) -> int:
    console = Console()
    shown = 0
    with _link(args) as link:
        more = _until(args.seconds)
        while more():
            link.poll(200)
            for e in link.got.events[shown:]:
                console.print(f"{e['t_ns'] / 1e9:9.3f} {e['severity']:<11} {e['source']:<8} {e['name']}: {e['text']}",
                              markup=False, highlight=False)
            shown = len(link.got.events)
    return 0


def _files_list(args: argparse.Namespace) -> int:
    return _send_and_report(args, "LIST_FILES", {"dir": args.dir})[0]


def _files_get(args: argparse.Namespace) -> int:
    with _link(args) as link:
        try:
            cmd_id = link.send("DOWNLINK_FILE", {"path": args.path})
            ack = link.ack(cmd_id, args.timeout)
            if ack["result"] != "OK":
                print(f"DOWNLINK_FILE: {ack['result']}: {ack['reason']}", file=sys.stderr)
                return EXIT_REFUSED
            data = link.wait_for(_Progress(link, args.path), max(args.timeout, 600), args.path)
        except TimeoutError as exc:
            print(f"DOWNLINK_FILE: {exc}", file=sys.stderr)
            return EXIT_TIMEOUT
    out = Path(args.out or Path(args.path).name)
    out.write_bytes(data)
    print(f"{args.path}: {len(data)} bytes -> {out}")
    return 0


class _Progress:
    """A file's arrival, as a condition to wait on that prints how far it got each time another tenth of
    it has come down (chunks come at the radio's pace: a full RAW frame takes minutes at 250 kbit/s)."""

    def __init__(self, link, path: str) -> None:
        self.link, self.path, self.shown, self.start = link, path, -1, link.clock()

    def __call__(self) -> bytes | None:
        data = self.link.got.files.get(self.path)
        got, size = self.link.got.progress.get(self.path, (0, 0))
        tenth = 10 if data is not None else (10 * got // size if size else -1)
        if tenth > self.shown:
            self.shown = tenth
            rate = got / max(self.link.clock() - self.start, 1e-3) / 1000
            print(f"{self.path}: {10 * tenth}% ({got} of {size} bytes, {rate:.1f} kB/s)", file=sys.stderr, flush=True)
        return data


def _dict(args: argparse.Namespace) -> int:
    if not args.fprime:
        print(json.dumps(default_dictionary().to_json(), indent=2))
        return 0
    from fsw.comm.fprime.dictionary import gds_command, write_dictionary
    from fsw.config.stack import load_stack
    from sim_hal.run.simflight import SIM_STACK
    try:
        check_export_file(Path(args.fprime), "--fprime")
        fprime = load_stack(args.config or SIM_STACK).config.comm.fprime
    except (ValueError, ConfigError) as exc:
        print(f"ginny ground dict: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    n = write_dictionary(Path(args.fprime), fprime)
    print(f"{args.fprime}: {n['commands']} commands, {n['events']} events, {n['channels']} channels")
    print(f"fly with: {gds_command(Path(args.fprime), fprime)}")
    return 0


def _web(args: argparse.Namespace) -> int:
    from ground.web.app import serve  # the web stack loads only for the dashboard
    return serve(args.endpoint, Path(args.keys), args.host, args.port, args.truth)
