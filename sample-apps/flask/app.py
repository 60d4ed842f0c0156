"""Flask sample app. Implements ../CONTRACT.md exactly; keep the three apps in step.

Served by gunicorn's gthread worker (see run.sh and gunicorn.conf.py), never by
Werkzeug's development server, which closes every connection.
"""

import base64
import gzip
import json
import re
import time

from flask import Flask, Response, request
from werkzeug.routing import BaseConverter, Rule

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
# mtime=0 keeps the compressed bytes stable between runs.
GZIP_BODY = gzip.compress(b"hello gzip\n" * 20, mtime=0)
NO_BODY_STATUS = frozenset((204, 205, 304))
DIGITS = re.compile(r"[0-9]{1,9}")


class AnyPathConverter(BaseConverter):
    """Matches the rest of the path, empty and repeated slashes included."""

    regex = ".*"
    part_isolating = False


ABSOLUTE_FORM = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*")


def raw_target(environ):
    """The request target as it arrived (of an absolute-form target, "http://host/p?q",
    the path and query only, as Tomcat reports them)."""
    return ABSOLUTE_FORM.sub("", environ.get("RAW_URI", ""), count=1)


class RawPathRouting:
    """WSGI middleware: route on the raw path as it arrived, like the other sample apps.

    gunicorn puts the percent-decoded path in PATH_INFO; the raw one is in RAW_URI.
    Werkzeug also strips leading slashes before matching, so a raw path starting with
    "//" (which no route of the contract matches) is given one that cannot match either.
    """

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        raw_path = raw_target(environ).partition("?")[0]
        if raw_path == "":  # "http://host" with no path: the root, as for the others
            raw_path = "/"
        elif raw_path.startswith("//"):
            raw_path = "/%2F" + raw_path[2:]
        environ["PATH_INFO"] = raw_path
        return self.wsgi_app(environ, start_response)


app = Flask(__name__)
app.wsgi_app = RawPathRouting(app.wsgi_app)
app.url_map.converters["anypath"] = AnyPathConverter
app.url_map.merge_slashes = False  # no 308 redirects for "//"


