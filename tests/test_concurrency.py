"""One writer per target without a lock ref (issue 17, skillsync.concurrency): a sync
leaves nothing in the target but its own commit, and two runs on different machines
(separate caches: no shared flock) writing one target at once end with one sync
commit, the other refused or a no-op, never forced (RELIABILITY 1, 8)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from conftest import git
from safety_fixtures import add_target, has_ref, script_env, source, sync, sync_commits, world
from skillsync.concurrency import LOCK_REF

__all__ = ["source", "world"]  # fixtures


def objects(bare: Path) -> set[str]:
    out = git("--git-dir", str(bare), "cat-file", "--batch-all-objects", "--batch-check")
    return {line.split()[0] + " " + line.split()[1] for line in out.splitlines()}


def test_a_sync_pushes_its_commit_and_nothing_else(world: dict) -> None:
    bare = add_target(world, "down")
    before = objects(bare)
    res = sync(world, "v1.0.0", "r1")["results"]["down"]
    assert res.status == "synced"
    new = objects(bare) - before
    commits = [o for o in new if o.endswith(" commit")]
    assert commits == [f"{res.commit} commit"]        # no lock commit left behind
    assert not has_ref(bare, LOCK_REF)
    refs = git("--git-dir", str(bare), "for-each-ref", "--format=%(refname)").split()
    assert refs == ["refs/heads/main"]


def test_two_machines_writing_one_target_end_with_one_sync_commit(world: dict) -> None:
    bare = add_target(world, "down")
    # The server takes a moment per push, so the two runs overlap.
    hook = bare / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\ncat >/dev/null\nsleep 1\n")
    hook.chmod(0o755)
    procs = []
    for i in range(2):
        env = {**os.environ, **script_env(world), "SKILLSYNC_CACHE": str(world["root"] / f"c{i}")}
        procs.append(subprocess.Popen(
            [str(Path(__file__).parent.parent / "scripts" / "sync"), "--manifest",
             str(world["v1.0.0"]), "--targets", str(world["targets"]), "--run-dir",
             str(world["root"] / "runs" / f"m{i}")], env=env,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))
    outs = [p.communicate(timeout=120) for p in procs]
    rows = [json.loads(o[0])["targets"][0] for o in outs]
    statuses = sorted(r["status"] for r in rows)
    assert statuses in (["no-op", "synced"], ["failed", "synced"]), rows
    for r in rows:
        if r["status"] == "failed":
            assert "never forced" in r["message"] or "changed since we read it" in r["message"]
    assert len(sync_commits(bare, "main", "1.0.0")) == 1
    assert not has_ref(bare, LOCK_REF)
