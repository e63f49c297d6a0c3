"""A flight log as MCAP (Foxglove, PlotJuggler): one JSON channel per topic, each with the real JSON Schema of
its message type (fields, their types and units in the names), messages in log-time order, and strict JSON only
(a NaN or an infinity, which JSON has no word for, is written as null)."""
from __future__ import annotations

import dataclasses
import enum
import json
import math
import types
import typing
from pathlib import Path
from typing import Any

import numpy as np

from fsw.bus.message import Message
from fsw.bus.topics import TopicRegistry
from fsw.logger.read import Decoded, as_dict, decode_log
from fsw.typed import field_types

_SCALARS = {int: {"type": "integer"}, float: {"type": ["number", "null"]}, str: {"type": "string"},
            bool: {"type": "boolean"}, bytes: {"type": "array", "items": {"type": "integer"}}}


def json_schema(cls: type) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a message type as `as_dict` writes it."""
    schema = _record(cls)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    if cls.__doc__:
        schema["description"] = " ".join(cls.__doc__.split())
    return schema


def _record(cls: type) -> dict[str, Any]:
    props = {name: _type(tp) for name, tp in field_types(cls).items()}
    return {"title": cls.__name__, "type": "object", "properties": props, "required": list(props)}


def _type(tp: Any) -> dict[str, Any]:
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if tp in _SCALARS:
        return dict(_SCALARS[tp])
    if tp is np.ndarray:
        return {"type": "array", "description": "an image: rows of pixel values", "items": {"type": "array"}}
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return {"type": "string", "enum": [m.name for m in tp]}
    if dataclasses.is_dataclass(tp):
        return _record(tp)
    if origin in (typing.Union, types.UnionType):
        return {"anyOf": [{"type": "null"} if a is type(None) else _type(a) for a in args]}
    if origin is list or (origin is tuple and len(args) == 2 and args[1] is Ellipsis):
        return {"type": "array", "items": _type(args[0]) if args else {}}
    if origin is tuple:
        return {"type": "array", "prefixItems": [_type(a) for a in args], "minItems": len(args),
                "maxItems": len(args)}
    if origin is dict:
        return {"type": "object", "additionalProperties": _type(args[1]) if args else {}}
    return {}


def strict(value: Any) -> Any:
    """`value` with every non-finite float replaced by None: what a strict JSON reader accepts."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: strict(v) for k, v in value.items()}
    if isinstance(value, list):
        return [strict(v) for v in value]
    return value


def export_mcap(path: str | Path, target: str | Path, registry: TopicRegistry | None = None) -> tuple[int, Decoded]:
    """Write the log at `path` to the MCAP file `target`; returns the messages written and what was decoded
    (its damage report says what was skipped)."""
    from mcap.writer import Writer

    decoded = decode_log(path, registry)
    ordered = sorted(decoded.messages, key=lambda tm: tm[1].t_ns)  # stable: same-time messages keep log order
    with open(target, "wb") as f:
        w = Writer(f)
        w.start(profile="", library="ginny")
        channels: dict[str, int] = {}
        schemas: dict[type[Message], int] = {}
        for seq, (topic, msg) in enumerate(ordered):
            if topic not in channels:
                cls = type(msg)
                if cls not in schemas:
                    schemas[cls] = w.register_schema(cls.__name__, "jsonschema", json.dumps(json_schema(cls)).encode())
                channels[topic] = w.register_channel(topic, "json", schemas[cls])
            data = json.dumps(strict(as_dict(msg)), allow_nan=False).encode()
            t = max(msg.t_ns, 0)
            w.add_message(channels[topic], log_time=t, data=data, publish_time=t, sequence=seq)
        w.finish()
    return len(ordered), decoded
