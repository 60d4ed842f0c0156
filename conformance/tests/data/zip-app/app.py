"""A tiny web app for the zip-package test: GET / answers "ok" (the readiness check),
any method on /echo... answers JSON of what arrived and of the process it runs in."""

import json
import os
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the adapter's pooled client expects

    def answer(self):
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace")
        if self.path == "/":
            payload, kind = b"ok", "text/plain"
        elif self.path.startswith("/echo"):
            payload = json.dumps(
                {
                    "method": self.command,
                    "path": self.path,
                    "headers": dict(self.headers.items()),
                    "body": body,
                    "pid": os.getpid(),
                    "argv": sys.argv,
                    "cwd": os.getcwd(),
                }
            ).encode()
            kind = "application/json"
        else:
            payload, kind = b"not found", "text/plain"
        self.send_response(200 if payload != b"not found" else 404)
        self.send_header("content-type", kind)
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_DELETE = answer

    def log_message(self, *args):
        pass


def on_sigterm(*_):
    print("SIGTERM received, shutting down", flush=True)
    os._exit(0)


signal.signal(signal.SIGTERM, on_sigterm)
port = int(os.environ.get("PORT", "8080"))
server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
print(f"zip-app listening on {port}", flush=True)
server.serve_forever()
