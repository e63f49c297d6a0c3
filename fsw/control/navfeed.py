"""Navigation estimates handed to control at times that do not depend on how the processes were scheduled
(pure) -- what makes a closed-loop lockstep flight the same every time.

Navigation's estimates are the same every run (it fuses every input at its own time), but they reach the
control process whenever the host gets round to it: applied on arrival, one run corrects at the 412th IMU
sample what another corrects at the 415th, and the flights part. With a delay (lockstep simulation), an
estimate stamped t is applied at the first control cycle at or after t + delay, in the order navigation
published them. A cycle runs only once every estimate that can be due has arrived: navigation publishes in
order, and an estimate stamped `lead` after the due time proves that nothing stamped before it is still to
come (a frame's estimate is published when the frame is fused, `fusion_delay` after its exposure, and an
IMU estimate follows within `publish_every_imu` samples). Navigation that leaves control waiting for
`wait` of wall time (dead, hung, restarting) is not waited for again until it speaks.

With delay 0 (real time, the board) each estimate is applied as soon as it arrives.
"""
from __future__ import annotations

from collections import deque

from fsw.bus.messages import NavState
from fsw.clock import NS_PER_MS


class NavFeed:
    def __init__(self, delay_ms: float, lead_ms: float, wait_ms: float = 500.0) -> None:
        """`lead_ms`: how long after a time every estimate for it has been published (NavConfig.published_by_ms)."""
        self.delay_ns = round(delay_ms * NS_PER_MS)
        self.lead_ns = round(lead_ms * NS_PER_MS)
        self.wait_ns = round(wait_ms * NS_PER_MS)
        self._pending: deque[NavState] = deque()
        self._newest_ns: int | None = None  # the newest stamp received
        self._live = False  # navigation has spoken since it last left control waiting too long
        self._waiting_since: int | None = None  # wall time
        self.timeouts = 0  # times navigation was given up on

    def push(self, s: NavState) -> None:
        self._pending.append(s)
        self._newest_ns = s.t_ns if self._newest_ns is None else max(self._newest_ns, s.t_ns)
        self._live = True

    def ready(self, t_ns: int, wall_ns: int) -> bool:
        """May the control cycle at sim time t_ns run now (every estimate due by then is in hand)?"""
        if self.delay_ns == 0 or not self._live or self._newest_ns >= t_ns - self.delay_ns + self.lead_ns:
            self._waiting_since = None
            return True
        if self._waiting_since is None:
            self._waiting_since = wall_ns
        if wall_ns - self._waiting_since < self.wait_ns:
            return False
        self._live, self._waiting_since = False, None
        self.timeouts += 1
        return True

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
