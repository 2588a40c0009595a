"""``python3 -m concurrency_lab_probe COMMAND [ARGS…]``: runs COMMAND with the probe loaded, as
``opentelemetry-instrument`` does: the bootstrap folder and this package's parent go first on
PYTHONPATH, so every Python process COMMAND starts (uvicorn's workers too) loads it.

    python3 -m concurrency_lab_probe uvicorn app:app --workers 2
"""

import os
import shutil
import sys


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if argv else 2
    here = os.path.dirname(os.path.abspath(__file__))
    paths = [os.path.join(here, "bootstrap"), os.path.dirname(here)]
    if os.environ.get("PYTHONPATH"):
        paths.append(os.environ["PYTHONPATH"])
    os.environ["PYTHONPATH"] = os.pathsep.join(paths)
    program = shutil.which(argv[0])
    if program is None:
        print(f"concurrency_lab_probe: no such command: {argv[0]}", file=sys.stderr)
        return 127
    os.execv(program, argv)
    return 126  # not reached: execv replaces this process


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
