"""skillsync.forge against the loopback GitHub API (skillsync.devservers.github).

Every exchange of every test is checked against GitHub's OpenAPI description
(tests/data/github-openapi-subset.json) by the autouse `contract` fixture.
"""

from __future__ import annotations

import email.utils
import itertools
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

import openapi_contract
from skillsync import forge
from skillsync.devservers.github import FakeGitHub
from skillsync.forge import ForgeAuthError, ForgeError, ForgeRateLimitError, GitHub

CANARY = "ghp_CANARY7f3a9c1e5b2d8TOKEN"
_names = itertools.count(1)


@pytest.fixture(scope="module")
def server() -> Iterator[FakeGitHub]:
    with FakeGitHub(token=CANARY) as srv:
        yield srv


@pytest.fixture(autouse=True)
def contract(server: FakeGitHub) -> Iterator[None]:
    """Each test's requests and the server's answers follow GitHub's OpenAPI schemas."""
    start = len(server.requests)
    yield
    server.clear_injections()
    server.page_size_cap = 100
    openapi_contract.check(server.requests[start:])


@pytest.fixture
def repo() -> str:
    return f"acme/agents-{next(_names)}"


@pytest.fixture
def waits() -> list[float]:
    return []


@pytest.fixture
def gh(server: FakeGitHub, waits: list[float]) -> Iterator[GitHub]:
    # Injected sleep: rate-limit waits are recorded, not slept; backoff 0 keeps retries instant.
    with GitHub(server.url, CANARY, token_env="ACME_SYNC_TOKEN", timeout=5, max_wait=60,
                retries=3, backoff=0, sleep=waits.append) as client:
        yield client


def _open(gh: GitHub, repo: str, *, title: str = "skillsync: sync skills 1.0.0",
          body: str = "body v1", labels: tuple[str, ...] = ("skillsync",),
          head: str = "skillsync/1.0.0") -> forge.PullRequestOutcome:
    return gh.open_or_update_pull_request(repo, head=head, base="main", title=title,
                                          body=body, labels=labels)


def _no_canary(*texts: object) -> None:
    for text in texts:
        assert CANARY not in str(text)
        assert CANARY not in repr(text)


# -- open or update ------------------------------------------------------------------
def test_open_then_update_never_duplicates(gh: GitHub, server: FakeGitHub, repo: str) -> None:
    first = _open(gh, repo)
    assert first.action == "opened"
    assert first.calls == 3            # list, create, add labels
    second = _open(gh, repo, body="body v2")
    assert second.action == "updated"
    assert second.number == first.number
    assert second.calls == 2           # list, patch
    pulls = server.pulls(repo)
    assert len(pulls) == 1
    assert pulls[0].body == "body v2"
    assert pulls[0].labels == ["skillsync"]


def test_unchanged_pull_request_makes_no_write(gh: GitHub, server: FakeGitHub, repo: str) -> None:
    _open(gh, repo)
    before = len(server.writes())
    again = _open(gh, repo)
    assert again.action == "unchanged"
    assert again.calls == 1
    assert len(server.writes()) == before


def test_missing_label_added_on_update(gh: GitHub, server: FakeGitHub, repo: str) -> None:
    _open(gh, repo, labels=())
    out = _open(gh, repo, labels=("skillsync", "automated"))
    assert out.action == "updated"
    assert server.pulls(repo)[0].labels == ["skillsync", "automated"]


def test_head_filter_carries_owner_prefix(gh: GitHub, server: FakeGitHub, repo: str) -> None:
    # Someone's fork has a branch of the same name: without the owner prefix
    # GitHub ignores `head` and we would "update" their pull request.
    fork_pr = server.add_pull(repo, head="mallory:skillsync/1.0.0", title="theirs", body="x")
    server.add_pull(repo, head="feature/other", title="unrelated", body="y")
    start = len(server.requests)
    out = _open(gh, repo)
    assert out.action == "opened"
    assert out.number != fork_pr.number
    listing = server.requests[start]
    assert listing.param("head") == f"{repo.split('/')[0]}:skillsync/1.0.0"
    assert listing.param("base") == "main"
    assert server.repo(repo).items[fork_pr.number].title == "theirs"


