"""The test API for system tests, after F Prime's IntegrationTestAPI: send and assert, await with timeouts."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ground.link import GroundLink


class GroundTestAPI:
    def __init__(self, link: GroundLink) -> None:
        self.link = link

    def send_command(self, name: str, args: dict[str, Any] | None = None, target: str = "",
                     timeout_s: float = 10.0) -> dict:
        """Send a command and return its acknowledgement (whatever its result)."""
        return self.link.ack(self.link.send(name, args, target), timeout_s)

    def send_and_assert_command(self, name: str, args: dict[str, Any] | None = None, result: str = "OK",
                                target: str = "", timeout_s: float = 10.0) -> dict:
        """Send a command; assert its acknowledgement has `result`; return the acknowledgement."""
        ack = self.send_command(name, args, target, timeout_s)
        assert ack["result"] == result, f"{name}: expected {result}, got {ack['result']}: {ack['reason']}"
        return ack

    def await_telemetry(self, predicate: Callable[[dict], bool], timeout_s: float = 10.0,
                        source: str = "") -> dict:
        """The first vehicle state (or, with `source`, that process's telemetry) for which `predicate` holds."""
        def latest() -> dict | None:
            frame = self.link.got.tlm.get(source) if source else self.link.got.state
            return frame if frame is not None and predicate(frame) else None
        return self.link.wait_for(latest, timeout_s, f"telemetry{' from ' + source if source else ''} matching")

    def await_event(self, name: str, text: str = "", timeout_s: float = 10.0, after: int = 0) -> dict:
        """The first event named `name` (whose text contains `text`) among events received from index `after`."""
        def found() -> dict | None:
            return next((e for e in self.link.got.events[after:] if e["name"] == name and text in e["text"]), None)
        return self.link.wait_for(found, timeout_s, f"event {name}{' ' + repr(text) if text else ''}")

    def mark(self) -> int:
        """The index of the next event: await_event(after=mark()) sees only what comes after now."""
        return len(self.link.got.events)
