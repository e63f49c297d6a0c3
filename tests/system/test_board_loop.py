"""Board in the loop: `ginny sim --backend board` flies the stack on the board backend's real drivers, their
chips fed by the simulated world, to where the sim backend's flight of the same seed lands (the stack on
another host, as `ginny board --world` runs it on a board); and the stack
catches emulated hardware broken one thing at a time (a failed preflight check or a clear event, never a
silent flight on bad data)."""
from __future__ import annotations

import contextlib
import json
import math
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import tomli_w

from fsw.config import read_toml
from fsw.config.stack import DEFAULT_DIR
from tests.conftest import timeout_scale
from tests.system.test_sim_flight import PLANS, ginny_sims

UPSIDE_DOWN = [[1.0, 0.0, 0.0], [0.0, -1.0, 0.0], [0.0, 0.0, -1.0]]


def board_config(tmp_path: Path, name: str, emulation: dict) -> Path:
    """The bundled lockstep stack with `[board.emulation]` set: the emulated hardware's faults."""
    raw = read_toml(DEFAULT_DIR / "sim_flight.toml")
    raw["stack"]["topology"] = str(DEFAULT_DIR / "topology.toml")
    raw["board"] = {"emulation": emulation}
    path = tmp_path / f"{name}.toml"
    path.write_text(tomli_w.dumps(raw))
    return path


def events(out: Path, name: str) -> list[dict]:
    return [e for e in map(json.loads, (out / "events.jsonl").read_text().splitlines()) if e["name"] == name]


