"""Pull-request targets against the loopback GitHub-compatible API: open, then
update (never a duplicate), a closed one is not reopened, and the token never
leaves the process."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import git
from skillsync.devservers.github import FakeGitHub
from test_sync import add_target, sync, world  # noqa: F401 - fixture re-export

CANARY = "ghp_CANARY_3f9a1c77e0d24b58"


@pytest.fixture
def gh() -> Iterator[FakeGitHub]:
    server = FakeGitHub(token=CANARY).start()
    try:
        yield server
    finally:
        server.stop()


def pr_target(w: dict, gh: FakeGitHub, tid: str = "acme", repository: str = "acme/agents") -> Path:
    return add_target(w, tid, "pull-request",
                      forge=f'{{api_url: "{gh.url}", repository: {repository}}}',
                      auth="{method: token, env: ACME_TOKEN}", labels="[skills-sync]")


def push_unrelated(bare: Path, root: Path, name: str) -> None:
    work = root / f"unrelated-{name}"
    git("clone", "-q", str(bare), str(work))
    (work / f"{name}.txt").write_text(name + "\n")
    git("add", "-A", cwd=work)
    git("commit", "-qm", f"unrelated {name}", cwd=work)
    git("push", "-q", "origin", "main", cwd=work)


def test_open_then_update_never_duplicate(world: dict, gh: FakeGitHub,  # noqa: F811
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACME_TOKEN", CANARY)
    bare = pr_target(world, gh)
    out = sync(world, "v1.0.0", "r1")
    res = out["results"]["acme"]
    assert res.status == "synced", res.message
    assert res.pull_request["action"] == "opened"
    assert res.pull_request["api_calls"] <= 3
    pulls = gh.pulls("acme/agents")
    assert [(p.head_ref, p.state) for p in pulls] == [("skillsync/1.0.0", "open")]
    assert "skills-sync" in pulls[0].labels
    assert "skillsync-rollback --run r1 --target acme --dry-run" in (pulls[0].body or "")

    # Same release again, nothing changed: no API call at all.
    before = len(gh.requests)
    again = sync(world, "v1.0.0", "r2")
    # pending, not no-op: the release waits on its pull request (issue 16)
    assert again["results"]["acme"].status == "pending"
    assert "awaits merge" in again["results"]["acme"].message
    assert len(gh.requests) == before

    # The base branch moved: the same release is re-planned and the PR updated.
    push_unrelated(bare, world["root"], "one")
    upd = sync(world, "v1.0.0", "r3")
    assert upd["results"]["acme"].status == "pending"  # nothing pushed; awaits merge
    assert upd["results"]["acme"].pull_request["action"] == "updated"
    assert upd["results"]["acme"].pull_request["number"] == pulls[0].number
    assert len(gh.pulls("acme/agents")) == 1


def test_closed_pull_request_is_not_reopened(world: dict, gh: FakeGitHub,  # noqa: F811
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACME_TOKEN", CANARY)
    bare = pr_target(world, gh)
    first = sync(world, "v1.0.0", "r1")
    number = first["results"]["acme"].pull_request["number"]
    gh.close_pull("acme/agents", number)
    push_unrelated(bare, world["root"], "two")
    out = sync(world, "v1.0.0", "r2")
    res = out["results"]["acme"]
    assert res.status == "skipped" and "closed" in res.message
    pulls = gh.pulls("acme/agents")
    assert len(pulls) == 1 and pulls[0].state == "closed"


def test_missing_or_wrong_token_fails_that_target_only(world: dict, gh: FakeGitHub,  # noqa: F811
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    pr_target(world, gh)
    add_target(world, "plain")
    out = sync(world, "v1.0.0", "r1")
    assert out["results"]["acme"].status == "failed"
    assert "ACME_TOKEN is not set" in out["results"]["acme"].message
    assert out["results"]["plain"].status == "synced"
    monkeypatch.setenv("ACME_TOKEN", "ghp_wrong_" + CANARY[::-1])
    out = sync(world, "v1.0.0", "r2")
    res = out["results"]["acme"]
    assert res.status == "failed" and "ACME_TOKEN" in res.message
    assert CANARY[::-1] not in json.dumps(res.as_dict())


def test_canary_token_appears_nowhere(world: dict, gh: FakeGitHub,  # noqa: F811
                                      monkeypatch: pytest.MonkeyPatch,
                                      capfd: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ACME_TOKEN", CANARY)
    bare = pr_target(world, gh)
    gh.inject(r"/pulls$", [500, 500])   # retried, and error paths exercised
    sync(world, "v1.0.0", "r1")
    push_unrelated(bare, world["root"], "three")
    gh.inject(r"/pulls", [401])
    sync(world, "v1.0.0", "r2")
    captured = capfd.readouterr()
    assert CANARY not in captured.out + captured.err
    hits = [p for p in world["root"].rglob("*") if p.is_file()
            and CANARY.encode() in p.read_bytes()]
    assert hits == []
    for req in gh.requests:
        assert CANARY not in json.dumps(req.body or "") and CANARY not in req.path


def test_cold_cache_rerun_is_a_noop_with_one_read(world: dict, gh: FakeGitHub,  # noqa: F811
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACME_TOKEN", CANARY)
    bare = pr_target(world, gh)
    sync(world, "v1.0.0", "r1")
    heads = git("--git-dir", str(bare), "for-each-ref")
    monkeypatch.setenv("SKILLSYNC_CACHE", str(world["root"] / "another-machine"))
    writes, calls = len(gh.writes()), len(gh.requests)
    out = sync(world, "v1.0.0", "r2")
    res = out["results"]["acme"]
    assert res.status == "pending", res.message
    # The work branch head is this release's sync commit on main's head: one list asks
    # whether its pull request is open, and nothing is written (issue 17). The body keeps
    # naming r1, the run whose snapshot undoes the pull request (r2 wrote nothing).
    assert len(gh.requests) == calls + 1 and len(gh.writes()) == writes
    assert "--run r1" in (gh.pulls("acme/agents")[0].body or "")
    assert git("--git-dir", str(bare), "for-each-ref") == heads
    assert len(gh.pulls("acme/agents")) == 1
