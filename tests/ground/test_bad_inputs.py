"""Bad inputs, as a new user makes them, refused before anything starts: exit 2, one line naming the file,
key or flag and the reason, no traceback, and nothing written into an earlier flight's folder."""
from __future__ import annotations

from pathlib import Path

import pytest

from fsw.config.stack import DEFAULT_DIR
from ground.cli.main import main
from sim_hal.worldproc.config import DEFAULT_WORLD

HOVER = 'name = "hover"\ntakeoff_altitude_m = 3.0\nwaypoints = []\n'
LEG = 'name = "leg"\ntakeoff_altitude_m = 3.0\n[[waypoints]]\nnorth_m = 5.0\neast_m = 0.0\naltitude_m = 3.0\n'
PLANS: dict[str, bytes] = {
    "neghold": (HOVER + "start_hold_s = -10\n").encode(),
    "moon": HOVER.replace('waypoints', 'terrain = "moon"\nwaypoints').encode(),
    "warp": HOVER.replace('waypoints', 'faults = ["warpdrive.off@3"]\nwaypoints').encode(),
    "nanyaw": (LEG + "yaw_deg = nan\n").encode(),
    "bigcap": (LEG + "[[captures]]\nat_waypoint = 0\nwidth_px = 100000\nheight_px = 0\n").encode(),
    "garbage": bytes(range(256)) * 2,
    "latin1": 'name = "caf\xe9"\ntakeoff_altitude_m = 3.0\nwaypoints = []\n'.encode("latin-1"),
    "badfault": HOVER.replace('waypoints', 'faults = ["navcam.drop@-5"]\nwaypoints').encode(),
}
PLAN_CASES = [  # plan, what the one line must say
    ("neghold", "start_hold_s: must be 0..7200 s"),
    ("moon", "terrain: 'moon' is not one of jezero, ripples, flat"),
    ("warp", "faults[0]: no device 'warpdrive'"),
    ("nanyaw", "waypoints[0].yaw_deg: must be a finite number, got nan"),
    ("bigcap", "captures[0].width_px: must be 16..4208 px"),
    ("garbage", "not UTF-8 text: byte 0x80 at line 2, column 118"),
    ("latin1", "not UTF-8 text: byte 0xe9 at line 1, column 12"),
    ("badfault", "faults[0]: the start time must be 0 or more, got -5"),
]


