"""`ginny board`: the whole flight stack on the board backend, every chip its register-level emulator (the
same drivers, buses and UART framing as on a board): every process ready, the IMU at 500 Hz through the
BMI-160 driver, navcam frames at 30 Hz through the OpenCV path, the MCU answering, no device failure."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from fsw.config.stack import DEFAULT_DIR
from tests.conftest import wait_until
from tests.system.stack import Stack

BOARD = Path(__file__).parent.parent / "hal" / "board_check.toml"


@pytest.mark.timeout(120)
def test_the_stack_flies_its_board_backend_on_emulated_chips(tmp_path: Path, run_dir: str) -> None:
    cfg = BOARD.read_text().replace('topology = "../../fsw/config/topology.toml"',
                                    f'topology = "{DEFAULT_DIR / "topology.toml"}"')
    cfg = cfg.replace('dir = "/var/lib/ginny/flightlogs"', f'dir = "{tmp_path / "logs"}"')
    cfg = cfg.replace('keys_dir = "/etc/ginny/keys"', 'keys_dir = ""')
    (tmp_path / "board.toml").write_text(cfg + "\n[board.emulation]\nenabled = true\n")
    stack = Stack(run_dir, tmp_path / "board.toml", topics=("heartbeat", "event", "imu", "navcam", "tlm"))
    stack.reader.open()
    stack.proc = subprocess.Popen([sys.executable, "-m", "ground.cli.main", "board", "--config",
                                   str(tmp_path / "board.toml"), "--run-dir", run_dir],
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        stack.wait_ready(30)
        count = lambda topic: sum(1 for r in stack.got if r.topic == topic)
        start_imu, start_frames = count("imu"), count("navcam")
        wait_until(lambda: count("navcam") - start_frames >= 60, 30, stack.step, what="60 navcam frames")
        imu = [r.msg for r in stack.got if r.topic == "imu"][start_imu:]
        frames = [r.msg for r in stack.got if r.topic == "navcam"][start_frames:]
        span_s = (frames[-1].t_ns - frames[0].t_ns) / 1e9
        assert 25 <= (len(frames) - 1) / span_s <= 31
        assert 300 <= len(imu) / span_s <= 800  # read at the control loop's 500 Hz, never more than the 800 Hz ODR
        assert all(abs(s.accel_mps2[2] + 3.71) < 0.12 for s in imu)  # at rest (noise 0.02), through the driver
        bad = [e for r in stack.got if r.topic == "event" for e in [r.msg]
               if e.name in ("SETUP_FAILED", "DEVICE_FAILED", "TIMER_FAILED", "PROC_DEAD")]
        assert bad == [], bad
    finally:
        code, out = stack.stop()
    assert code == 0, out[-2000:]
