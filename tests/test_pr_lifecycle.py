"""The pull-request lifecycle (issue 16) on the loopback GitHub and real bare
repositories: a newer release supersedes an older sync pull request (and never one a
person pushed to), rollback marks what it closed, a re-sync of the same version opens
a new pull request with no orphan branch, a person's close is honoured before anything
is pushed, and sync, report and fleet status say the same thing about a pull request
that awaits merge."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

import openapi_contract
from conftest import git
from engine_fixtures import repo_state
from skillsync import report, status
from skillsync.devservers.github import FakeGitHub
from skillsync.rollback import rollback_run
from skillsync.runlog import RunDir
from skillsync.targets import load_targets
from test_sync import add_target, sync, world  # noqa: F401 - fixture re-export

TOKEN = "ghp_LIFECYCLE_c4n4ry_91f0"


@pytest.fixture
def gh(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGitHub]:
    monkeypatch.setenv("ACME_TOKEN", TOKEN)
    server = FakeGitHub(token=TOKEN).start()
    try:
        yield server
    finally:
        server.stop()


def pr_target(w: dict, gh: FakeGitHub, tid: str = "acme") -> Path:
    return add_target(w, tid, "pull-request",
                      forge=f'{{api_url: "{gh.url}", repository: acme/agents}}',
                      auth="{method: token, env: ACME_TOKEN}")


def branches(bare: Path) -> dict[str, str]:
    out = git("--git-dir", str(bare), "for-each-ref", "--format=%(refname:short) %(objectname)",
              "refs/heads/")
    return dict(line.split() for line in out.splitlines())


def push_to(bare: Path, root: Path, branch: str, name: str) -> str:
    """A person's commit on `branch` of `bare` (its sha)."""
    work = root / f"person-{name}"
    git("clone", "-q", "-b", branch, str(bare), str(work))
    (work / f"{name}.txt").write_text("a person's work\n")
    git("add", "-A", cwd=work)
    git("commit", "-qm", f"{name}: a person's commit", cwd=work)
    git("push", "-q", "origin", branch, cwd=work)
    return git("rev-parse", "HEAD", cwd=work)


def rollback(w: dict, run: RunDir, tid: str = "acme") -> dict:
    [out] = rollback_run(run, load_targets(w["targets"]), [tid])
    return out.as_dict()


def fleet(w: dict) -> dict:
    doc = status.fleet_status(load_targets(w["targets"]),
                              status.Options(source=str(w["source"]), runs=w["root"] / "runs",
                                             use_cache=False))
    return {t["id"]: t for t in doc["targets"]}


# -- supersede -------------------------------------------------------------------------------
def test_newer_release_closes_the_older_sync_pull_request_and_deletes_its_branch(
        world: dict, gh: FakeGitHub) -> None:  # noqa: F811
    bare = pr_target(world, gh)
    first = sync(world, "v1.0.0", "r1")["results"]["acme"]
    assert first.status == "synced", first.message
    old = first.pull_request["number"]
    # A dry run of the newer release closes nothing: no API write, no ref deleted.
    before, writes = repo_state(bare), len(gh.writes())
    assert sync(world, "v1.1.0", "dry", dry_run=True)["results"]["acme"].status == "planned"
    assert repo_state(bare) == before and len(gh.writes()) == writes

    res = sync(world, "v1.1.0", "r2")["results"]["acme"]
    assert res.status == "synced", res.message
    new = res.pull_request["number"]
    assert f"closed superseded #{old}" in res.message
    assert res.data["superseded"][0]["action"] == "closed"
    pulls = {p.number: p for p in gh.pulls("acme/agents")}
    assert pulls[old].state == "closed" and pulls[new].state == "open"
    assert "skillsync-superseded" in pulls[old].labels
    assert any(f"Superseded by #{new}" in c["body"] for c in pulls[old].comments)
    assert set(branches(bare)) == {"main", "skillsync/1.1.0"}   # 1.0.0's branch deleted
    # every call and answer on GitHub's published contract
    assert openapi_contract.check(gh.requests) == len(gh.requests)


