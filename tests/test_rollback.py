"""Snapshot and rollback on real repositories (RELIABILITY.md 11): for every
mechanism, snapshot -> sync -> rollback leaves the target byte-identical to
before; a target that moved on is refused unless --force (then only owned
files change); a partial run rolls back only what it wrote; twice is a no-op."""

from __future__ import annotations

import json
from typing import Any

from conftest import git, run_script
from engine_fixtures import add_submodule, repo_state
from safety_fixtures import (
    add_target,
    has_ref,
    head,
    manifest_of,
    reject_pushes,
    script_env,
    source,
    sync,
    tree,
    world,
)
from skillsync import rollback
from skillsync.runlog import RunDir
from skillsync.targets import load_targets

__all__ = ["source", "world"]  # fixtures


def roll(w: dict[str, Any], run: RunDir, *ids: str, **kw: Any) -> dict[str, rollback.Outcome]:
    outs = rollback.rollback_run(run, load_targets(w["targets"]), list(ids), **kw)
    return {o.target: o for o in outs}


def cli_rollback(w: dict[str, Any], run: RunDir, *args: str) -> Any:
    return run_script("rollback", "--run", str(run.path), "--targets", str(w["targets"]), *args,
                      env=script_env(w))


def test_push_rollback_restores_dest_byte_identical_and_twice_is_noop(world: dict) -> None:
    bare = add_target(world, "down")
    sync(world, "v1.0.0", "r1")
    before, before_head = tree(bare), head(bare)
    out = sync(world, "v1.1.0", "r2")
    assert out["results"]["down"].status == "synced"
    synced = head(bare)
    snap = json.loads((out["run"].path / "snapshots" / "down.json").read_text())
    assert snap["head"] == before_head
    assert snap["lock"]["version"] == "1.0.0"
    assert {p: (e["mode"], e["blob"]) for p, e in snap["files"].items()} == {
        p: v for p, v in before.items() if p.startswith(".agents/skills/")}
    assert tree(bare) != before

    res = cli_rollback(world, out["run"], "--target", "down")
    assert res.returncode == 0, res.stderr
    assert tree(bare) == before                      # every path, every mode, every blob
    assert "verified: .agents/skills on main byte-identical to the snapshot" in res.stderr
    doc = json.loads(res.stdout)
    assert doc["targets"][0]["status"] == "rolled-back" and doc["targets"][0]["verified"]
    # a new commit on top: history is not rewritten
    assert git("--git-dir", str(bare), "rev-parse", "main~1") == synced
    trailers = git("--git-dir", str(bare), "log", "-1", "--format=%(trailers:only,unfold)", "main")
    assert "Skillsync-Rollback-Of: r2" in trailers and "Skillsync-Version: 1.0.0" in trailers

    rolled = head(bare)
    assert roll(world, out["run"], "down")["down"].status == "no-op"
    assert head(bare) == rolled
    # the rolled-back release syncs again on a re-run (no stale no-op cache)
    assert sync(world, "v1.1.0", "r3")["results"]["down"].status == "synced"


def test_first_sync_rollback_removes_every_synced_file(world: dict) -> None:
    bare = add_target(world, "down")
    before = tree(bare)
    out = sync(world, "v1.0.0", "r1")
    outs = roll(world, out["run"], "down")
    assert outs["down"].status == "rolled-back", outs["down"].message
    assert tree(bare) == before


def test_pull_request_rollback_closes_pr_and_deletes_branch(world: dict, monkeypatch: Any) -> None:
    from skillsync.devservers import FakeGitHub

    with FakeGitHub(token="tok-123") as gh:
        monkeypatch.setenv("PRT_TOKEN", "tok-123")
        bare = add_target(world, "prt", "pull-request",
                          forge=f"{{api_url: '{gh.url}', repository: acme/prt}}",
                          auth="{method: token, env: PRT_TOKEN}")
        main_before, state_main = tree(bare), head(bare)
        out = sync(world, "v1.0.0", "r1")
        res = out["results"]["prt"]
        assert res.status == "synced" and res.pull_request["number"] == 1
        assert has_ref(bare, "refs/heads/skillsync/1.0.0")
        snap = json.loads((out["run"].path / "snapshots" / "prt.json").read_text())
        assert snap["work_branch"] == "skillsync/1.0.0" and snap["work_head"] is None

        outs = roll(world, out["run"], "prt")
        o = outs["prt"]
        assert o.status == "rolled-back", o.message
        assert not has_ref(bare, "refs/heads/skillsync/1.0.0")
        assert [p.state for p in gh.pulls("acme/prt")] == ["closed"]
        assert head(bare) == state_main and tree(bare) == main_before
        assert o.verification and "pull request #1 closed" in o.verification
        writes = len(gh.writes())
        again = roll(world, out["run"], "prt")["prt"]
        assert again.status == "no-op" and len(gh.writes()) == writes


