"""One whole simulated flight, as `ginny sim` flies it: the flight stack under its supervisor flying a plan on
the sim backend, the world beside it, and a recorder on the bus; the flight judged at the end.

Everything a run needs is written into its output folder first (`stack.toml`, `world.toml`: the exact configs
flown, so a run can be repeated by hand), then the run leaves there `summary.json`, `events.jsonl`, the flight
log (`flightlog/`: the boot log, the flight's log, navcam samples and colour captures), the colour
captures in `images/` and the processes' logs in `logs/`.

Outcomes: `landed` (the plan flown and landed), `land_now` (a contingency landing), `crashed` (tipped over) and
`aborted` (the simulated time ran out or the stack failed before a landing).
"""
from __future__ import annotations

import copy
import json
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import tomli_w

from fsw.bus.messages import ProcessStats, Severity
from fsw.bus.reader import BusReader
from fsw.bus.topology import Topology
from fsw.config import ConfigError, read_toml
from fsw.config.stack import LoadedStack, load_stack
from fsw.config.sensors import load_sensors
from fsw.control.modes import entered
from fsw.health.faults import parse_process_fault
from fsw.control.plan import Plan
from fsw.health.stack import build_supervisor, lock_run_dir
from fsw.logger.images import write_image
from fsw.comm.fprime.dictionary import write_dictionary
from fsw.runtime.outputs import check_endpoint, check_out_folder, make_folder
from sim_hal.backend.meter import EMULATION_FILE, CpuMeter
from sim_hal.backend.topics import sim_registry
from sim_hal.model.params import load_vehicle
from sim_hal.worldproc.config import DEFAULT_WORLD, load_world
from sim_hal.run.launch import SupervisedStack, WorldRunner
from sim_hal.run.plancheck import CheckedPlan, check_plan
from sim_hal.run.procwatch import ProcessWatch
from sim_hal.run.split import TOPOLOGY, RemoteStack, Split, world_side, write_topology
from sim_hal.run.truthfeed import TruthFeed

SIM_STACK = Path(__file__).resolve().parent.parent.parent / "fsw" / "config" / "sim_flight.toml"
# Flown in real time, the bundled config takes the real-time settings: navigation fuses each frame as it comes
# (the fusion delay only makes lockstep runs repeatable, and costs latency), 600 ms of silence is a hang, and
# the flight processes take SCHED_FIFO priorities as fsw/config/sim_realtime.toml gives them (and not the
# lockstep's smaller share for camera and navigation, nor its bundles of IMU samples, nor control hosted in
# the world).
REALTIME_SETTINGS = {"nav": {"fusion_delay_ms": 0.0},
                     "health": {"heartbeat_timeout_ms": 600, "hung_needs_idle_cpu": False},
                     "flight": {"nav_apply_delay_ms": 0.0},
                     "processes": {"camera": {"realtime_priority": 26, "nice": 0},
                                   "nav": {"realtime_priority": 26, "nice": 0},
                                   "control": {"realtime_priority": 25, "bundle": 5, "host": ""}}}
_WORLD_SIDE = ("world", "render", "emulated_hardware", "harness", "total")  # cpu_s keys that are not the flight stack's
OUTCOME_CODES = {"landed": 0, "land_now": 3, "crashed": 4, "aborted": 5, "interrupted": 130}
_LANDING_FIGURES = ("flight_time_s", "touchdown_speed_mps", "touchdown_horizontal_speed_mps")
_MARGIN_S = 60.0  # simulated time allowed beyond the plan's duration and the spin-up before giving up
MAX_SEED = 2**32 - 1  # numpy's seeds
FPRIME_DICTIONARY = "fprime-dictionary.json"  # with --fprime, in the output folder: fprime-gds --dictionary FILE
_GROUND_MAX_S = 3600.0  # simulated time a ground-commanded flight may take, waiting included
_WALL_PER_SIM = 10.0  # the run is stopped if it takes longer than this many wall seconds per simulated one
_WALL_PER_SIM_REMOTE = 200.0  # ... with the flight stack on another host (an emulated CPU's, perhaps)