def test_server_ignores_head_without_owner_like_github(gh: GitHub, server: FakeGitHub,
                                                       repo: str) -> None:
    server.add_pull(repo, head="feature/a")
    server.add_pull(repo, head="feature/b")
    bare = gh.request("GET", f"/repos/{repo}/pulls", params={"head": "feature/a"}).json()
    assert len(bare) == 2
    assert len(gh.list_pull_requests(repo, head="feature/a")) == 1


def test_closed_pull_request_is_not_reopened(gh: GitHub, server: FakeGitHub, repo: str) -> None:
    first = _open(gh, repo)
    server.close_pull(repo, first.number)          # a person closed it
    before = len(server.writes())
    out = _open(gh, repo, body="body v2")
    assert out.action == "skipped-closed"
    assert out.number == first.number
    assert len(server.writes()) == before
    assert [p.state for p in server.pulls(repo)] == ["closed"]


def test_merged_pull_request_allows_a_new_one(gh: GitHub, server: FakeGitHub, repo: str) -> None:
    first = _open(gh, repo)
    server.close_pull(repo, first.number, merged=True)
    out = _open(gh, repo, body="body v2")
    assert out.action == "opened"
    assert out.number != first.number


def test_find_get_and_close_pull_request(gh: GitHub, server: FakeGitHub, repo: str) -> None:
    assert gh.find_pull_request(repo, "skillsync/1.0.0") is None
    out = _open(gh, repo)
    found = gh.find_pull_request(repo, "skillsync/1.0.0")
    assert found is not None and found["number"] == out.number
    assert gh.get_pull_request(repo, out.number)["title"] == "skillsync: sync skills 1.0.0"
    gh.close_pull_request(repo, out.number, comment="superseded by 1.0.1")
    item = server.repo(repo).items[out.number]
    assert item.state == "closed"
    assert [c["body"] for c in item.comments] == ["superseded by 1.0.1"]


def test_create_conflict_resolves_to_existing(gh: GitHub, server: FakeGitHub, repo: str) -> None:
    # Another run opened the pull request between our list and our create:
    # GitHub answers 422 "already exists"; we look again and update it.
    existing = server.add_pull(repo, head="acme:skillsync/1.0.0", title="old", body="old")
    server.inject(r"/pulls$", [200], method="GET", body=[])   # our first list sees nothing
    out = _open(gh, repo)
    assert out.action == "updated"
    assert out.number == existing.number
    assert len(server.pulls(repo)) == 1


def test_create_5xx_is_not_blindly_retried(gh: GitHub, server: FakeGitHub, repo: str) -> None:
    server.inject(r"/pulls$", [502], method="POST")
    with pytest.raises(ForgeError) as err:
        _open(gh, repo)
    assert err.value.status == 502
    assert server.pulls(repo) == []
    assert _open(gh, repo).action == "opened"    # the re-run converges


# -- pagination ----------------------------------------------------------------------------
def test_pagination_follows_link_headers(gh: GitHub, server: FakeGitHub, repo: str) -> None:
    for n in range(5):
        gh.create_issue(repo, f"issue {n}", "body", ["skillsync-failure"])
    server.page_size_cap = 2
    start = len(server.requests)
    issues = gh.list_issues(repo, label="skillsync-failure")
    assert sorted(i["title"] for i in issues) == [f"issue {n}" for n in range(5)]
    pages = [r.param("page") for r in server.requests[start:]]
    assert pages == [None, "2", "3"]


def test_pagination_refuses_a_link_to_another_host(gh: GitHub, server: FakeGitHub,
                                                   repo: str) -> None:
    server.inject(r"/issues$", [200], method="GET", body=[],
                  headers={"Link": '<http://127.0.0.2:9/steal?page=2>; rel="next"'})
    with pytest.raises(ForgeError, match="another host"):
        gh.list_issues(repo)


# -- retries, rate limits, timeouts -------------------------------------------------------
def test_5xx_retried_then_succeeds(gh: GitHub, server: FakeGitHub, repo: str) -> None:
    server.inject(r"/pulls$", [500, 502], method="GET")
    start = len(server.requests)
    out = _open(gh, repo)
    assert out.action == "opened"
    statuses = [r.status for r in server.requests[start:] if r.method == "GET"]
    assert statuses == [500, 502, 200]