def test_a_persons_commit_keeps_the_older_pull_request_open_with_a_comment(
        world: dict, gh: FakeGitHub) -> None:  # noqa: F811
    bare = pr_target(world, gh)
    old = sync(world, "v1.0.0", "r1")["results"]["acme"].pull_request["number"]
    theirs = push_to(bare, world["root"], "skillsync/1.0.0", "review-fix")

    res = sync(world, "v1.1.0", "r2")["results"]["acme"]
    assert res.status == "synced", res.message
    assert f"#{old} left open" in res.message
    item = {p.number: p for p in gh.pulls("acme/agents")}[old]
    assert item.state == "open" and "skillsync-superseded" not in item.labels
    [comment] = [c["body"] for c in item.comments]
    assert "did not close this pull request" in comment and theirs[:12] in comment
    assert branches(bare)["skillsync/1.0.0"] == theirs        # the person's commit survives

    # A later run says it once, not once per run.
    push_unrelated = push_to(bare, world["root"], "main", "unrelated")
    assert push_unrelated
    sync(world, "v1.1.0", "r3")
    assert len({p.number: p for p in gh.pulls("acme/agents")}[old].comments) == 1


def test_supersede_leaves_other_pull_requests_alone(world: dict, gh: FakeGitHub) -> None:  # noqa: F811
    bare = pr_target(world, gh)
    sync(world, "v1.0.0", "r1")
    # a person's branch that merely looks like ours, and a newer release's pull request
    for branch in ("skillsync/0.9.0", "skillsync/3.0.0"):
        git("--git-dir", str(bare), "branch", branch, "main")
    by_hand = gh.add_pull("acme/agents", head="skillsync/0.9.0", body="made by hand")
    newer = gh.add_pull("acme/agents", head="skillsync/3.0.0",
                        body="<!-- skillsync:pull-request target=acme -->")
    res = sync(world, "v1.1.0", "r2")["results"]["acme"]
    states = {p.number: p.state for p in gh.pulls("acme/agents")}
    assert states[by_hand.number] == "open" and states[newer.number] == "open"
    assert {"skillsync/0.9.0", "skillsync/3.0.0"} <= set(branches(bare))
    assert [s["number"] for s in res.data["superseded"]] == [1]


# -- rollback, then re-sync ----------------------------------------------------------------------
def test_rollback_then_resync_opens_a_new_pull_request_and_leaves_no_orphan(
        world: dict, gh: FakeGitHub) -> None:  # noqa: F811
    bare = pr_target(world, gh)
    r1 = sync(world, "v1.0.0", "r1")
    first = r1["results"]["acme"].pull_request["number"]

    out = rollback(world, r1["run"])
    assert out["status"] == "rolled-back", out["message"]
    closed = {p.number: p for p in gh.pulls("acme/agents")}[first]
    assert closed.state == "closed" and "skillsync-rolled-back" in closed.labels
    assert any("Closed by skillsync: rollback" in c["body"] for c in closed.comments)
    assert set(branches(bare)) == {"main"}
    # fleet status: the last run is shown rolled back, not synced
    st = fleet(world)["acme"]
    assert st["last_run"]["status"] == "rolled-back" and st["status"] != "pending-pr"

    res = sync(world, "v1.0.0", "r2")["results"]["acme"]
    # a new pull request, reported as what happened (not "skipped ... closed by a person")
    assert res.status == "synced", res.message
    assert res.pull_request["action"] == "opened" and res.pull_request["number"] != first
    heads = branches(bare)
    open_heads = {p.head_ref for p in gh.pulls("acme/agents", "open")}
    # no orphan: every sync branch on the remote is the head of an open pull request
    assert {b for b in heads if b.startswith("skillsync/")} == open_heads == {"skillsync/1.0.0"}
    st = fleet(world)["acme"]
    assert st["status"] == "pending-pr" and st["pull_request"]["number"] == res.pull_request[
        "number"]


