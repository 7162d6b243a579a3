"""actions/cache/restore and actions/cache/save (v5), for the emulator, as the action's
source (src/restoreImpl.ts, src/saveImpl.ts at v5.0.5) and GitHub's "Dependency caching
reference" give them:

- a cache is one repository's, kept across runs (here: a directory beside the runs'
  artifacts, shared by every Emulator on the same root);
- an entry belongs to the ref its run ran for (`refs/tags/v1.0.0`, `refs/heads/main`), and
  a run reads only the entries of its own ref and of the default branch ("Restrictions for
  accessing a cache": two tags never see each other's entries);
- restore: in the run's own ref, then in the default branch, the first of: an exact match
  of `key`, then each of `key` and the `restore-keys` in order as a prefix, the newest
  entry first. Outputs: `cache-primary-key` always; `cache-hit` ("true" only for an exact
  match of `key`) and `cache-matched-key` only when something matched (on a miss
  `cache-hit` stays unset, actions/cache#1466); `lookup-only` restores nothing;
  `fail-on-cache-miss` fails the step;
- save: keys are immutable: an entry under the same key in the same ref is never
  replaced (the service refuses to reserve it; the step warns and succeeds), nor is
  anything saved when the paths do not exist. A save never fails the step;
- keys: at most 512 characters, no commas, at most 10 of them in one restore (the
  toolkit's checkKey); a bad key fails a restore and only warns in a save;
- paths are archived relative to the workspace, as actions/cache's tar does, so an entry
  restores to the same place on another runner; the entry's "version" is those paths
  (a restore naming other paths does not match).

Not emulated: the combined `actions/cache` (its save is a post step), eviction (7 days
unused, 10 GB a repository), a pull request's base-branch scope, cross-OS archives.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from support.gha_runs import StepRun, _Job

if TYPE_CHECKING:
    from support.gha_emulator import Emulator

DEFAULT_BRANCH = "refs/heads/main"
KEY_LIMIT = 512
KEYS_LIMIT = 10
_LOCK = threading.Lock()        # every Emulator (nested, or another run) shares the store


@dataclass(frozen=True)
class CacheEvent:
    """One restore or save, for the tests: what the step asked and what happened."""

    job: str
    op: str                     # restore | save
    key: str                    # the primary key
    matched: str | None         # restore: the key restored from; save: the key saved
    scope: str                  # the run's ref


@dataclass(frozen=True)
class _Entry:
    key: str
    scope: str
    version: str
    seq: int                    # creation order: "newest first" never reads a clock
    where: str                  # its directory, relative to the store


class CacheStore:
    """The caches of the emulated repository, under `root`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.index = root / "index.json"

    def entries(self) -> list[_Entry]:
        if not self.index.exists():
            return []
        return [_Entry(**e) for e in json.loads(self.index.read_text())]

    def files(self, key: str, scope: str | None = None) -> dict[str, bytes]:
        """What the entry `key` holds (the newest such, of `scope` if given), by path
        relative to the workspace, for tests to inspect."""
        found = [e for e in self.entries() if e.key == key and scope in (None, e.scope)]
        assert found, f"no cache entry {key}"
        base = self.root / max(found, key=lambda e: e.seq).where
        out = {}
        for slot in sorted(base.iterdir()):
            rel = bytes.fromhex(slot.name).decode()
            files = [slot] if slot.is_file() else sorted(p for p in slot.rglob("*") if p.is_file())
            out.update({os.path.join(rel, p.relative_to(slot)) if p != slot else rel:
                        p.read_bytes() for p in files})
        return out

    def find(self, scopes: list[str], keys: list[str], version: str) -> _Entry | None:
        entries = [e for e in self.entries() if e.version == version]
        for scope in scopes:
            mine = sorted((e for e in entries if e.scope == scope), key=lambda e: -e.seq)
            exact = [e for e in mine if e.key == keys[0]]
            if exact:
                return exact[0]
            for prefix in keys:
                hit = next((e for e in mine if e.key.startswith(prefix)), None)
                if hit is not None:
                    return hit
        return None

    def add(self, key: str, scope: str, version: str, copy: dict[str, Path]) -> bool:
        """Save `copy` (archive path -> runner path) as a new entry; False when `key`
        already exists in `scope` (immutable)."""
        entries = self.entries()
        if any(e.key == key and e.scope == scope for e in entries):
            return False
        entry = _Entry(key, scope, version, len(entries) + 1, f"e{len(entries) + 1}")
        for rel, src in copy.items():
            dst = self.root / entry.where / _slot(rel)
            dst.parent.mkdir(parents=True, exist_ok=True)
            if src.is_dir():
                shutil.copytree(src, dst, symlinks=True)
            else:
                shutil.copy2(src, dst, follow_symlinks=False)
        self.index.parent.mkdir(parents=True, exist_ok=True)
        self.index.write_text(json.dumps([asdict(e) for e in [*entries, entry]], indent=1))
        return True