def test_5xx_exhausted_fails_naming_the_call(gh: GitHub, server: FakeGitHub, repo: str) -> None:
    server.inject(r"/pulls/\d+$", [503] * 4, method="GET")
    with pytest.raises(ForgeError) as err:
        gh.get_pull_request(repo, 1)
    assert err.value.status == 503
    assert str(err.value).startswith(f"GET /repos/{repo}/pulls/1: HTTP 503")
    _no_canary(err.value)


def test_429_retry_after_seconds(gh: GitHub, server: FakeGitHub, repo: str,
                                 waits: list[float]) -> None:
    server.inject(r"/pulls$", [429], method="GET", headers={"Retry-After": "7"})
    assert _open(gh, repo).action == "opened"
    assert waits == [7.0]


def test_429_retry_after_http_date(gh: GitHub, server: FakeGitHub, repo: str,
                                   waits: list[float]) -> None:
    when = email.utils.formatdate(time.time() + 30, usegmt=True)
    server.inject(r"/pulls$", [429], method="GET", headers={"Retry-After": when})
    assert _open(gh, repo).action == "opened"
    assert len(waits) == 1
    assert 25 <= waits[0] <= 31


def test_403_rate_limit_waits_for_reset(gh: GitHub, server: FakeGitHub, repo: str,
                                        waits: list[float]) -> None:
    reset = int(time.time()) + 20
    server.inject(r"/pulls$", [403], method="GET", headers={
        "x-ratelimit-remaining": "0", "x-ratelimit-reset": str(reset)})
    assert _open(gh, repo).action == "opened"
    assert len(waits) == 1
    assert 15 <= waits[0] <= 22


def test_secondary_rate_limit_without_headers(gh: GitHub, server: FakeGitHub, repo: str,
                                              waits: list[float]) -> None:
    server.inject(r"/pulls$", [403], method="GET", body={
        "message": "You have exceeded a secondary rate limit. Please wait a few minutes."})
    assert _open(gh, repo).action == "opened"
    assert waits == [60.0]


def test_rate_limit_beyond_max_wait_fails_clearly(gh: GitHub, server: FakeGitHub, repo: str,
                                                  waits: list[float]) -> None:
    server.inject(r"/pulls$", [429], method="GET", headers={"Retry-After": "3600"})
    with pytest.raises(ForgeRateLimitError) as err:
        _open(gh, repo)
    assert waits == []
    assert "3600s" in str(err.value) and "60s" in str(err.value)
    assert err.value.status == 429


def test_rate_limit_waits_add_up_to_max_wait(gh: GitHub, server: FakeGitHub, repo: str,
                                             waits: list[float]) -> None:
    server.inject(r"/pulls$", [429, 429, 429], method="GET", headers={"Retry-After": "25"})
    with pytest.raises(ForgeRateLimitError):
        _open(gh, repo)
    assert waits == [25.0, 25.0]      # a third wait would pass max_wait=60


def test_401_is_an_auth_error_naming_the_variable(server: FakeGitHub, repo: str) -> None:
    bad = "ghp_REVOKED_canary_0000000000"
    with GitHub(server.url, bad, token_env="ACME_SYNC_TOKEN", backoff=0) as client, \
            pytest.raises(ForgeAuthError) as err:
        client.find_pull_request(repo, "skillsync/1.0.0")
    text = str(err.value)
    assert err.value.status == 401
    assert "$ACME_SYNC_TOKEN" in text and "renew" in text
    assert bad not in text and bad not in repr(err.value)


def test_403_without_rate_limit_is_an_auth_error(gh: GitHub, server: FakeGitHub,
                                                 repo: str) -> None:
    server.inject(r"/pulls$", [403], method="POST",
                  body={"message": "Resource not accessible by integration"},
                  headers={"X-Accepted-GitHub-Permissions": "pull_requests=write"})
    with pytest.raises(ForgeAuthError) as err:
        _open(gh, repo)
    assert "$ACME_SYNC_TOKEN" in str(err.value)
    assert "pull_requests=write" in str(err.value)
    _no_canary(err.value)


def test_hung_endpoint_times_out(server: FakeGitHub, repo: str) -> None:
    server.inject(r"/pulls/\d+$", ["hang", "hang"], hang=5)
    with GitHub(server.url, CANARY, timeout=0.3, retries=1, backoff=0) as client, \
            pytest.raises(ForgeError) as err:
        client.get_pull_request(repo, 1)
    assert "timed out after 0.3s" in str(err.value)
    _no_canary(err.value)