@dataclass(frozen=True)
class SimRequest:
    plan: str = "flight51"
    terrain: str | None = None  # None: the plan's
    seed: int = 1
    realtime: bool = False
    faults: tuple[str, ...] = ()
    out: Path = Path("sim-out")
    config: Path = SIM_STACK  # the stack config the flight's is made from
    world: Path = DEFAULT_WORLD  # the world config likewise
    max_sim_s: float | None = None  # None: the plan's duration plus a margin
    max_wall_s: float | None = None  # None: 10 wall seconds per simulated second allowed, and 2 minutes
    ground: bool = False  # wait for the plan and the commands from a ground station
    keys: Path = Path("keys")  # the ground link's keys (`ginny ground keys init`)
    endpoint: str = "tcp://127.0.0.1:7400"  # where the ground station connects
    truth_endpoint: str = ""  # publish the truth for a ground station's map here ("" = not at all)
    fprime: str = ""  # open the F Prime ground link with this framing ("" = not at all)
    fprime_port: int = 50000  # on 127.0.0.1, for fprime-gds --ip-client
    backend: str = "sim"  # or "board": the board backend's drivers on chips the world feeds (board in the loop)
    board: str = ""  # with backend "board": tcp://HOST[:PORT] where the flight stack runs (`ginny board --world`)
    bind: str = ""  # ... and this host's address for the world, HOST[:PORT] (default: the one routing there)


@dataclass(frozen=True)
class Prepared:
    plan: Plan
    terrain: str
    stack_path: Path
    world_path: Path
    run_dir: Path
    expected_s: float  # simulated time from start to touchdown, as planned
    max_sim_s: float


def prepare(req: SimRequest) -> Prepared:
    """Check every input, then write the flight's configs into its fresh output folder; raise ConfigError or
    ValueError (naming the file, key or flag, and the reason) before anything is written or started."""
    checked = check_plan(req.plan, req.terrain, req.faults, req.ground)
    check_request(req)
    out = Path(req.out).resolve()
    check_out_folder(out, "--out")
    stack_raw = _stack_raw(req, checked, out)
    world_raw = _world_raw(req, checked.plan, checked.terrain, checked.faults.device)
    run_dir = Path(tempfile.mkdtemp(prefix=f"ginny-sim-{os.getuid()}-"))  # short: ipc paths are limited
    try:
        if req.board:  # the flight stack on another host: the topology of the two, beside the stack config
            _split_topology(stack_raw, run_dir, world_side(req.board, req.bind))
        stack_path = _write_checked(run_dir / "stack.toml", stack_raw, load_stack, req.config)
        world_path = _write_checked(run_dir / "world.toml", world_raw, load_world, req.world)
        spin_up_s = load_stack(stack_path).config.flight.spin_up_s
        make_folder(out, "--out")
    except (ConfigError, ValueError):
        shutil.rmtree(run_dir, ignore_errors=True)
        raise
    stack_path = Path(shutil.copy(stack_path, out / "stack.toml"))
    if req.board:
        shutil.copy(run_dir / TOPOLOGY, out / TOPOLOGY)
    world_path = Path(shutil.copy(world_path, out / "world.toml"))
    if req.fprime:
        write_dictionary(out / FPRIME_DICTIONARY, load_stack(stack_path).config.comm.fprime)
    expected = spin_up_s + checked.summary.duration_s + 2.0
    return Prepared(checked.plan, checked.terrain, stack_path, world_path, run_dir, expected,
                    req.max_sim_s or (_GROUND_MAX_S if req.ground else expected + _MARGIN_S))


