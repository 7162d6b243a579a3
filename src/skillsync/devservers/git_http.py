"""A git smart-HTTP server on 127.0.0.1: `git http-backend` (CGI) behind a small
threaded HTTP server, for tests and benchmarks that need clones and pushes to go
through a real transport, as they do to a forge.

    with GitHttpServer(root, token="t") as srv:
        url = srv.url_for("acme.git")     # http://127.0.0.1:PORT/acme.git
        ...                               # srv.requests: what git asked for

It serves every bare repository under `root` with push enabled, and lets
upload-pack serve partial (`--filter=blob:none`) and by-SHA fetches the way
GitHub does. With `token`, every request must carry
`Authorization: Basic base64(x-access-token:<token>)` (what `skillsync.git.auth_env`
sends through http.extraHeader) or is answered 401: a test can then prove the
token reached git through the header and nowhere else. The Authorization header
is checked and dropped: it is never logged and never passed to the CGI.
With `authorize(token, repo, write) -> status` (e.g. FakeGitHub.git_access), a
token other than `token` is accepted when the callback answers 200 for that
repository and direction (push = write), and refused with the status it gives
(401, 403, 404), as GitHub treats an App's installation tokens.

HTTP/1.1 with keep-alive and chunked responses, so git's connection reuse works;
chunked request bodies (pushes larger than http.postBuffer) are streamed to the
CGI. The request log is bounded; `stop()` ends in-flight CGI children. `latency`
delays every answer and `bandwidth` caps the bytes per second of all answers together,
to emulate a forge's round trip and a runner's link on loopback.
"""

from __future__ import annotations

import base64
import collections
import contextlib
import hmac
import io
import os
import socket
import subprocess
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO, Any, cast
from urllib.parse import unquote, urlsplit

# Server-side git configuration for every CGI call (no user or system config).
_SERVE_CONFIG = (
    ("http.receivepack", "true"),          # push without REMOTE_USER
    ("http.uploadpack", "true"),
    ("uploadpack.allowFilter", "true"),    # blob-less partial clones, as on GitHub
    ("uploadpack.allowAnySHA1InWant", "true"),
    ("receive.advertisePushOptions", "true"),
)
_CHUNK = 64 * 1024
_PEEK = 8 * 1024                # request-body bytes kept to see what git asked for
_CGI_TIMEOUT = 300.0            # one CGI call, like skillsync.git's default timeout
_IDLE_TIMEOUT = 30.0            # an idle keep-alive connection is closed after this


@dataclass
class GitRequest:
    """One HTTP request as the server saw it (never the Authorization header)."""

    method: str
    path: str                   # URL path, e.g. /acme.git/git-upload-pack
    query: str
    repo: str                   # repository name under root ("" if none matched)
    service: str                # git-upload-pack | git-receive-pack | "" (dumb / other)
    command: str                # v2 command (ls-refs, fetch), "advertise", "push", "fetch-v0"
    status: int = 0
    authorized: bool = False    # the request carried the expected token
    bytes_in: int = 0
    bytes_out: int = 0
    seconds: float = 0.0
    args: list[str] = field(default_factory=list)   # e.g. ["deepen 1", "filter blob:none"]
    error: str = ""             # tail of the CGI's stderr when it failed


def basic_header(token: str) -> str:
    """The Authorization value a client must send for `token` (as auth_env builds it)."""
    return "Basic " + base64.b64encode(f"x-access-token:{token}".encode()).decode()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128    # a fleet of parallel clients connects at once

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hung up mid-response is not the server's problem


