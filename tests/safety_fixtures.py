"""Shared pieces of test_rollback.py and test_safety.py: one skills source with
three releases per test module (built once: it is only read), a fresh targets
directory and cache per test, and small readers for bare downstream repos."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import git, isolate, make_bare_remote
from engine_fixtures import make_source, target_yaml
from skillsync.fsutil import dumps
from skillsync.manifest import build_manifest
from skillsync.runlog import RunDir
from skillsync.sync import Options, exit_code, run_sync
from skillsync.targets import load_targets

REFS = ("v1.0.0", "v1.1.0")


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The source repo and its manifests, built once per module under the pinned env."""
    root = tmp_path_factory.mktemp("source")
    with pytest.MonkeyPatch.context() as mp:
        isolate(mp, root / "home")
        src = make_source(root)
        out: dict[str, Any] = {"path": src}
        for ref in REFS:
            m = build_manifest(str(src), ref)
            p = root / f"manifest-{ref}.json"
            p.write_text(dumps(m))
            out[ref] = p
        yield out


@pytest.fixture
def world(source: dict[str, Any], tmp_path: Path,
          monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv("SKILLSYNC_CACHE", str(tmp_path / "cache"))
    tdir = tmp_path / "targets"
    tdir.mkdir()
    return {**source, "root": tmp_path, "targets": tdir, "source": source["path"]}


def add_target(w: dict[str, Any], tid: str, mechanism: str = "push",
               files: dict[str, str | bytes] | None = None, **extra: object) -> Path:
    bare = make_bare_remote(w["root"], tid, files or {"README.md": "downstream\n",
                                                     "src/app.py": "print('mine')\n"})
    (w["targets"] / f"{tid}.yaml").write_text(target_yaml(tid, bare, mechanism, **extra))
    return bare


def sync(w: dict[str, Any], ref: str, run: str, **opts: Any) -> dict[str, Any]:
    manifest = json.loads(Path(w[ref]).read_text())
    rd = RunDir(w["root"] / "runs" / run).create()
    results = run_sync(manifest, load_targets(w["targets"]), rd, Options(**opts))
    return {"results": results, "code": exit_code(results), "run": rd}


def manifest_of(w: dict[str, Any], ref: str) -> dict[str, Any]:
    return dict(json.loads(Path(w[ref]).read_text()))


def tree(bare: Path, ref: str = "main") -> dict[str, tuple[str, str]]:
    """path -> (mode, blob id) of every entry on `ref` (gitlinks included)."""
    out = {}
    for line in git("--git-dir", str(bare), "ls-tree", "-r", ref).splitlines():
        meta, _, path = line.partition("\t")
        mode, _, sha = meta.split()
        out[path] = (mode, sha)
    return out


def head(bare: Path, ref: str = "main") -> str:
    return git("--git-dir", str(bare), "rev-parse", ref)


def has_ref(bare: Path, ref: str) -> bool:
    return subprocess.run(["git", "--git-dir", str(bare), "rev-parse", "--verify", "-q", ref],
                          capture_output=True).returncode == 0


def sync_commits(bare: Path, ref: str, version: str) -> list[str]:
    """Commits on `ref` whose trailers say they synced `version` (rollbacks excluded)."""
    text = git("--git-dir", str(bare), "log", "--format=%H %(trailers:key=Skillsync-Version,"
               "valueonly,separator=)|%(trailers:key=Skillsync-Rollback-Of,valueonly)", ref)
    out = []
    for line in text.splitlines():
        sha, _, rest = line.partition(" ")
        ver, _, rb = rest.partition("|")
        if ver.strip() == version and not rb.strip():
            out.append(sha)
    return out


def reject_pushes(bare: Path, reason: str = "protected branch: main needs a review") -> None:
    hook = bare / "hooks" / "pre-receive"
    hook.write_text(f"#!/bin/sh\necho '{reason}' >&2\nexit 1\n")
    hook.chmod(0o755)


def script_env(w: dict[str, Any], **extra: str) -> dict[str, str]:
    return {"SKILLSYNC_CACHE": str(w["root"] / "cache"), **extra}


