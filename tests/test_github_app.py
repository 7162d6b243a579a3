"""GitHub App authentication (issue 15, item 1) against the loopback GitHub and git
servers: the JWT follows GitHub's contract, an installation token is scoped to one
repository and its mechanism's permissions on the API and on git, it expires, every
target gets its own, a missing or broken key is a per-target failure naming the
variables, and no token, JWT or key appears in any output (canary)."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from conftest import git, make_bare_remote
from engine_fixtures import make_source, repo_state, target_yaml
from skillsync import ghapp
from skillsync.commands.sync import main as sync_main
from skillsync.devservers.git_http import GitHttpServer
from skillsync.devservers.github import FakeGitHub
from skillsync.forge import ForgeAuthError, ForgeError, GitHub
from skillsync.git import auth_env
from skillsync.model import Auth, Forge, Target
from skillsync.targets import check_targets

APP_ID = "424242"
PAT = "ghp_static_canary_9d8c7b6a5f4e"      # the server's only other accepted token
PERMS = {"contents": "write", "pull_requests": "write", "issues": "write", "metadata": "read"}


def _pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def _public(key: rsa.RSAPrivateKey) -> str:
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


@pytest.fixture(scope="module")
def keys() -> dict[str, rsa.RSAPrivateKey]:
    return {name: rsa.generate_private_key(public_exponent=65537, key_size=2048)
            for name in ("app", "other")}


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_source(tmp_path_factory.mktemp("app-src"))


@pytest.fixture
def world(tmp_path: Path, keys: dict[str, rsa.RSAPrivateKey],
          monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """A FakeGitHub with the App installed on acme/{a,b,c}, a git server that takes its
    installation tokens (through FakeGitHub.git_access) and one static token (PAT), and
    the App's variables set."""
    served = tmp_path / "served"
    (served / "acme").mkdir(parents=True)
    with FakeGitHub(token=PAT) as gh, \
            GitHttpServer(served, token=PAT, authorize=gh.git_access) as srv:
        gh.register_app(APP_ID, _public(keys["app"]), permissions=PERMS)
        gh.install_app(APP_ID, "acme", repositories=["a", "b", "c"])
        for name in ("a", "b", "c", "zed"):
            make_bare_remote(served / "acme", name)
        monkeypatch.setenv("SKILLSYNC_GITHUB_APP_ID", APP_ID)
        monkeypatch.setenv("SKILLSYNC_GITHUB_APP_PRIVATE_KEY", _pem(keys["app"]))
        monkeypatch.setenv("GITHUB_API_URL", gh.url)
        monkeypatch.setenv("SKILLSYNC_CACHE", str(tmp_path / "cache"))
        yield {"gh": gh, "git": srv, "root": tmp_path, "served": served, "keys": keys}


def mint(w: dict[str, Any], repo: str = "acme/a", **perms: str) -> ghapp.Token:
    return ghapp.installation_token(w["gh"].url, repo, perms or {"contents": "write"})


def ls_remote(w: dict[str, Any], name: str, token: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "ls-remote", w["git"].url_for(f"acme/{name}.git")],
                          env={**auth_env(token, base=dict(os.environ)),
                               "GIT_TERMINAL_PROMPT": "0"},
                          capture_output=True, text=True, check=False, timeout=60)


# -- the JWT and the exchange ------------------------------------------------------------------
def test_jwt_is_rs256_with_githubs_claims(keys: dict[str, rsa.RSAPrivateKey]) -> None:
    """GitHub: RS256, iat 60 s in the past, exp at most 10 minutes ahead, iss the App id."""
    now = 1_800_000_000
    token = ghapp.app_jwt(APP_ID, _pem(keys["app"]), now=now)
    assert jwt.get_unverified_header(token)["alg"] == "RS256"
    claims = jwt.decode(token, _public(keys["app"]), algorithms=["RS256"],
                        options={"verify_exp": False, "verify_iat": False})
    assert claims == {"iss": APP_ID, "iat": now - 60, "exp": now + 540}
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, _public(keys["other"]), algorithms=["RS256"],
                   options={"verify_exp": False, "verify_iat": False})


@pytest.mark.parametrize("case", ["other-key", "hs256", "none", "exp-too-far", "expired",
                                  "iat-future", "unknown-iss"])
