"""The typed converter shared by bus messages and config files."""
from __future__ import annotations

import enum
from dataclasses import dataclass, field

import pytest

from fsw.typed import TypeCheckError, check, converter, to_plain


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


@dataclass(frozen=True)
class Inner:
    gain: float
    limits: tuple[float, float] = (0.0, 1.0)

    def __post_init__(self) -> None:
        check(self.gain >= 0, "gain", "must not be negative")


@dataclass(frozen=True)
class Outer:
    name: str
    inner: Inner
    tags: list[str] = field(default_factory=list)
    colour: Colour = Colour.RED
    extra: dict[str, int | str] = field(default_factory=dict)
    maybe: int | None = None


conv = converter(Outer)


def test_tables_and_lists_both_convert() -> None:
    table = {"name": "a", "inner": {"gain": 2}, "tags": ["x"], "colour": "BLUE", "extra": {"k": 1}}
    out = conv(table, "")
    assert out == Outer("a", Inner(2.0), ["x"], Colour.BLUE, {"k": 1})
    assert conv(to_plain(out), "") == out


@pytest.mark.parametrize("value, path, reason", [
    ({"name": "a", "inner": {"gain": -1}}, "inner.gain", "must not be negative"),
    ({"name": "a", "inner": {"gain": 1, "limits": [1]}}, "inner.limits", "list of 2 items"),
    ({"name": "a", "inner": {"gain": "1"}}, "inner.gain", "expected float"),
    ({"name": "a", "inner": {"gain": 1}, "tags": ["x", 3]}, "tags[1]", "expected str"),
    ({"name": "a", "inner": {"gain": 1}, "colour": "green"}, "colour", "expected one of RED, BLUE"),
    ({"name": "a", "inner": {"gain": 1}, "extra": {"k": 1.5}}, "extra.k", "expected int | str"),
    ({"name": "a", "inner": {"gain": 1}, "maybe": "no"}, "maybe", "expected int"),
    ({"inner": {"gain": 1}}, "name", "missing required key"),
    ({"name": "a", "inner": {"gain": 1}, "nope": 1}, "nope", "unknown key"),
    (["a"], "", "expected 6 fields"),
])
def test_errors_say_where_and_why(value, path, reason) -> None:
    with pytest.raises(TypeCheckError) as err:
        conv(value, "")
    assert err.value.path == path
    assert reason in err.value.reason


def test_unions_keep_exact_types() -> None:
    c = converter(bool | int | float | str)
    assert c(True, "") is True
    assert c(3, "") == 3 and isinstance(c(3, ""), int)
    assert c(2.5, "") == 2.5
    assert c("s", "") == "s"
    with pytest.raises(TypeCheckError):
        c(None, "")
