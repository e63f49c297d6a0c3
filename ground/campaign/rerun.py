"""`ginny campaign rerun DIR ID`: flight ID drawn again from the campaign's spec and its seed alone, flown here
(not on the cluster), and its summary checked against the one recorded: the same outcome, flight and
navigation figures, modes and faults, to the last digit."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from ground.campaign.draw import draw_job
from ground.campaign.fly import run_sim, write_inputs
from ground.campaign.run import SPEC_COPY
from ground.campaign.spec import load_spec

SAME_FIGURES = ("outcome", "sim_time_s", "flight", "nav", "modes", "faults")


def rerun(root: Path, flight: str) -> tuple[Path, list[str]]:
    """Fly it again into DIR/reruns/ID; the folder and the differences from the recorded summary ([] if none)."""
    spec = load_spec(root / SPEC_COPY)
    if not flight.isdigit() or not 0 <= int(flight) < spec.flights:
        raise ValueError(f"ID: {flight!r} is not a flight of this campaign (0..{spec.flights - 1})")
    job = draw_job(spec, int(flight))
    recorded_path = root / "flights" / job.flight_id / "summary.json"
    if not recorded_path.exists():
        raise ValueError(f"ID: flight {job.flight_id} has no recorded summary ({recorded_path}): not flown yet")
    out = root / "reruns" / job.flight_id
    shutil.rmtree(out, ignore_errors=True)
    inputs = write_inputs(job, out / "inputs")
    run_sim(job, inputs, out / "flight")
    again = json.loads((out / "flight" / "summary.json").read_text()) if (out / "flight" / "summary.json").exists() else {}
    recorded = json.loads(recorded_path.read_text())
    return out, differences(recorded, again)


def differences(a: dict, b: dict, keys: tuple[str, ...] = SAME_FIGURES) -> list[str]:
    out = []
    for key in keys:
        if isinstance(a.get(key), dict) and isinstance(b.get(key), dict):
            out += [f"{key}.{k}: {a[key].get(k)!r} then {b[key].get(k)!r}"
                    for k in sorted(set(a[key]) | set(b[key])) if a[key].get(k) != b[key].get(k)]
        elif a.get(key) != b.get(key):
            out.append(f"{key}: {a.get(key)!r} then {b.get(key)!r}")
    return out
