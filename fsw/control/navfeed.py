"""Navigation estimates handed to control at times that do not depend on how the processes were scheduled
(pure) -- what makes a closed-loop lockstep flight the same every time.

Navigation's estimates are the same every run (it fuses every input at its own time), but they reach the
control process whenever the host gets round to it: applied on arrival, one run corrects at the 412th IMU
sample what another corrects at the 415th, and the flights part. With a delay (lockstep simulation), an
estimate stamped t is applied at the first control cycle at or after t + delay, in the order navigation
published them. A cycle runs only once every estimate that can be due has arrived: navigation publishes in
order, and an estimate stamped `lead` after the due time proves that nothing stamped before it is still to
come (a frame's estimate is published when the frame is fused, `fusion_delay` after its exposure, and an
IMU estimate follows within `publish_every_imu` samples). However long navigation takes, the cycle waits
for it: no wall clock decides what the flight does. Navigation is waited for from the first cycle on (a first
estimate applied on arrival would start one run's flight later than another's); only a navigation the
supervisor reports gone (dead, restarting: `lost`) is not waited for, until it speaks again.

With delay 0 (real time, the board) each estimate is applied as soon as it arrives.
"""
from __future__ import annotations

from collections import deque

from fsw.bus.messages import NavState
from fsw.clock import NS_PER_MS


class NavFeed:
    def __init__(self, delay_ms: float, lead_ms: float) -> None:
        """`lead_ms`: how long after a time every estimate for it has been published (NavConfig.published_by_ms)."""
        self.delay_ns = round(delay_ms * NS_PER_MS)
        self.lead_ns = round(lead_ms * NS_PER_MS)
        self._pending: deque[NavState] = deque()
        self._newest_ns: int | None = None  # the newest stamp received
        self._live = self.delay_ns > 0  # waited for: from the start, and after a loss once it has spoken
        self.losses = 0  # times navigation was reported gone while it was waited for

    def push(self, s: NavState) -> None:
        self._pending.append(s)
        self._newest_ns = s.t_ns if self._newest_ns is None else max(self._newest_ns, s.t_ns)
        self._live = True

    def ready(self, t_ns: int) -> bool:
        """May the control cycle at sim time t_ns run now (every estimate due by then is in hand)?"""
        newest = -1 if self._newest_ns is None else self._newest_ns  # stamps start at 0
        return self.delay_ns == 0 or not self._live or newest >= t_ns - self.delay_ns + self.lead_ns

    def lost(self) -> None:
        """The supervisor reports navigation gone: cycles stop waiting for it until it speaks again."""
        if self._live:
            self.losses += 1
        self._live = False

    def due(self, t_ns: int) -> list[NavState]:
        """The estimates to apply before the control cycle at t_ns, in the order they were published."""
        if self.delay_ns == 0:
            out = list(self._pending)
            self._pending.clear()
            return out
        cut = t_ns - self.delay_ns
        out = [s for s in self._pending if s.t_ns <= cut]
        if out:
            self._pending = deque(s for s in self._pending if s.t_ns > cut)
        return out
