from __future__ import annotations

import pytest

from fsw.bus.messages import CommandResult
from fsw.runtime.commands import ArgDef, CommandDef, CommandDictionary, CommandRejected, default_dictionary

DICT = CommandDictionary([
    CommandDef("GOTO", "control", "fly somewhere", (
        ArgDef("altitude_m", "float", "height", "m", min=0.5, max=25.0),
        ArgDef("mode", "enum", "how", choices=("FAST", "SLOW"), default="SLOW"),
        ArgDef("count", "int", "repeats", min=1, max=3, default=1),
    )),
])


def rejected(name: str, args: object) -> CommandRejected:
    with pytest.raises(CommandRejected) as err:
        DICT.validate(name, args)
    return err.value


def test_valid_command_gets_defaults_and_converted_types() -> None:
    assert DICT.validate("GOTO", {"altitude_m": 10}) == {"altitude_m": 10.0, "mode": "SLOW", "count": 1}


@pytest.mark.parametrize("name, args, result, text", [
    ("FLY", {}, CommandResult.INVALID_COMMAND, "unknown command 'FLY'"),
    ("GOTO", [], CommandResult.FORMAT_ERROR, "table of name=value"),
    ("GOTO", {}, CommandResult.FORMAT_ERROR, "needs argument 'altitude_m'"),
    ("GOTO", {"altitude_m": 1, "speed": 2}, CommandResult.FORMAT_ERROR, "no argument 'speed'"),
    ("GOTO", {"altitude_m": "high"}, CommandResult.FORMAT_ERROR, "must be float"),
    ("GOTO", {"altitude_m": True}, CommandResult.FORMAT_ERROR, "must be float"),
    ("GOTO", {"altitude_m": 30.0}, CommandResult.VALIDATION_ERROR, "above the maximum 25.0m"),
    ("GOTO", {"altitude_m": float("nan")}, CommandResult.VALIDATION_ERROR, "finite"),
    ("GOTO", {"altitude_m": 1, "mode": "WARP"}, CommandResult.VALIDATION_ERROR, "not one of FAST, SLOW"),
    ("GOTO", {"altitude_m": 1, "count": 0}, CommandResult.VALIDATION_ERROR, "below the minimum 1"),
])
def test_bad_commands_are_rejected_with_a_result_and_reason(name, args, result, text) -> None:
    err = rejected(name, args)
    assert err.result is result
    assert text in err.reason


def test_dictionary_exports_json_shaped_like_fprime() -> None:
    doc = DICT.to_json()
    cmd = doc["commands"][0]
    assert cmd["name"] == "GOTO" and cmd["component"] == "control"
    alt = cmd["formalParameters"][0]
    assert alt == {"name": "altitude_m", "description": "height", "type": {"name": "float", "kind": "primitive"},
                   "unit": "m", "min": 0.5, "max": 25.0}
    assert cmd["formalParameters"][1]["type"]["enumeratedConstants"] == ["FAST", "SLOW"]


def test_every_process_handles_no_op() -> None:
    d = default_dictionary()
    for process in ("camera", "nav", "control", "logger", "comm", "health"):
        assert "NO_OP" in [c.name for c in d.handled_by(process)]
