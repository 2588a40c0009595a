"""What blocked the loop: a thread that wakes when the loop's next tick is overdue by more than
the threshold and samples the loop thread's stack (``sys._current_frames()``, pyleak's idea),
then again every threshold while the stall lasts. When the late tick finally runs, the monitor
charges the stall to the place sampled most often during it, the app's own code first: a
one-second stall made of ten blocking calls in a row is the call, not the instant between two of
them where the loop read the next request. A stall that ended before any sample is charged to
no location ("not sampled")."""

from __future__ import annotations

import sys
import threading
import time
from typing import TYPE_CHECKING

from .locate import Location, locate
from .loop_monitor import KEPT_LATE_TICKS, MS, LoopMonitor

if TYPE_CHECKING:
    from .report import ReportWriter

KEPT_LOCATIONS = 64  # distinct places; past them a stall is charged to no location
WRITE_EVERY_S = 2.0  # the report file is rewritten this often, and whenever the lab asks (report.py)


class Watchdog:
    def __init__(self, monitor: LoopMonitor, loop_thread: int, threshold_ms: float) -> None:
        self.monitor = monitor
        self.loop_thread = loop_thread
        self.threshold_ms = threshold_ms
        self.lock = threading.Lock()
        self.locations: list[Location] = []
        self.index: dict[tuple[str, int, str], int] = {}
        self.stalls: list[tuple[int, int, int]] = []  # (due, ran, location index or -1)
        self.dropped = 0
        self.samples = 0
        self._sampled_due = 0  # the due time of the stall the votes are of
        self._votes: dict[int, int] = {}  # location index -> samples, in the stall being sampled

    def start(self, writer: ReportWriter | None) -> None:
        threading.Thread(target=self._run, args=(writer,), name="concurrency-lab-probe", daemon=True).start()

    def _run(self, writer: ReportWriter | None) -> None:
        threshold_ns = int(self.threshold_ms * MS)
        next_write = time.monotonic()
        while True:
            due = self.monitor.next_due_ns
            now = time.monotonic_ns()
            if now - due > threshold_ns:
                self._sample(due)
            # Asleep until the tick it knows of would be late (a tick that ran meanwhile moved it on);
            # within a stall, a threshold's length: not a GIL request a millisecond.
            wait_ns = threshold_ns if due == self._sampled_due else max(due + threshold_ns + MS // 2 - now, MS // 2)
            if writer is not None and (writer.asked() or time.monotonic() >= next_write):
                writer.write()
                next_write = time.monotonic() + WRITE_EVERY_S
            time.sleep(wait_ns / 1e9)

    def _sample(self, due: int) -> None:
        try:
            frame = sys._current_frames().get(self.loop_thread)
            where = locate(frame)
            del frame
        except Exception:  # noqa: BLE001
            self.monitor.errors += 1
            return
        if where is None:
            return
        with self.lock:
            self.samples += 1
            if due != self._sampled_due:
                self._sampled_due, self._votes = due, {}
            at = self._index_of(where)
            self._votes[at] = self._votes.get(at, 0) + 1

    def _most_sampled(self) -> int:
        """The stall's place: the app's own code sampled most often, else whatever was (lock held)."""
        if not self._votes:
            return -1
        def weight(at: int) -> tuple[bool, int]:
            return (at >= 0 and self.locations[at].in_app, self._votes[at])
        return max(self._votes, key=weight)

    def _index_of(self, where: Location) -> int:
        key = (where.file, where.line, where.function)
        if key not in self.index:
            if len(self.locations) >= KEPT_LOCATIONS:
                return -1
            self.index[key] = len(self.locations)
            self.locations.append(where)
        return self.index[key]

    def charge(self, due: int, ran: int) -> None:
        """Called by the monitor on the loop thread for every tick; keeps those over the threshold."""
        if ran - due < self.threshold_ms * MS:
            return
        with self.lock:
            where = self._most_sampled() if self._sampled_due == due else -1
            if len(self.stalls) < KEPT_LATE_TICKS:
                self.stalls.append((due, ran, where))
            else:
                self.dropped += 1
