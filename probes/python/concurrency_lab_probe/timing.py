"""One request's record, and the Server-Timing header it becomes.

The header's metrics follow the W3C syntax (``name;dur=…;desc=…``), one metric a field, so any
Server-Timing reader shows them and the lab reads them back exactly:

    handler;dur=100.2, pid;desc=4242, thread;desc=4250, start_ns;desc=1446973047697,
    end_ns;desc=1447073247697
"""

from __future__ import annotations

import contextvars
import os
import threading
import time
from dataclasses import dataclass, field


@dataclass
class RequestRecord:
    """Where and when one request's handler body ran (CLOCK_MONOTONIC nanoseconds)."""

    thread: int = field(default_factory=threading.get_native_id)
    start_ns: int = field(default_factory=time.monotonic_ns)
    end_ns: int = 0
    on_pool: bool = False  # the body ran on a pool thread: thread, start and end are that run's

    def ran_on_pool(self, thread: int, start_ns: int) -> None:
        """The first call handed to the pool is the body (a `def` endpoint); later ones are not."""
        if not self.on_pool:
            self.on_pool = True
            self.thread = thread
            self.start_ns = start_ns
            self.end_ns = 0

    def header(self) -> bytes:
        end = self.end_ns or time.monotonic_ns()
        dur_ms = (end - self.start_ns) / 1e6
        return (
            f"handler;dur={dur_ms:.3f}, pid;desc={os.getpid()}, thread;desc={self.thread}, "
            f"start_ns;desc={self.start_ns}, end_ns;desc={end}"
        ).encode("ascii")


# The request the running task serves; the pool wrapper reads it to charge its thread.
current: contextvars.ContextVar[RequestRecord | None] = contextvars.ContextVar("concurrency_lab_request", default=None)