class GitHttpServer:
    """Serves the bare repositories under `root` over git smart HTTP on loopback."""

    def __init__(self, root: str | os.PathLike[str], *, token: str | None = None,
                 host: str = "127.0.0.1", port: int = 0, max_log: int = 10_000,
                 latency: float = 0.0, bandwidth: float = 0.0,
                 authorize: Callable[[str | None, str, bool], int] | None = None) -> None:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("loopback servers bind to 127.0.0.1 only")
        self.root = Path(root).resolve()
        self.host = host
        self.port = port
        self._expected = basic_header(token) if token else None
        self.authorize = authorize
        self._requests: collections.deque[GitRequest] = collections.deque(maxlen=max_log)
        self._served = 0            # requests answered since start (the log may have dropped some)
        self._lock = threading.Lock()
        # A handler records its request after the last byte of the answer has gone out,
        # so a client can finish before the record exists: readers wait for the
        # handlers in flight (bounded) instead of racing them.
        self._in_flight = 0
        self._settled = threading.Condition(self._lock)
        self._children: set[subprocess.Popen[bytes]] = set()
        self._sockets: set[socket.socket] = set()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None
        self._backend = _http_backend()
        # Seconds added before each answer: a forge's round trip, which loopback lacks
        # (a sequential client pays it once per request; parallel ones overlap it).
        self.latency = latency
        # Bytes per second shared by every answer (0: unlimited), like a runner's one link
        # to its forge: loopback moves a 100 MB clone as fast as git can pack it.
        self.bandwidth = bandwidth
        self._link_free = 0.0       # monotonic time the shared link is next idle
        self._stopping = threading.Event()

    # -- lifecycle ---------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url_for(self, name: str) -> str:
        """Clone URL of the repository `root/name` (e.g. "acme.git")."""
        return f"{self.url}/{name.strip('/')}"

    def start(self) -> GitHttpServer:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            server_version = "skillsync-dev-git"
            timeout = _IDLE_TIMEOUT
            # Chunked answers go out in several small writes: Nagle plus delayed ACK
            # would add ~40 ms to each, more than the git work itself.
            disable_nagle_algorithm = True

            def setup(self) -> None:
                super().setup()
                with owner._lock:
                    owner._sockets.add(self.connection)

            def finish(self) -> None:
                with owner._lock:
                    owner._sockets.discard(self.connection)
                with contextlib.suppress(OSError):
                    super().finish()

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                owner._handle(self)

            do_POST = do_GET

        self._stopping.clear()
        self._httpd = _Server((self.host, self.port), Handler)
        self.port = int(self._httpd.server_address[1])
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        kwargs={"poll_interval": 0.05},
                                        name=f"git-http-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop accepting, end in-flight CGI children, close open connections."""
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        with self._lock:
            children = list(self._children)
            sockets = list(self._sockets)
        for proc in children:
            if proc.poll() is None:
                proc.terminate()
        for proc in children:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> GitHttpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def clear(self) -> None:
        with self._lock:
            self._requests.clear()
            self._served = 0

    def _settle(self, timeout: float = 10.0) -> None:
        with self._settled:
            self._settled.wait_for(lambda: self._in_flight == 0, timeout)

    @property
    def requests(self) -> collections.deque[GitRequest]:
        """What git asked for, once every request in flight has been recorded."""
        self._settle()
        return self._requests

    @property
    def served(self) -> int:
        """Requests answered since start (the log may have dropped some)."""
        self._settle()
        return self._served

    # -- request handling ------------------------------------------------------------------
    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self._in_flight += 1
        try:
            self._handle_one(h)
        finally:
            with self._settled:
                self._in_flight -= 1
                self._settled.notify_all()

    def _handle_one(self, h: BaseHTTPRequestHandler) -> None:
        started = time.monotonic()
        parts = urlsplit(h.path)
        path = unquote(parts.path)
        service = _service(path, parts.query)
        rec = GitRequest(h.command, path, parts.query, _repo_name(path), service,
                         "advertise" if path.endswith("/info/refs") else "")
        given = h.headers.get("Authorization")
        refused = 401
        rec.authorized = (self._expected is None and self.authorize is None) or (
            given is not None and self._expected is not None
            and hmac.compare_digest(given.encode(), self._expected.encode()))
        if not rec.authorized and self.authorize is not None:
            refused = self.authorize(_basic_token(given), rec.repo,
                                     service == "git-receive-pack")
            rec.authorized = refused == 200
        if self.latency:
            self._stopping.wait(self.latency)
        try:
            if not rec.authorized and refused in (403, 404):
                self._drain(h)
                body = (f"Permission to {rec.repo.removesuffix('.git')}.git denied to "
                        "skillsync[bot].\n" if refused == 403 else "Repository not found.\n")
                self._reply(h, refused, body.encode())
                rec.status = refused
            elif not rec.authorized:
                self._drain(h)
                self._reply(h, 401, b"authentication required\n",
                            {"WWW-Authenticate": 'Basic realm="skillsync-dev-git"'})
                rec.status = 401
            elif ".." in path.split("/") or not rec.repo:
                self._drain(h)
                self._reply(h, 404, b"not found\n")
                rec.status = 404
            else:
                self._cgi(h, rec, path, parts.query)
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            h.close_connection = True
        finally:
            rec.seconds = round(time.monotonic() - started, 6)
            with self._lock:
                self._requests.append(rec)
                self._served += 1

    @staticmethod
    def _reply(h: BaseHTTPRequestHandler, status: int, body: bytes,
               headers: dict[str, str] | None = None) -> None:
        h.send_response(status)
        h.send_header("Content-Type", "text/plain; charset=utf-8")
        h.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.end_headers()
        h.wfile.write(body)

    @staticmethod
    def _body_chunks(h: BaseHTTPRequestHandler) -> Any:
        """The request body as it arrives (Content-Length or chunked)."""
        if "chunked" in (h.headers.get("Transfer-Encoding") or "").lower():
            while True:
                line = h.rfile.readline(1024)
                size = int(line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while h.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return
                data = h.rfile.read(size)
                h.rfile.readline(8)  # CRLF after the chunk
                yield data
        else:
            left = int(h.headers.get("Content-Length") or 0)
            while left > 0:
                data = h.rfile.read(min(_CHUNK, left))
                if not data:
                    return
                left -= len(data)
                yield data

    def _drain(self, h: BaseHTTPRequestHandler) -> None:
        for _ in self._body_chunks(h):
            pass

    def _cgi(self, h: BaseHTTPRequestHandler, rec: GitRequest, path: str, query: str) -> None:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "GIT_PROJECT_ROOT": str(self.root),
            "GIT_HTTP_EXPORT_ALL": "1",
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "HOME": str(self.root),
            "REQUEST_METHOD": h.command,
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "REMOTE_ADDR": str(h.client_address[0]),
            "SERVER_PROTOCOL": "HTTP/1.1",
            "GATEWAY_INTERFACE": "CGI/1.1",
        }
        for i, (key, value) in enumerate(_SERVE_CONFIG):
            env[f"GIT_CONFIG_KEY_{i}"] = key
            env[f"GIT_CONFIG_VALUE_{i}"] = value
        env["GIT_CONFIG_COUNT"] = str(len(_SERVE_CONFIG))
        if h.headers.get("Content-Type"):
            env["CONTENT_TYPE"] = h.headers["Content-Type"]
        if h.headers.get("Content-Length"):
            env["CONTENT_LENGTH"] = h.headers["Content-Length"]
        # Only what http-backend reads; never HTTP_AUTHORIZATION.
        for header in ("Git-Protocol", "Content-Encoding"):
            if h.headers.get(header):
                env["HTTP_" + header.upper().replace("-", "_")] = h.headers[header]
        proc = subprocess.Popen([self._backend], env=env, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        with self._lock:
            self._children.add(proc)
        timer = threading.Timer(_CGI_TIMEOUT, proc.kill)
        timer.daemon = True
        timer.start()
        err_tail: list[bytes] = []
        errs = threading.Thread(target=_tail, args=(proc.stderr, err_tail), daemon=True)
        errs.start()
        head = bytearray()
        try:
            assert proc.stdin is not None and proc.stdout is not None
            stdout = cast(io.BufferedReader, proc.stdout)   # read1: whatever has arrived
            feeder = threading.Thread(target=self._feed, args=(h, proc.stdin, rec, head),
                                      daemon=True)
            feeder.start()
            status, headers, rest = _read_cgi_headers(stdout)
            h.send_response(status)
            for k, v in headers:
                h.send_header(k, v)
            h.send_header("Transfer-Encoding", "chunked")
            h.end_headers()
            out = 0
            data = rest
            while True:
                if data:
                    self._throttle(len(data))
                    h.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                    out += len(data)
                data = stdout.read1(_CHUNK)
                if not data:
                    break
            h.wfile.write(b"0\r\n\r\n")
            h.wfile.flush()
            feeder.join(timeout=_CGI_TIMEOUT)
            rec.status, rec.bytes_out = status, out
        except BaseException:
            proc.kill()
            raise
        finally:
            timer.cancel()
            try:
                proc.wait(timeout=_CGI_TIMEOUT)
            finally:
                with self._lock:
                    self._children.discard(proc)
            errs.join(timeout=5)
            for stream in (proc.stdout, proc.stderr):
                if stream is not None:
                    stream.close()
            if proc.returncode:
                rec.error = b"".join(err_tail).decode("utf-8", "replace")[-500:].strip()
            _describe(rec, bytes(head), h.headers.get("Content-Encoding") or "")

    def _throttle(self, nbytes: int) -> None:
        """Wait for this chunk's turn on the shared link (no-op without a bandwidth)."""
        if not self.bandwidth:
            return
        with self._lock:
            start = max(time.monotonic(), self._link_free)
            self._link_free = start + nbytes / self.bandwidth
            done = self._link_free
        self._stopping.wait(max(0.0, done - time.monotonic()))

    def _feed(self, h: BaseHTTPRequestHandler, stdin: IO[bytes], rec: GitRequest,
              head: bytearray) -> None:
        try:
            for data in self._body_chunks(h):
                rec.bytes_in += len(data)
                if len(head) < _PEEK:
                    head += data[: _PEEK - len(head)]
                stdin.write(data)
        except OSError:
            pass  # the CGI exited early (bad request): its answer says why
        finally:
            with contextlib.suppress(OSError):
                stdin.close()


def _basic_token(header: str | None) -> str | None:
    """The password of `Basic base64(x-access-token:<token>)`, else None."""
    scheme, _, value = (header or "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, _, password = base64.b64decode(value.strip(), validate=True).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    return password if user == "x-access-token" and password else None


def _http_backend() -> str:
    exec_path = subprocess.run(["git", "--exec-path"], capture_output=True, text=True,
                               check=True, timeout=30).stdout.strip()
    backend = Path(exec_path) / "git-http-backend"
    if not backend.exists():
        raise RuntimeError(f"git-http-backend not found in {exec_path}")
    return str(backend)


def _service(path: str, query: str) -> str:
    for name in ("git-upload-pack", "git-receive-pack"):
        if path.endswith("/" + name) or f"service={name}" in query:
            return name
    return ""


def _repo_name(path: str) -> str:
    """The repository part of a smart-HTTP path ("/a/b.git/info/refs" -> "a/b.git")."""
    for suffix in ("/info/refs", "/git-upload-pack", "/git-receive-pack", "/HEAD"):
        if path.endswith(suffix):
            return path[: -len(suffix)].strip("/")
    return ""


def _read_cgi_headers(stdout: io.BufferedReader) -> tuple[int, list[tuple[str, str]], bytes]:
    """Status, headers and the body bytes already read from a CGI's output."""
    buf = b""
    while b"\r\n\r\n" not in buf and b"\n\n" not in buf:
        data = stdout.read1(_CHUNK)
        if not data:
            break
        buf += data
    crlf = buf.find(b"\r\n\r\n")
    lf = buf.find(b"\n\n")
    if crlf >= 0 and (lf < 0 or crlf < lf):
        raw, rest = buf[:crlf], buf[crlf + 4:]
    elif lf >= 0:
        raw, rest = buf[:lf], buf[lf + 2:]
    else:
        return 502, [("Content-Type", "text/plain")], b"bad gateway: no CGI headers\n"
    status = 200
    headers: list[tuple[str, str]] = []
    for line in raw.decode("latin-1").splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() == "status":
            status = int(value.strip().split()[0])
        elif key.strip():
            headers.append((key.strip(), value.strip()))
    return status, headers, rest


def _tail(stream: IO[bytes] | None, sink: list[bytes]) -> None:
    if stream is None:
        return
    for line in stream:
        sink.append(line)
        del sink[:-20]


def _describe(rec: GitRequest, head: bytes, encoding: str) -> None:
    """Fill rec.command / rec.args from the start of the request body (pkt-lines)."""
    if rec.method != "POST" or not head:
        return
    if encoding.lower() in ("gzip", "x-gzip"):
        try:
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head)
        except zlib.error:
            return
    lines = _pkt_lines(head)
    if rec.service == "git-receive-pack":
        rec.command = "push"
        rec.args = [ln.split(" ")[-1] for ln in lines if len(ln.split(" ")) >= 3][:20]
        return
    command = next((ln.removeprefix("command=") for ln in lines if ln.startswith("command=")),
                   "")
    rec.command = command or "fetch-v0"
    keep = ("deepen", "filter", "shallow", "done")
    rec.args = sorted({ln.split(" ")[0] if not ln.startswith("filter") else ln
                       for ln in lines if ln.startswith(keep)})
    wants = sum(ln.startswith("want ") for ln in lines)
    haves = sum(ln.startswith("have ") for ln in lines)
    if wants:
        rec.args.append(f"wants={wants}")
    if haves:
        rec.args.append(f"haves={haves}")


def _pkt_lines(data: bytes) -> list[str]:
    out: list[str] = []
    i = 0
    while i + 4 <= len(data):
        try:
            n = int(data[i:i + 4], 16)
        except ValueError:
            break
        if n < 4:           # flush / delim / response-end
            i += 4
            continue
        if i + n > len(data):
            break
        out.append(data[i + 4:i + n].rstrip(b"\n").split(b"\0")[0].decode("utf-8", "replace"))
        i += n
    return out
