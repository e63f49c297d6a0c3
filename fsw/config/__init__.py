"""Typed configuration: TOML files validated at load into frozen dataclasses.

An unknown key, a missing key or a bad value raises ConfigError naming the file, the key and the reason.
Range checks live in each dataclass's `__post_init__` (see `fsw.typed.check`).
"""
from __future__ import annotations

import math
import tomllib
from pathlib import Path
from typing import Any, TypeVar

from fsw.typed import TypeCheckError, record_converter

T = TypeVar("T")
MAX_FILE_BYTES = 4_000_000  # a config or plan file is a few kB; a bigger one is not one


class ConfigError(ValueError):
    def __init__(self, file: str | Path, key: str, reason: str) -> None:
        where = f"{file}: {key}" if key else str(file)
        super().__init__(f"{where}: {reason}")
        self.file = str(file)
        self.key = key
        self.reason = reason


def parse(data: dict[str, Any], cls: type[T], file: str | Path = "<config>") -> T:
    """Validate an already-parsed table into `cls` (TOML's nan and inf are refused: no setting takes them)."""
    _check_finite(data, "", file)
    try:
        return record_converter(cls)(data, "")
    except TypeCheckError as exc:
        raise ConfigError(file, exc.path, exc.reason) from None


def _check_finite(value: Any, path: str, file: str | Path) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(file, path, f"must be a finite number, got {value}")
    if isinstance(value, dict):
        for key, v in value.items():
            _check_finite(v, f"{path}.{key}" if path else str(key), file)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _check_finite(v, f"{path}[{i}]", file)


def decode_text(raw: bytes, file: str | Path) -> str:
    """A config file's bytes as text: UTF-8, with or without a byte-order mark; ConfigError names the first
    byte that is not UTF-8 (its line and column), so a binary or Latin-1 file is said plainly."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise ConfigError(file, "", f"not UTF-8 text: byte 0x{raw[exc.start]:02x} at line {line}, column {column} "
                                    "(save the file as UTF-8)") from None


def parse_text(text: str, cls: type[T], file: str | Path) -> T:
    """Validate TOML text (an uploaded file) into `cls`; ConfigError names `file`."""
    return parse(loads_toml(text, file), cls, file)


def loads_toml(text: str, file: str | Path) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(file, "", f"not valid TOML: {exc}") from None


def read_toml(path: str | Path) -> dict[str, Any]:
    """The TOML file at `path` as plain tables (ConfigError if it cannot be read or is not TOML)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(path, "", f"cannot read: {exc.strerror or exc}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise ConfigError(path, "", f"{len(raw)} bytes: too big for a config or plan file "
                                    f"(at most {MAX_FILE_BYTES // 1_000_000} MB)")
    return loads_toml(decode_text(raw, path), path)


def load(path: str | Path, cls: type[T]) -> T:
    """Read the TOML file at `path` into `cls`."""
    return parse(read_toml(path), cls, path)
