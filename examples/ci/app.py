"""A small service of your own, guarded in CI by guard-async.toml.

It stands for the app you ship: an async endpoint that waits on I/O (a database, another
service), here 50 ms of `await asyncio.sleep`. As long as it awaits, concurrent requests
overlap; the day someone writes a blocking call into it (`time.sleep`, `requests.get`, a
synchronous driver), the event loop is held for each request in turn and the guard fails.

The app knows nothing of the lab. The guard runs it with the lab's probe loaded (`probe = true`),
so when the guard fails it also says which line of this file held the event loop.
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
