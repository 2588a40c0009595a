"""Put on PYTHONPATH by concurrency-lab for a command target with ``probe = true`` (or by
``python3 -m concurrency_lab_probe``): Python imports it at start-up, before the app, and it
arranges for the app uvicorn loads to be probed. A sitecustomize that was there before still runs."""

import importlib.util
import os
import sys


def _chain_previous() -> None:
    """Runs the sitecustomize this one shadows, if any, as Python would have."""
    here = os.path.dirname(os.path.abspath(__file__))
    for entry in sys.path:
        if os.path.abspath(entry or ".") == here:
            continue
        candidate = os.path.join(entry or ".", "sitecustomize.py")
        if os.path.isfile(candidate):
            spec = importlib.util.spec_from_file_location("_previous_sitecustomize", candidate)
            if spec and spec.loader:
                spec.loader.exec_module(importlib.util.module_from_spec(spec))
            return


try:
    from concurrency_lab_probe import autoload

    autoload.install()
except Exception as error:  # noqa: BLE001 — an app that cannot be probed still runs
    print(f"concurrency-lab probe: not loaded: {error}", file=sys.stderr)
try:
    _chain_previous()
except Exception as error:  # noqa: BLE001
    print(f"concurrency-lab probe: the previous sitecustomize failed: {error}", file=sys.stderr)