def test_pull_request_rollback_without_forge_deletes_the_branch(world: dict) -> None:
    bare = add_target(world, "prt", "pull-request")
    before = repo_state(bare)
    out = sync(world, "v1.0.0", "r1")
    assert out["results"]["prt"].status == "pending"
    o = roll(world, out["run"], "prt")["prt"]
    assert o.status == "rolled-back" and "branch skillsync/1.0.0 absent" in (o.verification or "")
    assert not has_ref(bare, "refs/heads/skillsync/1.0.0")
    refs = git("--git-dir", str(bare), "for-each-ref", "--format=%(refname)")
    assert refs.splitlines() == ["refs/heads/main"]
    assert before != repo_state(bare)   # objects stay (nothing is rewritten); refs are as before


def test_merged_pull_request_gets_a_revert_pull_request(world: dict, monkeypatch: Any) -> None:
    from skillsync.devservers import FakeGitHub

    with FakeGitHub(token="tok-9") as gh:
        monkeypatch.setenv("PRT_TOKEN", "tok-9")
        bare = add_target(world, "prt", "pull-request",
                          forge=f"{{api_url: '{gh.url}', repository: acme/prt}}",
                          auth="{method: token, env: PRT_TOKEN}")
        before = tree(bare)
        out = sync(world, "v1.0.0", "r1")
        # A person merges the pull request (fast-forward here) and commits on top.
        git("--git-dir", str(bare), "update-ref", "refs/heads/main", "refs/heads/skillsync/1.0.0")
        gh.close_pull("acme/prt", 1, merged=True)
        o = roll(world, out["run"], "prt")["prt"]
        assert o.status == "pending", o.message
        assert o.pull_request and o.pull_request["number"] == 2
        assert tree(bare, "skillsync/rollback-r1") == before
        assert o.verified
        again = roll(world, out["run"], "prt")["prt"]
        assert again.status == "pending" and again.commit == o.commit   # same branch, no new one
        assert len([p for p in gh.pulls("acme/prt") if p.state == "open"]) == 1


def test_submodule_rollback_restores_the_pointer(world: dict) -> None:
    mono = add_target(world, "mono", "submodule", files={"README.md": "mono\n"},
                      submodule="{path: vendor/skills, via: push}")
    add_submodule(mono, world["source"], "v1.0.0")
    before = tree(mono)
    out = sync(world, "v1.1.0", "r1")
    assert out["results"]["mono"].status == "synced"
    assert tree(mono)["vendor/skills"][1] == manifest_of(world, "v1.1.0")["source"]["commit"]
    o = roll(world, out["run"], "mono")["mono"]
    assert o.status == "rolled-back", o.message
    assert tree(mono) == before
    assert o.verification and "vendor/skills" in o.verification
    assert roll(world, out["run"], "mono")["mono"].status == "no-op"


def test_rollback_refuses_when_target_moved_and_force_keeps_their_changes(world: dict) -> None:
    bare = add_target(world, "down")
    sync(world, "v1.0.0", "r1")
    owned_before = {p: v for p, v in tree(bare).items() if p.startswith(".agents/skills/")}
    out = sync(world, "v1.1.0", "r2")
    work = world["root"] / "person"
    git("clone", "-q", str(bare), str(work))
    (work / "README.md").write_text("edited after the sync\n")
    (work / ".agents/skills/LOCAL.md").write_text("a note skillsync does not own\n")
    git("add", "-A", cwd=work)
    git("commit", "-qm", "their work", cwd=work)
    git("push", "-q", "origin", "main", cwd=work)
    theirs = head(bare)

    res = cli_rollback(world, out["run"], "--target", "down")
    assert res.returncode == 1
    assert json.loads(res.stdout)["targets"][0]["status"] == "refused"
    assert "moved on" in res.stderr and "--force" in res.stderr
    assert head(bare) == theirs

    forced = roll(world, out["run"], "down", force=True)["down"]
    assert forced.status == "rolled-back", forced.message
    now = tree(bare)
    assert git("--git-dir", str(bare), "rev-parse", "main~1") == theirs
    assert git("--git-dir", str(bare), "show", "main:README.md") == "edited after the sync"
    assert ".agents/skills/LOCAL.md" in now                  # not ours: untouched
    for path, entry in owned_before.items():
        assert now[path] == entry, path
    assert ".agents/skills/gamma/SKILL.md" not in now        # added by r2: removed again
    assert "skillsync owns" in forced.message
    assert forced.verification and forced.verification.startswith("verified:")


