"""What one target costs in git HTTP requests (issue 17 items 1 and 2), read from the
loopback git server's own log, on real repositories; and the trust each saving rests on.

The sequences, per target (`kind` below names each request):
- a fetch by branch name is `advertise, ls-refs, fetch` (its ls-refs is the ls-remote);
- a fetch by object id (a lazily read blob) is `advertise, fetch`;
- a push is `receive-pack advertise, receive-pack push`; an ls-remote `advertise, ls-refs`.

A synced target outside the canary wave: one fetch of its heads, trees and (when the
cache names it) lock blob, the lock blob when not, the push, and nothing after it: the
push's own report confirms the ref. The canary adds its full read-back, one fetch. A cold
no-op is one fetch; a warm one an ls-remote."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import git, make_bare_remote
from engine_fixtures import target_yaml
from safety_fixtures import manifest_of, source, sync
from skillsync import mechanisms
from skillsync.devservers.git_http import GitHttpServer, GitRequest
from skillsync.devservers.github import FakeGitHub
from skillsync.downstream import pushed_refs
from skillsync.errors import TargetError
from skillsync.mechanisms.base import Context
from skillsync.runlog import RunDir
from skillsync.source import open_source
from skillsync.targets import load_targets

__all__ = ["source"]  # fixture

TOKEN = "rt-token-5d1f0a9c"   # the loopback servers' test token

BY_NAME = ["upload-pack advertise", "upload-pack ls-refs", "upload-pack fetch"]
BY_ID = ["upload-pack advertise", "upload-pack fetch"]
LS_REMOTE = ["upload-pack advertise", "upload-pack ls-refs"]
PUSH = ["receive-pack advertise", "receive-pack push"]


def kind(r: GitRequest) -> str:
    return f"{r.service.removeprefix('git-')} {r.command}"


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[tuple[GitHttpServer, FakeGitHub]]:
    (tmp_path / "serve").mkdir()
    with GitHttpServer(tmp_path / "serve", token=TOKEN) as srv:
        gh = FakeGitHub(token=TOKEN).start()
        try:
            yield srv, gh
        finally:
            gh.stop()


@pytest.fixture
def world(source: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
          servers: tuple[GitHttpServer, FakeGitHub]) -> dict[str, Any]:
    monkeypatch.setenv("SKILLSYNC_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("RT_TOKEN", TOKEN)
    tdir = tmp_path / "targets"
    tdir.mkdir()
    srv, gh = servers
    return {**source, "root": tmp_path, "targets": tdir, "source": source["path"],
            "srv": srv, "gh": gh}


def served(w: dict[str, Any], tid: str, mechanism: str = "push", risk: str = "medium",
           **extra: object) -> Path:
    """A downstream behind the git server (and, for a pull request, the fake GitHub)."""
    bare = make_bare_remote(w["srv"].root, tid, {"README.md": "downstream\n"})
    if mechanism == "pull-request":
        extra["forge"] = f'{{api_url: "{w["gh"].url}", repository: acme/{tid}}}'
    (w["targets"] / f"{tid}.yaml").write_text(target_yaml(
        tid, w["srv"].url_for(f"{tid}.git"), mechanism, risk=risk,
        auth="{method: token, env: RT_TOKEN}", **extra))
    return bare


def measured(w: dict[str, Any], ref: str, run: str) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """One run_sync, one target at a time, and the requests each target's repository saw."""
    start = len(w["srv"].requests)
    out = sync(w, ref, run, jobs=1)
    seen: dict[str, list[str]] = {}
    for r in list(w["srv"].requests)[start:]:
        seen.setdefault(r.repo.removesuffix(".git"), []).append(kind(r))
    return out, seen


def statuses(out: dict[str, Any]) -> dict[str, str]:
    return {tid: str(r.status) for tid, r in out["results"].items()}


