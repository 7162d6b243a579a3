"""A threaded loopback HTTP server with start/stop, request recording and
failure injection, shared by the fake GitHub API and the webhook receiver."""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

HANG = "hang"


@dataclass
class Recorded:
    """One request as the server saw it (the Authorization header is never kept)."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any                       # parsed JSON, or None
    raw: bytes = b""
    status: int = 0
    response: Any = None            # the JSON the server answered
    injected: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None


@dataclass
class _Injection:
    pattern: re.Pattern[str]
    method: str | None
    outcomes: list[int | str]
    headers: dict[str, str]
    body: Any
    hang: float


class Reply(Exception):
    """Raised by a route to answer with a status, JSON body and headers."""

    def __init__(self, status: int, body: Any = None, headers: dict[str, str] | None = None):
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (timeout test) leaves a broken pipe: not news.
        pass


class LoopbackServer:
    """Base class: subclasses implement `route(rec, authorization) -> (status, body, headers)`."""

    name = "server"

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0) -> None:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("loopback servers bind to 127.0.0.1 only")
        self.host = host
        self.port = port
        self.requests: list[Recorded] = []
        self._lock = threading.RLock()
        self._injections: list[_Injection] = []
        self._stopping = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> LoopbackServer:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            server_version = f"skillsync-dev-{owner.name}"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                owner._handle(self)

            do_POST = do_PATCH = do_PUT = do_DELETE = do_GET

        self._stopping.clear()
        self._httpd = _HTTPServer((self.host, self.port), Handler)
        self.port = int(self._httpd.server_address[1])
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
            name=f"{self.name}-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes any injected hang
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Any:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- failure injection ----------------------------------------------------------
    def inject(
        self,
        path_regex: str,
        outcomes: list[int | str],
        *,
        method: str | None = None,
        headers: dict[str, str] | None = None,
        body: Any = None,
        hang: float = 30.0,
    ) -> None:
        """The next len(outcomes) requests whose path matches `path_regex` (re.search)
        get these answers in turn: an HTTP status, or "hang" (no answer for `hang`
        seconds, then the connection is dropped). Then normal service resumes."""
        with self._lock:
            self._injections.append(_Injection(re.compile(path_regex),
                                               method.upper() if method else None,
                                               list(outcomes), dict(headers or {}), body, hang))

    def clear_injections(self) -> None:
        with self._lock:
            self._injections.clear()

    def _take_injection(self, method: str, path: str) -> tuple[int | str, _Injection] | None:
        with self._lock:
            for inj in self._injections:
                if inj.outcomes and inj.pattern.search(path) and inj.method in (None, method):
                    outcome = inj.outcomes.pop(0)
                    if not inj.outcomes:
                        self._injections.remove(inj)
                    return outcome, inj
        return None

    # -- request handling ---------------------------------------------------------------
    def route(self, rec: Recorded, authorization: str | None) -> tuple[int, Any, dict[str, str]]:
        raise NotImplementedError

    def default_error_body(self, status: int) -> Any:
        return {"message": f"injected HTTP {status}"}

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(h.path)
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        body: Any = None
        bad_json = False
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                bad_json = True
        rec = Recorded(
            method=h.command, path=parts.path, query=parse_qs(parts.query, keep_blank_values=True),
            headers={k: v for k, v in h.headers.items() if k.lower() != "authorization"},
            body=body, raw=raw)
        authorization = h.headers.get("Authorization")
        with self._lock:
            self.requests.append(rec)
        taken = self._take_injection(h.command, parts.path)
        headers: dict[str, str] = {}
        if taken is not None:
            outcome, inj = taken
            rec.injected = True
            if outcome == HANG:
                self._stopping.wait(inj.hang)
                rec.status = 0
                return  # the connection closes without an answer
            status = int(outcome)
            payload = inj.body if inj.body is not None else self.default_error_body(status)
            headers = dict(inj.headers)
        elif bad_json:
            status, payload = 400, {"message": "Problems parsing JSON"}
        else:
            try:
                status, payload, headers = self.route(rec, authorization)
            except Reply as r:
                status, payload, headers = r.status, r.body, r.headers
        rec.status = status
        rec.response = payload
        self._send(h, status, payload, headers)

    @staticmethod
    def _send(h: BaseHTTPRequestHandler, status: int, payload: Any,
              headers: dict[str, str]) -> None:
        if isinstance(payload, bytes | str):
            data = payload.encode() if isinstance(payload, str) else payload
            ctype = "text/plain; charset=utf-8"
        elif payload is None:
            data, ctype = b"", "application/json; charset=utf-8"
        else:
            data = json.dumps(payload).encode()
            ctype = "application/json; charset=utf-8"
        try:
            h.send_response(status)
            h.send_header("Content-Type", ctype)
            h.send_header("Content-Length", str(len(data)))
            for k, v in headers.items():
                h.send_header(k, v)
            h.end_headers()
            if data and h.command != "HEAD":
                h.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
