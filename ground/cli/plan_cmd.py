"""`ginny plan check NAME|FILE`: validate a flight plan and say what it will fly."""
from __future__ import annotations

import argparse
import sys
from typing import TextIO

from fsw.config import ConfigError
from fsw.control.plan import bundled_plans
from sim_hal.run import plancheck


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("plan", help="flight plans")
    plan = p.add_subparsers(dest="plan_command", required=True)
    check = plan.add_parser("check", help=f"validate a plan file or a bundled plan ({', '.join(bundled_plans())})")
    check.add_argument("plan", help="a plan file (TOML), or the name of a bundled plan")
    check.set_defaults(func=check_plan)


def check_plan(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    try:
        checked = plancheck.check_plan(args.plan)
    except (ConfigError, ValueError) as exc:
        print(f"ginny plan check: {exc}", file=sys.stderr)
        return 2
    plan, s = checked.plan, checked.summary
    print(f"{plan.name}: valid: {len(plan.waypoints)} waypoints, {s.distance_m:.1f} m, {s.duration_s:.1f} s, "
          f"up to {s.max_altitude_m:.1f} m, over {plan.terrain}", file=out)
    if plan.faults:
        print(f"  faults: {', '.join(plan.faults)}" + ("  (link faults need `ginny sim --ground`)"
                                                       if checked.faults.link else ""), file=out)
    return 0