def _keys(with_: dict[str, str]) -> list[str]:
    restore = [k.strip() for k in with_.get("restore-keys", "").split("\n") if k.strip()]
    return [with_["key"], *restore]


def _key_problem(keys: list[str]) -> str | None:
    if len(keys) > KEYS_LIMIT:
        return f"Key Validation Error: Keys are limited to a maximum of {KEYS_LIMIT}."
    for k in keys:
        if len(k) > KEY_LIMIT:
            return f"Key Validation Error: {k} cannot be larger than {KEY_LIMIT} characters."
        if "," in k:
            return f"Key Validation Error: {k} cannot contain commas."
    return None


def _paths(job: _Job, with_: dict[str, str]) -> dict[str, Path]:
    """The `path` input's lines, each as (relative to the workspace, where on this runner)."""
    out = {}
    for line in with_.get("path", "").split("\n"):
        line = line.strip()
        if not line:
            continue
        assert not any(c in line for c in "*?[!~"), f"cache path {line!r}: globs not emulated"
        where = Path(line) if os.path.isabs(line) else job.workspace / line
        out[os.path.relpath(where, job.workspace)] = where
    assert out, "actions/cache needs a path"
    return out


def _slot(rel: str) -> str:
    """Where a path (relative to the workspace, maybe `../temp/...`) is kept in an entry."""
    return rel.encode().hex()


def _version(paths: dict[str, Path]) -> str:
    return "\n".join(sorted(paths))


def restore(emu: Emulator, job: _Job, name: str, with_: dict[str, str]) -> StepRun:
    keys = _keys(with_)
    outputs = {"cache-primary-key": keys[0]}
    problem = _key_problem(keys)
    if problem:
        return StepRun(job.jid, name, "failure", 1, f"::error::{problem}\n", problem,
                       outputs=outputs)
    paths = _paths(job, with_)
    scopes = list(dict.fromkeys([emu.ref, DEFAULT_BRANCH]))
    store = emu.cache_store
    with _LOCK:
        hit = store.find(scopes, keys, _version(paths))
        if hit is not None and with_.get("lookup-only", "false").lower() != "true":
            for rel, dst in paths.items():
                src = store.root / hit.where / _slot(rel)
                if src.is_dir():
                    shutil.copytree(src, dst, symlinks=True, dirs_exist_ok=True)
                elif src.exists():
                    dst.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(src, dst, follow_symlinks=False)
        emu.record_cache(CacheEvent(job.jid, "restore", keys[0], hit.key if hit else None,
                                    emu.ref))
    if hit is None:
        said = f"Cache not found for input keys: {', '.join(keys)}\n"
        if with_.get("fail-on-cache-miss", "false").lower() == "true":
            why = ("Failed to restore cache entry. Exiting as fail-on-cache-miss is set. "
                   f"Input key: {keys[0]}")
            return StepRun(job.jid, name, "failure", 1, f"::error::{why}\n", why,
                           outputs=outputs)
        return StepRun(job.jid, name, "success", 0, said, outputs=outputs)
    outputs["cache-matched-key"] = hit.key
    outputs["cache-hit"] = "true" if hit.key == keys[0] else "false"
    return StepRun(job.jid, name, "success", 0, f"Cache restored from key: {hit.key}\n",
                   outputs=outputs)


def save(emu: Emulator, job: _Job, name: str, with_: dict[str, str]) -> StepRun:
    key = with_.get("key", "")
    warn = "::warning::Cache save failed.\n"
    problem = "Key is not specified." if not key else _key_problem([key])
    if problem:
        return StepRun(job.jid, name, "success", 0, f"[warning]{problem}\n{warn}")
    paths = _paths(job, with_)
    present = {rel: p for rel, p in paths.items() if p.exists()}
    if not present:
        return StepRun(job.jid, name, "success", 0,
                       "[warning]Path Validation Error: Path(s) specified in the action for "
                       f"caching do(es) not exist, hence no cache is being saved.\n{warn}")
    with _LOCK:
        saved = emu.cache_store.add(key, emu.ref, _version(paths), present)
        emu.record_cache(CacheEvent(job.jid, "save", key, key if saved else None, emu.ref))
    if not saved:
        return StepRun(job.jid, name, "success", 0,
                       f"[warning]Failed to save: Unable to reserve cache with key {key}, "
                       f"another job may be creating this cache.\n{warn}")
    return StepRun(job.jid, name, "success", 0, f"Cache saved with key: {key}\n")
