"""The command ledger: one execution and one answer per (ground key, id), and no command left unanswered."""
from __future__ import annotations

from fsw.bus.messages import CommandResult
from fsw.comm.ledger import Answer, CommandLedger

KEY = (b"ground-key", 42)


def test_a_repeat_while_running_is_answered_when_it_finishes_and_after_at_once() -> None:
    """One ack per frame: the first and a repeat sent while it ran both get the answer when it finishes."""
    ledger = CommandLedger()
    assert ledger.repeat(KEY, b"peer1") is False
    bus_id = ledger.start(KEY, b"peer1", "ARM", "control", 0)
    assert ledger.repeat(KEY, b"peer1") is True  # still running: not executed again
    answer, repeat = ledger.finish(bus_id, CommandResult.OK, "armed")
    assert answer == repeat == Answer(b"peer1", KEY, "ARM", CommandResult.OK, "armed")
    again = ledger.repeat(KEY, b"peer2")  # a reconnected station asks again
    assert isinstance(again, Answer) and again.peer == b"peer2" and again.result is CommandResult.OK
    assert ledger.duplicates == 2
    assert answer.frame().to_wire() == {"type": "ack", "id": 42, "name": "ARM", "result": "OK", "reason": "armed"}


def test_the_same_id_from_another_ground_station_is_another_command() -> None:
    ledger = CommandLedger()
    ledger.answer(KEY, b"p", "NO_OP", CommandResult.OK, "")
    assert ledger.repeat((b"other-key", 42), b"p") is False


def test_unacknowledged_commands_are_answered_after_the_timeout() -> None:
    ledger = CommandLedger()
    bus_id = ledger.start(KEY, b"p", "NO_OP", "nav", 0)
    assert ledger.expire(1_000, 5_000) == []
    [late] = ledger.expire(6_000, 5_000)
    assert late.result is CommandResult.EXECUTION_ERROR and "nav" in late.reason
    assert ledger.finish(bus_id, CommandResult.OK, "") == []  # too late: answered already
    assert ledger.pending == 0


def test_the_ledger_remembers_a_bounded_number_of_answers() -> None:
    ledger = CommandLedger(remember=3)
    for i in range(5):
        ledger.answer((b"k", i), b"p", "NO_OP", CommandResult.OK, "")
    assert ledger.repeat((b"k", 0), b"p") is False
    assert isinstance(ledger.repeat((b"k", 4), b"p"), Answer)
