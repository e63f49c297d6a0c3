"""`ginny board --check` on the emulated chips: the table is the golden one, and a broken device is named."""
from __future__ import annotations

import argparse
import io
from pathlib import Path

from ground.cli import board_cmd

HERE = Path(__file__).parent


def check(config: Path, emulate: bool = True) -> tuple[int, str]:
    out = io.StringIO()
    code = board_cmd.run(argparse.Namespace(config=str(config), check=True, emulate=emulate, seconds=1.0,
                                            run_dir=None), out)
    return code, out.getvalue()


def test_the_emulated_board_checks_out_as_the_golden_table() -> None:
    code, text = check(HERE / "board_check.toml")
    assert code == 0
    assert text == (HERE / "golden" / "board_check.txt").read_text()


def test_missing_devices_are_named_with_their_paths(tmp_path) -> None:
    cfg = (HERE / "board_check.toml").read_text().replace('device = "/dev/video0"', f'device = "{tmp_path}/no-cam"')
    cfg = cfg.replace("../../fsw/config/topology.toml", str(HERE.parent.parent / "fsw/config/topology.toml"))
    (tmp_path / "b.toml").write_text(cfg)
    code, text = check(tmp_path / "b.toml", emulate=False)
    assert code == 1
    rows = {line.split("│")[1].strip(): line for line in text.splitlines() if line.startswith("│ ")}
    assert "NO" in rows["navcam"] and "cannot open" in rows["navcam"]
    assert "NO" in rows["imu"] and ("smbus2" in rows["imu"] or "cannot open" in rows["imu"])
    assert "NO" in rows["actuators"] and "cannot open" in rows["actuators"]


def test_a_config_for_another_backend_is_refused(capsys) -> None:
    code = board_cmd.run(argparse.Namespace(config=str(HERE.parent.parent / "fsw/config/sim.toml"), check=True,
                                            emulate=True, seconds=1.0, run_dir=None), io.StringIO())
    assert code == 2 and "stack.backend" in capsys.readouterr().err


def test_a_bad_board_setting_names_the_file_and_key(tmp_path, capsys) -> None:
    cfg = (HERE / "board_check.toml").read_text().replace("address = 0x68", "address = 0x10")
    cfg = cfg.replace("../../fsw/config/topology.toml", str(HERE.parent.parent / "fsw/config/topology.toml"))
    (tmp_path / "b.toml").write_text(cfg)
    assert check(tmp_path / "b.toml")[0] == 2
    err = capsys.readouterr().err
    assert "b.toml: board.imu.address: a BMI-160 answers at 0x68 or 0x69" in err
