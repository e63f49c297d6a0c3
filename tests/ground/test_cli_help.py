"""Every command, option and argument of `ginny` says what it is for in its --help."""
from __future__ import annotations

import argparse

from ground.cli.main import build_parser


def _helpless(parser: argparse.ArgumentParser, path: list[str]) -> list[str]:
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helped = {a.dest for a in action._choices_actions if a.help}
            found += [" ".join(path + [name]) + " (the command)" for name in action.choices if name not in helped]
            for name, sub in action.choices.items():
                found += _helpless(sub, path + [name])
        elif not action.help and not isinstance(action, argparse._HelpAction):
            found.append(" ".join(path + [action.option_strings[0] if action.option_strings else action.dest]))
    return found


def test_every_command_option_and_argument_has_help_text() -> None:
    assert _helpless(build_parser(), ["ginny"]) == []


def test_sim_help_gives_the_exit_codes_and_every_fault_family() -> None:
    sim = build_parser()._subparsers._group_actions[0].choices["sim"]
    text = sim.format_help()
    assert "130  interrupted" in text and "4    crashed" in text and "2    bad input" in text
    assert "proc.NAME.kill@START" in text and "link.outage@START:DURATION" in text and "navcam.drop@54" in text
