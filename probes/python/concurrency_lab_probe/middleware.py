"""A pure ASGI middleware (uvicorn's habit, not Starlette's BaseHTTPMiddleware): it wraps `send`
to add the Server-Timing header and starts the process's monitors on the first call it gets,
which runs on the app's own event loop."""

from __future__ import annotations

import time
from typing import Any, Awaitable, Callable

from . import process
from .timing import RequestRecord, current

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class ProbeMiddleware:
    """Wraps an ASGI 3 app; everything of its own is guarded, so the app never sees its errors."""

    def __init__(self, app: Callable[..., Awaitable[None]]) -> None:
        self.app = app
        self.probed_by_concurrency_lab = True  # wrapped once, however many hooks see the app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        process.start_on_running_loop()
        if scope.get("type") != "http":
            await self.app(scope, receive, send)
            return
        record = RequestRecord()
        token = current.set(record)

        async def send_with_timing(message: Message) -> None:
            if message.get("type") == "http.response.start":
                message = with_header(message, record)
            await send(message)

        try:
            await self.app(scope, receive, send_with_timing)
        finally:
            current.reset(token)


def with_header(message: Message, record: RequestRecord) -> Message:
    """The response head with Server-Timing added; the head unchanged if that fails."""
    try:
        if not record.end_ns:
            record.end_ns = time.monotonic_ns()
        # A new list in the same message (as Starlette's MutableHeaders edits it): the app's own
        # list may be a constant it sends again.
        message["headers"] = [*message.get("headers", ()), (b"server-timing", record.header())]
        return message
    except Exception:  # noqa: BLE001 — a probe never breaks a response
        process.count_error()
        return message


def wrap(app: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
    """The one line for an app someone else starts: ``app = wrap(app)``. Idempotent."""
    if getattr(app, "probed_by_concurrency_lab", False):
        return app
    process.install_pool_hook()
    return ProbeMiddleware(app)