def send(status, content_type, body=b""):
    """Every response goes through here: exact content-type, exact body, nothing added."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    if status in NO_BODY_STATUS:
        body = b""
    resp = Response(body, status=status)
    # Werkzeug always sets a default content-type: replace or drop it.
    del resp.headers["Content-Type"]
    if content_type is not None:
        resp.headers["Content-Type"] = content_type
    if status in NO_BODY_STATUS:
        del resp.headers["Content-Length"]
    return resp


def bad_request():
    return send(400, "text/plain", "bad request")


def split_target():
    """Raw path and raw query exactly as they arrived on the wire."""
    path, sep, query = raw_target(request.environ).partition("?")
    return path, query


def query_param(name):
    """First occurrence of name in the raw query; None when absent."""
    query = split_target()[1]
    if query == "":
        return None
    for part in query.split("&"):
        key, sep, value = part.partition("=")
        if key == name:
            return value
    return None


def int_param(name, default, maximum):
    """Integer query parameter in [0, maximum]; default when absent (None: required).

    Returns None when the value is missing-and-required or invalid.
    """
    raw = query_param(name)
    if raw is None:
        return default
    if not DIGITS.fullmatch(raw):
        return None
    n = int(raw)
    return n if n <= maximum else None


def get_route(path):
    """GET (and so HEAD) only; no automatic OPTIONS answer."""
    return app.route(path, methods=["GET"], provide_automatic_options=False)


@get_route("/")
def root():
    return send(200, "text/plain", "ok")


def echo(rest=None):
    path, query = split_target()
    headers = []
    # WSGI gives no raw header list: rebuild it from the environ, which gunicorn
    # fills in arrival order (repeated headers already joined with ",").
    for key, value in request.environ.items():
        if key.startswith("HTTP_"):
            headers.append([key[5:].replace("_", "-").lower(), value])
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            headers.append([key.replace("_", "-").lower(), value])
    body = request.get_data(cache=False)
    doc = {
        "method": request.method,
        "path": path,
        "query": query,
        "headers": headers,
        "body": base64.b64encode(body).decode("ascii"),
    }
    return send(200, "application/json", json.dumps(doc, ensure_ascii=False, separators=(",", ":")))


# ANY method: rules added without a method list match every method.
app.url_map.add(Rule("/echo", endpoint="echo"))
app.url_map.add(Rule("/echo/<anypath:rest>", endpoint="echo"))
app.view_functions["echo"] = echo


@get_route("/status/<code>")
def status(code):
    if not re.fullmatch(r"[0-9]{3}", code) or not 200 <= int(code) <= 599:
        return bad_request()
    code = int(code)
    return send(code, None if code in NO_BODY_STATUS else "text/plain", f"status {code}")


@get_route("/binary")
def binary():
    return send(200, "image/png", PNG)


@get_route("/cookies")
def cookies():
    resp = send(200, "application/json", '{"cookies":3}')
    resp.headers.add("Set-Cookie", "a=1; Path=/")
    resp.headers.add("Set-Cookie", "b=2; Path=/; HttpOnly")
    resp.headers.add("Set-Cookie", "c=3; Path=/; Secure; SameSite=Strict")
    return resp


@get_route("/headers/multi")
def headers_multi():
    resp = send(200, "text/plain", "multi")
    resp.headers.add("x-multi", "one")
    resp.headers.add("x-multi", "two")
    return resp


@get_route("/big")
def big():
    kb = int_param("kb", None, 262144)
    if kb is None:
        return bad_request()
    block = b"a" * 1024

    def generate():
        for _ in range(kb // 64):
            yield block * 64
        if kb % 64:
            yield block * (kb % 64)

    resp = Response(generate(), status=200)
    del resp.headers["Content-Type"]
    resp.headers["Content-Type"] = "text/plain"
    resp.headers["Content-Length"] = str(kb * 1024)
    return resp


@get_route("/stream")
def stream():
    chunks = int_param("chunks", 5, 100000)
    delay_ms = int_param("delay_ms", 100, 60000)
    if chunks is None or delay_ms is None:
        return bad_request()

    def generate():
        # gunicorn writes every yielded piece to the socket as one chunk at once.
        for i in range(chunks):
            if i:
                time.sleep(delay_ms / 1000)
            yield f"data: {i}\n\n".encode("ascii")

    resp = Response(generate(), status=200)
    del resp.headers["Content-Type"]
    resp.headers["Content-Type"] = "text/event-stream"
    return resp


@get_route("/redirect")
def redirect():
    resp = send(302, None, b"")
    resp.headers["Location"] = "/echo/redirected"
    return resp


@get_route("/empty")
def empty():
    return send(204, None)


@get_route("/gzip")
def gzipped():
    resp = send(200, "text/plain", GZIP_BODY)
    resp.headers["Content-Encoding"] = "gzip"
    return resp


@app.route("/events", methods=["POST"], provide_automatic_options=False)
def events():
    return send(200, "application/json", request.get_data(cache=False))


@get_route("/slow")
def slow():
    ms = int_param("ms", None, 900000)
    if ms is None:
        return bad_request()
    time.sleep(ms / 1000)
    return send(200, "text/plain", f"slept {ms}")


def context_header(environ_key):
    value = request.environ.get(environ_key)
    if value is None:
        return None
    try:
        return json.loads(value)
    except ValueError:
        return value


@get_route("/context")
def context():
    doc = {
        "request_context": context_header("HTTP_X_AMZN_REQUEST_CONTEXT"),
        "lambda_context": context_header("HTTP_X_AMZN_LAMBDA_CONTEXT"),
    }
    return send(200, "application/json", json.dumps(doc, ensure_ascii=False, separators=(",", ":")))


# Anything else is 404, including a known path with another method (no 405).
@app.errorhandler(404)
@app.errorhandler(405)
def not_found(_err):
    return send(404, "text/plain", "not found")


@app.errorhandler(500)
def internal_error(_err):
    return send(500, "text/plain", "internal error")