def test_push_targets_cost_the_floor_plus_the_lock_and_the_canary_its_read_back(
        world: dict[str, Any]) -> None:
    served(world, "canary", risk="low")
    served(world, "later")
    # First sync: no lock yet. Outside the canary wave that is the floor (clone + push).
    out, seen = measured(world, "v1.0.0", "r1")
    assert statuses(out) == {"canary": "synced", "later": "synced"}
    assert seen["later"] == BY_NAME + PUSH
    assert seen["canary"] == BY_NAME + PUSH + BY_NAME        # + the full read-back
    assert out["results"]["later"].data["verified"] == "ref"
    assert out["results"]["canary"].data["verified"] is True

    # The next release with the cache of that run: the lock blob the cache names comes
    # with the trees, so it costs nothing of its own.
    out, seen = measured(world, "v1.1.0", "r2")
    assert statuses(out) == {"canary": "synced", "later": "synced"}
    assert seen["later"] == BY_NAME + PUSH
    assert seen["canary"] == BY_NAME + PUSH + BY_NAME


def test_a_cold_update_reads_the_lock_blob_once_more(world: dict[str, Any],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    served(world, "canary", risk="low")
    served(world, "later")
    sync(world, "v1.0.0", "r1")
    monkeypatch.setenv("SKILLSYNC_CACHE", str(world["root"] / "cold"))
    out, seen = measured(world, "v1.1.0", "r2")
    assert statuses(out) == {"canary": "synced", "later": "synced"}
    assert seen["later"] == BY_NAME + BY_ID + PUSH            # 7 (13 before issue 17)
    assert seen["canary"] == BY_NAME + BY_ID + PUSH + BY_NAME  # 10 (18 before)


def test_a_no_op_is_one_fetch_cold_and_one_ls_remote_warm(
        world: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    served(world, "canary", risk="low")
    served(world, "later")
    sync(world, "v1.0.0", "r1")
    monkeypatch.setenv("SKILLSYNC_CACHE", str(world["root"] / "cold"))
    out, seen = measured(world, "v1.0.0", "r2")
    assert statuses(out) == {"canary": "no-op", "later": "no-op"}
    assert all("is its sync commit" in r.message for r in out["results"].values())
    assert seen == {"canary": BY_NAME, "later": BY_NAME}      # 3 each (5 before)
    out, seen = measured(world, "v1.0.0", "r3")
    assert statuses(out) == {"canary": "no-op", "later": "no-op"}
    assert seen == {"canary": LS_REMOTE, "later": LS_REMOTE}


def test_a_pending_pull_request_costs_one_fetch_and_one_api_read_cold(
        world: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    served(world, "canary", risk="low")
    served(world, "prt", "pull-request")
    gh = world["gh"]
    out, seen = measured(world, "v1.0.0", "r1")
    assert statuses(out) == {"canary": "synced", "prt": "synced"}
    assert seen["prt"] == BY_NAME + PUSH                       # both heads in one fetch
    body = gh.pulls("acme/prt")[0].body or ""

    # Another machine, the pull request still open: its head is this release's sync
    # commit on main's head, and one list says the pull request is open. Nothing else.
    monkeypatch.setenv("SKILLSYNC_CACHE", str(world["root"] / "cold"))
    calls, writes = len(gh.requests), len(gh.writes())
    out, seen = measured(world, "v1.0.0", "r2")
    assert out["results"]["prt"].status == "pending", out["results"]["prt"].message
    assert seen["prt"] == BY_NAME                              # 3 (11 before)
    assert len(gh.requests) == calls + 1 and len(gh.writes()) == writes   # 1 read (5 before)
    assert gh.pulls("acme/prt")[0].body == body
    # and warm, from the cache that run left: an ls-remote, no API call
    calls = len(gh.requests)
    out, seen = measured(world, "v1.0.0", "r3")
    assert out["results"]["prt"].status == "pending"
    assert seen["prt"] == LS_REMOTE and len(gh.requests) == calls


def test_a_closed_pull_request_is_not_settled_from_the_branch(
        world: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """The branch says nothing about its pull request: closed by a person, the cold
    re-run plans in full and honours the close (RELIABILITY 5), as before."""
    served(world, "canary", risk="low")
    served(world, "prt", "pull-request")
    sync(world, "v1.0.0", "r1")
    number = world["gh"].pulls("acme/prt")[0].number
    world["gh"].close_pull("acme/prt", number)
    monkeypatch.setenv("SKILLSYNC_CACHE", str(world["root"] / "cold"))
    out = sync(world, "v1.0.0", "r2")
    res = out["results"]["prt"]
    assert res.status == "skipped" and "closed by a person" in res.message, res.message
    assert [p.state for p in world["gh"].pulls("acme/prt")] == ["closed"]


# -- what the trailers may and may not decide ------------------------------------------------


def local_target(w: dict[str, Any], tid: str = "down") -> Path:
    bare = make_bare_remote(w["root"], tid, {"README.md": "downstream\n"})
    (w["targets"] / f"{tid}.yaml").write_text(target_yaml(tid, bare))
    return bare


def person_commits(bare: Path, root: Path, edit: dict[str, str], *, message_of: str,
                   amend: bool = False) -> str:
    """A person's commit that edits a synced file and reuses the sync commit's whole
    message (its trailers, Skillsync-Tree included): on top, or amending it."""
    work = root / "person"
    git("clone", "-q", str(bare), str(work))
    for path, text in edit.items():
        (work / path).write_text(text)
    git("add", "-A", cwd=work)
    git("commit", "-q", *(["--amend"] if amend else []), "-C", message_of, cwd=work)
    git("push", "-q", "--force", "origin", "main", cwd=work)
    return git("rev-parse", "HEAD", cwd=work)


@pytest.mark.parametrize("amend", [False, True], ids=["on-top", "amended"])
def test_copied_trailers_over_edited_files_are_not_a_no_op(
        world: dict[str, Any], monkeypatch: pytest.MonkeyPatch, amend: bool) -> None:
    bare = local_target(world)
    first = sync(world, "v1.0.0", "r1")["results"]["down"]
    assert first.status == "synced"
    ours = git("--git-dir", str(bare), "log", "-1", "--format=%(trailers)", "main")
    theirs = person_commits(bare, world["root"], {".agents/skills/alpha/SKILL.md": "mine\n"},
                            message_of=str(first.commit), amend=amend)
    assert "Skillsync-Digest" in git("--git-dir", str(bare), "log", "-1", "--format=%B", theirs)
    monkeypatch.setenv("SKILLSYNC_CACHE", str(world["root"] / "cold"))
    res = sync(world, "v1.0.0", "r2")["results"]["down"]
    # Planned in full: the edit is drift, and the target halts naming it (RELIABILITY 13).
    assert res.status == "halted", res.message
    assert ".agents/skills/alpha/SKILL.md" in res.message
    assert git("--git-dir", str(bare), "rev-parse", "main") == theirs
    # what told them apart: the sync commit names its own tree, theirs has another
    tree = git("--git-dir", str(bare), "rev-parse", f"{first.commit}^{{tree}}")
    assert f"Skillsync-Tree: {tree}" in ours


def test_an_empty_commit_with_copied_trailers_is_still_the_release(
        world: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """Same tree, same trailers: nothing under dest changed, so the no-op is right."""
    bare = local_target(world)
    first = sync(world, "v1.0.0", "r1")["results"]["down"]
    work = world["root"] / "person"
    git("clone", "-q", str(bare), str(work))
    git("commit", "-q", "--allow-empty", "-C", str(first.commit), cwd=work)
    git("push", "-q", "origin", "main", cwd=work)
    monkeypatch.setenv("SKILLSYNC_CACHE", str(world["root"] / "cold"))
    res = sync(world, "v1.0.0", "r2")["results"]["down"]
    assert res.status == "no-op" and "is its sync commit" in res.message


def test_a_lock_blob_hint_that_is_not_the_trees_lock_is_not_believed(
        world: dict[str, Any]) -> None:
    """The cache names the lock blob to fetch with the trees; a wrong one (here: a forged
    lock claiming a person's file, planted in the target) is fetched but never read: the
    lock is the blob the tree names."""
    bare = local_target(world)
    assert sync(world, "v1.0.0", "r1")["results"]["down"].status == "synced"
    work = world["root"] / "person"
    git("clone", "-q", str(bare), str(work))
    theirs = work / ".agents/skills/theirs.md"
    theirs.write_text("a person's notes\n")
    real = json.loads((work / ".agents/skills/.skillsync-lock.json").read_text())
    blob = git("hash-object", str(theirs))
    forged = {**real, "files": {**real["files"], ".agents/skills/theirs.md": {
        **next(iter(real["files"].values())), "blob": blob}}}
    (work / "docs").mkdir()
    (work / "docs/forged-lock.json").write_text(json.dumps(forged))
    git("add", "-A", cwd=work)
    git("commit", "-qm", "notes", cwd=work)
    git("push", "-q", "origin", "main", cwd=work)
    forged_blob = git("rev-parse", "HEAD:docs/forged-lock.json", cwd=work)
    [entry] = list((world["root"] / "cache" / "targets").glob("*.json"))
    cached = json.loads(entry.read_text())
    assert cached.get("lock_blob")
    entry.write_text(json.dumps({**cached, "lock_blob": forged_blob}))

    out = sync(world, "v1.1.0", "r2")
    res = out["results"]["down"]
    assert res.status == "synced", res.message
    plan = json.loads((out["run"].path / "plans" / "down.json").read_text())
    assert ".agents/skills/theirs.md" not in plan["data"]["owned_before"]
    assert git("--git-dir", str(bare), "show", "main:.agents/skills/theirs.md") == \
        "a person's notes"


# -- the push: leased on the head the plan read, confirmed by the server's report ------------


def test_a_push_target_reset_behind_the_plan_is_refused_by_the_lease(
        world: dict[str, Any], tmp_path: Path) -> None:
    """A person removed a commit (reset the branch to its parent) after we planned on it:
    our commit would fast-forward the branch and bring theirs back. The push is leased on
    the head we planned on (and snapshotted), which refuses it; before, only the shallow
    scratch clone's not knowing the older commit kept git from pushing."""
    bare = local_target(world)
    sync(world, "v1.0.0", "r1")
    synced = git("--git-dir", str(bare), "rev-parse", "main")
    work = tmp_path / "person"
    git("clone", "-q", str(bare), str(work))
    (work / "oops.txt").write_text("pushed by mistake\n")
    git("add", "-A", cwd=work)
    git("commit", "-qm", "oops", cwd=work)
    git("push", "-q", "origin", "main", cwd=work)

    manifest = manifest_of(world, "v1.1.0")
    target = load_targets(world["targets"])[0]
    ctx = Context(target, manifest, RunDir(tmp_path / "runs" / "lease").create(),
                  open_source(str(world["source"]), manifest["source"]["commit"]))
    mech = mechanisms.get("push")
    plan = mech.plan(ctx)                                  # on "oops"
    git("push", "-q", "--force", "origin", f"{synced}:refs/heads/main", cwd=work)
    with pytest.raises(TargetError, match="moved on since we read it"):
        mech.apply(ctx, plan)
    mech.close()
    assert git("--git-dir", str(bare), "rev-parse", "main") == synced
    assert "oops.txt" not in git("--git-dir", str(bare), "ls-tree", "--name-only", "main")


def test_the_push_report_is_read_per_ref() -> None:
    porcelain = (
        "To http://127.0.0.1:1/down.git\n"
        f" \t{'a' * 40}:refs/heads/main\t1111111..aaaaaaa\n"
        f"*\t{'b' * 40}:refs/heads/skillsync/1.1.0\t[new branch]\n"
        f"=\t{'c' * 40}:refs/heads/same\t[up to date]\n"
        "-\t:refs/heads/skillsync/1.0.0\t[deleted]\n"
        f"!\t{'d' * 40}:refs/heads/guarded\t[remote rejected] (protected branch)\n"
        "Done\n")
    assert pushed_refs(porcelain) == {
        "refs/heads/main": "a" * 40, "refs/heads/skillsync/1.1.0": "b" * 40,
        "refs/heads/same": "c" * 40, "refs/heads/skillsync/1.0.0": ""}


def test_a_branch_that_does_not_exist_yet_falls_back_to_ls_remote(
        world: dict[str, Any]) -> None:
    bare = make_bare_remote(world["srv"].root, "fresh", {"README.md": "x\n"})
    git("--git-dir", str(bare), "branch", "-m", "main", "trunk")
    (world["targets"] / "fresh.yaml").write_text(target_yaml(
        "fresh", world["srv"].url_for("fresh.git"), risk="medium",
        auth="{method: token, env: RT_TOKEN}"))
    served(world, "canary", risk="low")
    out, seen = measured(world, "v1.0.0", "r1")
    assert out["results"]["fresh"].status == "synced", out["results"]["fresh"].message
    assert seen["fresh"] == LS_REMOTE + LS_REMOTE + PUSH    # the failed fetch, then ls-remote
    assert git("--git-dir", str(bare), "log", "-1", "--format=%s", "main").startswith(
        "skillsync")


def job(w: dict[str, Any], run: str, *extra: str) -> tuple[dict[str, Any], list[str]]:
    """One CI matrix job (`scripts/sync-target solo`) and what its repository saw."""
    from conftest import run_script

    start = len(w["srv"].requests)
    proc = run_script("sync-target", "--target", "solo", *extra, "--manifest",
                      str(w["v1.1.0"]), "--targets", str(w["targets"]), "--run-dir",
                      str(w["root"] / "runs" / run), "--source", str(w["source"]))
    assert proc.returncode == 0, proc.stderr
    seen = [kind(r) for r in list(w["srv"].requests)[start:] if r.repo == "solo.git"]
    return dict(json.loads(proc.stdout)), seen


def test_one_sync_target_process_per_target_reads_back_in_full(
        world: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """A CI matrix job (`sync-target`, one target a process) with no record that could
    answer from the heads fetches its branch by name, as one process does (no ls-remote
    ahead: it would be a request more); routed alone it is its own canary: the full
    read-back, one fetch."""
    served(world, "solo")
    assert sync(world, "v1.0.0", "r1")["results"]["solo"].status == "synced"
    monkeypatch.setenv("SKILLSYNC_CACHE", str(world["root"] / "job-cache"))
    out, seen = job(world, "job")
    assert out["status"] == "synced"
    assert seen == BY_NAME + BY_ID + PUSH + BY_NAME   # 10 (18 before)

    # and a job with an empty cache once it is there: the head commit fetched by name
    # for its trailers (3; 5 before)
    monkeypatch.setenv("SKILLSYNC_CACHE", str(world["root"] / "another-job"))
    out, seen = job(world, "job2")
    assert out["status"] == "no-op"
    assert seen == BY_NAME

    # and a warm job (its record of this release): the heads read ahead while it starts
    # decide it alone (2)
    out, seen = job(world, "job3")
    assert out["status"] == "no-op"
    assert seen == LS_REMOTE


def test_a_sync_target_job_of_a_later_wave_trusts_the_push_report(
        world: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """`--wave N` (the plan's wave; CI knows it): outside the canary wave the push's own
    per-ref report stands in for the read-back, as in one process, and the result says
    which wave it ran in."""
    from conftest import run_script

    served(world, "solo")
    assert sync(world, "v1.0.0", "r1")["results"]["solo"].status == "synced"
    monkeypatch.setenv("SKILLSYNC_CACHE", str(world["root"] / "job-cache"))
    out, seen = job(world, "job", "--wave", "2")
    assert out["status"] == "synced" and out["data"]["wave"] == 2
    assert out["data"]["verified"] == "ref"
    assert seen == BY_NAME + BY_ID + PUSH      # 7: no read-back fetch
    bad = run_script("sync-target", "--target", "solo", "--wave", "-1", "--manifest",
                     str(world["v1.1.0"]), "--targets", str(world["targets"]))
    assert bad.returncode == 2 and "--wave" in bad.stderr and "Traceback" not in bad.stderr


def test_sync_only_of_a_later_wave_keeps_its_fleet_wave(world: dict[str, Any]) -> None:
    """CI's chunk jobs run `sync --only IDS`: a chunk of wave 1 is wave 1 (the fleet's
    numbering), so it is verified by the push report and recorded as wave 1; the empty
    canary wave of that job is skipped, not run or halted."""
    from skillsync.runlog import RunDir
    from skillsync.sync import Options, run_sync
    from skillsync.targets import load_targets

    served(world, "can", risk="low")
    served(world, "mid")
    assert set(statuses(sync(world, "v1.0.0", "r1")).values()) == {"synced"}
    manifest = json.loads(Path(world["v1.1.0"]).read_text())
    start = len(world["srv"].requests)
    run = RunDir(world["root"] / "runs" / "chunk").create()
    res = run_sync(manifest, load_targets(world["targets"]), run, Options(), only=["mid"])
    assert set(res) == {"mid"} and res["mid"].status == "synced"
    assert res["mid"].data["wave"] == 1 and res["mid"].data["verified"] == "ref"
    seen = [kind(r) for r in list(world["srv"].requests)[start:]]
    assert all(r.repo == "mid.git" for r in list(world["srv"].requests)[start:])
    assert seen[-len(PUSH):] == PUSH                     # no read-back after the push
