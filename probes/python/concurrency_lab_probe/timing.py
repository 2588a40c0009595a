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


class RequestRecord:
    """Where and when one request's handler body ran (CLOCK_MONOTONIC nanoseconds). A plain class
    with slots: one is made per request, and a dataclass's factories cost a microsecond more."""

    __slots__ = ("thread", "start_ns", "end_ns", "on_pool")

    def __init__(self, thread: int | None = None, start_ns: int | None = None, end_ns: int = 0) -> None:
        self.thread = threading.get_native_id() if thread is None else thread
        self.start_ns = time.monotonic_ns() if start_ns is None else start_ns
        self.end_ns = end_ns
        self.on_pool = False  # the body ran on a pool thread: thread, start and end are that run's

    def ran_on_pool(self, thread: int, start_ns: int) -> None:
        """The first call handed to the pool is the body (a `def` endpoint); later ones are not."""
        if not self.on_pool:
            self.on_pool = True
            self.thread = thread
            self.start_ns = start_ns
            self.end_ns = 0

    def header(self) -> bytes:
        end = self.end_ns or time.monotonic_ns()
        return (
            f"handler;dur={(end - self.start_ns) / 1e6:.3f}, pid;desc={current_pid()}, thread;desc={self.thread}, "
            f"start_ns;desc={self.start_ns}, end_ns;desc={end}"
        ).encode("ascii")


# os.getpid() is a system call, and every request needs the pid: it is read once per process,
# and again in a forked child (gunicorn's workers, multiprocessing's fork).
_pid = os.getpid()


def _after_fork() -> None:
    global _pid
    _pid = os.getpid()


os.register_at_fork(after_in_child=_after_fork)


def current_pid() -> int:
    return _pid


# The request the running task serves; the pool wrapper reads it to charge its thread.
current: contextvars.ContextVar[RequestRecord | None] = contextvars.ContextVar("concurrency_lab_request", default=None)
