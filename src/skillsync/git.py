"""The one place skillsync runs git.

Every call takes an argument list (never a shell string), runs with a cleaned
environment (inherited GIT_DIR/GIT_WORK_TREE/... would point git at the wrong
repository, as pre-commit learned), has a timeout, and raises `GitError`
naming the command, its exit code and stderr. Credentials reach git only
through `auth_env` (GIT_CONFIG_* environment variables), never argv or URLs.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import os
import re
import select
import subprocess
import tempfile
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import suppress
from pathlib import Path
from typing import IO

from skillsync.errors import GitError, SkillsyncError, SourceError

# Variables that change how git reaches remotes or who commits, which a caller
# may legitimately set; every other GIT_* variable is dropped.
_KEEP = {
    "GIT_EXEC_PATH",
    "GIT_SSH",
    "GIT_SSH_COMMAND",
    "GIT_SSL_CAINFO",
    "GIT_SSL_NO_VERIFY",
    "GIT_ASKPASS",
    "GIT_HTTP_PROXY_AUTHMETHOD",
    "GIT_ALLOW_PROTOCOL",
    "GIT_AUTHOR_NAME",
    "GIT_AUTHOR_EMAIL",
    "GIT_AUTHOR_DATE",
    "GIT_COMMITTER_NAME",
    "GIT_COMMITTER_EMAIL",
    "GIT_COMMITTER_DATE",
    "GIT_TRACE",
    "GIT_TRACE_PACKET",
    "GIT_CONFIG_NOSYSTEM",
    "GIT_CONFIG_GLOBAL",
}

DEFAULT_TIMEOUT = float(os.environ.get("SKILLSYNC_GIT_TIMEOUT", "300"))

# Identity used for sync commits unless GIT_AUTHOR_*/GIT_COMMITTER_* say otherwise.
IDENTITY = ("-c", "user.name=skillsync", "-c", "user.email=skillsync@users.noreply.github.com")

# A hung transfer must not hang the run (RELIABILITY.md 20).
_NET_OPTS = ("-c", "http.lowSpeedLimit=1000", "-c", "http.lowSpeedTime=30")

SHA_RE = re.compile(r"^[0-9a-f]{40}$")


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("GIT_") or k in _KEEP
    }
    env["GIT_TERMINAL_PROMPT"] = "0"
    # Replace refs (`git replace`) would let a repository answer a blob id with other
    # content: every blob we verify or copy must be the object its id names.
    env["GIT_NO_REPLACE_OBJECTS"] = "1"
    # An ssh remote must fail, not wait for a host-key or password prompt nobody answers.
    if "GIT_SSH_COMMAND" not in env and "GIT_SSH" not in env:
        env["GIT_SSH_COMMAND"] = "ssh -o BatchMode=yes -o ConnectTimeout=15"
    env.setdefault("LC_ALL", "C")
    if extra:
        env.update(extra)
    return env


def auth_env(token: str | None, *, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """GIT_CONFIG_* variables that send `token` as an HTTP Authorization header.

    The header lives only in this process's children's environment: not in
    argv (visible in `ps`), not in the remote URL, not in .git/config.
    """
    env: dict[str, str] = dict(base or {})
    if not token:
        return env
    basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
    from skillsync.secrets import register

    register(basic)
    count = int(env.get("GIT_CONFIG_COUNT", "0"))
    env[f"GIT_CONFIG_KEY_{count}"] = "http.extraHeader"
    env[f"GIT_CONFIG_VALUE_{count}"] = f"Authorization: Basic {basic}"
    env["GIT_CONFIG_COUNT"] = str(count + 1)
    return env


def url_auth(url: str) -> tuple[str, dict[str, str]]:
    """`url` without its userinfo, and the auth_env that sends that credential as an
    HTTP header instead: a token in a URL must reach neither argv nor .git/config."""
    from urllib.parse import unquote, urlsplit, urlunsplit

    if "://" not in url:
        return url, {}
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return url, {}
    if "@" not in parts.netloc or parts.scheme not in ("http", "https"):
        return url, {}
    user, password = unquote(parts.username or ""), unquote(parts.password or "")
    netloc = (f"[{host}]" if ":" in host else host) + (f":{port}" if port else "")
    clean = urlunsplit(parts._replace(netloc=netloc))
    if not user and not password:
        return clean, {}
    # GitHub reads a lone user name as the token; user:password is Basic auth as given.
    pair = f"{user}:{password}" if password else f"x-access-token:{user}"
    from skillsync.secrets import register

    for value in (password or user, pair):
        register(value)
    basic = base64.b64encode(pair.encode()).decode()
    register(basic)
    return clean, {"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "http.extraHeader",
                   "GIT_CONFIG_VALUE_0": f"Authorization: Basic {basic}"}


def run(
    args: Sequence[str],
    cwd: str | os.PathLike[str] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    input: bytes | None = None,
    check: bool = True,
    timeout: float | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """Run `git ARGS` and return the completed process (stdout/stderr as bytes)."""
    argv = ["git", *_NET_OPTS, *args]
    try:
        proc = subprocess.run(
            argv,
            cwd=cwd,
            env=clean_env(env),
            input=input,
            capture_output=True,
            timeout=timeout or DEFAULT_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise GitError(list(args), -1, f"timed out after {exc.timeout:.0f}s") from None
    except FileNotFoundError:
        raise SkillsyncError("git is not installed or not on PATH") from None
    if check and proc.returncode != 0:
        raise GitError(list(args), proc.returncode, proc.stderr.decode("utf-8", "replace"))
    return proc


def out(args: Sequence[str], cwd: str | os.PathLike[str] | None = None, **kw: object) -> str:
    """Run git and return stdout as stripped text."""
    proc = run(args, cwd, **kw)  # type: ignore[arg-type]
    return proc.stdout.decode("utf-8", "replace").strip()


def is_local(url: str) -> bool:
    """True for a filesystem path (not file:// — that goes through a transport)."""
    return "://" not in url and not re.match(r"^[\w.-]+@[\w.-]+:", url)


def resolve_local(url: str, relative_to: Path | None = None) -> str:
    """Make a local repository path absolute; leave URLs alone."""
    if not is_local(url):
        return url
    p = Path(url).expanduser()
    if not p.is_absolute() and relative_to is not None:
        p = relative_to / p
    return str(p.resolve())


def ls_remote(
    url: str, patterns: Sequence[str] = (), *, env: Mapping[str, str] | None = None,
    timeout: float | None = None,
) -> dict[str, str]:
    """Map ref name -> sha for the refs of `url` matching `patterns` (peeled tags included)."""
    early = _take_ahead(url, patterns, env, timeout)
    text = early if early is not None else out(["ls-remote", "--", url, *patterns], env=env,
                                               timeout=timeout)
    refs: dict[str, str] = {}
    for line in text.splitlines():
        sha, _, name = line.partition("\t")
        if name and (early is None or any(_tail_matches(p, name) for p in patterns)):
            refs[name] = sha
    return refs


# -- a remote's refs read ahead -------------------------------------------------------------
# One sync-target process spends ~0.1 s importing and checking before it asks the target
# for its branch heads, and that ls-remote is a network round trip (a TLS handshake and
# an answer from the forge: 0.1-0.3 s to github.com). Started as soon as the target is
# known, the two overlap (issue 17). Only plain names and a trailing `*` are read ahead:
# what `TargetRepo.heads` asks for.
_READ_AHEAD: dict[str, tuple[tuple[str, ...], dict[str, str], subprocess.Popen[bytes]]] = {}
_READ_AHEAD_LOCK = threading.Lock()


def ls_remote_ahead(url: str, patterns: Sequence[str], *,
                    env: Mapping[str, str] | None = None) -> None:
    """Start `git ls-remote -- url patterns` in the background. The next ls_remote() of
    `url` in the same environment whose patterns these cover takes its answer instead of
    asking again; one nobody takes is killed at exit. Nothing is written anywhere."""
    if not patterns or any(not _plain(p) for p in patterns):
        return
    full = clean_env(env)
    with _READ_AHEAD_LOCK:
        if url in _READ_AHEAD:
            return
        try:
            proc = subprocess.Popen(["git", *_NET_OPTS, "ls-remote", "--", url, *patterns],
                                    env=full, stdin=subprocess.DEVNULL,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        except OSError:
            return            # ls_remote() will ask itself, and say what is wrong
        if not _READ_AHEAD:
            import atexit

            atexit.register(_reap_ahead)
        _READ_AHEAD[url] = (tuple(patterns), full, proc)


def _plain(pattern: str) -> bool:
    body = pattern.removesuffix("*")
    return bool(body) and not any(c in body for c in "*?[\\")


def _tail_matches(pattern: str, name: str) -> bool:
    """ls-remote's match of a plain pattern (or one ending in `*`) against a ref name:
    the pattern matches the whole name or a tail of it that starts after a `/`."""
    if pattern.endswith("*"):
        body = pattern[:-1]
        return name.startswith(body) or f"/{body}" in name
    return name == pattern or name.endswith(f"/{pattern}")


def _covers(have: Sequence[str], want: str) -> bool:
    return want in have or (not want.endswith("*") and any(
        h.endswith("*") and _tail_matches(h, want) for h in have))


def ahead_of(url: str) -> bool:
    """An ls-remote of `url` read ahead is in flight: asking for the same refs now costs
    no round trip of its own (skillsync.mechanisms.files plans on it then)."""
    with _READ_AHEAD_LOCK:
        return url in _READ_AHEAD


def _take_ahead(url: str, patterns: Sequence[str], env: Mapping[str, str] | None,
                timeout: float | None) -> str | None:
    """The answer of a read-ahead that serves this ls_remote(), or None (ask now)."""
    with _READ_AHEAD_LOCK:
        if url not in _READ_AHEAD:
            return None
        have, full, proc = _READ_AHEAD[url]
        if not patterns or full != clean_env(env) or not all(_covers(have, p) for p in patterns):
            return None
        del _READ_AHEAD[url]
    try:
        stdout, stderr = proc.communicate(timeout=timeout or DEFAULT_TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        proc.kill()
        proc.communicate()
        raise GitError(["ls-remote", "--", url, *have], -1,
                       f"timed out after {exc.timeout:.0f}s") from None
    if proc.returncode != 0:
        raise GitError(["ls-remote", "--", url, *have], proc.returncode,
                       stderr.decode("utf-8", "replace"))
    return stdout.decode("utf-8", "replace")


def _reap_ahead() -> None:
    with _READ_AHEAD_LOCK:
        left = [proc for _, _, proc in _READ_AHEAD.values()]
        _READ_AHEAD.clear()
    for proc in left:
        with suppress(OSError):
            proc.kill()
        with suppress(Exception):
            proc.communicate(timeout=5)


def init_bare(path: Path) -> None:
    run(["init", "--bare", "-q", "-b", "main", str(path)])


def has_commit(git_dir: str | os.PathLike[str], sha: str) -> bool:
    proc = run(["cat-file", "-e", f"{sha}^{{commit}}"], git_dir, check=False)
    return proc.returncode == 0


def read_blobs(git_dir: str | os.PathLike[str], blobs: Sequence[str]) -> dict[str, bytes]:
    """Contents of `blobs` (ids) in one `cat-file --batch` call. For small sets
    (a few skills); large streaming reads use BlobStream."""
    wanted = list(dict.fromkeys(blobs))
    if not wanted:
        return {}
    raw = run(["--git-dir", str(git_dir), "cat-file", "--batch"],
              input=("\n".join(wanted) + "\n").encode()).stdout
    out: dict[str, bytes] = {}
    pos = 0
    for oid in wanted:
        end = raw.index(b"\n", pos)
        header = raw[pos:end].decode().split()
        if len(header) < 3 or header[1] == "missing":
            raise SkillsyncError(f"object {oid} is missing from {git_dir}")
        size = int(header[2])
        out[oid] = raw[end + 1 : end + 1 + size]
        pos = end + 1 + size + 1
    return out


_CHUNK = 1 << 20
# Buffered reads of cat-file's output: most release files are small, and a 64 KiB buffer
# takes dozens of them per read(2) instead of one each.
_PIPE_BUFFER = 1 << 16
# Requests in flight, in bytes: within one pipe's capacity, so a write rarely finds it full.
_AHEAD = 1 << 15


class BlobStream:
    """One long-lived `git cat-file --batch` over `git_dir`, read as a stream: blobs are
    hashed in chunks as they arrive and copied or kept only as far as asked, so a
    huge file never sits in memory (RELIABILITY.md 29). The same process answers the
    ref (`object("v1.2.0^{commit}")`), so build-manifest reads the commit, its config
    and every blob through it (issue 17). Errors are SourceError naming `label`
    (git.run cannot stream, so this is git.py's one Popen)."""

    def __init__(self, git_dir: Path, label: str) -> None:
        self._label = label
        self._err = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the process
        self._proc = subprocess.Popen(
            ["git", *_NET_OPTS, "cat-file", "--batch"],
            cwd=git_dir, env=clean_env(), bufsize=_PIPE_BUFFER,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._err,
        )
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._in: IO[bytes] = self._proc.stdin
        self._out: IO[bytes] = self._proc.stdout
        # Set when a batch is abandoned: answers are matched to requests by their order,
        # so after that nothing read from this process may be trusted.
        self._spent = False

    def __enter__(self) -> BlobStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with suppress(OSError):
            self._in.close()
        try:
            self._proc.wait(timeout=DEFAULT_TIMEOUT)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._out.close()
        self._err.close()

    def _fail(self, what: str) -> SourceError:
        self._err.seek(0)
        err = self._err.read().decode("utf-8", "replace").strip().splitlines()
        tail = f": {err[-1]}" if err else ""
        return SourceError(f"{what}{tail}", where=self._label)

    def _ask(self, name: str) -> None:
        if self._spent:
            raise self._fail("git cat-file was stopped mid-batch")
        try:
            self._in.write(name.encode("utf-8", "surrogateescape") + b"\n")
            self._in.flush()
        except BrokenPipeError:
            raise self._fail("git cat-file stopped") from None

    def object(self, name: str) -> tuple[str, str, bytes] | None:
        """(id, type, content) of the object `name` names — an id, or an expression git
        resolves such as `v1.2.0^{commit}` — or None when it names none. For small
        objects (a commit). `name` must be printable and hold no space: the request is
        one line, and the answer echoes it."""
        if not name or not name.isprintable() or any(c.isspace() for c in name):
            raise SourceError(f"invalid object name {name!r}", where=self._label)
        self._ask(name)
        header = self._out.readline()
        if not header:
            raise self._fail("git cat-file stopped")
        parts = header.split()
        if len(parts) == 2 and parts[1] in (b"missing", b"ambiguous"):
            return None
        if len(parts) != 3 or not parts[2].isdigit():
            raise self._fail(f"unexpected answer for {name}")
        size = int(parts[2])
        data = self._out.read(size + 1)
        if len(data) != size + 1:
            raise self._fail(f"short read of object {name}")
        return parts[0].decode("ascii"), parts[1].decode("ascii"), data[:size]

    def stream(self, oid: str, sink: IO[bytes] | None = None, *, keep: int = 0
               ) -> tuple[int, str, bytes]:
        """Read blob `oid`: (size, sha256 hex, its first `keep` bytes); copy it to `sink`."""
        self._ask(oid)
        return self._receive(oid, sink, keep)

    def stream_many(self, oids: list[str], *, keep: int = 0
                    ) -> Iterator[tuple[str, int, str, bytes]]:
        """(oid, size, sha256, head) for each of `oids`, in order (see `stream_each`)."""
        return self.stream_each([(oid, keep) for oid in oids])

    def stream_each(self, requests: Sequence[tuple[str, int]], *, last: bool = False
                    ) -> Iterator[tuple[str, int, str, bytes]]:
        """(oid, size, sha256, first `keep` bytes) for each `(oid, keep)` of `requests`,
        in order; git goes on producing the next answers while the caller works on each.
        `last`: no request follows, so git may exit once it has answered (the caller
        need not wait for it at `close`).

        Requests go out ahead of the answers, written without blocking by this thread
        (issue 17: a writer thread waited for the GIL whenever the pipe filled, and git
        for its next request). It cannot deadlock: request `i` is always sent before
        answer `i` is awaited, and by then git has taken every earlier request off the
        pipe, so the pipe has room for it."""
        if self._spent:
            raise self._fail("git cat-file was stopped mid-batch")
        data = b"".join(oid.encode("ascii") + b"\n" for oid, _ in requests)
        ends = list(itertools.accumulate(len(oid) + 1 for oid, _ in requests))
        fd = self._in.fileno()
        sent = 0
        done = 0
        os.set_blocking(fd, False)
        try:
            for oid, keep in requests:
                answered = ends[done - 1] if done else 0
                if sent < len(data) and sent - answered < _AHEAD // 2:
                    sent += self._send(fd, data, sent, answered + _AHEAD)  # keep ahead
                while sent < ends[done]:  # the request about to be awaited must be out
                    sent += self._send(fd, data, sent, answered + _AHEAD, wait=True)
                size, sha, head = self._receive(oid, None, keep)
                done += 1
                yield oid, size, sha, head
        finally:
            if done < len(requests):
                self._proc.kill()  # abandoned mid-batch: git's answers go unread
                self._spent = True
            with suppress(OSError):
                os.set_blocking(fd, True)
                if last:
                    self._in.close()

    def _send(self, fd: int, data: bytes, start: int, stop: int, *, wait: bool = False
              ) -> int:
        """Write what the pipe takes of `data[start:stop]`: how many bytes went (0 when
        the pipe is full, unless `wait`: then wait for room, bounded)."""
        with memoryview(data) as view:
            try:
                if wait and not select.select([], [fd], [], DEFAULT_TIMEOUT)[1]:
                    raise self._fail("git cat-file takes no requests")
                return os.write(fd, view[start:stop])
            except BlockingIOError:
                return 0
            except BrokenPipeError:
                raise self._fail("git cat-file stopped") from None

    def _receive(self, oid: str, sink: IO[bytes] | None, keep: int) -> tuple[int, str, bytes]:
        header = self._out.readline()
        if not header:
            raise self._fail("git cat-file stopped")
        parts = header.split()
        if len(parts) != 3 or parts[1] != b"blob" or parts[0] != oid.encode("ascii"):
            raise self._fail(f"object {oid} is missing or not a file")
        size = int(parts[2])
        if size < _CHUNK:
            # One read for the blob and the LF after it: the common, small case.
            data = self._out.read(size + 1)
            if len(data) != size + 1:
                raise self._fail(f"short read of object {oid}")
            body = memoryview(data)[:size]
            if sink is not None:
                sink.write(body)
            return size, hashlib.sha256(body).hexdigest(), bytes(body[:keep])
        remaining = size
        digest = hashlib.sha256()
        head = bytearray()
        while remaining:
            chunk = self._out.read(min(_CHUNK, remaining))
            if not chunk:
                raise self._fail(f"short read of object {oid}")
            digest.update(chunk)
            if len(head) < keep:
                head += chunk[: keep - len(head)]
            if sink is not None:
                sink.write(chunk)
            remaining -= len(chunk)
        self._out.read(1)  # the LF after each object
        return size, digest.hexdigest(), bytes(head)

    def read(self, oid: str) -> bytes:
        """A whole blob in memory (for small files: front matter, config)."""
        return self.stream(oid, keep=1 << 62)[2]