def test_partial_run_rolls_back_only_synced_targets(world: dict) -> None:
    good = add_target(world, "good")
    bad = add_target(world, "bad")
    reject_pushes(bad)
    before_good = tree(good)
    out = sync(world, "v1.0.0", "r1")
    assert out["results"]["bad"].status == "failed"
    assert rollback.synced_ids(out["run"]) == ["good"]
    bad_state = repo_state(bad)
    res = cli_rollback(world, out["run"], "--all-synced")
    assert res.returncode == 0, res.stderr
    assert [t["id"] if "id" in t else t["target"] for t in json.loads(res.stdout)["targets"]] \
        == ["good"]
    assert tree(good) == before_good
    assert repo_state(bad) == bad_state
    o = roll(world, out["run"], "bad")["bad"]
    assert o.status == "no-op", o.message      # its snapshot state: nothing of ours to undo
    assert repo_state(bad) == bad_state


def test_rollback_dry_run_writes_nothing(world: dict) -> None:
    bare = add_target(world, "down")
    out = sync(world, "v1.0.0", "r1")
    state = repo_state(bare)
    res = cli_rollback(world, out["run"], "--target", "down", "--dry-run")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["targets"][0]["status"] == "planned"
    assert repo_state(bare) == state
    assert not (out["run"].path / "rollbacks").exists()


def test_webhook_rollback_resends_previous_release_or_asks_the_owner(world: dict) -> None:
    from skillsync.devservers import WebhookReceiver

    with WebhookReceiver() as hook:
        (world["targets"] / "portal.yaml").write_text(
            f"id: portal\nmechanism: webhook\nurl: {hook.url}/hook\n")
        first = sync(world, "v1.0.0", "r1")
        o = roll(world, first["run"], "portal")["portal"]
        assert o.status == "manual" and "endpoint owner" in o.message
        second = sync(world, "v1.1.0", "r2")
        assert second["results"]["portal"].status == "synced"
        o = roll(world, second["run"], "portal")["portal"]
        assert o.status == "rolled-back", o.message
        last = hook.bodies()[-1]
        assert last["release"]["version"] == "1.0.0" and last["rollback_of"] == "r2"
        assert roll(world, second["run"], "portal")["portal"].status == "no-op"


def test_snapshot_script_records_pre_sync_state(world: dict) -> None:
    bare = add_target(world, "down")
    sync(world, "v1.0.0", "r1")
    run_dir = world["root"] / "runs" / "snap"
    res = run_script("snapshot", "--manifest", str(world["v1.1.0"]), "--targets",
                     str(world["targets"]), "--run-dir", str(run_dir), env=script_env(world))
    assert res.returncode == 0, res.stderr
    [snap] = json.loads(res.stdout)
    assert snap["head"] == head(bare) and snap["lock"]["version"] == "1.0.0"
    assert json.loads((run_dir / "snapshots" / "down.json").read_text())["head"] == head(bare)
    assert set(snap["owned"]) <= set(snap["files"])
    bad = run_script("rollback", "--run", str(run_dir), "--targets", str(world["targets"]),
                     env=script_env(world))
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_pull_request_branch_that_existed_before_is_restored_not_deleted(world: dict) -> None:
    bare = add_target(world, "prt", "pull-request")
    # A sync branch for this version already exists (an earlier, different build of it).
    git("--git-dir", str(bare), "branch", "skillsync/1.0.0", "main")
    work = world["root"] / "early"
    git("clone", "-q", "-b", "skillsync/1.0.0", str(bare), str(work))
    (work / "NOTE.md").write_text("a reviewer's note\n")
    git("add", "NOTE.md", cwd=work)
    git("commit", "-qm", "note", cwd=work)
    git("push", "-q", "origin", "skillsync/1.0.0", cwd=work)
    before = tree(bare, "skillsync/1.0.0")
    note = head(bare, "skillsync/1.0.0")
    out = sync(world, "v1.0.0", "r1")
    assert out["results"]["prt"].status == "pending"
    o = roll(world, out["run"], "prt")["prt"]
    assert o.status == "rolled-back", o.message
    assert tree(bare, "skillsync/1.0.0") == before
    log = git("--git-dir", str(bare), "rev-list", "skillsync/1.0.0").splitlines()
    assert note in log and len(log) == 4          # note, sync, rollback on top of main
    assert not has_ref(bare, "refs/skillsync/lock")
