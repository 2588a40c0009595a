"""The thread pool behind a `def` endpoint: anyio's, which FastAPI and Starlette hand plain
functions to (``anyio.to_thread.run_sync``). The probe wraps that one function, so the request
learns which pool thread ran its body, and reads the default limiter's occupancy."""

from __future__ import annotations

import functools
import sys
import threading
import time
from typing import Any, Callable

from .timing import current

_installed = False


def install() -> None:
    """Wraps anyio.to_thread.run_sync once, where anyio is loaded or importable; else nothing."""
    global _installed
    if _installed:
        return
    try:
        import anyio.to_thread as to_thread
    except ImportError:
        return
    _installed = True
    original = to_thread.run_sync

    @functools.wraps(original)
    async def run_sync(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        record = current.get()
        if record is None or record.on_pool:
            return await original(func, *args, **kwargs)
        return await original(_timed(func, record), *args, **kwargs)

    to_thread.run_sync = run_sync


def _timed(func: Callable[..., Any], record: Any) -> Callable[..., Any]:
    """func, telling `record` on which thread and when it ran; its own result and errors as they are."""

    def timed(*args: Any) -> Any:
        record.ran_on_pool(threading.get_native_id(), time.monotonic_ns())
        try:
            return func(*args)
        finally:
            record.end_ns = time.monotonic_ns()

    return timed


def occupancy() -> tuple[int, int, int] | None:
    """(threads, busy, waiting) of anyio's default limiter on the running loop; None without anyio."""
    to_thread = sys.modules.get("anyio.to_thread")
    sniffio = sys.modules.get("sniffio")
    if to_thread is None or sniffio is None:
        return None
    # The monitor's tick is a plain loop callback, in no task, where sniffio cannot tell which
    # library runs the loop: it is asyncio's (uvicorn's, uvloop's alike), so it is told so.
    token = sniffio.current_async_library_cvar.set("asyncio")
    try:
        stats = to_thread.current_default_thread_limiter().statistics()
    finally:
        sniffio.current_async_library_cvar.reset(token)
    return int(stats.total_tokens), int(stats.borrowed_tokens), int(stats.tasks_waiting)
