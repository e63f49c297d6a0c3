"""The `ginny` command line. Each subcommand lives in its own module; this file only dispatches."""
from __future__ import annotations

import argparse
import logging
import os
import sys

from ground.cli import (bench_cmd, board_cmd, bus_cmd, campaign_cmd, chaos_cmd, ground_cmd, image_cmd, log_cmd, plan_cmd,
                       replay_cmd, run_cmd, sim_cmd)

COMMANDS = (run_cmd, sim_cmd, ground_cmd, board_cmd, campaign_cmd, chaos_cmd, log_cmd, bus_cmd, bench_cmd, replay_cmd, plan_cmd,
            image_cmd)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ginny", description="Ingenuity flight-software emulator")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command", required=True)
    for module in COMMANDS:
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `ginny log info FILE | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit's flush
        return 0


if __name__ == "__main__":
    sys.exit(main())
