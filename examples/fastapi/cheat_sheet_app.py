"""The notes' cheat sheet in one app: the endpoints of app.py, db_app.py and http_app.py together.

Run by the lab as the target of scenarios/cheat-sheet.toml, with a throwaway PostgreSQL and a
slow downstream as its services:
    DATABASE_URL=postgresql://... DOWNSTREAM_URL=http://127.0.0.1:PORT \\
        /usr/bin/python3 -m uvicorn cheat_sheet_app:app --port PORT
One process, so every row of the sheet is measured on the same server. Each module stays the
app it is on its own; their routers are included here, startup and shutdown handlers with them.
"""

from fastapi import FastAPI

import app as sleeps
import db_app
import http_app

app = FastAPI()
for part in (sleeps, db_app, http_app):
    # FastAPI's include_router copies the routes and the startup/shutdown handlers; /health is in
    # all three, and the first one answers.
    app.include_router(part.app.router)
