"""The event loop's lag, timed as the lab's own server times its loop: a callback due every
interval, and how late it ran. Re-armed from when it ran, not from when it was due, so a loop
frozen for 200 ms shows one late tick of 200 ms, not a burst of 200 catching up."""

from __future__ import annotations

import asyncio
import bisect
import math
import time
from typing import Callable

MS = 1_000_000
KEPT_LATE_TICKS = 4096  # as the lab's server keeps: the first ones, the rest only counted
STALL_MS = 10.0  # a tick this late is a stall, as the lab's server counts them
POOL_EVERY = 10  # the pool's occupancy is read every tenth tick: it costs five times a tick

# Lateness histogram: 8 buckets a decade from 1 µs to 100 s; a quantile is its bucket's top.
_EDGES_MS = [10 ** (k / 8) / 1000 for k in range(0, 8 * 8 + 1)]


class LoopMonitor:
    def __init__(self, loop: asyncio.AbstractEventLoop, interval_ms: float,
                 occupancy: Callable[[], tuple[int, int, int] | None]) -> None:
        self.loop = loop
        self.interval_ms = interval_ms
        self.occupancy = occupancy
        self.on_stall: Callable[[int, int], None] | None = None  # (due_ns, ran_ns), on the loop thread
        self.next_due_ns = 0
        self.ticks = 0
        self.max_ms = 0.0
        self.stalls = 0
        self.stalled_ms = 0.0
        self.late: list[tuple[int, int]] = []  # ticks 1 ms or more late: (due, ran)
        self.late_dropped = 0
        self.counts = [0] * (len(_EDGES_MS) + 1)
        self.pool: tuple[int, int, int] | None = None  # (threads, busy, waiting), last seen
        self.pool_busy_max = 0
        self.pool_waiting_max = 0
        self.errors = 0

    def start(self) -> None:
        self._arm(time.monotonic_ns())

    def _arm(self, now_ns: int) -> None:
        self.next_due_ns = now_ns + int(self.interval_ms * MS)
        self.loop.call_later(self.interval_ms / 1000, self._tick)

    def _tick(self) -> None:
        ran = time.monotonic_ns()
        try:
            self._record(self.next_due_ns, ran)
        except Exception:  # noqa: BLE001 — a probe never stops the loop it watches
            self.errors += 1
        self._arm(ran)

    def _record(self, due: int, ran: int) -> None:
        late_ms = max(0, ran - due) / MS
        self.ticks += 1
        self.max_ms = max(self.max_ms, late_ms)
        self.counts[bisect.bisect_left(_EDGES_MS, late_ms)] += 1
        if late_ms >= 1:
            if len(self.late) < KEPT_LATE_TICKS:
                self.late.append((due, ran))
            else:
                self.late_dropped += 1
        if late_ms >= STALL_MS:
            self.stalls += 1
            self.stalled_ms += late_ms
        if self.on_stall is not None:
            self.on_stall(due, ran)
        if self.ticks % POOL_EVERY:
            return
        self.pool = self.occupancy()
        if self.pool is not None:
            self.pool_busy_max = max(self.pool_busy_max, self.pool[1])
            self.pool_waiting_max = max(self.pool_waiting_max, self.pool[2])

    def quantile_ms(self, q: float) -> float:
        """The top of the bucket the q-th percentile of lateness falls in (0 with no ticks)."""
        total = sum(self.counts)
        if total == 0:
            return 0.0
        rank = math.ceil(q / 100 * total)
        seen = 0
        for i, n in enumerate(self.counts):
            seen += n
            if seen >= rank:
                return _EDGES_MS[min(i, len(_EDGES_MS) - 1)]
        return _EDGES_MS[-1]