def test_fake_github_refuses_a_bad_jwt(world: dict[str, Any], case: str) -> None:
    """The loopback server checks what GitHub checks, so the tests above mean something."""
    now = int(time.time())
    key = _pem(world["keys"]["other" if case == "other-key" else "app"])
    claims: dict[str, Any] = {"iat": now - 60, "exp": now + 540, "iss": APP_ID}
    if case == "exp-too-far":
        claims["exp"] = now + 700
    elif case == "expired":
        claims.update(iat=now - 1200, exp=now - 600)
    elif case == "iat-future":
        claims["iat"] = now + 120
    elif case == "unknown-iss":
        claims["iss"] = "999"
    if case == "hs256":
        token = jwt.encode(claims, "shared-secret-that-is-long-enough-for-hs256", "HS256")
    elif case == "none":
        token = jwt.encode(claims, None, algorithm="none")
    else:
        token = jwt.encode(claims, key, algorithm="RS256")
    with GitHub(world["gh"].url, token, backoff=0) as client, \
            pytest.raises(ForgeAuthError) as err:
        client.repo_installation("acme/a")
    assert err.value.status == 401
    assert not world["gh"].apps.grants


def test_token_request_carries_one_repository_and_the_permissions(world: dict[str, Any]) -> None:
    token = mint(world, "acme/b", contents="write", pull_requests="write")
    [post] = [r for r in world["gh"].requests if r.path.endswith("/access_tokens")]
    assert post.body == {"repositories": ["b"],
                         "permissions": {"contents": "write", "pull_requests": "write"}}
    assert token.repository == "acme/b" and token.expires_at.endswith("Z")
    assert token.permissions == {"contents": "write", "pull_requests": "write"}
    grant = world["gh"].apps.grants[token.token]
    assert grant.repositories == {"acme/b"}
    assert token.token not in repr(token) and token.token not in str(token)


# -- scoping -----------------------------------------------------------------------------------
def test_token_for_a_is_refused_on_b_api_and_git(world: dict[str, Any]) -> None:
    """A token minted for target A works on A and nowhere else: the API answers 404 for
    B (as GitHub does for a private repository the token cannot see), git is refused;
    on A itself a call outside its permissions is 403, a push without contents write too."""
    gh = world["gh"]
    token = mint(world, "acme/a", contents="write", pull_requests="write").token
    with GitHub(gh.url, token, backoff=0) as client:
        assert client.list_pull_requests("acme/a", head="skillsync/1.0.0") == []
        with pytest.raises(ForgeError) as other:
            client.list_pull_requests("acme/b", head="skillsync/1.0.0")
        assert other.value.status == 404
        with pytest.raises(ForgeAuthError) as perm:
            client.create_issue("acme/a", "x", "y")
        assert perm.value.status == 403 and "issues=write" in str(perm.value)
    assert ls_remote(world, "a", token).returncode == 0
    refused = ls_remote(world, "b", token)
    assert refused.returncode != 0 and "not found" in refused.stderr.lower()
    assert token not in refused.stderr

    # Write access follows the permissions: a read-only token may fetch A, not push to it.
    ro = mint(world, "acme/a", contents="read").token
    work = world["root"] / "work-a"
    env = {**auth_env(ro, base=dict(os.environ)), "GIT_TERMINAL_PROMPT": "0"}
    subprocess.run(["git", "clone", "-q", world["git"].url_for("acme/a.git"), str(work)],
                   env=env, check=True, capture_output=True, timeout=60)
    (work / "x.txt").write_text("x\n")
    git("add", "x.txt", cwd=work)
    git("commit", "-qm", "x", cwd=work)
    push = subprocess.run(["git", "push", "-q", "origin", "HEAD:main"], cwd=work, env=env,
                          capture_output=True, text=True, check=False, timeout=60)
    assert push.returncode != 0 and "403" in push.stderr
    statuses = [(r.repo, r.service, r.status) for r in world["git"].requests]
    assert ("acme/b.git", "git-upload-pack", 404) in statuses
    assert ("acme/a.git", "git-receive-pack", 403) in statuses


def test_token_expires_on_the_api_and_on_git(world: dict[str, Any]) -> None:
    gh = world["gh"]
    token = mint(world).token
    assert ls_remote(world, "a", token).returncode == 0
    gh.clock = lambda: time.time() + 3601     # an hour and a second later
    with GitHub(gh.url, token, backoff=0) as client, pytest.raises(ForgeAuthError) as err:
        client.list_pull_requests("acme/a", head="x")
    assert err.value.status == 401
    late = ls_remote(world, "a", token)
    assert late.returncode != 0
    assert [r.status for r in world["git"].requests][-1] == 401


