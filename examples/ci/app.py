"""A small service of your own, guarded in CI by guard-async.toml.

It stands for the app you ship: an async endpoint that waits on I/O (a database, another
service), here 50 ms of `await asyncio.sleep`. As long as it awaits, concurrent requests
overlap; the day someone writes a blocking call into it (`time.sleep`, `requests.get`, a
synchronous driver), the event loop is held for each request in turn and the guard fails.

The lab does not need anything from the app but its HTTP answers: no fields protocol here,
so the report shows client-side figures only.
"""

import asyncio

from fastapi import FastAPI

app = FastAPI()


@app.get("/health")
async def health():
    return {"status": "ok"}


async def fetch_order(order_id: int) -> dict:
    await asyncio.sleep(0.05)  # the database round trip
    return {"id": order_id, "status": "shipped"}


@app.get("/orders/{order_id}")
async def order(order_id: int):
    return await fetch_order(order_id)
