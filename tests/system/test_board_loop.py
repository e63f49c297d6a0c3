"""Board in the loop: `ginny sim --backend board` flies the stack on the board backend's real drivers, their
chips fed by the simulated world, to where the sim backend's flight of the same seed lands; and the stack
catches emulated hardware broken one thing at a time (a failed preflight check or a clear event, never a
silent flight on bad data)."""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import tomli_w

from fsw.config import read_toml
from fsw.config.stack import DEFAULT_DIR
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


@pytest.mark.timeout(400)
def test_a_plan_flown_through_the_board_drivers_lands_where_the_sim_backends_flight_does(tmp_path: Path) -> None:
    args = ("--plan", str(PLANS / "hop.toml"), "--seed", "2")
    runs = ginny_sims({"sim": (tmp_path / "sim", args), "board": (tmp_path / "board", (*args, "--backend", "board"))})
    (run_sim, sim), (run_board, board) = runs["sim"], runs["board"]
    assert run_sim.returncode == 0 and run_board.returncode == 0, run_board.stdout[-3000:] + run_board.stderr[-3000:]
    assert sim["outcome"] == board["outcome"] == "landed"
    f, g = sim["flight"], board["flight"]
    apart = math.hypot(f["final_north_m"] - g["final_north_m"], f["final_east_m"] - g["final_east_m"])
    assert apart <= 0.3, (f, g)
    assert abs(f["max_tilt_deg"] - g["max_tilt_deg"]) <= 1.0, (f, g)
    assert board["nav"]["final_position_error_m"] < 0.5 and board["tracker"]["dropped_frames"] == 0
    stack = read_toml(tmp_path / "board" / "stack.toml")
    assert stack["stack"]["backend"] == "board-loop" and stack["processes"]["control"]["host"] == ""
    assert not events(tmp_path / "board", "IMU_IMPLAUSIBLE") and not events(tmp_path / "board", "ALTIMETER_REJECTED")
    assert list((tmp_path / "board" / "captures").glob("raw_*.png"))  # the still came through the capture path


@pytest.mark.timeout(400)
def test_emulated_hardware_broken_one_thing_at_a_time_is_caught(tmp_path: Path) -> None:
    bounce = ("--plan", str(PLANS / "bounce.toml"), "--seed", "2", "--backend", "board")
    brief = (*bounce, "--max-sim-seconds", "3")  # preflight is over in the first second
    cases = {
        "flip_z": (brief, {"faults": ["imu.flip_z"]}),  # the IMU's z axis wired backwards
        "mounting": (brief, {"imu_body_from_chip": UPSIDE_DOWN}),  # mounted upside down; the config says nothing
        "millimetres": (bounce, {"faults": ["altimeter.millimetres"]}),  # the laser's firmware reports mm as cm
        "crc": (bounce, {"faults": ["mcu.corrupt"], "corrupt_every": 40}),  # one MCU frame in 40 fails its CRC
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
