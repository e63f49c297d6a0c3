"""Typed configuration: TOML files validated at load into frozen dataclasses.

An unknown key, a missing key or a bad value raises ConfigError naming the file, the key and the reason.
Range checks live in each dataclass's `__post_init__` (see `fsw.typed.check`).
"""
from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, TypeVar

from fsw.typed import TypeCheckError, record_converter

T = TypeVar("T")


class ConfigError(ValueError):
    def __init__(self, file: str | Path, key: str, reason: str) -> None:
        where = f"{file}: {key}" if key else str(file)
        super().__init__(f"{where}: {reason}")
        self.file = str(file)
        self.key = key
        self.reason = reason


def parse(data: dict[str, Any], cls: type[T], file: str | Path = "<config>") -> T:
    """Validate an already-parsed table into `cls`."""
    try:
        return record_converter(cls)(data, "")
    except TypeCheckError as exc:
        raise ConfigError(file, exc.path, exc.reason) from None


def read_toml(path: str | Path) -> dict[str, Any]:
    """The TOML file at `path` as plain tables (ConfigError if it cannot be read or is not TOML)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(path, "", f"cannot read: {exc.strerror or exc}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, "", f"not valid TOML: {exc}") from None


def load(path: str | Path, cls: type[T]) -> T:
    """Read the TOML file at `path` into `cls`."""
    return parse(read_toml(path), cls, path)
