"""Where a stack is, in the app's own terms: the innermost frame of the app's code (not the
standard library, not an installed package, not the probe), and the call it was making there.

A blocking call in C (``time.sleep``, ``sqlite3``'s ``execute``) has no Python frame of its own:
the app's line shows it. One in a library written in Python (``requests.get``, psycopg's
``execute``) does: it is named as the call, and the line that made it is still the app's.
"""

from __future__ import annotations

import itertools
import linecache
import os
import sysconfig
from dataclasses import dataclass
from types import FrameType

_NOT_APP = tuple(
    os.path.realpath(p) + os.sep
    for p in {sysconfig.get_paths().get("stdlib", ""), sysconfig.get_paths().get("platstdlib", "")}
    if p
) + (os.path.dirname(os.path.realpath(__file__)) + os.sep,)


@dataclass(frozen=True)
class Location:
    file: str
    line: int
    function: str
    code: str  # the source line, stripped
    call: str  # the library function the line was in, e.g. "requests.api.get"; "" for C or none
    in_app: bool = True  # False: no frame of the app's was on the stack (the innermost is named)


def is_app_file(filename: str) -> bool:
    if not filename or filename.startswith("<"):
        return False
    if "site-packages" in filename or "dist-packages" in filename:
        return False
    return not os.path.realpath(filename).startswith(_NOT_APP)


def _named(frame: FrameType) -> str:
    module = frame.f_globals.get("__name__", "?")
    return f"{module}.{getattr(frame.f_code, 'co_qualname', frame.f_code.co_name)}"


MAX_CODE = 120  # characters of source kept for a place


def _expression(frame: FrameType) -> str:
    """The source of the instruction the frame is at (Python 3.11's positions): the call itself,
    ``time.sleep(0.05)``, across lines if it spans them; the line alone where positions are missing."""
    filename, line = frame.f_code.co_filename, frame.f_lineno
    try:
        start, end, col, end_col = next(itertools.islice(frame.f_code.co_positions(), frame.f_lasti // 2, None))
        if start and end and col is not None and end_col is not None:
            lines = [linecache.getline(filename, n) for n in range(start, end + 1)]
            if len(lines) == 1:
                text = lines[0].encode()[col:end_col].decode(errors="replace")
            else:
                text = lines[0].encode()[col:].decode(errors="replace") + "".join(lines[1:-1]) + \
                    lines[-1].encode()[:end_col].decode(errors="replace")
            text = " ".join(text.split())
            if text:
                return text if len(text) <= MAX_CODE else text[: MAX_CODE - 1] + "…"
    except (AttributeError, StopIteration, ValueError):
        pass
    return linecache.getline(filename, line).strip()[:MAX_CODE]


def _at(frame: FrameType, call: str, in_app: bool) -> Location:
    return Location(frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name, _expression(frame), call, in_app)


def locate(frame: FrameType | None) -> Location | None:
    """The innermost app frame of the stack that `frame` tops, or the innermost frame when none is."""
    innermost = frame
    callee: FrameType | None = None
    while frame is not None:
        if is_app_file(frame.f_code.co_filename):
            return _at(frame, _named(callee) if callee is not None else "", True)
        callee = frame
        frame = frame.f_back
    return _at(innermost, "", False) if innermost is not None else None
