"""A server that writes down exactly what it was sent, for the load client's tests.

Each request becomes one JSON line in the log (method, target, header lines in order, the
body's bytes in base64), and is answered 200 with a small body, kept alive. Standard library
only. Listens on 127.0.0.1:--port, or on a unix socket with --unix PATH.
"""
import argparse
import base64
import http.server
import json
import os
import socketserver


class EchoHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the lab's client expects of a server

    def _take(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length) if length else b""
        entry = {
            "method": self.command,
            "target": self.path,
            "headers": [[name, value] for name, value in self.headers.items()],
            "body": base64.b64encode(body).decode(),
        }
        # One write per request, so concurrent handlers never interleave a line.
        with open(self.server.log_path, "a", encoding="utf-8") as log:
            log.write(json.dumps(entry) + "\n")
        answer = b'{"echoed": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(answer)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _take

    def log_message(self, *args):  # stderr stays the lab's
        pass

    def address_string(self):  # a unix socket's peer has no address
        return "local"


class TcpServer(http.server.ThreadingHTTPServer):
    daemon_threads = True


class UnixServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int)
    parser.add_argument("--unix")
    parser.add_argument("--log", required=True)
    args = parser.parse_args()
    if args.unix:
        server = UnixServer(args.unix, EchoHandler)
    else:
        server = TcpServer(("127.0.0.1", args.port), EchoHandler)
    server.log_path = args.log
    try:
        server.serve_forever()
    finally:
        if args.unix and os.path.exists(args.unix):
            os.unlink(args.unix)


if __name__ == "__main__":
    main()