def check_request(req: SimRequest) -> None:
    """The command line's own values (the plan and the faults are checked with the plan)."""
    if not 0 <= req.seed <= MAX_SEED:
        raise ValueError(f"--seed: {req.seed} is not a seed (0..{MAX_SEED})")
    if req.max_sim_s is not None and not 0 < req.max_sim_s <= _GROUND_MAX_S * 24:
        raise ValueError(f"--max-sim-seconds: {req.max_sim_s} must be above 0 and at most {_GROUND_MAX_S * 24:g}")
    if req.max_wall_s is not None and not 0 < req.max_wall_s <= 1e7:
        raise ValueError(f"--max-wall-seconds: {req.max_wall_s} must be above 0 and at most 1e7")
    if req.ground:
        _ground_keys(req.keys)
        check_endpoint(req.endpoint, "--endpoint")
    if req.truth_endpoint:
        check_endpoint(req.truth_endpoint, "--truth-endpoint")
    if req.fprime and not 1 <= req.fprime_port <= 65535:
        raise ValueError(f"--fprime-port: {req.fprime_port} is not a TCP port (1..65535)")
    if req.board:
        _check_remote_stack(req)


def _check_remote_stack(req: SimRequest) -> None:
    """A flight stack on another host flies the board path in lockstep, on its own (no ground link here)."""
    if req.backend != "board":
        raise ValueError("--board: the flight stack on another host flies the board path: add --backend board")
    for flag, given in (("--realtime", req.realtime), ("--ground", req.ground), ("--fprime", req.fprime)):
        if given:
            raise ValueError(f"--board: not with {flag} (the stack on the board flies its plan in lockstep)")
    world_side(req.board, req.bind)


def _split_topology(stack_raw: dict[str, Any], folder: Path, split: Split) -> None:
    """The stack config names a topology of the two hosts, written beside it in `folder`."""
    stack_raw["stack"]["topology"] = write_topology(folder, Path(stack_raw["stack"]["topology"]), split)