def test_a_pull_request_a_person_closed_is_skipped_before_anything_is_pushed(
        world: dict, gh: FakeGitHub) -> None:  # noqa: F811
    bare = pr_target(world, gh)
    first = sync(world, "v1.0.0", "r1")["results"]["acme"].pull_request["number"]
    gh.close_pull("acme/agents", first)
    git("--git-dir", str(bare), "update-ref", "-d", "refs/heads/skillsync/1.0.0")
    push_to(bare, world["root"], "main", "moved")        # the base moved: a full re-plan
    before, writes = repo_state(bare), len(gh.writes())

    out = sync(world, "v1.0.0", "r2")
    res = out["results"]["acme"]
    assert res.status == "skipped" and "closed by a person" in res.message
    assert "nothing pushed" in res.message
    assert repo_state(bare) == before, "a skipped sync pushed something"
    assert len(gh.writes()) == writes
    assert res.data["git"]["pushes"] == 0
    assert [p.state for p in gh.pulls("acme/agents")] == ["closed"]


# -- one vocabulary ------------------------------------------------------------------------------
def test_a_pull_request_awaiting_merge_is_pending_in_sync_report_and_status(
        world: dict, gh: FakeGitHub) -> None:  # noqa: F811
    pr_target(world, gh)
    sync(world, "v1.0.0", "r1")
    out = sync(world, "v1.0.0", "r2")
    res = out["results"]["acme"]
    assert res.status == "pending" and "awaits merge" in res.message
    assert out["code"] == 0
    summary = report.summarize(out["run"])
    [row] = summary["targets"]
    assert row["status"] == "pending"
    # nothing was written by r2: its summary offers no rollback of it
    assert "### Roll back" not in report.markdown(summary)
    st = fleet(world)["acme"]
    assert st["status"] == "pending-pr" and "awaits merge" in st["reason"]
    assert st["last_run"]["status"] == "pending"
    # what r2 left: plan no-op (nothing to write), result pending
    plan = json.loads((out["run"].path / "plans" / "acme.json").read_text())
    assert plan["decision"] == "no-op" and plan["data"]["status"] == "pending"


def test_a_pull_request_closed_while_we_push_is_not_called_updated(
        world: dict, gh: FakeGitHub, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """Open-or-update decides on the list the plan read (one call fewer, issue 17); the
    PATCH's answer still shows a close that happened in between, so a person's close
    during the run is said as such, never 'updated', and the pull request stays closed."""
    from skillsync.mechanisms.pull_request import PullRequest

    bare = pr_target(world, gh)
    first = sync(world, "v1.0.0", "r1")["results"]["acme"].pull_request["number"]
    push_to(bare, world["root"], "main", "moved")        # the base moved: a full re-plan
    apply = PullRequest.apply
    marks: list[int] = []

    def closed_meanwhile(self: PullRequest, ctx: object, plan: object) -> object:
        assert self._listed and self._listed[0]["state"] == "open"   # what the plan read
        gh.close_pull("acme/agents", first)
        marks.append(len(gh.requests))
        return apply(self, ctx, plan)  # type: ignore[arg-type]

    monkeypatch.setattr(PullRequest, "apply", closed_meanwhile)
    res = sync(world, "v1.0.0", "r2")["results"]["acme"]
    assert "closed by a person" in res.message and res.status in ("failed", "skipped"), res
    assert [p.state for p in gh.pulls("acme/agents")] == ["closed"]
    after = gh.requests[marks[0]:]
    assert not [r for r in after if r.method == "GET" and r.path.endswith("/pulls")]
    assert [r.method for r in after if r.path.endswith(f"/pulls/{first}")] == ["PATCH"]
