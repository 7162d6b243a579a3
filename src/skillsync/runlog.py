"""Run directory and structured JSONL log (DESIGN.md, "Run directory", "Log").

A run directory holds everything one run produced: manifest.json, plans/,
results/, snapshots/, log.jsonl, summary.json, summary.md. Several processes
(CI matrix jobs, or a local worker pool) may append to one log: each event is
one `write()` of one line on an O_APPEND descriptor under an flock, so lines
never interleave.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from skillsync.errors import ConfigError, UsageError
from skillsync.fsutil import write_json
from skillsync.secrets import redact, redact_obj

RUNS_DIR = Path(".skillsync") / "runs"
EVENT_SCHEMA = "skillsync.log-event/v1"


def utcnow() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def new_run_id() -> str:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{stamp}-{os.urandom(3).hex()}"


class RunDir:
    def __init__(self, path: str | os.PathLike[str], run_id: str | None = None) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self.run_id = run_id or self._read_id() or self.path.name

    def _read_id(self) -> str | None:
        # run.json travels in the CI artifact like everything else here, and its id
        # lands in commit trailers and lock refs: checked, never trusted
        # (skillsync.artifacts; a bad one is exit 2 naming the file).
        from skillsync import artifacts

        meta = artifacts.run_meta(self.path)
        return str(meta["run_id"]) if meta else None

    # -- creation -----------------------------------------------------------
    def create(self) -> RunDir:
        """Make the directory and prove it is writable before any target is touched
        (RELIABILITY.md 32: disk full or unwritable run dir fails first)."""
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            probe = self.path / ".write-probe"
            with open(probe, "wb") as fh:
                fh.write(b"\0" * 65536)
                fh.flush()
                os.fsync(fh.fileno())
            probe.unlink()
            if not (self.path / "run.json").exists():
                write_json(self.path / "run.json", {"run_id": self.run_id, "created": utcnow()})
        except OSError as exc:
            raise ConfigError(
                f"run directory is not writable: {exc.strerror or exc}", where=str(self.path)
            ) from None
        return self

    # -- well-known files -----------------------------------------------------
    @property
    def log_path(self) -> Path:
        return self.path / "log.jsonl"

    @property
    def manifest_path(self) -> Path:
        return self.path / "manifest.json"

    def plan_path(self, target: str) -> Path:
        return self.path / "plans" / f"{target}.json"

    def result_path(self, target: str) -> Path:
        return self.path / "results" / f"{target}.json"

    def snapshot_path(self, target: str) -> Path:
        return self.path / "snapshots" / f"{target}.json"

    def write(self, relpath: str | Path, obj: Any) -> Path:
        p = self.path / relpath
        write_json(p, redact_obj(obj))
        return p

    # -- log --------------------------------------------------------------------
    def log(
        self,
        step: str,
        status: str,
        message: str = "",
        *,
        target: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        event = {
            "ts": utcnow(),
            "run": self.run_id,
            "target": target,
            "step": step,
            "status": status,
            "message": redact(message),
            "data": redact_obj(data or {}),
        }
        line = (json.dumps(event, sort_keys=True, ensure_ascii=False) + "\n").encode()
        self.path.mkdir(parents=True, exist_ok=True)
        with self._lock:
            fd = os.open(self.log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                os.write(fd, line)
            finally:
                os.close(fd)
        return event

    def events(self) -> Iterator[dict[str, Any]]:
        return read_events(self.log_path)


def read_events(path: Path) -> Iterator[dict[str, Any]]:
    if not path.exists():
        return
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if line:
                try:
                    yield json.loads(line)
                except json.JSONDecodeError:
                    # A line cut by a SIGKILL mid-write is skipped, not fatal.
                    continue


def run_dir_for(arg: str | None, *, create: bool = True) -> RunDir:
    """--run-dir: the argument, else $SKILLSYNC_RUN_DIR, else a new .skillsync/runs/<id>/."""
    chosen = arg or os.environ.get("SKILLSYNC_RUN_DIR")
    if chosen:
        rd = RunDir(chosen)
        if not (rd.path / "run.json").exists():
            rd.run_id = rd.path.name
    else:
        run_id = new_run_id()
        rd = RunDir(RUNS_DIR / run_id, run_id)
    return rd.create() if create else rd


def find_run(arg: str) -> RunDir:
    """--run: a run directory, or a run id under .skillsync/runs/ (or $SKILLSYNC_RUNS)."""
    p = Path(arg)
    if p.is_dir():
        return RunDir(p)
    base = Path(os.environ.get("SKILLSYNC_RUNS", RUNS_DIR))
    if "/" not in arg and (base / arg).is_dir():
        return RunDir(base / arg)
    raise UsageError(f"no run directory or run id '{arg}' (looked in {base})")


_SUCCESS = ("synced", "no-op")


@dataclass
class LastRun:
    """A target's result in one run, as fleet status shows it."""

    run: str
    status: str
    message: str
    version: str | None
    dry_run: bool
    path: str


def runs_dir(arg: str | None) -> Path:
    return Path(arg or os.environ.get("SKILLSYNC_RUNS") or RUNS_DIR)


def _run_dirs_newest_first(base: Path) -> list[Path]:
    if not base.is_dir():
        return []
    dated: list[tuple[str, str, Path]] = []
    for d in base.iterdir():
        if not (d / "results").is_dir():
            continue
        created = ""
        try:
            created = str(json.loads((d / "run.json").read_text())["created"])
        except (OSError, ValueError, KeyError, TypeError):
            stamp = dt.datetime.fromtimestamp(d.stat().st_mtime, dt.UTC)
            created = stamp.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        dated.append((created, d.name, d))
    dated.sort(reverse=True)
    return [d for _, _, d in dated]


@dataclass
class RunHistory:
    """For each target: its newest result, and its newest successful live delivery."""

    last: dict[str, LastRun] = field(default_factory=dict)
    delivered: dict[str, LastRun] = field(default_factory=dict)


def run_history(base: Path, ids: Sequence[str]) -> RunHistory:
    wanted = set(ids)
    hist = RunHistory()
    for d in _run_dirs_newest_first(base):
        if wanted <= set(hist.last) and wanted <= set(hist.delivered):
            break
        version = _run_version(d)
        dry_run = (d / "dry-run").exists()
        for tid in wanted:
            if tid in hist.last and tid in hist.delivered:
                continue
            p = d / "results" / f"{tid}.json"
            try:
                r = json.loads(p.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if not isinstance(r, dict):
                continue
            run_id = _run_id(d)
            dry = dry_run or bool((r.get("data") or {}).get("dry_run"))
            entry = LastRun(run_id, str(r.get("status", "?")),
                            redact(str(r.get("error") or r.get("message") or "")),
                            version, dry, str(d))
            hist.last.setdefault(tid, entry)
            if entry.status in _SUCCESS and not dry:
                hist.delivered.setdefault(tid, entry)
    return hist


def _run_version(d: Path) -> str | None:
    try:
        return str(json.loads((d / "manifest.json").read_text(encoding="utf-8"))["version"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _run_id(d: Path) -> str:
    try:
        return str(json.loads((d / "run.json").read_text())["run_id"])
    except (OSError, ValueError, KeyError, TypeError):
        return d.name

