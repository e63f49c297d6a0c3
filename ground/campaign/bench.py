"""`ginny bench campaign`: what the engine costs. The same N flights of a spec flown one after another with
`ginny sim` (as a user would without the engine), then as a campaign on a LocalCluster; flights per hour
of each, and the engine's overhead."""
from __future__ import annotations

import dataclasses
import time
from collections import Counter
from pathlib import Path
from typing import Any

from ground.campaign.draw import draw_job
from ground.campaign.fly import run_sim, write_inputs
from ground.campaign.run import default_workers, prepare_folder, run_campaign
from ground.campaign.spec import CampaignSpec
from ground.campaign.table import read_table


def bench_campaign(spec: CampaignSpec, flights: int, out: Path, workers: int | None) -> dict[str, Any]:
    spec = dataclasses.replace(spec, flights=flights)
    started = time.monotonic()
    for i in range(flights):
        job = draw_job(spec, i)
        run_sim(job, write_inputs(job, out / "sequential" / "inputs" / job.flight_id),
                out / "sequential" / "flights" / job.flight_id)
    sequential_s = time.monotonic() - started
    folder = out / "campaign"
    prepare_folder(f"# ginny bench campaign: {spec.source}, {flights} flights\n".encode(), "bench", folder)
    started = time.monotonic()
    run_campaign(spec, folder, workers=workers)
    campaign_s = time.monotonic() - started
    rows = read_table(folder)
    return {"flights": flights, "sequential_s": round(sequential_s, 1),
            "sequential_flights_per_h": round(flights * 3600 / sequential_s, 1),
            "campaign_s": round(campaign_s, 1), "campaign_flights_per_h": round(flights * 3600 / campaign_s, 1),
            "engine_overhead_pct": round((campaign_s / sequential_s - 1) * 100, 2),
            "campaign_workers": workers or default_workers(), "outcomes": dict(sorted(Counter(r["outcome"] for r in rows).items())),
            "lost": sum(bool(r["lost"]) for r in rows)}
