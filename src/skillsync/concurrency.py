"""Locks that serialize runs (RELIABILITY.md 8 and 10).

Two schemes. Neither can be left blocking forever by a holder that was SIGKILLed.

1. **One run per source on one machine** (`SourceLock`): an `fcntl.flock` on
   `<cache>/locks/<sha256 of the source repo>.lock`. The kernel drops an flock
   when the process holding it dies, however it dies, so there is no stale lock
   to clean up. The file's content (pid, run id, since) only feeds the message
   "another run holds the lock since ... (pid N, run R)"; the lock itself never
   trusts it. A second run stops at once with that message, or waits up to
   `wait` seconds for the holder to finish.

2. **One writer per target across machines**: optimistic. A sync plans against the
   branch head H and pushes with a lease on H (the target branch, fast-forward from H;
   a pull-request branch, whatever it held), so of two runs writing one target at once
   the server takes exactly one push;
   the other is refused, reported, never forced, and its re-run is a no-op or an update
   on top (issue 17: the lock ref cost two pushes and left a commit object in every
   target it locked). What remains of the lock is respect for one: the ref
   `refs/skillsync/lock`, which older skillsync versions (and an operator freezing a
   target by hand) push, is seen in the ls-remote every sync makes anyway
   (`downstream.TargetRepo.seen_lock`); a live holder stops the sync with its name
   (or it waits, `wait`), a stale one is deleted in the sync's own atomic push with a
   lease on its value (`TargetLock.respect`). The scheme of those locks: taking it is a push with
   `--force-with-lease=refs/skillsync/lock:` (expected value empty: the ref must
   not exist), so when two runs race the server accepts exactly one. The ref
   points at a commit with the empty tree whose message is JSON: run id, host,
   pid, since, expires. Releasing is a delete with a lease on our own commit, so a
   run never deletes a lock someone else has taken over. A lock is *stale*, and
   may be taken over with a lease on its old value (again: one winner), once its
   expiry has passed (default 15 minutes, `SKILLSYNC_TARGET_LOCK_TTL` seconds), or
   at once when it was taken on this host by a process that no longer exists.
   If the server refuses the lock ref for any reason other than the lease (a
   ruleset that forbids custom refs, a read-only token), the run goes on without
   it: every write we make is fast-forward-only or leased anyway, so two
   unserialized runs can at worst see a refused push, never lost work.

Dry runs take neither lock: they write nothing, and must not (a lock ref is a write).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from skillsync import git
from skillsync.downstream import LOCK_REF, push_failure, remote_env, transport_url
from skillsync.errors import GitError, SkillsyncError
from skillsync.store import cache_dir

__all__ = ["LOCK_REF", "LockBusy", "SourceLock", "TargetLock"]
DEFAULT_TTL = 900.0
_POLL = 0.2            # seconds between attempts while waiting
_MAX_ATTEMPTS = 10_000  # hard bound on any waiting loop, whatever the clock says
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"


class LockBusy(SkillsyncError):
    """Another run holds the lock (exit 1: this run did not happen, re-run it)."""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _iso(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _proc_start(pid: int) -> str | None:
    """The start time of `pid` (Linux), so a reused pid is not mistaken for the holder."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rpartition(")")[2].split()[19]


def pid_alive(pid: int, start: str | None = None) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    if start is not None:
        now = _proc_start(pid)
        return now is None or now == start
    return True


def holder_info(run_id: str) -> dict[str, Any]:
    pid = os.getpid()
    return {"run": run_id, "host": socket.gethostname(), "pid": pid,
            "pid_start": _proc_start(pid), "since": _iso(_now())}


