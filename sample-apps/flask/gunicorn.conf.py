"""gunicorn settings for the Flask sample app (see ../CONTRACT.md).

Environment: PORT (8080), HOST (127.0.0.1), START_DELAY_MS (0), KEEP_ALIVE_S (60).
"""

import os
import signal
import sys
import time


def _env_int(name, default):
    raw = os.environ.get(name, "")
    if raw == "":
        return default
    if not raw.isdigit():
        raise SystemExit(f"{name} must be a non-negative integer, got {raw!r}")
    return int(raw)


PORT = _env_int("PORT", 8080)
HOST = os.environ.get("HOST") or "127.0.0.1"

bind = [f"{HOST}:{PORT}"]
wsgi_app = "app:app"
worker_class = "gthread"
workers = 1
threads = 8
keepalive = _env_int("KEEP_ALIVE_S", 60)
# How long the arbiter waits for workers to exit once told to stop.
graceful_timeout = 1
timeout = 30
control_socket_disable = True  # --no-control-socket
accesslog = None
errorlog = "-"
loglevel = "warning"
# Generous request-head limits (the contract asks for at least 64 KiB of headers).
limit_request_line = 0  # gunicorn caps "unlimited" at 1 MiB
limit_request_fields = 32768
limit_request_field_size = 65536


def _say(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def on_starting(server):
    # Runs before gunicorn installs its signal handlers and binds: honour SIGTERM
    # during the start delay too.
    def early_term(_sig, _frame):
        _say("SIGTERM received, shutting down")
        os._exit(0)

    signal.signal(signal.SIGTERM, early_term)
    time.sleep(_env_int("START_DELAY_MS", 0) / 1000)

    # The arbiter dispatches queued signals to server.handle_<name>(); replace SIGTERM's.
    # Gunicorn's own handle_term drains workers gracefully, which with gthread takes
    # about a second even when idle; stop them at once instead (SIGQUIT), like the
    # other sample apps, then halt with exit status 0.
    def handle_term():
        _say("SIGTERM received, shutting down")
        server.stop(graceful=False)
        raise StopIteration

    server.handle_term = handle_term


def post_worker_init(worker):
    # The socket is bound and this worker has loaded the app: requests are served now.
    _say(f"ready on {PORT}")