def prepare_board(plan: str, config: Path, out: Path, split: Split) -> Path:
    """The board's side of a flight across two hosts (`ginny board --world`): the stack config `ginny sim
    --backend board` would fly, on the split's topology, written into the fresh folder `out` (stack.toml,
    topology.toml); its path. ConfigError or ValueError (naming the file, key or flag) before anything is
    written."""
    req = SimRequest(plan=plan, config=config, out=out, backend="board")
    checked = check_plan(req.plan, None, (), False)
    out = Path(out).resolve()
    check_out_folder(out, "--out")
    stack_raw = _stack_raw(req, checked, out)
    staging = Path(tempfile.mkdtemp(prefix="ginny-board-"))
    try:
        _split_topology(stack_raw, staging, split)
        _write_checked(staging / "stack.toml", stack_raw, load_stack, config)
        make_folder(out, "--out")
        for name in ("stack.toml", TOPOLOGY):
            shutil.copy(staging / name, out / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out / "stack.toml"


def _stack_raw(req: SimRequest, checked: CheckedPlan, out: Path) -> dict[str, Any]:
    """The flight's stack config: the base config with the plan, faults, link and output folders filled in."""
    stack = load_stack(req.config)  # the base config, checked (its errors name its file)
    check_sim_backend(stack)
    stack_raw = read_toml(req.config)
    if req.realtime and Path(req.config).resolve() == SIM_STACK:
        _merge(stack_raw, REALTIME_SETTINGS)
    stack_raw["stack"]["topology"] = str(stack.topology_path)
    faults = checked.faults
    stack_raw.setdefault("health", {})["faults"] = faults.process
    _host_control(stack_raw, stack, req, faults.process)
    if req.backend == "board":
        _board_in_the_loop(stack_raw)
    radio = stack_raw.setdefault("comm", {}).setdefault("radio", {})
    radio["outages"] = [[f.start_s, f.duration_s] for f in faults.link if f.kind == "outage"]
    radio["loss_windows"] = [[f.start_s, f.duration_s, f.loss_pct] for f in faults.link if f.kind == "loss"]
    if req.ground:
        stack_raw.setdefault("flight", {}).update(plan="", autostart=False)
        stack_raw.setdefault("comm", {}).update(keys_dir=str(_ground_keys(req.keys)), endpoint=req.endpoint)
    else:
        stack_raw.setdefault("flight", {}).update(plan=str(checked.path), autostart=True)
    if req.fprime:
        stack_raw["comm"].setdefault("fprime", {}).update(enabled=True, framing=req.fprime, port=req.fprime_port)
    stack_raw.setdefault("logger", {})["dir"] = str(out / "flightlog")
    stack_raw.setdefault("comm", {})["files_dir"] = str(out)  # the flight's logs and images, for the ground
    return stack_raw


def _host_control(stack_raw: dict[str, Any], stack: LoadedStack, req: SimRequest, process_faults: list[str]) -> None:
    """Control hosted by the world only where it can be: in lockstep (a user's real-time config that hosts it is
    refused), and not when a process fault is aimed at control (it then runs as its own process, which the
    supervisor can kill or stop)."""
    control = stack_raw.get("processes", {}).get("control")
    if not control or control.get("host", "") != "world":
        return
    if req.realtime:
        raise ConfigError(stack.path, "processes.control.host", "control is hosted by the world only in lockstep: "
                                                                "set it to \"\" to fly in real time")
    if any(parse_process_fault(spec).name == "control" for spec in process_faults):
        control["host"] = ""


def _board_in_the_loop(stack_raw: dict[str, Any]) -> None:
    """The board backend's drivers on chips the world feeds: control runs as its own process (as on the
    board: its devices are its own), the inclinometer is fitted and the colour camera gives RAW frames (the
    emulated IMX214) unless the config's `[board.*]` tables say otherwise."""
    stack_raw["stack"]["backend"] = "board-loop"
    stack_raw.setdefault("processes", {}).setdefault("control", {})["host"] = ""
    board = stack_raw.setdefault("board", {})
    board.setdefault("inclinometer", {}).setdefault("enabled", True)
    colour = board.setdefault("colour_camera", {})
    colour.setdefault("raw", "RGGB")
    camera = load_sensors().colour_camera  # read out binned, at the size captures are taken by default
    colour.setdefault("width", camera.default_width_px)
    colour.setdefault("height", camera.default_height_px)


def check_sim_backend(stack: LoadedStack) -> None:
    """A stack the simulated world can fly: on the sim backend (the world drives its devices only: on another
    backend the stack would wait for a world it never hears), and spinning the rotors up for at least as long
    as the simulated rotors take (shorter, the director takes off on slow rotors and never leaves the
    ground). ConfigError naming the file and key."""
    if stack.config.stack.backend not in ("sim", "board-loop"):
        raise ConfigError(stack.path, "stack.backend", f"{stack.config.stack.backend!r}: the simulated world "
                                                       "needs the 'sim' backend (or 'board-loop': --backend board)")
    rotors_s = load_vehicle().rotor.spin_up_s
    if stack.config.flight.spin_up_s < rotors_s:
        raise ConfigError(stack.path, "flight.spin_up_s", f"{stack.config.flight.spin_up_s:g} s: the simulated "
                                                          f"rotors take {rotors_s:g} s to reach flight speed")


def _write_checked(path: Path, raw: dict[str, Any], load: Callable[[Path], Any], source: Path) -> Path:
    """Write a generated config and load it back; an error names the user's file it was made from."""
    path.write_text(tomli_w.dumps(raw), encoding="utf-8")
    try:
        load(path)
    except ConfigError as exc:
        raise ConfigError(source, exc.key, exc.reason) from None
    return path


def _merge(into: dict, changes: dict) -> None:
    """Tables merged key by key, however deep; other values replaced."""
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = copy.deepcopy(value)


def _ground_keys(keys: Path) -> Path:
    keys = Path(keys).resolve()
    for need in (keys / "vehicle.key_secret", keys / "authorized"):
        if not need.exists():
            raise ValueError(f"--keys: {need} is missing (make the keys with `ginny ground keys init --dir {keys}`)")
    return keys


def _world_raw(req: SimRequest, plan: Plan, terrain: str, device_faults: list[str]) -> dict[str, Any]:
    raw = read_toml(req.world)
    raw.pop("script", None)  # the flight software flies this one
    raw.update(seed=req.seed, terrain=terrain, lockstep=not req.realtime,
               faults=list(raw.get("faults", [])) + device_faults)
    start = raw.get("start", {})  # the world's [start] moves the plan's start point (a campaign disperses it)
    raw["start"] = {**start, "north_m": plan.start_north_m + start.get("north_m", 0.0),
                    "east_m": plan.start_east_m + start.get("east_m", 0.0)}
    return raw


_COUNTED = {Severity.WARNING_LO: "warning", Severity.WARNING_HI: "error", Severity.FATAL: "fatal"}


@dataclass
class Recorded:
    sim_s: float = 0.0
    agl_m: float = 0.0
    mode: str = "IDLE"
    events: dict[str, int] = field(default_factory=lambda: {"warning": 0, "error": 0, "fatal": 0})
    modes: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    procs: ProcessStats | None = None  # the supervisor's newest table


class Recorder(threading.Thread):
    """Listens to the flight on the bus: events (to `events.jsonl`, line by line), colour captures (to `images/`), the
    processes' memory and CPU (to `resources.csv`), and the simulated time and height for the progress bar."""

    TOPICS = ["event", "rte", "sim.truth", "health.procs"]

    def __init__(self, topology_path: Path, run_dir: Path, out: Path, truth_endpoint: str = "") -> None:
        super().__init__(name="recorder", daemon=True)
        self.truth = TruthFeed(truth_endpoint) if truth_endpoint else None
        self.topology = Topology.load(topology_path, sim_registry(), str(run_dir))
        self.out = out
        self.got = Recorded()
        self.processes: ProcessWatch | None = None
        self.ready = threading.Event()
        self._stop_flag = threading.Event()
        self.cpu_ns = 0

    def run(self) -> None:
        if self.truth is not None:
            self.truth.open()
        try:
            with BusReader(self.topology, self.TOPICS) as reader, \
                    open(self.out / "events.jsonl", "w", encoding="utf-8", buffering=1) as events, \
                    open(self.out / "resources.csv", "w", encoding="utf-8") as resources:
                self.processes = ProcessWatch(resources)
                self.ready.set()
                while not self._stop_flag.is_set():
                    for rec in reader.poll(100):
                        self._take(rec.topic, rec.msg, events)
        finally:
            self.cpu_ns = time.thread_time_ns()  # this thread's: the recording is not the supervisor's work
            if self.truth is not None:
                self.truth.close()

    def stop(self) -> None:
        self._stop_flag.set()
        self.join(timeout=10)

    def _take(self, topic: str, msg: Any, events: TextIO) -> None:
        g = self.got
        if topic == "sim.truth":
            g.sim_s, g.agl_m = msg.t_ns / 1e9, msg.agl_m
            if self.truth is not None:
                self.truth.offer(msg)
        elif topic == "event":
            events.write(json.dumps({"t_s": msg.t_ns / 1e9, "source": msg.source, "name": msg.name,
                                     "severity": msg.severity.name, "text": msg.text}) + "\n")
            if msg.severity in _COUNTED:
                g.events[_COUNTED[msg.severity]] += 1
            if msg.name == "MODE":
                g.modes.append(msg.text)
                g.mode = entered(msg.text)
        elif topic == "health.procs" and self.processes is not None:
            g.procs = msg
            self.processes.add(msg)
        elif topic == "rte":
            meta = write_image(self.out, topic, msg)
            if meta is not None:
                g.images.append(meta["file"])


Progress = Callable[[Recorded], None]


Reporter = Callable[[Path], str | None]  # a flight's output folder -> its report's path (inside it), or None


def fly(req: SimRequest, prep: Prepared, log: TextIO, progress: Progress | None = None,
        report: Reporter | None = None) -> dict[str, Any]:
    """Fly it; return the summary (also written to OUT/summary.json). `report` writes the flight report (the
    ground's, injected: the simulation does not import the ground station)."""
    run_dir = str(prep.run_dir)
    recorder = Recorder(load_stack(prep.stack_path).topology_path, prep.run_dir, prep.stack_path.parent,
                        req.truth_endpoint)
    stack = _stack_host(req, prep, recorder, log)
    shown = CpuMeter()  # the progress display's CPU, in the supervisor's loop (the harness's, not health's)
    world_args = ["--world", str(prep.world_path), "--seconds", str(prep.max_sim_s), "--end-on-landing",
                  "--event-listeners", "1"]  # the recorder below (events.jsonl, the summary's modes)
    world = WorldRunner(stack, prep.stack_path, world_args + (["--realtime"] if req.realtime else []), run_dir, log)
    recorder.start()
    recorder.ready.wait(10)
    if progress is not None:
        stack.timers.every(200_000_000, lambda: shown.run(progress, recorder.got), name="progress")
    started = time.monotonic()
    per_sim_s = _WALL_PER_SIM_REMOTE if req.board else _WALL_PER_SIM
    stack_code = stack.run(req.max_wall_s or prep.max_sim_s * per_sim_s + 120)
    world.finish()
    wall_s = time.monotonic() - started
    recorder.stop()
    shutil.copytree(prep.run_dir / "logs", prep.stack_path.parent / "logs", dirs_exist_ok=True)
    shutil.rmtree(prep.run_dir, ignore_errors=True)
    summary = summarize_flight(req, prep, world.summary, recorder.got, wall_s, stack.signalled)
    summary["stack_ok"] = stack_code == 0
    summary["processes"] = recorder.processes.report() if recorder.processes is not None else {}
    summary["cpu_s"] = cpu_by_process(summary, prep.stack_path.parent / "logs", (shown.ns + recorder.cpu_ns) / 1e9)
    if req.realtime:
        summary["flight_stack_cores"] = flight_stack_cores(summary["cpu_s"], wall_s)
    sim_s = summary["sim_time_s"] or 0.0
    summary["cpu_s_per_sim_s"] = round(summary["cpu_s"]["total"] / sim_s, 3) if sim_s > 0 else None
    summary_path = prep.stack_path.parent / "summary.json"
    summary_path.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")  # the report reads it
    summary["report"] = report(prep.stack_path.parent) if report is not None else None
    summary_path.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return summary


def _stack_host(req: SimRequest, prep: Prepared, recorder: Recorder, log: TextIO) -> SupervisedStack | RemoteStack:
    """The flight stack under its supervisor here, or (`--board`) on another host, known by its table."""
    if req.board:
        (prep.run_dir / "logs").mkdir(exist_ok=True)
        print(f"  stack    on {req.board}: start it there with `ginny board --world ...` "
              f"(docs/board-in-the-loop.md)", file=log, flush=True)
        return RemoteStack(lambda: recorder.got.procs)
    lock_run_dir(str(prep.run_dir))
    return SupervisedStack(build_supervisor(prep.stack_path, str(prep.run_dir), on_verdict=lambda v: print(
        f"  {v.what:<8} {v.text}", file=log, flush=True)))


def cpu_by_process(summary: dict[str, Any], logs: Path | None = None, harness_s: float = 0.0) -> dict[str, float]:
    """Where the run's time went: CPU seconds of each process (the world and its renderer, each flight process
    and the health supervisor, as last sampled), most first, and their total. Moved to the world's side, as
    each was measured where it ran: on the board path the emulated chips inside the flight processes they are
    wired into (`emulated_hardware`, from `logs`), and `ginny sim`'s own recording and progress display inside
    the supervisor's process (`harness`, `harness_s`)."""
    cpu = dict(summary.get("world", {}).get("cpu_s", {}))
    cpu.update({name: p["cpu_s"] for name, p in summary.get("processes", {}).items() if "cpu_s" in p})
    for path in sorted(logs.glob(EMULATION_FILE.format(process="*"))) if logs is not None else []:
        took = json.loads(path.read_text())
        _move(cpu, took["process"], "emulated_hardware", took["cpu_s"])
        if took.get("apart_cpu_s", 0.0) > 0:  # the emulated MCU's own process: in no process's figure yet
            cpu["emulated_hardware"] = round(cpu.get("emulated_hardware", 0.0) + took["apart_cpu_s"], 1)
    if harness_s > 0:
        _move(cpu, "health", "harness", harness_s)
    ranked = dict(sorted(cpu.items(), key=lambda kv: -kv[1]))
    ranked["total"] = round(sum(cpu.values()), 1)
    return ranked


def _move(cpu: dict[str, float], source: str, to: str, seconds: float) -> None:
    if source in cpu:
        moved = min(seconds, cpu[source])
        cpu[source] = round(cpu[source] - moved, 1)
        cpu[to] = round(cpu.get(to, 0.0) + moved, 1)


def flight_stack_cores(cpu_s: dict[str, float], wall_s: float) -> float | None:
    """The flight processes' CPU (every process but the world's, its renderer's, the emulated hardware's and
    `ginny sim`'s own)
    as a share of one core over the run's wall time: on a board, what the flight software costs."""
    flight = sum(v for k, v in cpu_s.items() if k not in _WORLD_SIDE)
    return round(flight / wall_s, 3) if wall_s > 0 else None


def outcome(world: dict | None, got: Recorded, interrupted: bool = False) -> str:
    ended = world.get("ended") if world else None
    if interrupted and ended not in ("tipped", "landed"):
        return "interrupted"
    if ended == "tipped":
        return "crashed"
    if ended == "landed":
        return "land_now" if any(entered(m) == "LAND_NOW" for m in got.modes) else "landed"
    return "aborted"


def landing_point(plan: Plan) -> tuple[float, float]:
    return (plan.waypoints[-1].north_m, plan.waypoints[-1].east_m) if plan.waypoints else (0.0, 0.0)


def summarize_flight(req: SimRequest, prep: Prepared, world: dict | None, got: Recorded,
                     wall_s: float, interrupted: bool = False) -> dict[str, Any]:
    """The flight's figures. Landing figures (touchdown speeds, flight time, landing error) only for a vehicle
    that came down after flying: a run stopped in the air has none (None), and says where it was."""
    flight = dict(world["flight"]) if world else {}
    if world and flight.get("down_at_end") and flight.get("flight_time_s") is not None:
        n, e = landing_point(prep.plan)
        flight["landing_error_m"] = round(((flight["final_north_m"] - n) ** 2 + (flight["final_east_m"] - e) ** 2)
                                          ** 0.5, 3)
    elif world:
        flight.update({key: None for key in _LANDING_FIGURES}, landing_error_m=None)
    return {"plan": prep.plan.name, "terrain": prep.terrain, "seed": req.seed,
            "mode": "realtime" if req.realtime else "lockstep", "outcome": outcome(world, got, interrupted),
            "sim_time_s": round(world["sim_s"], 3) if world else got.sim_s, "wall_time_s": round(wall_s, 2),
            "speed_x": round(world["sim_s"] / wall_s, 2) if world and wall_s > 0 else 0.0,
            "flight": flight, "nav": world["nav"] if world else {}, "tracker": world["tracker"] if world else {},
            "faults": list(dict.fromkeys((world["faults"] if world else []) + prep.plan.faults + list(req.faults))),
            "events": got.events,
            "modes": got.modes, "images": got.images, "world": {k: world[k] for k in (
                "steps", "frames", "render_ms_per_frame", "serial_ms_per_step", "serial_cpu_ms_per_step",
                "ended", "hang", "cpu_s") if k in world}
                if world else {}}
