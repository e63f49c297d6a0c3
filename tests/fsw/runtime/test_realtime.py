from __future__ import annotations

import os
import subprocess
import sys

import pytest

from fsw.config.stack import ProcessConfig
from fsw.runtime.realtime import apply_realtime
from fsw.typed import FieldError


def test_nothing_asked_nothing_done() -> None:
    assert apply_realtime(0, []) == []


def test_refusals_are_reported_not_raised(monkeypatch) -> None:
    def refuse(*args):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "sched_setscheduler", refuse)
    warnings = apply_realtime(50, [99999])
    assert any("CPU set [99999] refused" in w for w in warnings)
    assert any("SCHED_FIFO priority 50 refused" in w and "not permitted" in w for w in warnings)


def test_a_cpu_set_is_applied(monkeypatch) -> None:
    before = os.sched_getaffinity(0)
    try:
        cpu = min(before)
        assert apply_realtime(0, [cpu]) == []
        assert os.sched_getaffinity(0) == {cpu}
    finally:
        os.sched_setaffinity(0, before)


def test_every_thread_takes_the_priority() -> None:
    """ZeroMQ's I/O threads are started before the setting: they must take it too, not only the caller."""
    import threading

    started, release = threading.Event(), threading.Event()

    def idle() -> None:
        started.set()
        release.wait(10)

    helper = threading.Thread(target=idle)
    helper.start()
    started.wait(10)
    try:
        warnings = apply_realtime(5, [])
        if warnings:  # no privilege here: said, not raised
            assert "SCHED_FIFO priority 5 refused" in warnings[0]
            return
        assert os.sched_getscheduler(helper.native_id) == os.SCHED_FIFO
        assert os.sched_getparam(helper.native_id).sched_priority == 5
    finally:
        for tid in os.listdir("/proc/self/task"):
            os.sched_setscheduler(int(tid), os.SCHED_OTHER, os.sched_param(0))
        release.set()
        helper.join(10)



CHILD = """
import os, threading
from fsw.runtime.realtime import apply_realtime
done = threading.Event()
worker = threading.Thread(target=done.wait)
worker.start()
warnings = apply_realtime(0, [], 3)
print(warnings, os.getpriority(os.PRIO_PROCESS, worker.native_id),
      os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
done.set()
"""


def test_a_nice_value_is_taken_by_every_thread_and_checked() -> None:
    """In a child process: a nice value cannot be taken back without privilege."""
    out = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.split() == ["[]", "3", "3"]
    with pytest.raises(FieldError, match="0..19"):
        ProcessConfig(nice=20)
