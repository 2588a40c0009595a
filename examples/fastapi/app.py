"""The teaching notes' FastAPI app, for real: one endpoint per way of writing a handler.

Run by the lab as a command target with the probe loaded (scenarios/fastapi-experiment-log.toml,
`probe = true`):
    /usr/bin/python3 -m uvicorn app:app --port PORT
Debian 12's python3-fastapi and python3-uvicorn are enough.

The app knows nothing of the lab. The probe (probes/python) adds a Server-Timing header to each
answer — the process, the kernel thread that ran the handler's body, and when it started and
ended on CLOCK_MONOTONIC — and times this app's event loop, so the lab draws this server's lanes
and its loop's lag beside its own.
"""

import asyncio
import math
import time

from fastapi import FastAPI

app = FastAPI()


@app.get("/health")
async def health():
    return {"status": "ok"}


# async def + time.sleep: the sleep holds the event loop, so requests are served one by one.
@app.get("/blocking")
async def blocking(ms: int = 100):
    time.sleep(ms / 1000)
    return {"route": "/blocking", "ms": ms}


# async def + await asyncio.sleep: the loop runs other requests while this one waits.
@app.get("/async")
async def awaiting(ms: int = 100):
    await asyncio.sleep(ms / 1000)
    return {"route": "/async", "ms": ms}


# def + time.sleep: FastAPI runs a plain def in its thread pool (40 threads), off the loop.
@app.get("/pool")
def pooled(ms: int = 100):
    time.sleep(ms / 1000)
    return {"route": "/pool", "ms": ms}


# def + CPU work, the notes' cpu_intensive: in the thread pool, but under the real GIL.
@app.get("/cpu")
def cpu(n: int = 1_000_000):
    total = sum(math.sqrt(i) for i in range(n))
    return {"route": "/cpu", "n": n, "sum": total}