def _ephemeral_low() -> int:
    """The lowest port the kernel hands out to outgoing connections (Linux: 32768 unless configured)."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_ports(host: str, count: int) -> int:
    """The first of `count` consecutive tcp ports free on `host`, below the ephemeral range: an outgoing
    connection of any process (the other side's stack connecting to this one) may take a port in that range
    between this check and the bind (seen: the world's bind failed on a port a connection had just taken)."""
    top = min(_ephemeral_low(), 65000) - count
    for first in range(10000 + os.getpid() % 500 * 40, top, 997):
        try:
            with contextlib.ExitStack() as held:
                for port in range(first, first + count):
                    s = held.enter_context(socket.socket())
                    s.bind((host, port))
            return first
        except OSError:
            continue
    raise RuntimeError(f"no {count} free ports on {host}")


@pytest.mark.timeout(400)
def test_a_plan_flown_through_the_board_drivers_on_another_host_lands_where_the_sim_backends_flight_does(
        tmp_path: Path) -> None:
    """The board path split across two hosts as processor in the loop does it (`ginny board --world` on the
    board, `ginny sim --board` beside the world), here two loopback addresses, against the sim backend's flight."""
    args = ("--plan", str(PLANS / "hop.toml"), "--seed", "2")
    world, stack = f"127.0.0.1:{free_ports('127.0.0.1', 10)}", f"127.0.0.2:{free_ports('127.0.0.2', 50)}"
    board_side = subprocess.Popen([sys.executable, "-m", "ground.cli.main", "board", "--world", f"tcp://{world}",
                                   "--bind", stack, "--plan", args[1], "--out", str(tmp_path / "on-board")],
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        runs = ginny_sims({"sim": (tmp_path / "sim", args),
                           "board": (tmp_path / "board", (*args, "--backend", "board", "--board", f"tcp://{stack}",
                                                          "--bind", world))}, timeout=380)
        said = board_side.communicate(timeout=30 * timeout_scale())[0]
    finally:
        board_side.kill()
    (run_sim, sim), (run_board, board) = runs["sim"], runs["board"]
    assert run_sim.returncode == 0 and run_board.returncode == 0, run_board.stdout[-3000:] + run_board.stderr[-3000:]
    assert board_side.returncode == 0 and "the world said: landed" in said, said[-3000:]
    assert sim["outcome"] == board["outcome"] == "landed"
    f, g = sim["flight"], board["flight"]
    apart = math.hypot(f["final_north_m"] - g["final_north_m"], f["final_east_m"] - g["final_east_m"])
    assert apart <= 0.3, (f, g)
    assert abs(f["max_tilt_deg"] - g["max_tilt_deg"]) <= 1.0, (f, g)
    assert board["nav"]["final_position_error_m"] < 0.5 and board["tracker"]["dropped_frames"] == 0
    assert set(board["processes"]) >= {"control", "nav", "camera"}  # the remote stack's table came across
    stack_cfg = read_toml(tmp_path / "on-board" / "stack.toml")
    assert stack_cfg["stack"]["backend"] == "board-loop" and stack_cfg["processes"]["control"]["host"] == ""
    topology = read_toml(tmp_path / "on-board" / "topology.toml")
    assert topology == read_toml(tmp_path / "board" / "topology.toml") and topology["transport"] == "tcp"
    assert not events(tmp_path / "board", "IMU_IMPLAUSIBLE") and not events(tmp_path / "board", "ALTIMETER_REJECTED")
    assert list((tmp_path / "on-board" / "captures").glob("raw_*.png"))  # the still came through the capture path
    assert list((tmp_path / "on-board" / "flightlog").glob("flight-*.glog"))  # logged on board


@pytest.mark.timeout(400)
def test_emulated_hardware_broken_one_thing_at_a_time_is_caught(tmp_path: Path) -> None:
    bounce = ("--plan", str(PLANS / "bounce.toml"), "--seed", "2", "--backend", "board")
    brief = (*bounce, "--max-sim-seconds", "3")  # preflight is over in the first second
    cases = {
        "flip_z": (brief, {"faults": ["imu.flip_z"]}),  # the IMU's z axis wired backwards
        "mounting": (brief, {"imu_body_from_chip": UPSIDE_DOWN}),  # mounted upside down; the config says nothing
        "millimetres": (bounce, {"faults": ["altimeter.millimetres"]}),  # the laser's firmware reports mm as cm
        "crc": (bounce, {"faults": ["mcu.corrupt"], "corrupt_every": 40}),  # one MCU frame in 40 fails its CRC
        "flip_x": (bounce, {"faults": ["imu.flip_x"]}),  # the IMU's x axis wired backwards: level at rest
    }
    runs = ginny_sims({name: (tmp_path / name, (*args, "--config", str(board_config(tmp_path, name, em))))
                       for name, (args, em) in cases.items()}, timeout=380)
    for name in ("flip_z", "mounting"):  # refused before the rotors turn, saying why
        run, summary = runs[name]
        failed = events(tmp_path / name, "PREFLIGHT_FAILED")
        assert failed and any("IMU disagrees with gravity" in e["text"] or "not level" in e["text"] for e in failed)
        assert summary["outcome"] == "aborted" and summary["flight"]["max_altitude_m"] < 0.5, name
        assert not any("-> ARMED" in m for m in summary["modes"]), name
    run, summary = runs["millimetres"]  # said, and flown on what navigation trusts: it lands
    said = events(tmp_path / "millimetres", "ALTIMETER_REJECTED")
    assert said and "the laser reads" in said[0]["text"], summary["events"]
    assert summary["outcome"] == "landed" and summary["flight"]["landing_error_m"] < 1.0
    run, summary = runs["crc"]  # counted and said; the link carries on
    said = events(tmp_path / "crc", "ACTUATOR_LINK_ERRORS")
    assert said and "bad frames from the flight-control MCU" in said[0]["text"]
    assert summary["outcome"] == "landed" and summary["flight"]["landing_error_m"] < 1.0
    run, summary = runs["flip_x"]  # passes preflight; caught as the body turns against the commands at liftoff
    said = events(tmp_path / "flip_x", "TAKEOFF_ABORTED")
    assert said and "against the roll (x) commands" in said[0]["text"], summary["events"]
    assert summary["outcome"] != "crashed" and summary["flight"]["max_tilt_deg"] < 10.0, summary["flight"]
    assert any("TAKEOFF -> DISARMED: takeoff aborted" in m for m in summary["modes"])
