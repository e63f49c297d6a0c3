"""Typed plain data: check and convert values against Python type annotations.

One converter serves both the bus (fields travel as msgpack arrays) and config files (TOML tables), so a
message field and a config key are validated by the same rules and fail with the same kind of error: the path
of the offending value and the reason.
"""
from __future__ import annotations

import dataclasses
import enum
import functools
import itertools
import types
import typing
from collections.abc import Callable, Iterable
from typing import Any

Converter = Callable[[Any, str], Any]


class TypeCheckError(ValueError):
    """A value does not fit its declared type; `path` says where (e.g. `health.restart_backoff_ms[1]`)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}" if path else reason)
        self.path = path
        self.reason = reason


class FieldError(ValueError):
    """Raised by a record's `__post_init__` when a value has the right type but is out of range."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(f"{key}: {reason}")
        self.key = key
        self.reason = reason


def check(condition: bool, key: str, reason: str) -> None:
    """Range check for `__post_init__`: raise FieldError(key, reason) unless `condition` holds."""
    if not condition:
        raise FieldError(key, reason)


def _join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _describe(value: Any) -> str:
    return f"{type(value).__name__} {value!r}"[:80]


def _scalar(tp: type) -> Converter:
    def convert(value: Any, path: str) -> Any:
        if type(value) is tp:
            return value
        if tp is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, tp) and not (tp is int and isinstance(value, bool)):
            return value
        raise TypeCheckError(path, f"expected {tp.__name__}, got {_describe(value)}")

    return convert


def _enum(tp: type[enum.Enum]) -> Converter:
    by_name = {member.name: member for member in tp}
    by_value = {member.value: member for member in tp}

    def convert(value: Any, path: str) -> Any:
        if isinstance(value, tp):
            return value
        try:
            return by_value[value]  # what tp(value) finds, without its cost
        except (KeyError, TypeError):
            pass
        try:
            return tp(value)
        except (ValueError, TypeError):
            pass
        if isinstance(value, str) and value in by_name:
            return by_name[value]
        choices = ", ".join(m.name for m in tp)
        raise TypeCheckError(path, f"expected one of {choices}, got {_describe(value)}")

    return convert


def _each(convs: Iterable[Converter], values: list | tuple, path: str, keys: Iterable[str | int]) -> list:
    """Each value by its converter (`convs`: a sequence, or one converter repeated). The paths of the values
    (`path` joined with each key) are built only when one is wrong: the conversion is then done again with
    them, so the error says where."""
    try:
        return [conv(v, "") for conv, v in zip(convs, values)]
    except TypeCheckError:
        return [conv(v, _join(path, k)) for conv, v, k in zip(convs, values, keys)]


def _sequence(item: Converter, result: type) -> Converter:
    def convert(value: Any, path: str) -> Any:
        if not isinstance(value, (list, tuple)):
            raise TypeCheckError(path, f"expected a list, got {_describe(value)}")
        return result(_each(itertools.repeat(item), value, path, itertools.count()))

    return convert


def _fixed_tuple(items: list[Converter]) -> Converter:
    floats = all(item is converter(float) for item in items)  # a vector: its plain floats taken as they are

    def convert(value: Any, path: str) -> Any:
        if floats and type(value) is list and len(value) == len(items) and all(type(v) is float for v in value):
            return tuple(value)
        if not isinstance(value, (list, tuple)) or len(value) != len(items):
            raise TypeCheckError(path, f"expected a list of {len(items)} items, got {_describe(value)}")
        return tuple(_each(items, value, path, itertools.count()))

    return convert


def _mapping(item: Converter) -> Converter:
    def convert(value: Any, path: str) -> Any:
        if not isinstance(value, dict):
            raise TypeCheckError(path, f"expected a table, got {_describe(value)}")
        out = {}
        for key, v in value.items():
            if not isinstance(key, str):
                raise TypeCheckError(path, f"expected text keys, got {_describe(key)}")
            out[key] = item(v, _join(path, key))
        return out

    return convert


def _union(options: list[Converter], allows_none: bool, names: str) -> Converter:
    def convert(value: Any, path: str) -> Any:
        if value is None and allows_none:
            return None
        for option in options:
            try:
                return option(value, path)
            except TypeCheckError:
                continue
        raise TypeCheckError(path, f"expected {names}, got {_describe(value)}")

    return convert