def test_connection_refused_is_a_clear_error(server: FakeGitHub) -> None:
    dead = FakeGitHub().start()
    url = dead.url
    dead.stop()
    with GitHub(url, CANARY, retries=1, backoff=0) as client, \
            pytest.raises(ForgeError) as err:
        client.find_pull_request("acme/agents", "skillsync/1.0.0")
    assert "connection failed" in str(err.value)
    assert err.value.__cause__ is None and err.value.__suppress_context__
    _no_canary(err.value)


def test_token_travels_only_in_the_authorization_header(gh: GitHub, server: FakeGitHub,
                                                        repo: str) -> None:
    start = len(server.requests)
    _open(gh, repo)
    for rec in server.requests[start:]:
        _no_canary(rec.path, rec.query, rec.headers, rec.raw)
    assert all(200 <= r.status < 300 for r in server.requests[start:])  # it was accepted


def test_enterprise_api_url_with_path_prefix() -> None:
    with FakeGitHub(token=CANARY, path_prefix="/api/v3") as ghe, \
            GitHub(ghe.url, CANARY, backoff=0) as client:
        out = client.open_or_update_pull_request("corp/tools", head="skillsync/2.0.0",
                                                 base="main", title="t", body="b")
        assert out.action == "opened"
        assert client.call_log[0] == "GET /repos/corp/tools/pulls"
        openapi_contract.check(ghe.requests, prefix="/api/v3")


def test_bad_repository_name_is_refused(gh: GitHub) -> None:
    with pytest.raises(ForgeError, match="owner/name"):
        gh.find_pull_request("not-a-repo", "x")


# -- issues --------------------------------------------------------------------------------
def test_issue_marker_lookup_ignores_pull_requests(gh: GitHub, server: FakeGitHub,
                                                   repo: str) -> None:
    mark = "<!-- skillsync:target=docs -->"
    pr = _open(gh, repo, body=mark, labels=("skillsync-failure",))
    assert gh.find_issue_by_marker(repo, mark, "skillsync-failure") is None
    issue = gh.create_issue(repo, "failing", f"{mark}\nboom", ["skillsync-failure"])
    assert issue["number"] != pr.number
    found = gh.find_issue_by_marker(repo, mark, "skillsync-failure")
    assert found is not None and found["number"] == issue["number"]
    assert gh.find_issue_by_marker(repo, "<!-- skillsync:target=doc -->",
                                   "skillsync-failure") is None
    gh.update_issue(repo, issue["number"], title="still failing")
    gh.close_issue(repo, issue["number"], "fixed by run 2")
    item = server.repo(repo).items[issue["number"]]
    assert (item.title, item.state) == ("still failing", "closed")
    assert gh.find_issue_by_marker(repo, mark, "skillsync-failure") is None


# -- pull request body ----------------------------------------------------------------------
def test_pull_request_body_says_what_and_how_back() -> None:
    body = forge.pull_request_body(
        version="2.0.0", ref="v2.0.0", source="https://github.com/acme/skills.git",
        commit="a" * 40, run_id="20260101T000000Z-abc123", target_id="acme-agents",
        skills=["pdf-tools", "xlsx"], added=[f"s/f{n}.md" for n in range(40)],
        modified=["s/SKILL.md"], deleted=["s/old.md"], max_files=10)
    assert "Release **2.0.0** (`v2.0.0`)" in body
    assert f"https://github.com/acme/skills/commit/{'a' * 40}" in body
    assert "`pdf-tools`, `xlsx`" in body
    assert "Files changed: 42 (40 added, 1 modified, 1 deleted)" in body
    assert "... and 32 more" in body
    # Read in the downstream: the way back names the installed command, and the doc
    # where it is (no link given: file, source and commit, never a bare relative path).
    assert ("skillsync-rollback --run 20260101T000000Z-abc123 --target acme-agents --dry-run"
            in body)
    assert "scripts/" not in body
    assert "`docs/sync-rollback.md` in `https://github.com/acme/skills.git` at `aaaaaaaaaaaa`" \
        in body
    same = forge.pull_request_body(
        version="2.0.0", ref="v2.0.0", source="https://github.com/acme/skills.git",
        commit="a" * 40, run_id="20260101T000000Z-abc123", target_id="acme-agents",
        skills=["pdf-tools", "xlsx"], added=[f"s/f{n}.md" for n in range(40)],
        modified=["s/SKILL.md"], deleted=["s/old.md"], max_files=10)
    assert body == same


