"""The notes' advice on HTTP calls, on real clients: one endpoint per way of calling a downstream.

Run by the lab as a command target, with a slow downstream as its service
(scenarios/http-calls.toml):
    DOWNSTREAM_URL=http://127.0.0.1:PORT /usr/bin/python3 -m uvicorn http_app:app --port PORT
Each endpoint asks the downstream for GET /async?ms=T (the notes' own app, which answers after
T ms without holding anything): the client library decides what this server does meanwhile.
Debian 12's python3-fastapi, python3-uvicorn and python3-httpx are enough.
"""

import os
import urllib.request

import httpx
from fastapi import FastAPI

DOWNSTREAM_URL = os.environ["DOWNSTREAM_URL"]
app = FastAPI()
client = None  # one httpx.AsyncClient for the app's life: its connections are kept alive


@app.on_event("startup")
async def open_client():
    global client
    client = httpx.AsyncClient(base_url=DOWNSTREAM_URL, limits=httpx.Limits(max_connections=100))


@app.on_event("shutdown")
async def close_client():
    await client.aclose()


@app.get("/health")
async def health():
    return {"status": "ok"}


# async def + a blocking client (urllib, as requests would): the call holds the event loop.
@app.get("/http/blocking")
async def http_blocking(ms: int = 100):
    with urllib.request.urlopen(f"{DOWNSTREAM_URL}/async?ms={ms}") as answer:
        answer.read()
    return {"route": "/http/blocking", "ms": ms}


# def + the same blocking client: FastAPI runs it in its thread pool, off the loop.
@app.get("/http/def")
def http_def(ms: int = 100):
    with urllib.request.urlopen(f"{DOWNSTREAM_URL}/async?ms={ms}") as answer:
        answer.read()
    return {"route": "/http/def", "ms": ms}


# async def + an async client (httpx.AsyncClient): the loop serves others while it waits.
@app.get("/http/async")
async def http_async(ms: int = 100):
    answer = await client.get(f"/async?ms={ms}")
    answer.raise_for_status()
    return {"route": "/http/async", "ms": ms}
