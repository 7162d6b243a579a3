"""Safety of a run on real repositories: canary waves, a moved tag, serialized
runs (source flock and per-target lock ref), SIGKILL at every step converging on
re-run, rerun-failed, and the manual fallback bundle (RELIABILITY.md 4, 8, 9, 10, 17)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
from pathlib import Path
from typing import Any

import pytest

from conftest import git, run_script
from engine_fixtures import repo_state, target_yaml
from safety_fixtures import (
    add_target,
    has_ref,
    manifest_of,
    reject_pushes,
    script_env,
    source,
    sync,
    sync_commits,
    tree,
    world,
)
from skillsync.concurrency import LOCK_REF, LockBusy, SourceLock, TargetLock
from skillsync.manifest import build_manifest
from skillsync.runlog import RunDir
from skillsync.sync import Options, run_sync
from skillsync.targets import load_targets

__all__ = ["source", "world"]  # fixtures


def release_files(w: dict[str, Any], ref: str, dest: str = ".agents/skills") -> dict[str, str]:
    """path -> blob id of every file of the release as it lands under `dest`."""
    m = manifest_of(w, ref)
    return {f"{dest}/{s['name']}/{f['path']}": f["blob"] for s in m["skills"] for f in s["files"]}


def assert_has_release(bare: Path, w: dict[str, Any], ref: str, branch: str = "main") -> None:
    t = tree(bare, branch)
    for path, blob in release_files(w, ref).items():
        assert t.get(path, ("", ""))[1] == blob, path


# -- waves and tags ------------------------------------------------------------------------------
def test_failing_canary_stops_later_waves(world: dict) -> None:
    canary = add_target(world, "canary", risk="low")
    reject_pushes(canary)
    later = add_target(world, "later", risk="high")
    state = repo_state(later)
    out = sync(world, "v1.0.0", "r1")
    res = out["results"]
    assert res["canary"].status == "failed" and "protected branch" in res["canary"].message
    assert res["later"].status == "not-attempted"
    assert "canary wave failed" in res["later"].message
    assert out["code"] == 1
    assert repo_state(later) == state


def test_moved_tag_stops_the_remaining_waves(world: dict, tmp_path: Path) -> None:
    src = tmp_path / "moving-source"
    git("clone", "-q", str(world["source"]), str(src))
    git("remote", "remove", "origin", cwd=src)   # so the manifest names this clone
    other = git("rev-parse", "v1.1.0^{commit}", cwd=src)
    manifest = build_manifest(str(src), "v1.0.0")
    canary = add_target(world, "canary", risk="low")
    # The canary's server moves the tag as soon as it receives our push.
    hook = canary / "hooks" / "post-receive"
    hook.write_text(f"#!/bin/sh\nunset GIT_DIR GIT_QUARANTINE_PATH\n"
                    f"git -C '{src}' tag -f v1.0.0 {other} >/dev/null\n")
    hook.chmod(0o755)
    later = add_target(world, "later", risk="high")
    state = repo_state(later)
    rd = RunDir(tmp_path / "runs" / "moved").create()
    results = run_sync(manifest, load_targets(world["targets"]), rd, Options())
    assert results["canary"].status == "synced"
    assert results["later"].status == "not-attempted"
    assert "tag v1.0.0 moved" in results["later"].message
    assert repo_state(later) == state


# -- serialization --------------------------------------------------------------------------------
def test_second_run_stops_with_the_holder_or_waits(world: dict) -> None:
    bare = add_target(world, "down")
    manifest = manifest_of(world, "v1.0.0")
    holder = SourceLock(manifest["source"]["repo"], "holder-run")
    holder.acquire()
    try:
        rd = RunDir(world["root"] / "runs" / "second").create()
        with pytest.raises(LockBusy) as info:
            run_sync(manifest, load_targets(world["targets"]), rd, Options())
        msg = str(info.value)
        assert "another run holds the lock" in msg and f"pid {os.getpid()}" in msg
        assert "run holder-run" in msg and "since 20" in msg
        assert sync_commits(bare, "main", "1.0.0") == []
        # With a wait, the second run goes ahead as soon as the first releases.
        timer = threading.Timer(0.5, holder.release)
        timer.start()
        rd2 = RunDir(world["root"] / "runs" / "waiting").create()
        results = run_sync(manifest, load_targets(world["targets"]), rd2,
                           Options(lock_wait=30))
        timer.join()
        assert results["down"].status == "synced"
    finally:
        holder.release()


def test_two_concurrent_runs_serialize(world: dict) -> None:
    bare = add_target(world, "down")
    pr = add_target(world, "prt", "pull-request")
    env = script_env(world, SKILLSYNC_LOCK_WAIT="120")
    procs = [subprocess.Popen(
        [str(Path(__file__).parent.parent / "scripts" / "sync"), "--manifest",
         str(world["v1.0.0"]), "--targets", str(world["targets"]), "--run-dir",
         str(world["root"] / "runs" / f"c{i}")], env={**os.environ, **env},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[0] + o[1] for o in outs]
    statuses = sorted(json.loads(o[0])["targets"][0]["status"] for o in outs)
    assert statuses in (["no-op", "synced"], ["no-op", "pending"], ["pending", "synced"])
    assert len(sync_commits(bare, "main", "1.0.0")) == 1
    assert len(sync_commits(pr, "skillsync/1.0.0", "1.0.0")) == 1
    assert not has_ref(bare, LOCK_REF) and not has_ref(pr, LOCK_REF)


def _plant_lock(bare: Path, info: dict[str, Any]) -> None:
    body = "skillsync lock\n\n" + json.dumps(info) + "\n"
    empty = git("--git-dir", str(bare), "hash-object", "-w", "-t", "tree", "/dev/null")
    proc = subprocess.run(["git", "--git-dir", str(bare), "commit-tree", empty], input=body,
                          capture_output=True, text=True, check=True)
    git("--git-dir", str(bare), "update-ref", LOCK_REF, proc.stdout.strip())


def test_target_lock_ref_blocks_a_live_holder_and_yields_when_stale(world: dict) -> None:
    import socket

    bare = add_target(world, "down")
    live = {"run": "other-machine-run", "host": "elsewhere.example", "pid": 4242,
            "since": "2026-01-01T00:00:00Z", "expires": "2999-01-01T00:00:00Z"}
    _plant_lock(bare, live)
    out = sync(world, "v1.0.0", "r1")
    res = out["results"]["down"]
    assert res.status == "failed" and "locked by run other-machine-run" in res.message
    assert sync_commits(bare, "main", "1.0.0") == []
    # Expired, or taken on this host by a process that is gone: taken over.
    for i, stale in enumerate(({**live, "expires": "2020-01-01T00:00:00Z"},
                               {**live, "host": socket.gethostname(), "pid": _dead_pid()})):
        git("--git-dir", str(bare), "update-ref", "-d", LOCK_REF)
        _plant_lock(bare, stale)
        out = sync(world, ("v1.0.0", "v1.1.0")[i], f"stale-{i}")
        assert out["results"]["down"].status == "synced", out["results"]["down"].message
        assert not has_ref(bare, LOCK_REF)
        events = [e for e in out["run"].events() if e["step"] == "lock"]
        assert any("took over a stale target lock" in e["message"] for e in events)


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


# -- SIGKILL at every step -----------------------------------------------------------------------
KILL_STEPS = ("locked", "snapshot", "push", "pushed", "applied", "verified")


def test_killed_at_each_step_converges_on_rerun(world: dict, monkeypatch: Any) -> None:
    """One real `scripts/sync` per step, SIGKILLed there (all at once, each with its own
    targets and cache); then a re-run of each must converge."""
    from skillsync.devservers import FakeGitHub

    monkeypatch.setenv("KILL_TOK", "kill-tok")
    with FakeGitHub(token="kill-tok") as gh:
        setups, procs = {}, {}
        for step in KILL_STEPS:
            tdir = world["root"] / f"targets-{step}"
            tdir.mkdir()
            down = add_target(world, f"down-{step}")
            prt = add_target(world, f"prt-{step}", "pull-request")
            (tdir / f"down-{step}.yaml").write_text(target_yaml(f"down-{step}", down))
            (tdir / f"prt-{step}.yaml").write_text(target_yaml(
                f"prt-{step}", prt, "pull-request", auth="{method: token, env: KILL_TOK}",
                forge=f"{{api_url: '{gh.url}', repository: acme/prt-{step}}}"))
            setups[step] = (tdir, down, prt)
            env = {**os.environ, "SKILLSYNC_CACHE": str(world["root"] / f"cache-{step}"),
                   "SKILLSYNC_TEST_KILL_AT": step}
            procs[step] = subprocess.Popen(
                [str(Path(__file__).parent.parent / "scripts" / "sync"), "--manifest",
                 str(world["v1.0.0"]), "--targets", str(tdir), "--run-dir",
                 str(world["root"] / f"killed-{step}")],
                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        for step, proc in procs.items():
            _, err = proc.communicate(timeout=120)
            assert proc.returncode == -signal.SIGKILL, (step, err)
        manifest = manifest_of(world, "v1.0.0")
        for step, (tdir, down, prt) in setups.items():
            monkeypatch.setenv("SKILLSYNC_CACHE", str(world["root"] / f"cache-{step}"))
            rd = RunDir(world["root"] / f"again-{step}").create()
            results = run_sync(manifest, load_targets(tdir), rd, Options())
            statuses = {tid: r.status for tid, r in results.items()}
            # pending: the pull request is open and awaits merge (issue 16)
            assert set(statuses.values()) <= {"synced", "no-op", "pending"}, (step, statuses)
            # nothing duplicated, nothing lost, no lock that blocks
            assert len(sync_commits(down, "main", "1.0.0")) == 1, step
            assert len(sync_commits(prt, "skillsync/1.0.0", "1.0.0")) == 1, step
            assert len(gh.pulls(f"acme/prt-{step}")) == 1, step
            assert_has_release(down, world, "v1.0.0")
            assert_has_release(prt, world, "v1.0.0", "skillsync/1.0.0")
            assert tree(down)["src/app.py"] == tree(prt)["src/app.py"]   # their file kept
            for bare in (down, prt):   # the lock ref is gone, or stale (its holder is dead)
                held = TargetLock(str(bare), {}, "probe", target="probe").read()
                assert held is None or held.stale(), (step, held)


# -- rerun-failed and the manual fallback ----------------------------------------------------------
def test_rerun_failed_touches_only_failed_targets(world: dict) -> None:
    good = add_target(world, "good")
    bad = add_target(world, "bad")
    reject_pushes(bad)
    first = sync(world, "v1.0.0", "r1")
    assert first["results"]["bad"].status == "failed"
    (bad / "hooks" / "pre-receive").unlink()
    good_state = repo_state(good)
    res = run_script("sync", "--rerun-failed", str(first["run"].path), "--targets",
                     str(world["targets"]), "--run-dir", str(world["root"] / "runs" / "r2"),
                     env=script_env(world))
    assert res.returncode == 0, res.stderr
    assert [(t["id"], t["status"]) for t in json.loads(res.stdout)["targets"]] \
        == [("bad", "synced")]
    assert repo_state(good) == good_state
    assert_has_release(bad, world, "v1.0.0")


def test_rejected_push_leaves_a_bundle_that_applies_by_hand(world: dict) -> None:
    bare = add_target(world, "guarded")
    reject_pushes(bare)
    out = sync(world, "v1.0.0", "r1")
    res = out["results"]["guarded"]
    fb = out["run"].path / "fallback" / "guarded"
    assert res.status == "failed" and res.data["fallback"] == str(fb)
    assert "protected branch" in (fb / "README.md").read_text()
    assert "manual fallback" in res.message
    from skillsync.report import summarize

    assert summarize(out["run"])["targets"][0]["fallback"] == str(fb)
    # The owner applies it in a clone (pushes there are theirs to make).
    work = world["root"] / "owner"
    git("clone", "-q", str(bare), str(work))
    git("pull", "-q", "--ff-only", str(fb / "sync.bundle"), "skillsync/1.0.0", cwd=work)
    have = {p: v[1] for p, v in tree(work / ".git", "HEAD").items()}
    for path, blob in release_files(world, "v1.0.0").items():
        assert have[path] == blob, path
    assert "Skillsync-Run: r1" in git("log", "-1", "--format=%B", cwd=work)
    # ... or with git am
    work2 = world["root"] / "owner2"
    git("clone", "-q", str(bare), str(work2))
    git("am", "-q", str(fb / "sync.patch"), cwd=work2)
    assert git("rev-parse", "HEAD^{tree}", cwd=work2) == git("rev-parse", "HEAD^{tree}", cwd=work)


def test_missing_credential_leaves_a_files_only_bundle(world: dict) -> None:
    bare = add_target(world, "tokenless", auth="{method: token, env: TOKENLESS_TOKEN}")
    state = repo_state(bare)
    out = sync(world, "v1.0.0", "r1")
    res = out["results"]["tokenless"]
    assert res.status == "failed" and "TOKENLESS_TOKEN" in res.message
    fb = Path(res.data["fallback"])
    readme = (fb / "README.md").read_text()
    assert "TOKENLESS_TOKEN" in readme and "renew" in readme
    assert repo_state(bare) == state
    work = world["root"] / "owner"
    git("clone", "-q", str(bare), str(work))
    git("fetch", "-q", str(fb / "sync.bundle"), "skillsync/1.0.0", cwd=work)
    git("checkout", "FETCH_HEAD", "--", ".", cwd=work)
    for path in release_files(world, "v1.0.0"):
        assert (work / path).exists(), path
    assert (work / "src/app.py").read_text() == "print('mine')\n"