def _plan(tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_bytes(PLANS[name])
    return path


def _refused(capsys, says: str) -> None:
    err = capsys.readouterr().err
    assert says in err, err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err


@pytest.mark.parametrize("name, says", PLAN_CASES)
def test_plan_check_and_sim_refuse_the_same_plans(tmp_path: Path, capsys, name: str, says: str) -> None:
    plan = _plan(tmp_path, name)
    assert main(["plan", "check", str(plan)]) == 2
    _refused(capsys, says)
    assert main(["sim", "--plan", str(plan), "--out", str(tmp_path / "out")]) == 2
    _refused(capsys, says)
    assert not (tmp_path / "out").exists()


def test_a_byte_order_mark_is_accepted(tmp_path: Path, capsys) -> None:
    (tmp_path / "bom.toml").write_bytes(b"\xef\xbb\xbf" + HOVER.encode())
    assert main(["plan", "check", str(tmp_path / "bom.toml")]) == 0
    assert "hover: valid" in capsys.readouterr().out


@pytest.mark.parametrize("argv, says", [
    (["sim", "--plan", "hopp"], "hopp: no such plan file, and no bundled plan of that name (bundled: flight1"),
    (["sim", "--plan", "flight1", "--seed", "-1"], "--seed: -1 is not a seed"),
    (["sim", "--plan", "flight1", "--terrain", "moon"], "--terrain: 'moon' is not one of"),
    (["sim", "--plan", "flight1", "--fault", "navcam.drop@nan"], "the start time must be a finite number"),
    (["sim", "--plan", "flight1", "--fault", "navcam.drop@5:-5"], "the duration must be above 0, got -5"),
    (["sim", "--plan", "flight1", "--fault", "link.outage@5:2"], "link faults need --ground"),
    (["sim", "--plan", "flight1", "--max-sim-seconds", "0"], "--max-sim-seconds: 0.0 must be above 0"),
    (["sim", "--plan", "flight1", "--max-wall-seconds", "-5"], "--max-wall-seconds: -5.0 must be above 0"),
    (["sim", "--plan", "flight1", "--board", "tcp://127.0.0.2"], "--board: the flight stack on another host flies"),
    (["sim", "--plan", "flight1", "--backend", "board", "--board", "udp://x"], "--board: 'udp://x' is not tcp://"),
    (["board", "--world", "tcp://127.0.0.1:70000"], "--world: 'tcp://127.0.0.1:70000' is not tcp://HOST"),
    (["sim", "--plan", "flight1", "--out", "FILE"], "--out {tmp}/file.txt: is a file, not a folder"),
    (["sim", "--plan", "flight1", "--out", "FILE/sub"], "{tmp}/file.txt is a file, not a folder"),
    (["sim", "--plan", "flight1", "--out", "/proc/ginny-out"], "--out /proc/ginny-out: cannot make the folder"),
    (["sim", "--plan", "flight1", "--config", "{tmp}/latin1.toml"], "latin1.toml: not UTF-8 text"),
    (["run", "--config", "{tmp}/latin1.toml"], "latin1.toml: not UTF-8 text"),
    (["run", "--world", "{tmp}/w5.toml", "--sim-seconds", "3"], "w5.toml: step_hz: must be 100..2000"),
    (["run", "--seconds", "-1"], "--seconds: -1.0 must be above 0"),
    (["sim", "--plan", "flight1", "--config", "NULL"], "null.toml: stack.backend: 'null': the simulated world needs"),
    (["run", "--config", "NULL", "--world", "WORLD"], "null.toml: stack.backend: 'null': the simulated world needs"),
    (["chaos", "--seed", "-3"], "--seed: -3 must be 0.."),
    (["chaos", "--plan", "{tmp}/moon.toml"], "terrain: 'moon' is not one of"),
    (["replay", "{tmp}", "--out", "FILE"], "not an EuRoC/ASL dataset"),
    (["sim", "--plan", "flight1", "--truth-endpoint", "localhost:7500"], "--truth-endpoint: 'localhost:7500' is not"),
    (["ground", "--timeout", "-1", "send", "NO_OP"], "--timeout: -1.0 must be above 0"),
    (["ground", "--keys", "{tmp}/nokeys", "send", "NO_OP"], "nokeys/ground.key_secret: missing (make the keys with"),
    (["ground", "--endpoint", "tcp://vehicle", "events"], "--endpoint: 'tcp://vehicle' is not an endpoint"),
    (["ground", "web", "--port", "99999"], "--port: 99999 is not a TCP port"),
    (["ground", "keys", "init", "--dir", "FILE"], "cannot make the keys there"),
    (["bench", "lockstep", "--profile", "FILE"], "--profile {tmp}/file.txt: is a file, not a folder"),
    (["bench", "lockstep", "--sim-seconds", "nan"], "--sim-seconds must be positive"),
])
def test_flags_and_files_are_refused_before_anything_starts(tmp_path: Path, capsys, argv: list[str],
                                                             says: str) -> None:
    (tmp_path / "file.txt").write_text("x")
    (tmp_path / "w5.toml").write_text("step_hz = 5\n")
    for name in PLANS:
        _plan(tmp_path, name)
    args = [a.replace("FILE", str(tmp_path / "file.txt")).replace("{tmp}", str(tmp_path))
            .replace("NULL", str(DEFAULT_DIR / "null.toml")).replace("WORLD", str(DEFAULT_WORLD)) for a in argv]
    assert main(args) == 2
    _refused(capsys, says.replace("{tmp}", str(tmp_path)))


def test_a_rejected_flight_leaves_an_earlier_flights_folder_as_it_was(tmp_path: Path, capsys) -> None:
    out = tmp_path / "flown"
    out.mkdir()
    (out / "stack.toml").write_text("# the earlier flight's\n")
    (out / "world.toml").write_text("# the earlier flight's\n")
    _plan(tmp_path, "moon")
    assert main(["sim", "--plan", str(tmp_path / "moon.toml"), "--out", str(out)]) == 2
    _refused(capsys, f"{tmp_path / 'moon.toml'}: terrain")  # the user's file, not a generated copy
    assert main(["sim", "--plan", "flight1", "--out", str(out)]) == 2
    _refused(capsys, "is not empty (an earlier flight's records are never overwritten")
    assert (out / "stack.toml").read_text() == (out / "world.toml").read_text() == "# the earlier flight's\n"


def test_a_spin_up_shorter_than_the_rotors_is_refused(tmp_path: Path, capsys) -> None:
    import tomli_w

    from fsw.config import read_toml
    from sim_hal.run.simflight import SIM_STACK

    raw = read_toml(SIM_STACK)
    raw["stack"]["topology"] = str(DEFAULT_DIR / "topology.toml")
    raw["flight"] = {**raw.get("flight", {}), "spin_up_s": 2.0}
    (tmp_path / "quick.toml").write_text(tomli_w.dumps(raw))
    assert main(["sim", "--plan", "flight1", "--config", str(tmp_path / "quick.toml"), "--out", str(tmp_path / "o")]) == 2
    _refused(capsys, "quick.toml: flight.spin_up_s: 2 s: the simulated rotors take 8 s to reach flight speed")


def test_a_bad_setting_in_the_users_config_names_the_users_file(tmp_path: Path, capsys) -> None:
    world = tmp_path / "myworld.toml"
    world.write_text("hang_timeout_ms = 5\n")
    assert main(["sim", "--plan", "flight1", "--world", str(world), "--out", str(tmp_path / "o")]) == 2
    _refused(capsys, f"{world}: hang_timeout_ms: must be 1000..3600000 ms")
    assert not (tmp_path / "o").exists()