def test_permissions_or_repository_the_app_lacks(world: dict[str, Any]) -> None:
    """GitHub answers 422 for a permission the installation was not granted; a repository
    the App is not installed on has no installation (404): both become one line naming
    the repository, the permission and the variables."""
    gh = world["gh"]
    gh.install_app(APP_ID, "solo", repositories=["r"], permissions={"contents": "write"})
    with pytest.raises(ghapp.AppAuthError) as lacking:
        ghapp.installation_token(gh.url, "solo/r", {"contents": "write",
                                                    "pull_requests": "write"})
    text = str(lacking.value)
    assert "HTTP 422" in text and "pull_requests: write" in text and "solo/r" in text
    assert "$SKILLSYNC_GITHUB_APP_ID" in text and "$SKILLSYNC_GITHUB_APP_PRIVATE_KEY" in text
    with pytest.raises(ghapp.AppAuthError) as missing:
        ghapp.installation_token(gh.url, "acme/zed", {"contents": "write"})
    assert "not installed on acme/zed" in str(missing.value)
    assert not gh.apps.grants


def test_permissions_follow_the_mechanism(tmp: Path) -> None:
    def target(mechanism: str, **kw: Any) -> Target:
        return Target(id="t", mechanism=mechanism, source_file=tmp / "t.yaml",
                      repo="https://github.com/acme/agents.git",
                      auth=Auth(method="github-app"), **kw)

    from skillsync.model import Submodule

    assert ghapp.permissions_for(target("push")) == {"contents": "write"}
    assert ghapp.permissions_for(target("pull-request")) == {"contents": "write",
                                                             "pull_requests": "write"}
    assert ghapp.permissions_for(target("submodule", submodule=Submodule("v", "pull-request"))) \
        == {"contents": "write", "pull_requests": "write"}
    assert ghapp.permissions_for(target("submodule", submodule=Submodule("v", "push"))) \
        == {"contents": "write"}
    assert ghapp.permissions_for(target("pull-request"), read_only=True) == {
        "contents": "read", "pull_requests": "read"}
    assert ghapp.repository_for(target("push")) == "acme/agents"
    assert ghapp.api_url_for(target("push"), {}) == "https://api.github.com"
    ghe = Target(id="t", mechanism="pull-request", source_file=tmp / "t.yaml",
                 repo="https://ghe.example/x/y.git", auth=Auth(method="github-app"))
    assert ghapp.api_url_for(ghe, {}) == "https://ghe.example/api/v3"
    with_forge = Target(id="t", mechanism="pull-request", source_file=tmp / "t.yaml",
                        repo="/srv/local.git", auth=Auth(method="github-app"),
                        forge=Forge("https://api.example", "o/r"))
    assert ghapp.repository_for(with_forge) == "o/r"
    local = Target(id="t", mechanism="push", source_file=tmp / "t.yaml", repo="/srv/x.git",
                   auth=Auth(method="github-app"))
    with pytest.raises(ghapp.AppAuthError, match="needs a GitHub repository"):
        ghapp.repository_for(local)


# -- the engine ----------------------------------------------------------------------------------
def _targets(w: dict[str, Any], texts: dict[str, str]) -> Path:
    tdir = w["root"] / "targets"
    tdir.mkdir(exist_ok=True)
    for tid, text in texts.items():
        (tdir / f"{tid}.yaml").write_text(text)
    return tdir


def _run(w: dict[str, Any], source: Path, tdir: Path, run: str, *extra: str,
         capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str, Path]:
    run_dir = w["root"] / run
    code = sync_main(["--source", str(source), "--ref", "v1.0.0", "--targets", str(tdir),
                      "--run-dir", str(run_dir), "--jobs", "2", *extra])
    out, err = capsys.readouterr()
    return code, out, err, run_dir


def _secret_forms(w: dict[str, Any]) -> list[str]:
    """Every issued token (raw and as git's Basic header), every JWT, the key's lines."""
    out = []
    for token in w["gh"].apps.issued():
        out += [token, base64.b64encode(f"x-access-token:{token}".encode()).decode()]
    out += [*w["gh"].apps.jwts, PAT, base64.b64encode(f"x-access-token:{PAT}".encode()).decode()]
    pem = _pem(w["keys"]["app"])
    out += [ln for ln in pem.splitlines() if len(ln) > 20]     # the base64 body lines
    return out


