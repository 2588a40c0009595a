"""Zero-change loading: once ``uvicorn.config`` is imported (by ``uvicorn``, ``uvicorn --workers``'
spawned workers, or gunicorn's UvicornWorker), its ``Config.load`` is wrapped so the app it loads
comes out wrapped in the probe. The hook waits for the import instead of importing uvicorn itself,
so a Python process that never serves pays nothing."""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from types import ModuleType
from typing import Callable

TARGET = "uvicorn.config"


def patch_config(module: ModuleType) -> None:
    from .middleware import wrap

    config = getattr(module, "Config", None)
    if config is None or getattr(config.load, "probed_by_concurrency_lab", False):
        return
    original = config.load

    def load(self: object) -> None:
        original(self)
        try:
            self.loaded_app = wrap(self.loaded_app)  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 — the app runs unprobed rather than not at all
            from . import process

            process.count_error()

    load.probed_by_concurrency_lab = True  # type: ignore[attr-defined]
    config.load = load


class _AfterImport(importlib.abc.MetaPathFinder):
    """Finds nothing itself: lends `name`'s real loader a hook that runs once the module exists."""

    def __init__(self, name: str, then: Callable[[ModuleType], None]) -> None:
        self.name = name
        self.then = then

    def find_spec(self, fullname, path, target=None):  # type: ignore[no-untyped-def]
        if fullname != self.name:
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return spec
        loader = spec.loader
        exec_module = loader.exec_module
        then = self.then

        def exec_and_patch(module: ModuleType) -> None:
            exec_module(module)
            then(module)

        loader.exec_module = exec_and_patch  # type: ignore[method-assign]
        return spec


def install() -> None:
    if TARGET in sys.modules:
        patch_config(sys.modules[TARGET])
    else:
        sys.meta_path.insert(0, _AfterImport(TARGET, patch_config))
