"""A test app for the probe: each way a handler can hold, or not hold, the event loop."""

import asyncio
import sqlite3
import time

from fastapi import FastAPI

app = FastAPI()


def load_order(order_id: int) -> dict:
    time.sleep(0.05)  # the blocking call, two functions below the handler
    return {"id": order_id}


def fetch_order(order_id: int) -> dict:
    return load_order(order_id)


@app.get("/blocking")
async def blocking():
    return fetch_order(7)


@app.get("/async")
async def awaiting():
    await asyncio.sleep(0.05)
    return {"ok": True}


@app.get("/pool")
def pooled():
    time.sleep(0.05)
    return {"ok": True}


def slow_query() -> int:
    db = sqlite3.connect(":memory:")
    # A recursive count in C: sqlite3 holds the loop thread with no Python frame of its own.
    return db.execute(
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000000) SELECT count(*) FROM c"
    ).fetchone()[0]


@app.get("/sqlite")
async def in_sqlite():
    return {"rows": slow_query()}


@app.get("/health")
async def health():
    return {"status": "ok"}