# -- 1. one run per source on one machine --------------------------------------------------
class SourceLock:
    """`with SourceLock(source_repo, run_id, wait=0):` — see the module docstring."""

    def __init__(self, source: str, run_id: str, *, wait: float = 0) -> None:
        key = hashlib.sha256(source.encode()).hexdigest()[:32]
        self.path = cache_dir() / "locks" / f"{key}.lock"
        self.source = source
        self.run_id = run_id
        self.wait = max(0.0, wait)
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.wait
        for _ in range(_MAX_ATTEMPTS):
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    info = self._read(fd)
                    os.close(fd)
                    raise LockBusy(self._busy(info)) from None
                time.sleep(min(_POLL, max(0.0, deadline - time.monotonic())) or _POLL)
        else:  # pragma: no cover - only with a clock that never advances
            os.close(fd)
            raise LockBusy(self._busy(None))
        os.ftruncate(fd, 0)
        os.pwrite(fd, (json.dumps(holder_info(self.run_id)) + "\n").encode(), 0)
        self._fd = fd

    def _read(self, fd: int) -> dict[str, Any] | None:
        try:
            return dict(json.loads(os.pread(fd, 4096, 0) or b"null") or {}) or None
        except ValueError:
            return None

    def _busy(self, info: Mapping[str, Any] | None) -> str:
        who = (f"since {info.get('since')} (pid {info.get('pid')}, run {info.get('run')})"
               if info else "(holder unknown)")
        hint = ("wait with --wait SECONDS (or SKILLSYNC_LOCK_WAIT=SECONDS), or try again later"
                if not self.wait else f"waited {self.wait:g}s")
        return f"another run holds the lock on this source {who}; {hint}"

    def release(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing drops the flock
            self._fd = None

    def __enter__(self) -> SourceLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


# -- 2. one writer per target across machines -------------------------------------------------
def ttl() -> float:
    try:
        return float(os.environ.get("SKILLSYNC_TARGET_LOCK_TTL", DEFAULT_TTL))
    except ValueError:
        return DEFAULT_TTL


_INIT = threading.Lock()


def _scratch() -> Path:
    """A bare repository in the cache, only for building and pushing lock commits.

    Made in a temporary directory and renamed into place: threads and processes
    sharing the cache race here, and `git init` on a half-made repository fails."""
    import shutil
    import tempfile

    gd = cache_dir() / "lockrepo.git"
    if gd.exists():
        return gd
    with _INIT:
        if not gd.exists():
            gd.parent.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=".lockrepo-", dir=gd.parent))
            try:
                git.run(["init", "--bare", "-q", "--template=", str(tmp / "repo.git")])
                with contextlib.suppress(OSError):   # another process won the race: fine
                    os.rename(tmp / "repo.git", gd)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
    return gd


@dataclass
class LockState:
    sha: str
    info: dict[str, Any]

    def describe(self) -> str:
        i = self.info
        return (f"run {i.get('run', '?')} on {i.get('host', '?')} (pid {i.get('pid', '?')}) "
                f"since {i.get('since', '?')}, expires {i.get('expires', '?')}")

    def stale(self) -> bool:
        i = self.info
        try:
            expires = dt.datetime.strptime(str(i.get("expires")), "%Y-%m-%dT%H:%M:%SZ")
            if _now() >= expires.replace(tzinfo=dt.UTC):
                return True
        except ValueError:
            return True   # an unreadable lock cannot name a live holder
        if i.get("host") == socket.gethostname() and isinstance(i.get("pid"), int):
            return not pid_alive(int(i["pid"]), i.get("pid_start"))
        return False


