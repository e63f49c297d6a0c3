"""The one check of a plan before it is flown, shared by `ginny plan check`, `ginny sim`, the ground's
PLAN_UPLOAD and campaigns: the plan file itself (keys, types, ranges: `fsw.control.plan`), then what only the
simulation knows (its terrain, its faults), so that a plan `plan check` calls valid is one `sim` flies.

Errors are ConfigError naming the plan file, the key and the reason, or ValueError naming the flag
(`--terrain`, `--fault`) when a command-line value is at fault."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from fsw.comm.radio import LinkFault, parse_link_fault
from fsw.config import ConfigError
from fsw.control.plan import Plan, PlanSummary, load_plan, plan_path, summarize
from fsw.faultspec import FaultSpecError
from fsw.health.faults import parse_process_fault
from sim_hal.model.faults import parse_fault
from sim_hal.model.terrain import TERRAINS


@dataclass(frozen=True)
class Faults:
    device: list[str]  # the world applies them
    process: list[str]  # the supervisor does
    link: list[LinkFault]  # comm's radio does


@dataclass(frozen=True)
class CheckedPlan:
    plan: Plan
    path: Path  # the plan file (resolved)
    terrain: str  # the one it is flown over (the plan's, or the --terrain given)
    faults: Faults  # the plan's and the command line's, sorted by where they are applied
    summary: PlanSummary


def check_plan(name_or_path: str | Path, terrain: str | None = None, extra_faults: tuple[str, ...] = (),
               ground: bool = True) -> CheckedPlan:
    """The plan, checked as a whole for flying in the simulation (`ground`: a ground link will be up, so link
    faults are allowed)."""
    path = plan_path(name_or_path).resolve()
    plan = load_plan(path)
    if plan.terrain not in TERRAINS:
        raise ConfigError(path, "terrain", f"{plan.terrain!r} is not one of {', '.join(TERRAINS)}")
    if terrain is not None and terrain not in TERRAINS:
        raise ValueError(f"--terrain: {terrain!r} is not one of {', '.join(TERRAINS)}")
    for i, spec in enumerate(plan.faults):
        try:
            split_faults([spec], ground)
        except FaultSpecError as exc:
            raise ConfigError(path, f"faults[{i}]", exc.reason) from None
    faults = split_faults(list(plan.faults) + list(extra_faults), ground)
    return CheckedPlan(plan, path, terrain or plan.terrain, faults, summarize(plan))


def split_faults(specs: list[str], ground: bool) -> Faults:
    """Every fault checked and sent where it is applied; FaultSpecError says which one is refused and why."""
    device, process, link = [], [], []
    for spec in specs:
        if spec.startswith("proc."):
            parse_process_fault(spec)
            process.append(spec)
        elif spec.startswith("link."):
            if not ground:
                raise FaultSpecError(spec, "link faults need --ground (no ground link otherwise)")
            link.append(parse_link_fault(spec))
        else:
            parse_fault(spec)
            device.append(spec)
    return Faults(device, process, link)
