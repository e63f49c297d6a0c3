"""The command ledger (pure): every ground command executed at most once, and always answered.

A command is known by (ground station key, the ground's command id). Every frame of it gets its own answer: a
repeat of a command that was answered gets the same answer again at once; a repeat of one still running gets
the answer when it finishes, as the first frame does (one ack per frame, whenever the repeats came). A command
sent on the bus whose process never acknowledges it is answered EXECUTION_ERROR after a timeout, so the ground is
never left waiting.
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from fsw.bus.messages import CommandResult
from fsw.comm.frames import Ack

GroundKey = tuple[bytes, int]  # (ground station public key, command id)


@dataclass
class Pending:
    key: GroundKey
    peer: bytes  # the routing id the command came from: where the answer goes
    name: str
    target: str
    sent_ns: int
    repeats: list[bytes] = field(default_factory=list)  # where each repeat came from while it ran


@dataclass(frozen=True)
class Answer:
    peer: bytes
    key: GroundKey
    name: str
    result: CommandResult
    reason: str

    def frame(self) -> Ack:
        return Ack(self.key[1], self.name, self.result.name, self.reason)


class CommandLedger:
    def __init__(self, remember: int = 4096) -> None:
        self.remember = remember
        self._pending: dict[int, Pending] = {}  # by bus command id
        self._pending_keys: dict[GroundKey, Pending] = {}
        self._done: OrderedDict[GroundKey, Answer] = OrderedDict()
        self._next_bus_id = 1
        self.duplicates = 0

    def repeat(self, key: GroundKey, peer: bytes) -> Answer | None | bool:
        """For a command seen before: its earlier answer (sent to `peer`), or True while it still runs (this
        repeat is answered when it finishes); False for a new command."""
        if key in self._done:
            self.duplicates += 1
            a = self._done[key]
            return Answer(peer, a.key, a.name, a.result, a.reason)
        if key in self._pending_keys:
            self.duplicates += 1
            self._pending_keys[key].repeats.append(peer)
            return True
        return False

    def start(self, key: GroundKey, peer: bytes, name: str, target: str, now_ns: int) -> int:
        """Record a command sent on the bus; returns its bus id."""
        bus_id = self._next_bus_id
        self._next_bus_id += 1
        self._pending[bus_id] = p = Pending(key, peer, name, target, now_ns)
        self._pending_keys[key] = p
        return bus_id

    def answer(self, key: GroundKey, peer: bytes, name: str, result: CommandResult, reason: str) -> Answer:
        """Record an answer given without the bus (refused on arrival)."""
        a = Answer(peer, key, name, result, reason)
        self._remember(a)
        return a

    def finish(self, bus_id: int, result: CommandResult, reason: str) -> list[Answer]:
        """A process acknowledged bus command `bus_id`: the answers, one per frame of it (the first and each
        repeat); none if it was not one of ours (or already timed out)."""
        p = self._pending.pop(bus_id, None)
        if p is None:
            return []
        del self._pending_keys[p.key]
        first = self.answer(p.key, p.peer, p.name, result, reason)
        return [first, *(Answer(peer, p.key, p.name, result, reason) for peer in p.repeats)]

    def expire(self, now_ns: int, timeout_ns: int) -> list[Answer]:
        """Commands no process acknowledged within `timeout_ns`: answered EXECUTION_ERROR (every frame)."""
        late = [i for i, p in self._pending.items() if now_ns - p.sent_ns > timeout_ns]
        return [a for i in late
                for a in self.finish(i, CommandResult.EXECUTION_ERROR,
                                     f"no acknowledgement from {self._pending[i].target} in {timeout_ns / 1e9:.0f} s")]

    def ground_id(self, bus_id: int) -> int | None:
        """The ground's id of a command still running."""
        p = self._pending.get(bus_id)
        return p.key[1] if p is not None else None

    @property
    def pending(self) -> int:
        return len(self._pending)

    def _remember(self, a: Answer) -> None:
        self._done[a.key] = a
        while len(self._done) > self.remember:
            self._done.popitem(last=False)
