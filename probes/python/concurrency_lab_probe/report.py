"""The process's figures as a file the lab reads after the run: ``probe-PID.json`` in the folder
the lab names, replaced whole (a temporary file renamed) so a reader never sees half of one.
Written every two seconds, and at once when the lab asks by touching ``flush`` in the folder
(a file of 4096 late ticks written ten times a second cost the app a tenth of its CPU).
Its ``loop_lag`` and ``pool`` have the shape of the lab server's own ``GET /metrics?format=json``,
so one reader serves both; ``blocked`` is the probe's own."""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from .loop_monitor import LoopMonitor
    from .watchdog import Watchdog


def document(monitor: LoopMonitor, watchdog: Watchdog, errors: int) -> dict[str, Any]:
    with watchdog.lock:
        locations = [
            {"file": w.file, "line": w.line, "function": w.function, "code": w.code, "call": w.call,
             "in_app": w.in_app}
            for w in watchdog.locations
        ]
        stalls = [list(s) for s in watchdog.stalls]
        dropped, samples = watchdog.dropped, watchdog.samples
    doc: dict[str, Any] = {
        "pid": os.getpid(),
        "loop_lag": {
            "interval_ms": monitor.interval_ms,
            "ticks": monitor.ticks,
            "max_ms": monitor.max_ms,
            "p50_ms": monitor.quantile_ms(50),
            "p99_ms": monitor.quantile_ms(99),
            "stalls": monitor.stalls,
            "stalled_ms": monitor.stalled_ms,
            "late": [list(t) for t in monitor.late],
            "late_dropped": monitor.late_dropped,
        },
        "blocked": {"threshold_ms": watchdog.threshold_ms, "locations": locations, "stalls": stalls,
                    "dropped": dropped, "samples": samples},
        "probe_errors": errors + monitor.errors,
    }
    if monitor.pool is not None:
        threads, busy, waiting = monitor.pool
        doc["pool"] = {"threads": threads, "busy": busy, "queued": waiting, "busy_max": monitor.pool_busy_max,
                       "queued_max": monitor.pool_waiting_max}
    return doc


class ReportWriter:
    def __init__(self, folder: str, monitor: LoopMonitor, watchdog: Watchdog, errors: Callable[[], int]) -> None:
        self.path = os.path.join(folder, f"probe-{os.getpid()}.json")
        self.monitor = monitor
        self.watchdog = watchdog
        self.errors = errors
        self.last = ""
        self.flush = os.path.join(folder, "flush")
        self.flush_seen = 0  # the flush file's mtime last answered

    def asked(self) -> bool:
        """Whether the lab touched the flush file since it was last answered (one stat call)."""
        try:
            mtime = os.stat(self.flush).st_mtime_ns
        except OSError:
            return False
        if mtime == self.flush_seen:
            return False
        self.flush_seen = mtime
        return True

    def write(self) -> None:
        """Writes the file when its content changed; a failure is counted, never raised."""
        try:
            text = json.dumps(document(self.monitor, self.watchdog, self.errors()), separators=(",", ":"))
            if text == self.last:
                os.utime(self.path)  # unchanged, but answered: the lab waits for a newer file
                return
            temporary = f"{self.path}.tmp"
            with open(temporary, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(temporary, self.path)
            self.last = text
        except Exception:  # noqa: BLE001
            self.monitor.errors += 1