def _union_converter(args: tuple[Any, ...], tp: Any) -> Converter:
    allows_none = type(None) in args
    others = [a for a in args if a is not type(None)]
    # Exact types first, so that 1 stays an int in `int | float` and True stays a bool.
    others.sort(key=lambda a: {bool: 0, int: 1, float: 2}.get(a, 3))
    if allows_none and len(others) == 1:
        inner = converter(others[0])
        return lambda v, p: None if v is None else inner(v, p)
    return _union([converter(a) for a in others], allows_none, str(tp).replace("typing.", ""))


@functools.cache
def converter(tp: Any) -> Converter:
    """Build (once per type) a function `(value, path) -> converted value` that raises TypeCheckError."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp in (int, float, str, bool, bytes):
        return _scalar(tp)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return _enum(tp)
    if dataclasses.is_dataclass(tp):
        return record_converter(tp)
    if origin in (typing.Union, types.UnionType):
        return _union_converter(args, tp)
    if origin is list:
        return _sequence(converter(args[0]), list)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return _sequence(converter(args[0]), tuple)
    if origin is tuple:
        return _fixed_tuple([converter(a) for a in args])
    if origin is dict and args and args[0] is str:
        return _mapping(converter(args[1]))
    raise TypeError(f"unsupported type in a typed record: {tp!r}")


def field_types(cls: type) -> dict[str, Any]:
    """The resolved annotation of each dataclass field, in declaration order."""
    hints = typing.get_type_hints(cls)
    return {f.name: hints[f.name] for f in dataclasses.fields(cls)}


def record_converter(cls: type) -> Converter:
    """Convert a table (config) or a list of field values (wire) into the dataclass `cls`."""
    fields = dataclasses.fields(cls)
    convs = {name: converter(tp) for name, tp in field_types(cls).items()}
    required = {f.name for f in fields if f.default is dataclasses.MISSING
                and f.default_factory is dataclasses.MISSING}

    def from_table(value: dict, path: str) -> Any:
        unknown = sorted(set(value) - set(convs))
        if unknown:
            raise TypeCheckError(_join(path, unknown[0]), f"unknown key (expected one of {', '.join(convs)})")
        missing = sorted(required - set(value))
        if missing:
            raise TypeCheckError(_join(path, missing[0]), "missing required key")
        return _build(cls, path, **{k: convs[k](v, _join(path, k)) for k, v in value.items()})

    ordered = [convs[f.name] for f in fields]
    names = [f.name for f in fields]

    def from_list(value: list | tuple, path: str) -> Any:
        if len(value) != len(fields):
            raise TypeCheckError(path, f"expected {len(fields)} fields for {cls.__name__}, got {len(value)}")
        return _build(cls, path, *_each(ordered, value, path, names))

    def convert(value: Any, path: str) -> Any:
        if isinstance(value, cls):
            return value
        if isinstance(value, dict):
            return from_table(value, path)
        if isinstance(value, (list, tuple)):
            return from_list(value, path)
        raise TypeCheckError(path, f"expected a {cls.__name__} table, got {_describe(value)}")

    return convert


def _build(cls: type, path: str, *args: Any, **values: Any) -> Any:
    try:
        return cls(*args, **values)
    except FieldError as exc:
        raise TypeCheckError(_join(path, exc.key), exc.reason) from None


@functools.cache
def encoder(tp: Any) -> Callable[[Any], Any] | None:
    """A function turning a value of type `tp` into plain msgpack-able data, or None where the value already
    is plain (scalars, and lists/tuples/tables of them): the fast path for encoding messages."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return lambda v: v.value
    if dataclasses.is_dataclass(tp):
        parts = [(f, encoder(t)) for f, t in field_types(tp).items()]
        return lambda v: [getattr(v, f) if e is None else e(getattr(v, f)) for f, e in parts]
    if origin in (list, tuple) and args:
        inner = [encoder(a) for a in args if a is not Ellipsis]
        if all(e is None for e in inner):
            return None
        if len(inner) == 1:
            e = inner[0]
            return lambda v: [e(x) for x in v]
        return lambda v: [x if e is None else e(x) for e, x in zip(inner, v)]
    if origin is dict and args:
        e = encoder(args[1])
        return None if e is None else (lambda v: {k: e(x) for k, x in v.items()})
    if origin in (typing.Union, types.UnionType) and any(encoder(a) is not None for a in args):
        return to_plain
    return None


def to_plain(value: Any) -> Any:
    """Turn a typed value into plain msgpack-able data: records become lists, enums their values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [to_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    return value
