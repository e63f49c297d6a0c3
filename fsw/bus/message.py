"""The message model of the bus: typed, versioned records with symmetric encode/decode.

A message is a frozen dataclass whose first field is `t_ns`, the flight-clock time it describes. On the wire
a message is a msgpack header frame `[schema_version, publisher, seq, [field values...]]` followed, for image
messages, by one raw pixel frame sent and received without copying. An image message names its array field
in `PAYLOAD`; the header carries that field as `[shape, dtype]`.
"""
from __future__ import annotations

import dataclasses
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import msgpack
import numpy as np

from fsw.typed import Converter, TypeCheckError, converter, encoder, field_types


class DecodeError(ValueError):
    """A frame could not be decoded; `kind` is one of malformed, version, oversized."""

    def __init__(self, kind: str, topic: str, reason: str) -> None:
        super().__init__(f"{topic}: {kind}: {reason}")
        self.kind = kind
        self.topic = topic
        self.reason = reason


@dataclass(frozen=True, eq=False)
class Message:
    """Base of every bus message. Subclasses are `@dataclass(frozen=True, eq=False)`."""

    t_ns: int

    SCHEMA_VERSION: ClassVar[int] = 1
    PAYLOAD: ClassVar[str | None] = None

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        for f in dataclasses.fields(self):
            a, b = getattr(self, f.name), getattr(other, f.name)
            if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
                if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)
                        and a.dtype == b.dtype and np.array_equal(a, b)):
                    return False
            elif a != b:
                return False
        return True

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True)
class Envelope:
    """What travels with every message: who published it and its per-publisher, per-topic sequence number."""

    publisher: str
    seq: int


@dataclass(frozen=True)
class Codec:
    """Encoder/decoder of one message class, built once per topic."""

    cls: type[Message]
    fields: tuple[str, ...]
    converters: tuple[Converter, ...]
    payload_index: int
    encoders: tuple = ()
    plain: Callable[[Message], tuple] | None = None  # every field as it is (no encoder, no pixels): one C call

    @classmethod
    def for_class(cls, message_cls: type[Message]) -> "Codec":
        types_ = field_types(message_cls)
        names = tuple(types_)
        payload = message_cls.PAYLOAD
        convs = tuple(_shape_dtype if n == payload else converter(types_[n]) for n in names)
        encs = tuple(None if n == payload else encoder(types_[n]) for n in names)
        plain = None if payload or any(encs) or len(names) < 2 else operator.attrgetter(*names)
        return cls(message_cls, names, convs, names.index(payload) if payload else -1, encs, plain)

    def encode(self, msg: Message, env: Envelope) -> tuple[bytes, np.ndarray | None]:
        """The header bytes and, for an image message, the contiguous array to send as its own frame."""
        if self.plain is not None:  # msgpack packs the tuple as the list it would be
            return msgpack.packb([self.cls.SCHEMA_VERSION, env.publisher, env.seq, self.plain(msg)],
                                 use_bin_type=True, default=_plain_scalar), None
        body = [getattr(msg, n) if e is None else e(getattr(msg, n)) for n, e in zip(self.fields, self.encoders)]
        array = None
        if self.payload_index >= 0:
            array = np.ascontiguousarray(body[self.payload_index])
            body[self.payload_index] = [list(array.shape), array.dtype.str]
        header = msgpack.packb([self.cls.SCHEMA_VERSION, env.publisher, env.seq, body], use_bin_type=True,
                               default=_plain_scalar)
        return header, array

    def decode(self, topic: str, header: bytes | memoryview, payload: Any = None) -> tuple[Message, Envelope]:
        """Decode a header (and payload buffer); raise DecodeError saying what is wrong."""
        try:
            raw = msgpack.unpackb(header, raw=False, strict_map_key=True)
        except Exception as exc:  # msgpack raises several unrelated types on garbage
            raise DecodeError("malformed", topic, f"not msgpack ({type(exc).__name__})") from None
        if not (isinstance(raw, list) and len(raw) == 4 and isinstance(raw[3], list)):
            raise DecodeError("malformed", topic, "header is not [version, publisher, seq, fields]")
        version, publisher, seq, body = raw
        if version != self.cls.SCHEMA_VERSION:
            raise DecodeError("version", topic, f"schema version {version!r}, expected {self.cls.SCHEMA_VERSION}")
        if not isinstance(publisher, str) or not isinstance(seq, int) or isinstance(seq, bool) or seq < 0:
            raise DecodeError("malformed", topic, "bad publisher or sequence number")
        if len(body) != len(self.fields):
            raise DecodeError("malformed", topic, f"{len(body)} fields, expected {len(self.fields)}")
        try:
            values = [conv(v, name) for conv, v, name in zip(self.converters, body, self.fields)]
        except TypeCheckError as exc:
            raise DecodeError("malformed", topic, str(exc)) from None
        if self.payload_index >= 0:
            values[self.payload_index] = _payload_array(topic, values[self.payload_index], payload)
        elif payload is not None:
            raise DecodeError("malformed", topic, "unexpected payload frame")
        return self.cls(*values), Envelope(publisher, seq)


def _plain_scalar(value: Any) -> Any:
    """msgpack's fallback: a numpy scalar (a float64 from arithmetic, a bool from a comparison) goes as the
    Python value it holds; anything else is an error in the message."""
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot encode {type(value).__name__} in a message")


_DTYPES = frozenset({"|u1", "<u2", "<f4", "<f8", "<i4"})
_MAX_DIMS = 3


def _shape_dtype(value: Any, path: str) -> tuple[tuple[int, ...], str]:
    ok = (isinstance(value, list) and len(value) == 2 and isinstance(value[0], list)
          and 1 <= len(value[0]) <= _MAX_DIMS
          and all(isinstance(d, int) and not isinstance(d, bool) and 0 < d <= 1 << 16 for d in value[0])
          and value[1] in _DTYPES)
    if not ok:
        raise TypeCheckError(path, f"bad image shape/dtype {value!r:.80}")
    return tuple(value[0]), value[1]


def _payload_array(topic: str, spec: tuple[tuple[int, ...], str], payload: Any) -> np.ndarray:
    if payload is None:
        raise DecodeError("malformed", topic, "image header without a pixel frame")
    shape, dtype = spec
    dt = np.dtype(dtype)
    expected = dt.itemsize * int(np.prod(shape))
    size = memoryview(payload).nbytes
    if size != expected:
        raise DecodeError("malformed", topic, f"pixel frame of {size} bytes, header says {expected}")
    return np.frombuffer(payload, dtype=dt).reshape(shape)
