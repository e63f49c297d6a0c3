"""Campaigns on Dask, small (two dispersed jumps), driven through `ginny campaign` as a user would: on a
LocalCluster, interrupted and resumed; on a scheduler and two workers started with the `dask` command over
TCP, one worker killed mid-flight; every flight in the table once, and re-flown exactly by `campaign rerun`."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from ground.campaign.table import read_table
from tests.conftest import wait_until
from tests.system.ground import free_port

PLANS = Path(__file__).parent / "plans"
SPEC = f"""
plans = ["{PLANS / 'jump.toml'}"]
flights = 2
seed = 11

[dispersions]
wind_speed_mps = {{ uniform = [0.0, 2.0] }}
wind_from_deg = {{ uniform = [0.0, 360.0] }}
mass_scale = {{ normal = [1.0, 0.03] }}
imu_noise_scale = {{ uniform = [0.5, 2.0] }}
navcam_exposure_scale = {{ uniform = [0.8, 1.2] }}
terrain_seed = {{ integers = [0, 1000] }}
start_north_m = {{ uniform = [-10.0, 10.0] }}

[faults]
probability = 0.5
count = [1, 1]
families = ["navcam"]
"""
SAME = ("flight_id", "seed", "plan", "faults", "outcome", "sim_time_s", "flight_time_s", "landing_error_m",
        "nav_final_error_m", "max_tilt_deg", "touchdown_speed_mps", "config_hash", "wind_speed_mps", "mass_scale",
        "terrain_seed", "start_north_m")
pytestmark = pytest.mark.timeout(900)


def ginny(*args: str) -> list[str]:
    return [sys.executable, "-m", "ground.cli.main", *args]


def _waiting(proc: subprocess.Popen) -> None:
    try:
        proc.wait(timeout=0.2)  # the campaign ending, or another look at its folder
    except subprocess.TimeoutExpired:
        pass


def _sims(out: Path) -> list[psutil.Process]:
    """The `ginny sim` runs flying into this campaign's folder."""
    found = []
    for p in psutil.process_iter(["cmdline"]):
        cmd = p.info["cmdline"] or []
        if "sim" in cmd and any(str(out) in a for a in cmd):
            found.append(p)
    return found


@pytest.fixture(scope="module")
def local(tmp_path_factory) -> Path:
    """The campaign on a LocalCluster, interrupted (Ctrl-C) once its first flight is in, then run again."""
    tmp = tmp_path_factory.mktemp("local")
    spec, out = tmp / "spec.toml", tmp / "campaign"
    spec.write_text(SPEC)
    proc = subprocess.Popen(ginny("campaign", "run", str(spec), "--out", str(out), "--workers", "1"),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    wait_until(lambda: list((out / "results").glob("*.parquet")) or proc.poll() is not None, 600,
               lambda: _waiting(proc), what="the first flight's row")
    first = {p.stem: p.stat().st_mtime_ns for p in (out / "results").glob("*.parquet")}
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=120) == 130, proc.communicate()[0]
    wait_until(lambda: not _sims(out), 60, lambda: _waiting(proc), what="the interrupted flights to end")
    run = subprocess.run(ginny("campaign", "run", str(spec), "--out", str(out)), capture_output=True, text=True,
                         timeout=900)
    assert run.returncode == 0, run.stdout + run.stderr
    assert {p.stem: p.stat().st_mtime_ns for p in (out / "results").glob("*.parquet") if p.stem in first} == first
    return out


def test_an_interrupted_campaign_resumes_with_every_flight_once(local: Path) -> None:
    rows = read_table(local)
    assert [r["flight_id"] for r in rows] == ["000000", "000001"]
    assert all(r["outcome"] in ("landed", "land_now") for r in rows), rows
    assert len({r["seed"] for r in rows}) == 2 and len({r["config_hash"] for r in rows}) == 2
    assert sorted(p.name for p in (local / "flights").iterdir()) == ["000000", "000001"]
    query = subprocess.run(ginny("campaign", "query", str(local), "SELECT count(*) FROM flights WHERE lost",
                                 "--csv"), capture_output=True, text=True, timeout=60)
    assert query.returncode == 0 and query.stdout.splitlines()[1] == "0", query.stdout + query.stderr
    report = subprocess.run(ginny("campaign", "report", str(local)), capture_output=True, text=True, timeout=120)
    assert report.returncode == 0, report.stderr
    assert "The ten worst flights" in (local / "report.html").read_text()


def test_rerun_reflies_a_flight_exactly(local: Path) -> None:
    run = subprocess.run(ginny("campaign", "rerun", str(local), "1"), capture_output=True, text=True, timeout=300)
    assert run.returncode == 0 and "reproduced" in run.stdout, run.stdout + run.stderr


def test_a_cluster_of_two_workers_over_tcp_survives_a_killed_worker(local: Path, tmp_path: Path) -> None:
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    dask = [str(Path(sys.executable).parent / "dask")]
    started = [subprocess.Popen(dask + ["scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    started += [subprocess.Popen(dask + ["worker", address, "--nthreads", "1", "--no-dashboard", "--name", f"w{i}"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for i in range(2)]
    try:
        spec, out = tmp_path / "spec.toml", tmp_path / "campaign"
        spec.write_text(SPEC)
        proc = subprocess.Popen(ginny("campaign", "run", str(spec), "--out", str(out), "--scheduler", address),
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        flying = wait_until(lambda: _sims(out) or proc.poll() is not None, 300, lambda: _waiting(proc),
                            what="a flight on a worker")
        assert proc.poll() is None, proc.communicate()[0]
        victim = flying[0]
        os.kill(victim.ppid(), signal.SIGKILL)  # the worker flying it; its nanny starts another
        out_text, _ = proc.communicate(timeout=900)
        assert proc.returncode == 0, out_text
        wait_until(lambda: not victim.is_running() or victim.status() == psutil.STATUS_ZOMBIE, 60,
                   what="the killed worker's flight to end")
        rows = read_table(out)
        assert [r["flight_id"] for r in rows] == ["000000", "000001"]
        assert [{k: r[k] for k in SAME} for r in rows] == [{k: r[k] for k in SAME} for r in read_table(local)]
        assert not list((out / "flights").glob(".*"))  # the killed attempt's folder swept away
        # the killed flight, flown again, is the LocalCluster's flight in every figure (SAME, above): `campaign
        # rerun` of it would re-fly what test_rerun_reflies_a_flight_exactly re-flies
    finally:
        for p in started:
            p.terminate()
        for p in started:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def test_a_bad_spec_is_refused_with_file_key_and_reason(tmp_path: Path) -> None:
    spec = tmp_path / "bad.toml"
    spec.write_text('plans = ["flight1"]\nflights = 3\n[dispersions]\nmass_scale = { normal = [3.0, 0.1] }\n')
    run = subprocess.run(ginny("campaign", "run", str(spec), "--out", str(tmp_path / "c")), capture_output=True,
                         text=True, timeout=60)
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.strip() == (f"ginny campaign: {spec}: dispersions.mass_scale.normal: "
                                  "needs a mean in 0.5..1.5 and std >= 0"), run.stderr
    assert not (tmp_path / "c").exists()
