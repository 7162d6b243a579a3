"""Credentials (issue 12, item 7; RELIABILITY.md 15-17): a git 401/403 over HTTPS is
reported like the API's (method and variable named, renewal advice, manual fallback
bundle), and a credential in a target's URL is a config error, redacted wherever a URL
is printed. Real git against the loopback smart-HTTP server; canaries grepped for in
every output."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import git, make_bare_remote, run_script
from engine_fixtures import make_source, repo_state, target_yaml
from skillsync.commands.sync import main as sync_main
from skillsync.devservers.git_http import GitHttpServer
from skillsync.gitauth import status_of
from skillsync.targets import check_targets
from skillsync.urls import redact_url, redact_urls

CANARY = "creds-canary-5d1e0c9a7b3f"       # the server's token
WRONG = "creds-wrong-8a2b6e4f1c7d"         # a token the server refuses
URL_CANARY = "url-canary-3e9f71b2a6c4"     # a credential pasted into a URL
MASK = "***"


def forms(token: str) -> list[str]:
    """Every spelling of a token that must never leak (raw, and inside the Basic header)."""
    return [token, base64.b64encode(f"x-access-token:{token}".encode()).decode()]


def leaks(text: str, *tokens: str) -> list[str]:
    return [f for t in tokens for f in forms(t) if f in text]


class ReadOnlyServer(GitHttpServer):
    """The token may fetch but not push: receive-pack answers 403, as GitHub does for a
    token without contents write access ("Permission to o/r.git denied")."""

    def _cgi(self, h: Any, rec: Any, path: str, query: str) -> None:
        if rec.service == "git-receive-pack":
            self._drain(h)
            self._reply(h, 403, b"Permission to acme/ro.git denied to skillsync-bot.\n")
            rec.status = 403
            return
        super()._cgi(h, rec, path, query)


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_source(tmp_path_factory.mktemp("creds-src"))


@pytest.fixture
def server(tmp_path: Path) -> Iterator[GitHttpServer]:
    (tmp_path / "served").mkdir()
    with GitHttpServer(tmp_path / "served", token=CANARY) as srv:
        yield srv


def run_sync_cli(tmp: Path, source: Path, targets: dict[str, str],
                 capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str, Path]:
    tdir = tmp / "targets"
    tdir.mkdir()
    for tid, text in targets.items():
        (tdir / f"{tid}.yaml").write_text(text)
    run_dir = tmp / "run"
    code = sync_main(["--source", str(source), "--ref", "v1.0.0", "--targets", str(tdir),
                      "--run-dir", str(run_dir), "--jobs", "2"])
    out, err = capsys.readouterr()
    return code, out, err, run_dir


def everything_written(run_dir: Path) -> dict[str, str]:
    return {str(f): f.read_text(errors="replace") for f in run_dir.rglob("*") if f.is_file()}


# -- git 401 / 403 ---------------------------------------------------------------------------


def test_git_401_names_method_and_variable_and_leaves_a_bundle(
    server: GitHttpServer, source: Path, tmp_path: Path, configs: list[str],
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    """A wrong token and no credential at all: both used to fail with git's bare "could
    not read Username" and no bundle. Now each is a per-target auth failure that names
    what to renew, with a files-only bundle; the other targets of the run still sync."""
    monkeypatch.setenv("SKILLSYNC_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("EXPIRED_SYNC_TOKEN", WRONG)
    monkeypatch.setenv("GOOD_SYNC_TOKEN", CANARY)
    for name in ("expired", "anonymous", "good"):
        make_bare_remote(server.root, name)
    local = make_bare_remote(tmp_path, "local")
    states = {n: repo_state(server.root / f"{n}.git") for n in ("expired", "anonymous")}
    code, out, err, run_dir = run_sync_cli(tmp_path, source, {
        "expired": target_yaml("expired", server.url_for("expired.git"),
                               auth="{method: token, env: EXPIRED_SYNC_TOKEN}"),
        "anonymous": target_yaml("anonymous", server.url_for("anonymous.git")),
        "good": target_yaml("good", server.url_for("good.git"),
                            auth="{method: token, env: GOOD_SYNC_TOKEN}"),
        "local": target_yaml("local", local),
    }, capsys)
    assert code == 1
    results = {t["id"]: t for t in json.loads(out)["targets"]}
    assert results["good"]["status"] == "synced" and results["local"]["status"] == "synced"
    assert git("--git-dir", str(local), "log", "-1", "--format=%s", "main").startswith("skillsync")

    expired = json.loads((run_dir / "results" / "expired.json").read_text())
    assert expired["status"] == "failed"
    assert "HTTP 401" in expired["error"] and "git ls-remote" in expired["error"]
    assert "the token in $EXPIRED_SYNC_TOKEN (auth method token) was rejected" in expired["error"]
    assert "renew it" in expired["error"]
    anonymous = json.loads((run_dir / "results" / "anonymous.json").read_text())
    assert anonymous["status"] == "failed"
    assert "no credential was sent (auth method none)" in anonymous["error"]
    assert "auth: {method: token, env: NAME}" in anonymous["error"]
    assert str(tmp_path / "targets" / "anonymous.yaml") in anonymous["error"]
    assert "$EXPIRED_SYNC_TOKEN" in err and "auth method none" in err   # the stderr lines

    for tid, var in (("expired", "EXPIRED_SYNC_TOKEN"), ("anonymous", None)):
        res = json.loads((run_dir / "results" / f"{tid}.json").read_text())
        fb = run_dir / "fallback" / tid
        assert res["data"]["fallback"] == str(fb) and "manual fallback" in res["message"]
        readme = (fb / "README.md").read_text()
        assert (f"`{var}`: renew that credential" if var else "auth method `none`") in readme
        # Nothing could be read, so the bundle holds the release files and the lock on a
        # parentless commit; the owner copies them in by hand (README's commands).
        heads = git("bundle", "list-heads", str(fb / "sync.bundle"))
        assert heads.endswith("refs/heads/skillsync/1.0.0")
        work = tmp_path / f"owner-{tid}"
        git("clone", "-q", str(server.root / f"{tid}.git"), str(work))
        git("fetch", "-q", str(fb / "sync.bundle"), "skillsync/1.0.0", cwd=work)
        assert git("rev-list", "--count", "FETCH_HEAD", cwd=work) == "1"
        files = set(git("ls-tree", "-r", "--name-only", "FETCH_HEAD", cwd=work).splitlines())
        assert {".agents/skills/alpha/SKILL.md", ".agents/skills/beta/assets/logo.bin"} <= files
        assert any(f.endswith("/.skillsync-lock.json") for f in files)
        assert repo_state(server.root / f"{tid}.git") == states[tid]   # nothing written there

    # The canaries: the server's token and the refused one, nowhere.
    written = everything_written(run_dir)
    assert {"log.jsonl", "summary.json", "summary.md"} <= {Path(p).name for p in written}
    for name, text in {"stdout": out, "stderr": err, **written}.items():
        assert not leaks(text, CANARY, WRONG), name
        assert MASK not in text, name        # not even masked: it never got that far
    assert configs and not any(leaks(c, CANARY, WRONG) for c in configs)
    assert all("extraheader" not in c.lower() for c in configs)


def test_git_403_on_push_names_the_access_and_bundles_the_built_commit(
    source: Path, tmp_path: Path, configs: list[str], monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A token that may read but not write: the push's 403 (after plan, snapshot and
    commit) is an auth failure asking for write access, and the bundle holds the very
    commit we built, on the target's tip, ready for `git pull`."""
    monkeypatch.setenv("SKILLSYNC_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("RO_SYNC_TOKEN", CANARY)
    (tmp_path / "served").mkdir()
    with ReadOnlyServer(tmp_path / "served", token=CANARY) as srv:
        bare = make_bare_remote(srv.root, "ro")
        state = repo_state(bare)
        code, out, err, run_dir = run_sync_cli(tmp_path, source, {
            "ro": target_yaml("ro", srv.url_for("ro.git"), "push",
                              auth="{method: token, env: RO_SYNC_TOKEN}")}, capsys)
    assert code == 1
    res = json.loads((run_dir / "results" / "ro.json").read_text())
    assert res["status"] == "failed"
    error = res["error"]
    assert error.startswith(f"git push {srv.url_for('ro.git')}: HTTP 403: ")
    assert "the token in $RO_SYNC_TOKEN (auth method token) lacks write access" in error
    assert "renew it with contents write access" in error
    assert "Permission to acme/ro.git denied" in error          # the server's own words
    assert repo_state(bare) == state
    # No lock ref is pushed any more (skillsync.concurrency): no second 403 in the log.
    log = (run_dir / "log.jsonl").read_text()
    assert "HTTP 403" in log and "target lock" not in log
    fb = Path(res["data"]["fallback"])
    assert (fb / "sync.patch").exists()
    work = tmp_path / "owner"
    git("clone", "-q", str(bare), str(work))
    git("pull", "-q", "--ff-only", str(fb / "sync.bundle"), "skillsync/1.0.0", cwd=work)
    assert (work / ".agents/skills/alpha/SKILL.md").exists()
    assert "Skillsync-Version: 1.0.0" in git("log", "-1", "--format=%B", cwd=work)
    for name, text in {"stdout": out, "stderr": err, **everything_written(run_dir)}.items():
        assert not leaks(text, CANARY), name
        assert MASK not in text, name
    assert configs and not any(leaks(c, CANARY) for c in configs)


@pytest.mark.parametrize(("stderr", "status"), [
    # what git prints with prompts off when the server answers 401
    ("fatal: could not read Username for 'https://github.com': terminal prompts disabled", 401),
    # with a credential helper or askpass that gave a wrong password
    ("remote: Invalid username or password.\n"
     "fatal: Authentication failed for 'https://github.com/acme/x.git/'", 401),
    ("remote: HTTP Basic: Access denied\nfatal: Authentication failed for 'https://gl/x'", 401),
    ("git@github.com: Permission denied (publickey).\n"
     "fatal: Could not read from remote repository.", 401),
    ("remote: Permission to acme/x.git denied to bot.\nfatal: unable to access "
     "'https://github.com/acme/x.git/': The requested URL returned error: 403", 403),
    ("remote: Write access to repository not granted.\nfatal: unable to access "
     "'https://github.com/acme/x.git/': The requested URL returned error: 403", 403),
    # not credentials: a re-run or another fix is the answer, not a renewal
    (" ! [rejected]        main -> main (non-fast-forward)", None),
    ("remote: Repository not found.\nfatal: repository 'https://github.com/a/b.git/' "
     "not found", None),
    ("fatal: unable to access 'https://nowhere.invalid/x.git/': Could not resolve host", None),
    ("fatal: unable to access 'https://h/x.git/': The requested URL returned error: 500", None),
])
def test_auth_failures_are_told_from_other_git_failures(stderr: str, status: int | None) -> None:
    assert status_of(stderr) == status


# -- credentials in URLs ---------------------------------------------------------------------

BAD_URLS = [
    ("repo-access-token", "push",
     f"repo: https://git.example/acme/x.git?access_token={URL_CANARY}", "repo: a git remote"),
    ("repo-any-query", "push", f"repo: https://git.example/acme/x.git?{URL_CANARY}",
     "takes no query string"),
    ("repo-fragment", "push", f"repo: https://git.example/acme/x.git#{URL_CANARY}",
     "takes no query string or fragment"),
    ("repo-token-as-user", "push", f"repo: https://{URL_CANARY}@git.example/acme/x.git",
     "the URL embeds credentials"),
    ("webhook-sig", "webhook", f"url: https://hooks.example/in?channel=ops&sig={URL_CANARY}",
     "the query parameter 'sig' looks like a credential"),
    ("webhook-private-token", "webhook",
     f"url: https://hooks.example/in?private_token={URL_CANARY}&api_key={URL_CANARY}",
     "the query parameters 'private_token', 'api_key' look like a credential"),
    ("forge-api-query", "pull-request",
     f"repo: r.git\nforge: {{api_url: 'https://api.example/v3?token={URL_CANARY}', "
     "repository: acme/x}", "forge.api_url: the API URL takes no query string"),
]


def _bad_target(tdir: Path, mechanism: str, line: str) -> tuple[Path, int]:
    """targets/t.yaml with `line` as line 3 (after the id and mechanism)."""
    tdir.mkdir(parents=True, exist_ok=True)
    text = f"id: t\nmechanism: {mechanism}\n{line}\n"
    if mechanism == "webhook":
        text += "auth: {method: hmac, env: T_HMAC}\n"
    elif "repo:" not in line:
        text += "repo: r.git\n"
    f = tdir / "t.yaml"
    f.write_text(text)
    lineno = 4 if line.startswith("repo: r.git\nforge") else 3
    return f, lineno


@pytest.mark.parametrize(("mechanism", "line", "says"),
                         [pytest.param(*c[1:], id=c[0]) for c in BAD_URLS])
def test_credential_in_a_target_url_is_a_config_error_never_echoed(
    tmp_path: Path, mechanism: str, line: str, says: str,
) -> None:
    f, lineno = _bad_target(tmp_path / "targets", mechanism, line)
    findings = [x for x in check_targets(tmp_path / "targets") if x.severity == "error"]
    assert [x.code for x in findings] == ["target-credentials-in-url"], findings
    assert findings[0].path == f"{f}:{lineno}" and says in findings[0].message
    assert URL_CANARY not in json.dumps([x.as_dict() for x in findings])


def test_query_token_in_a_target_stops_validate_and_sync(tmp_path: Path, source: Path) -> None:
    """The acceptance case: `?access_token=` in a target file; every entry point stops
    with the file:line, exit 2 (the gate: 1, its documented "a check failed"), and the
    token is in no output and no file written."""
    f, _ = _bad_target(tmp_path / "targets", "push",
                       f"repo: https://git.example/acme/x.git?access_token={URL_CANARY}")
    where = f"{f}:3"
    gate = run_script("validate-sync-targets", "--targets", str(tmp_path / "targets"))
    assert gate.returncode == 1, gate.stderr
    assert [x["path"] for x in json.loads(gate.stdout)] == [where]
    health = run_script("validate-sync-targets.sh", "--targets", str(tmp_path / "targets"))
    assert health.returncode == 2 and health.stderr.startswith(f"health: error: {where}: ")
    sync = run_script("sync", "--source", str(source), "--ref", "v1.0.0", "--targets",
                      str(tmp_path / "targets"), "--run-dir", str(tmp_path / "run"),
                      cwd=tmp_path)
    assert sync.returncode == 2, sync.stderr
    assert sync.stdout == "" and sync.stderr.count("\n") == 1
    assert sync.stderr.startswith(f"sync: error: {where}: repo: a git remote URL takes no")
    assert not (tmp_path / "run").exists()
    for proc in (gate, health, sync):
        assert URL_CANARY not in proc.stdout + proc.stderr
        assert "Traceback" not in proc.stderr


def test_a_webhook_query_without_credentials_is_accepted(tmp_path: Path) -> None:
    """The rule's other side: a webhook may take an ordinary query (`?channel=ops`)."""
    _bad_target(tmp_path / "targets", "webhook", "url: https://hooks.example/in?channel=ops")
    assert not [x for x in check_targets(tmp_path / "targets") if x.severity == "error"]


def test_source_url_credentials_never_shown_by_build_manifest(tmp_path: Path,
                                                             source: Path) -> None:
    """A token in --source (as userinfo: GitHub's x-access-token form, which the server
    takes; or in the query) never reaches the manifest, stdout or stderr, on success or
    failure."""
    (tmp_path / "served").mkdir()
    git("clone", "-q", "--bare", str(source), str(tmp_path / "served" / "src.git"))
    with GitHttpServer(tmp_path / "served", token=CANARY) as srv:
        host = srv.url.removeprefix("http://")
        ok = run_script("build-manifest", "--source",
                        f"http://x-access-token:{CANARY}@{host}/src.git", "--ref", "v1.0.0")
        wrong = run_script("build-manifest", "--source",
                           f"http://x-access-token:{WRONG}@{host}/src.git", "--ref", "v1.0.0")
        query = run_script("build-manifest", "--source",
                           f"http://{host}/src.git?access_token={URL_CANARY}", "--ref", "v1.0.0")
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["source"]["repo"] == f"http://{host}/src.git"
    assert wrong.returncode == 2 and query.returncode == 2, (wrong.stderr, query.stderr)
    for proc in (ok, wrong, query):
        text = proc.stdout + proc.stderr
        assert not leaks(text, CANARY, WRONG) and URL_CANARY not in text, text
        assert "Traceback" not in proc.stderr
    assert f"http://{host}/src.git" in wrong.stderr


def test_a_source_url_token_reaches_git_only_as_a_header(tmp_path: Path, source: Path) -> None:
    """The store keeps a copy of a URL source: its .git/config (and git's argv, which the
    server log would show as the URL) hold the URL without the token, which travels as
    an Authorization header; the copy still fetches (the server requires the token)."""
    (tmp_path / "served").mkdir()
    git("clone", "-q", "--bare", str(source), str(tmp_path / "served" / "src.git"))
    cache = tmp_path / "cache"
    with GitHttpServer(tmp_path / "served", token=CANARY) as srv:
        host = srv.url.removeprefix("http://")
        url = f"http://x-access-token:{CANARY}@{host}/src.git"
        for ref in ("v1.0.0", "v1.1.0"):       # a second build reuses (fetches into) the copy
            proc = run_script("build-manifest", "--source", url, "--ref", ref,
                              env={"SKILLSYNC_CACHE": str(cache)})
            assert proc.returncode == 0, proc.stderr
        assert all(r.authorized for r in srv.requests)
    copies = list((cache / "sources").glob("*.git"))
    assert len(copies) == 1
    for f in copies[0].rglob("*"):
        if f.is_file() and f.stat().st_size < 1 << 20:
            assert not leaks(f.read_bytes().decode("latin-1"), CANARY), f
    assert f"http://{host}/src.git" in (copies[0] / "config").read_text()


@pytest.mark.parametrize(("url", "shown"), [
    ("https://bot:hunter22@git.example/x.git", "https://git.example/x.git"),
    ("https://ghp_tok123@github.com/a/b.git", "https://github.com/a/b.git"),
    ("https://h.example/hook?channel=ops&sig=abc#frag",
     "https://h.example/hook?channel=***&sig=***#frag"),
    ("https://h.example/cb#access_token=abc&x=1", "https://h.example/cb"),
    ("https://github.com/a/b/blob/c/docs/sync-rollback.md#when-to-roll-back",
     "https://github.com/a/b/blob/c/docs/sync-rollback.md#when-to-roll-back"),
    ("https://h.example/x?rawtoken", "https://h.example/x?***"),
    ("ssh://git@github.com/a/b.git", "ssh://git@github.com/a/b.git"),     # a login, kept
    ("ssh://git:pw@github.com/a/b.git", "ssh://github.com/a/b.git"),
    ("git@github.com:a/b.git", "git@github.com:a/b.git"),
    ("/srv/git/x.git", "/srv/git/x.git"),
    ("https://GitHub.com/a/b.git", "https://GitHub.com/a/b.git"),         # untouched as written
])
def test_one_redactor_for_every_url(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_urls_inside_git_messages_are_redacted() -> None:
    said = (f"fatal: unable to access 'https://bot:{URL_CANARY}@h.example/x.git/?token="
            f"{URL_CANARY}': The requested URL returned error: 403 (see https://h.example/x).")
    assert redact_urls(said) == ("fatal: unable to access 'https://h.example/x.git/?token=***': "
                                 "The requested URL returned error: 403 (see https://h.example/x).")


def test_rollback_with_an_expired_token_names_the_variable(
    server: GitHttpServer, source: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Rollback goes through the same transport: a token that expired between the sync
    and the rollback is reported the same way, and the target is left as it is."""
    from skillsync import rollback
    from skillsync.runlog import RunDir
    from skillsync.targets import load_targets

    monkeypatch.setenv("SKILLSYNC_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("ROLL_SYNC_TOKEN", CANARY)
    bare = make_bare_remote(server.root, "roll")
    code, _out, _err, run_dir = run_sync_cli(tmp_path, source, {
        "roll": target_yaml("roll", server.url_for("roll.git"),
                            auth="{method: token, env: ROLL_SYNC_TOKEN}")}, capsys)
    assert code == 0
    state = repo_state(bare)
    monkeypatch.setenv("ROLL_SYNC_TOKEN", WRONG)
    [out] = rollback.rollback_run(RunDir(run_dir), load_targets(tmp_path / "targets"), ["roll"])
    assert out.status == "failed"
    assert "HTTP 401: the token in $ROLL_SYNC_TOKEN (auth method token) was rejected" \
        in out.message
    assert repo_state(bare) == state
    assert not leaks(json.dumps(out.as_dict()), CANARY, WRONG)