def test_pull_request_body_hides_credentials_in_source() -> None:
    body = forge.pull_request_body(version="1.0.0", source=f"https://x:{CANARY}@git.example/a/b",
                                   commit="b" * 40, run_id="r", target_id="t")
    _no_canary(body)
    assert "https://git.example/a/b/commit/" in body
    assert forge.commit_url("/srv/skills", "c" * 40) is None
    assert forge.commit_url("git@github.com:acme/skills.git", "c" * 40) == (
        f"https://github.com/acme/skills/commit/{'c' * 40}")


# -- the server itself cannot drift from the API ---------------------------------------------
def test_every_operation_we_call_matches_the_openapi_subset(tmp_path: Path) -> None:
    from conftest import git, make_bare_remote

    bare = make_bare_remote(tmp_path, "r")
    head = git("--git-dir", str(bare), "rev-parse", "main")
    tree = git("--git-dir", str(bare), "rev-parse", "main^{tree}")
    with FakeGitHub(token=CANARY) as srv, GitHub(srv.url, CANARY, backoff=0) as client:
        # the repository side (issue 16): git data for signing: api, settings for health
        srv.attach_git("o/r", bare)
        srv.token_permissions["admin"] = True
        srv.protect("o/r", "main", required_signatures=True)
        made = client.create_commit("o/r", message="m\n", tree=tree, parents=[head])
        client.get_git_commit("o/r", made["sha"])
        client.create_ref("o/r", "refs/heads/skillsync/1.0.0", made["sha"])
        client.update_ref("o/r", "heads/main", made["sha"])
        client.get_repository("o/r")
        client.branch_protection("o/r", "main")
        out = client.open_or_update_pull_request("o/r", head="skillsync/1.0.0", base="main",
                                                  title="t", body="b", labels=["x"])
        client.open_or_update_pull_request("o/r", head="skillsync/1.0.0", base="main",
                                           title="t2", body="b")
        client.get_pull_request("o/r", out.number)
        issue = client.create_issue("o/r", "i", "b", ["l"])
        client.comment_issue("o/r", issue["number"], "c")
        list(client.paginate(f"/repos/o/r/issues/{issue['number']}/comments"))
        client.request("GET", f"/repos/o/r/issues/{issue['number']}")
        client.close_issue("o/r", issue["number"])
        client.list_issues("o/r", label="l")
        used = {(r.method, openapi_contract.find_operation(r.method, r.path)[0])  # type: ignore[index]
                for r in srv.requests}
        assert openapi_contract.check(srv.requests) == len(srv.requests)
    assert used == openapi_contract.operations()


def test_client_for_reads_the_named_variable(monkeypatch: pytest.MonkeyPatch,
                                             server: FakeGitHub) -> None:
    with pytest.raises(ForgeAuthError, match=r"\$ACME_SYNC_TOKEN is not set"):
        forge.client_for(server.url, "ACME_SYNC_TOKEN")
    monkeypatch.setenv("ACME_SYNC_TOKEN", CANARY)
    with forge.client_for(server.url, "ACME_SYNC_TOKEN", backoff=0) as client:
        assert client.find_pull_request("acme/x", "skillsync/9.9.9") is None
        assert client.calls == 1


def test_devservers_run_in_the_foreground_until_sigterm() -> None:
    env = dict(os.environ, SKILLSYNC_DEV_GITHUB_TOKEN=CANARY)
    proc = subprocess.Popen(
        [sys.executable, "-m", "skillsync.devservers", "--github", "0", "--webhook", "0",
         "--max-seconds", "60"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=env)
    try:
        assert proc.stdout is not None
        urls = json.loads(proc.stdout.readline())
        with GitHub(urls["github"], CANARY, backoff=0) as client:
            client.create_issue("demo/source", "hello", "body")
        with urllib.request.urlopen(urls["github"] + "/_state", timeout=5) as resp:
            state = json.load(resp)
        assert [i["title"] for i in state["demo/source"]["issues"]] == ["hello"]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