def test_each_target_gets_its_own_token_and_none_leaks(
    world: dict[str, Any], source: Path, configs: list[str],
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    """A push target and a pull-request target on the App, one on a repository the App is
    not installed on, one with its own token: the App's two sync, each with a token for
    its repository alone and its mechanism's permissions (read-only in the dry run, which
    writes nothing); the third fails alone, naming the repository; the fourth syncs with
    its token. No token, JWT or key line anywhere."""
    gh, srv = world["gh"], world["git"]
    tdir = _targets(world, {
        "alpha": target_yaml("alpha", srv.url_for("acme/a.git"), "push",
                             auth="{method: github-app}"),
        "bravo": target_yaml("bravo", srv.url_for("acme/b.git"), "pull-request",
                             auth="{method: github-app}", labels="[skills-sync]",
                             forge=f'{{api_url: "{gh.url}", repository: acme/b}}'),
        "zulu": target_yaml("zulu", srv.url_for("acme/zed.git"), "push",
                            auth="{method: github-app}"),
        # a per-target token still works beside the App
        "delta": target_yaml("delta", srv.url_for("acme/c.git"), "push",
                             auth="{method: token, env: DELTA_SYNC_TOKEN}"),
    })
    monkeypatch.setenv("DELTA_SYNC_TOKEN", PAT)
    states = {n: repo_state(world["served"] / "acme" / f"{n}.git")
              for n in ("a", "b", "c", "zed")}
    code, dry_out, dry_err, dry_dir = _run(world, source, tdir, "dry", "--dry-run",
                                           capsys=capsys)
    assert code == 1, dry_err
    assert {n: repo_state(world["served"] / "acme" / f"{n}.git") for n in states} == states
    assert gh.writes() == []
    dry_grants = list(gh.apps.grants.values())
    assert sorted(g.permissions == {"contents": "read"} or g.permissions == {
        "contents": "read", "pull_requests": "read"} for g in dry_grants) == [True, True]

    code, out, err, run_dir = _run(world, source, tdir, "live", capsys=capsys)
    assert code == 1, err
    results = {t["id"]: t for t in json.loads(out)["targets"]}
    assert results["alpha"]["status"] == "synced", results["alpha"]
    assert results["bravo"]["status"] == "synced", results["bravo"]
    assert results["bravo"]["pull_request"]["action"] == "opened"
    assert results["delta"]["status"] == "synced", results["delta"]
    assert results["zulu"]["status"] == "failed"
    assert "the GitHub App is not installed on acme/zed" in results["zulu"]["error"]
    assert states["zed"] == repo_state(world["served"] / "acme" / "zed.git")

    live = [g for g in gh.apps.grants.values() if g not in dry_grants]
    by_repo = {next(iter(g.repositories)): g for g in live}
    assert sorted(by_repo) == ["acme/a", "acme/b"] and len(live) == 2
    assert by_repo["acme/a"].permissions == {"contents": "write"}
    assert by_repo["acme/b"].permissions == {"contents": "write", "pull_requests": "write"}
    for repo, grant in by_repo.items():      # each token was used on its repository only
        assert grant.uses and all(u.endswith(repo) for u in grant.uses), grant.uses
    assert any(u.startswith("POST acme/b") for u in by_repo["acme/b"].uses)
    assert any(u.startswith("push acme/a") for u in by_repo["acme/a"].uses)

    forms = _secret_forms(world)
    assert len(forms) > 8
    written = {str(p): p.read_text(errors="replace")
               for d in (dry_dir, run_dir) for p in d.rglob("*") if p.is_file()}
    assert any(p.endswith("log.jsonl") for p in written)
    assert any("/fallback/" in p for p in written)          # zulu's bundle is checked too
    texts = {"stdout": out + dry_out, "stderr": err + dry_err, **written}
    for name, text in texts.items():
        assert not [f for f in forms if f in text], name
    assert configs and not any(f in c for c in configs for f in forms)
    assert all("extraheader" not in c.lower() for c in configs)


def test_rollback_mints_its_own_token(world: dict[str, Any], source: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    """The sync's token may have expired by the time of a rollback: rollback mints
    a fresh one for the target, and restores it."""
    from skillsync import rollback
    from skillsync.runlog import RunDir
    from skillsync.targets import load_targets

    srv = world["git"]
    bare = world["served"] / "acme" / "c.git"
    before = git("--git-dir", str(bare), "rev-parse", "main^{tree}")
    tdir = _targets(world, {"charlie": target_yaml("charlie", srv.url_for("acme/c.git"), "push",
                                                   auth="{method: github-app}")})
    code, _out, err, run_dir = _run(world, source, tdir, "r1", capsys=capsys)
    assert code == 0, err
    minted = len(world["gh"].apps.grants)
    [out] = rollback.rollback_run(RunDir(run_dir), load_targets(tdir), ["charlie"])
    assert out.status == "rolled-back", out.message
    assert len(world["gh"].apps.grants) == minted + 1
    assert git("--git-dir", str(bare), "rev-parse", "main^{tree}") == before   # as it was


@pytest.mark.parametrize("case", ["missing", "garbage", "own-names"])
def test_missing_or_invalid_key_fails_that_target_only(
    world: dict[str, Any], source: Path, case: str, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    garbage = "not-a-pem-canary-71f0c3a9e2"
    auth = "{method: github-app}"
    if case == "missing":
        monkeypatch.delenv("SKILLSYNC_GITHUB_APP_PRIVATE_KEY")
        monkeypatch.delenv("SKILLSYNC_GITHUB_APP_ID")
        names = ["$SKILLSYNC_GITHUB_APP_ID", "$SKILLSYNC_GITHUB_APP_PRIVATE_KEY"]
    elif case == "garbage":
        monkeypatch.setenv("SKILLSYNC_GITHUB_APP_PRIVATE_KEY", garbage)
        names = ["$SKILLSYNC_GITHUB_APP_PRIVATE_KEY", "PEM RSA private key"]
    else:
        auth = "{method: github-app, app_id_env: ACME_APP_ID, key_env: ACME_APP_KEY}"
        names = ["$ACME_APP_ID", "$ACME_APP_KEY"]
    local = make_bare_remote(world["root"], "local")
    tdir = _targets(world, {
        "alpha": target_yaml("alpha", world["git"].url_for("acme/a.git"), "push", auth=auth),
        "local": target_yaml("local", local),
    })
    code, out, err, run_dir = _run(world, source, tdir, "run", capsys=capsys)
    assert code == 1
    results = {t["id"]: t for t in json.loads(out)["targets"]}
    assert results["local"]["status"] == "synced"
    assert results["alpha"]["status"] == "failed"
    for name in names:
        assert name in results["alpha"]["error"], results["alpha"]["error"]
    assert "auth method github-app in " in results["alpha"]["error"]
    assert "docs/github-app.md" in results["alpha"]["error"]
    assert "Traceback" not in err
    everything = out + err + "".join(p.read_text(errors="replace")
                                     for p in run_dir.rglob("*") if p.is_file())
    assert garbage not in everything
    assert not world["gh"].apps.grants


def test_target_files_take_github_app_where_it_applies(tmp: Path) -> None:
    def findings(text: str) -> list[str]:
        d = tmp / f"t{len(list(tmp.iterdir()))}"
        d.mkdir()
        (d / "t.yaml").write_text(text)
        return [f.message for f in check_targets(d) if f.severity == "error"]

    repo = "repo: https://github.com/acme/agents.git\nbranch: main\n"
    assert findings(f"id: t\nmechanism: push\n{repo}auth: {{method: github-app}}\n") == []
    assert findings(f"id: t\nmechanism: pull-request\n{repo}forge: {{repository: acme/agents}}\n"
                    "auth: {method: github-app, app_id_env: A_ID, key_env: A_KEY}\n") == []
    hook = findings("id: t\nmechanism: webhook\nurl: https://h.example/x\n"
                    "auth: {method: github-app}\n")
    assert any("does not apply to webhook targets" in m for m in hook), hook
    assert any("auth.key_env needs auth.method github-app" in m for m in findings(
        f"id: t\nmechanism: push\n{repo}auth: {{method: token, env: T, key_env: K}}\n"))
    assert any("auth.env needs auth.method token or hmac" in m for m in findings(
        f"id: t\nmechanism: push\n{repo}auth: {{method: github-app, env: T}}\n"))
    pasted = findings(f"id: t\nmechanism: push\n{repo}"
                      "auth: {method: github-app, key_env: '-----BEGIN PRIVATE KEY-----'}\n")
    assert pasted and not any("BEGIN" in m for m in pasted), pasted
