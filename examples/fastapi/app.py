"""The teaching notes' FastAPI app, for real: one endpoint per way of writing a handler.

Run by the lab as a command target (scenarios/fastapi-experiment-log.toml):
    /usr/bin/python3 -m uvicorn app:app --port PORT
Debian 12's python3-fastapi and python3-uvicorn are enough.

Every answer carries the lab's fields protocol (docs/targets.md): the process and the kernel
thread that ran the handler, and when it started and ended on CLOCK_MONOTONIC, which Python's
time.monotonic_ns() reads on Linux. With them the lab draws this server's lanes beside its own.
"""

import asyncio
import math
import os
import threading
import time

from fastapi import FastAPI

app = FastAPI()


def fields(route: str, start_ns: int, **extra) -> dict:
    return {
        "route": route,
        "pid": os.getpid(),
        "thread": threading.get_native_id(),
        "start_ns": start_ns,
        "end_ns": time.monotonic_ns(),
        **extra,
    }


@app.get("/health")
async def health():
    now = time.monotonic_ns()
    return fields("/health", now, status="ok")


# async def + time.sleep: the sleep holds the event loop, so requests are served one by one.
@app.get("/blocking")
async def blocking(ms: int = 100):
    start = time.monotonic_ns()
    time.sleep(ms / 1000)
    return fields("/blocking", start, ms=ms)


# async def + await asyncio.sleep: the loop runs other requests while this one waits.
@app.get("/async")
async def awaiting(ms: int = 100):
    start = time.monotonic_ns()
    await asyncio.sleep(ms / 1000)
    return fields("/async", start, ms=ms)


# def + time.sleep: FastAPI runs a plain def in its thread pool (40 threads), off the loop.
@app.get("/pool")
def pooled(ms: int = 100):
    start = time.monotonic_ns()
    time.sleep(ms / 1000)
    return fields("/pool", start, ms=ms)


# def + CPU work, the notes' cpu_intensive: in the thread pool, but under the real GIL.
@app.get("/cpu")
def cpu(n: int = 1_000_000):
    start = time.monotonic_ns()
    total = sum(math.sqrt(i) for i in range(n))
    return fields("/cpu", start, n=n, sum=total)