class TargetLock:
    """`refs/skillsync/lock` in one target repository; see the module docstring."""

    def __init__(self, url: str, env: Mapping[str, str], run_id: str, *, target: str,
                 wait: float = 0) -> None:
        self.url = transport_url(url)
        self.env = remote_env(env)
        self.run_id = run_id
        self.target = target
        self.wait = max(0.0, wait)
        self.sha: str | None = None
        self.skipped: str | None = None       # why we run without the lock
        self.took_over: LockState | None = None
        self._gd = _scratch()
        self._key = hashlib.sha256(f"{url}\0{target}".encode()).hexdigest()[:16]

    def _git(self, args: list[str], **kw: Any) -> Any:
        return git.run(["--git-dir", str(self._gd), *args], env=self.env, **kw)

    def _make(self) -> str:
        info = holder_info(self.run_id)
        info["expires"] = _iso(_now() + dt.timedelta(seconds=ttl()))
        info["target"] = self.target
        msg = "skillsync lock\n\n" + json.dumps(info, sort_keys=True) + "\n"
        return str(git.run([*git.IDENTITY, "--git-dir", str(self._gd), "commit-tree", EMPTY_TREE,
                            "-F", "-"], env=self.env, input=msg.encode())
                   .stdout.decode().strip())

    def _push(self, sha: str, expect: str) -> str | None:
        """None when the server took our lock; "lease" when the lease failed; else why."""
        proc = self._git(["push", "--porcelain", f"--force-with-lease={LOCK_REF}:{expect}",
                          self.url, f"{sha}:{LOCK_REF}"], check=False)
        if proc.returncode == 0:
            return None
        out = proc.stdout.decode("utf-8", "replace") + proc.stderr.decode("utf-8", "replace")
        if "stale info" in out or "already exists" in out or "fetch first" in out:
            return "lease"
        return push_failure(proc.stdout.decode("utf-8", "replace"),
                            proc.stderr.decode("utf-8", "replace"))

    def read(self) -> LockState | None:
        """The lock as it is on the server now, or None when nobody holds it."""
        # A ref of our own per process and thread: runs sharing the cache never collide.
        # (No --depth: a lock commit has no parent, and a shallow update would
        # contend for the scratch repository's shallow.lock.)
        local = f"refs/skillsync/seen/{self._key}-{os.getpid()}-{threading.get_ident()}"
        proc = self._git(["fetch", "-q", "--no-tags", "--no-write-fetch-head",
                          self.url, f"+{LOCK_REF}:{local}"], check=False)
        if proc.returncode != 0:
            if b"couldn't find remote ref" in proc.stderr:
                return None
            raise GitError(["fetch", "(lock ref)"], proc.returncode,
                               proc.stderr.decode("utf-8", "replace"))
        sha = self._git(["rev-parse", local]).stdout.decode().strip()
        body = self._git(["log", "-1", "--format=%b", sha]).stdout.decode()
        self._git(["update-ref", "-d", local], check=False)
        try:
            info = dict(json.loads(body))
        except ValueError:
            info = {}
        return LockState(sha, info)

    def acquire(self) -> None:
        mine = self._make()
        deadline = time.monotonic() + self.wait
        expect = ""
        for _ in range(_MAX_ATTEMPTS):
            why = self._push(mine, expect)
            if why is None:
                self.sha = mine
                return
            if why != "lease":
                self.skipped = why
                return
            held = self.read()
            if held is None:
                expect = ""          # released meanwhile: try again for a free lock
                continue
            if held.info.get("run") == self.run_id and held.info.get("pid") == os.getpid():
                self.sha = held.sha  # ours already (re-entry within one process)
                return
            if held.stale():
                self.took_over = held
                expect = held.sha    # take over with a lease on the stale value
                continue
            if time.monotonic() >= deadline:
                hint = ("re-run when it is done (or wait: --wait SECONDS / SKILLSYNC_LOCK_WAIT)"
                        if not self.wait else f"waited {self.wait:g}s")
                raise LockBusy(f"target {self.target} is locked by {held.describe()}; {hint}")
            expect = ""
            time.sleep(_POLL)
        raise LockBusy(f"target {self.target}: could not take the lock")  # pragma: no cover

    def respect(self, seen: str | None) -> LockState | None:
        """Honour a lock ref someone else holds, without taking one (scheme 2 above).
        `seen`: its value in the ls-remote the sync made (None: no lock). A live holder:
        wait up to `self.wait` for it to go, polling the one ref, else LockBusy naming it.
        A stale one: returned, for the sync's own atomic push to delete with a lease."""
        deadline = time.monotonic() + self.wait
        for _ in range(_MAX_ATTEMPTS):
            if seen is None:
                return None
            held = self.read()
            if held is None:
                return None
            if held.stale():
                self.took_over = held
                return held
            if time.monotonic() >= deadline:
                hint = ("re-run when it is done (or wait: --wait SECONDS / SKILLSYNC_LOCK_WAIT)"
                        if not self.wait else f"waited {self.wait:g}s")
                raise LockBusy(f"target {self.target} is locked by {held.describe()}; {hint}")
            time.sleep(_POLL)
            seen = git.ls_remote(self.url, [LOCK_REF], env=self.env).get(LOCK_REF)
        raise LockBusy(f"target {self.target}: the lock did not go")  # pragma: no cover

    def release(self) -> None:
        if self.sha is None:
            return
        # Delete only if it is still ours (a lease on our own commit).
        self._git(["push", "--porcelain", f"--force-with-lease={LOCK_REF}:{self.sha}",
                   self.url, f":{LOCK_REF}"], check=False)
        self.sha = None

    def __enter__(self) -> TargetLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


@contextlib.contextmanager
def no_lock() -> Iterator[None]:
    yield
