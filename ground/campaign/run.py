"""Running a campaign on Dask distributed: each flight is one task (`fly.fly`), submitted to a LocalCluster
sized to this machine or to a running scheduler; Dask retries a task whose worker died. Run again into the
same folder, a campaign resumes: a flight whose row is written is not flown again.

A folder holds one campaign: its spec is copied in as DIR/campaign.toml, and a run into a folder that holds
another spec is refused.
"""
from __future__ import annotations

import logging
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from fsw.config import ConfigError
from ground.campaign.draw import FlightJob, draw_job, flight_id
from ground.campaign.fly import fly
from ground.campaign.spec import CampaignSpec
from ground.campaign.table import done_ids, gather

SPEC_COPY = "campaign.toml"
CORES_PER_FLIGHT = 2  # a lockstep flight keeps about two cores busy (world, renderer, navigation, logger...)
_TASK_RETRIES = 2  # a flight whose task raised is tried this many more times (a dead worker is Dask's own count)


@dataclass
class Progress:
    total: int
    done: int = 0
    failed: int = 0
    running: int = 0
    started: float = 0.0
    flown: int = 0  # done in this run (not found done)

    def per_hour(self) -> float:
        elapsed = time.monotonic() - self.started
        return self.flown * 3600.0 / elapsed if elapsed > 0 and self.flown else 0.0

    def eta_s(self) -> float | None:
        rate = self.per_hour()
        return (self.total - self.done - self.failed) * 3600.0 / rate if rate else None


def default_workers() -> int:
    return max(1, (os.cpu_count() or 1) // CORES_PER_FLIGHT)


def prepare_folder(spec_text: bytes, source: str, out: Path) -> None:
    """DIR holds this campaign (its spec copied in), or is new: refused if it holds another."""
    copy = out / SPEC_COPY
    if copy.exists():
        if copy.read_bytes() != spec_text:
            raise ConfigError(out, "", f"holds another campaign ({copy} differs from {source}): "
                                       "choose a new folder, or run its own spec to resume it")
        return
    if out.exists() and any(out.iterdir()):
        raise ConfigError(out, "", "is neither empty nor a campaign folder")
    out.mkdir(parents=True, exist_ok=True)
    copy.write_bytes(spec_text)


def run_campaign(spec: CampaignSpec, out: Path, scheduler: str | None = None, workers: int | None = None,
                 on_progress: Callable[[Progress], None] | None = None) -> Progress:
    """Fly every flight not yet done; gather the table. Returns the final counts."""
    done = done_ids(out)
    jobs = [draw_job(spec, i) for i in range(spec.flights) if flight_id(i) not in done]
    progress = Progress(spec.flights, done=len(done), started=time.monotonic())
    if jobs:
        with _client(scheduler, workers) as client:
            _fly_all(client, jobs, out, progress, on_progress)
    _sweep_attempts(out)
    gather(out)
    return progress


def _fly_all(client, jobs: list[FlightJob], out: Path, progress: Progress,
             on_progress: Callable[[Progress], None] | None) -> None:
    from distributed import as_completed
    futures = [client.submit(fly, job, str(out.resolve()), key=f"flight-{job.flight_id}-{out.resolve()}",
                             retries=_TASK_RETRIES, pure=False) for job in jobs]
    slots = sum(w.get("nthreads", 1) for w in client.scheduler_info(n_workers=-1)["workers"].values())
    progress.running = min(len(futures), max(1, slots))
    _tell(on_progress, progress)
    for future in as_completed(futures):
        if future.status == "finished":
            progress.done += 1
            progress.flown += 1
        else:
            progress.failed += 1
            logging.getLogger("ginny.campaign").warning("flight %s failed: %s", future.key, future.exception())
        progress.running = min(len(futures) - progress.flown - progress.failed, max(1, slots))
        _tell(on_progress, progress)


def _tell(on_progress: Callable[[Progress], None] | None, progress: Progress) -> None:
    if on_progress is not None:
        on_progress(progress)


@contextmanager
def _client(scheduler: str | None, workers: int | None) -> Iterator:
    """A client of the scheduler at `scheduler`, or of a LocalCluster of `workers` single-threaded worker
    processes (each under a nanny, which restarts a worker that dies)."""
    from distributed import Client, LocalCluster
    logging.getLogger("distributed").setLevel(logging.WARNING)  # its INFO lines would bury the progress bar
    if scheduler:
        with Client(scheduler, timeout="30s") as client:
            yield client
        return
    with LocalCluster(n_workers=workers or default_workers(), threads_per_worker=1, processes=True,
                      dashboard_address=None, silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
        yield client


def _sweep_attempts(out: Path) -> None:
    """Attempt folders left by flights whose worker died (the flight itself was flown again elsewhere)."""
    flights = out / "flights"
    for stale in flights.glob(".*.attempt-*") if flights.exists() else []:
        shutil.rmtree(stale, ignore_errors=True)
