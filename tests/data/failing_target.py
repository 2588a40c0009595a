"""A command target that fails on purpose, for the runner's honesty tests.

    failing_target.py PORT --fail-from-start N --state FILE   answers 500 from its Nth start on
    failing_target.py PORT --die-after K                      exits 7 on its Kth request, unanswered

GET /ready always answers 200, so the runner's readiness check passes; every other path sleeps
20 ms and answers 200 (or 500, or never).
"""
import argparse
import http.server
import os
import pathlib
import threading
import time


def count_start(state: pathlib.Path) -> int:
    """This start's number, kept in a file so that the next start knows it."""
    starts = int(state.read_text()) + 1 if state.exists() else 1
    state.write_text(str(starts))
    return starts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("--fail-from-start", type=int, default=0)
    parser.add_argument("--state", type=pathlib.Path)
    parser.add_argument("--die-after", type=int, default=0)
    args = parser.parse_args()
    failing = args.fail_from_start > 0 and count_start(args.state) >= args.fail_from_start
    seen = 0
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real servers do

        def do_GET(self) -> None:
            nonlocal seen
            if self.path != "/ready":
                with lock:
                    seen += 1
                    if args.die_after and seen >= args.die_after:
                        os._exit(7)  # mid-request: read, never answered
                time.sleep(0.02)
            status = 500 if failing and self.path != "/ready" else 200
            body = b"{}"
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            pass

    http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
