"""What the probe keeps for its process: started once, on the app's event loop, by the first call
the middleware gets (the lifespan's startup, or the first request).

Its knobs are environment variables, so a command target needs no flag of its own:

- ``CONCURRENCY_LAB_PROBE_DIR``: where each process writes ``probe-PID.json`` (none: nothing written);
- ``CONCURRENCY_LAB_PROBE_THRESHOLD_MS``: how late the loop must be before its stack is sampled (5);
- ``CONCURRENCY_LAB_PROBE_INTERVAL_MS``: the loop monitor's period (10). Not the lab server's
  1 ms: in Python each tick costs the loop about 70 µs when it idles, and at 1 ms the probe took
  a quarter of a loaded app's CPU per request (docs/performance.md).
"""

from __future__ import annotations

import asyncio
import os
import threading

from . import pool
from .loop_monitor import LoopMonitor
from .report import ReportWriter
from .timing import current_pid
from .watchdog import Watchdog

_lock = threading.Lock()
_started_pid = 0
_errors = 0
_monitor: LoopMonitor | None = None


def _number(name: str, default: float, low: float, high: float) -> float:
    """A knob from the environment, or its default when it is missing or out of range."""
    try:
        value = float(os.environ.get(name, default))
    except ValueError:
        return default
    return value if low <= value <= high else default


def count_error() -> None:
    global _errors
    _errors += 1


def errors() -> int:
    return _errors


def install_pool_hook() -> None:
    try:
        pool.install()
    except Exception:  # noqa: BLE001
        count_error()


def start_on_running_loop() -> None:
    """Starts the monitor, the watchdog and the writer once per process (a forked worker again)."""
    global _started_pid, _monitor
    if _started_pid == current_pid():
        return
    with _lock:
        if _started_pid == current_pid():
            return
        _started_pid = current_pid()
        try:
            loop = asyncio.get_running_loop()
            interval_ms = _number("CONCURRENCY_LAB_PROBE_INTERVAL_MS", 10.0, 0.1, 1000.0)
            threshold_ms = _number("CONCURRENCY_LAB_PROBE_THRESHOLD_MS", 5.0, 1.0, 60000.0)
            _monitor = LoopMonitor(loop, interval_ms, pool.occupancy)
            watchdog = Watchdog(_monitor, threading.get_ident(), threshold_ms)
            _monitor.on_stall = watchdog.charge
            _monitor.start()
            folder = os.environ.get("CONCURRENCY_LAB_PROBE_DIR")
            writer = ReportWriter(folder, _monitor, watchdog, errors) if folder else None
            watchdog.start(writer)
        except Exception:  # noqa: BLE001
            count_error()


def monitor() -> LoopMonitor | None:
    return _monitor

