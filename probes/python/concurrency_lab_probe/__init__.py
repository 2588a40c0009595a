"""concurrency-lab's probe for ASGI apps: what the server saw of itself, without changing the app.

Loaded by `concurrency-lab` into a command target that says `probe = true` (through the
`sitecustomize` in ``bootstrap/``, as ``opentelemetry-instrument`` loads its instrumentation), or
by one line around an app that someone else starts::

    from concurrency_lab_probe import wrap
    app = wrap(app)

Per request it sends a ``Server-Timing`` header: the process, the thread that ran the handler's
body (the loop's for ``async def``, the pool's for a ``def`` endpoint) and when it started and
ended on CLOCK_MONOTONIC. Per process it times the event loop's lag, reads anyio's thread limiter,
and names the line of the app's own code that held the loop when it was late (docs/targets.md).

The standard library alone; it never raises into a request: its own errors are counted.
"""

from .middleware import ProbeMiddleware, wrap

__all__ = ["ProbeMiddleware", "wrap", "__version__"]
__version__ = "0.1.0"
