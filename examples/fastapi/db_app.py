"""The notes' database advice, on real drivers: one endpoint per way of calling PostgreSQL.

Run by the lab as a command target, with a throwaway PostgreSQL cluster as its service
(scenarios/db-drivers.toml, scenarios/db-pool.toml):
    DATABASE_URL=postgresql://... /usr/bin/python3 -m uvicorn db_app:app --port PORT
Debian 12's python3-fastapi, python3-uvicorn, python3-psycopg, python3-asyncpg and
python3-sqlalchemy are enough. Every query is `SELECT pg_sleep(t)`: the database holds each
request for t, as a slow query would, and the driver decides what the server does meanwhile.
"""

import os

import asyncpg
import psycopg
from fastapi import FastAPI, HTTPException
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.pool import QueuePool

DATABASE_URL = os.environ["DATABASE_URL"]
app = FastAPI()


def connect():
    return psycopg.connect(DATABASE_URL, autocommit=True)


# The sync driver's connections for the first two endpoints: SQLAlchemy's QueuePool, sized to
# FastAPI's 40 pool threads so that the driver, not the pool, is what each endpoint shows.
roomy = QueuePool(connect, pool_size=40, max_overflow=0)
# SQLAlchemy's default pool, as create_engine makes it: 5 connections and 10 of overflow. One
# per pool_timeout asked for (the default is SQLAlchemy's own 30 s).
default_pools = {}
# The async driver's pool, made on the loop at startup.
async_pool = None


@app.on_event("startup")
async def open_pools():
    global async_pool
    async_pool = await asyncpg.create_pool(DATABASE_URL, min_size=40, max_size=40)
    # Connections made now, not in the first request's time: a backend is a fork of postgres.
    held = [roomy.connect() for _ in range(40)]
    for connection in held:
        connection.close()


@app.on_event("shutdown")
async def close_pools():
    await async_pool.close()


@app.get("/health")
async def health():
    return {"status": "ok"}


# async def + a sync driver: the query holds the event loop; requests are served one by one.
@app.get("/db/blocking")
async def db_blocking(ms: int = 100):
    connection = roomy.connect()
    try:
        connection.cursor().execute("SELECT pg_sleep(%s)", (ms / 1000,))
    finally:
        connection.close()
    return {"route": "/db/blocking", "ms": ms}


# def + a sync driver: FastAPI runs it in its thread pool (40 threads), off the loop.
@app.get("/db/def")
def db_def(ms: int = 100):
    connection = roomy.connect()
    try:
        connection.cursor().execute("SELECT pg_sleep(%s)", (ms / 1000,))
    finally:
        connection.close()
    return {"route": "/db/def", "ms": ms}


# async def + an async driver (asyncpg): the loop serves others while the query runs.
@app.get("/db/async")
async def db_async(ms: int = 100):
    async with async_pool.acquire() as connection:
        await connection.execute("SELECT pg_sleep($1)", ms / 1000)
    return {"route": "/db/async", "ms": ms}


# def + SQLAlchemy's default pool (5 + 10 overflow): at most 15 queries at once, whatever the 40
# threads; a request that waits longer than pool_timeout for a connection gets the pool's error.
@app.get("/db/pool")
def db_pool(ms: int = 100, pool_timeout: float = 30.0):
    pool = default_pools.setdefault(pool_timeout, QueuePool(connect, pool_size=5, max_overflow=10, timeout=pool_timeout))
    try:
        connection = pool.connect()
    except PoolTimeout as error:
        # The driver's own words, for the lab to count and show.
        raise HTTPException(status_code=503, detail=str(error).split(" (Background")[0])
    try:
        connection.cursor().execute("SELECT pg_sleep(%s)", (ms / 1000,))
    finally:
        connection.close()
    return {"route": "/db/pool", "ms": ms}
