"""The loopback git smart-HTTP server, and the token's path through it: clone, fetch
and push with the right token; 401 without it; a canary token that must reach git only
through the Authorization header (never argv, URL, .git/config or error text)."""

from __future__ import annotations

import base64
import json
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import git, make_bare_remote, make_repo
from engine_fixtures import make_source, target_yaml
from skillsync import git as sgit
from skillsync.devservers.git_http import GitHttpServer, basic_header
from skillsync.downstream import TargetRepo
from skillsync.fsutil import dumps
from skillsync.manifest import build_manifest
from skillsync.runlog import RunDir
from skillsync.sync import Options, run_sync
from skillsync.targets import load_targets

CANARY = "canary-tok-7f3e9b21c4d8a6"        # the server's token
WRONG = "canary-wrong-51a0d93e77b2f4"        # a token the server does not accept
MASK = "***"


def forms(token: str) -> list[str]:
    """Every spelling of a token that must never leak."""
    return [token, base64.b64encode(f"x-access-token:{token}".encode()).decode()]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GitHttpServer]:
    root = tmp_path_factory.mktemp("git-http")
    with GitHttpServer(root, token=CANARY) as srv:
        yield srv


def served_repo(srv: GitHttpServer, name: str, files: dict[str, str] | None = None) -> Path:
    """A bare repository under the server's root, with one commit on main."""
    return make_bare_remote(srv.root, name, files)


def run_git(*args: str, cwd: Path | None = None, token: str | None = None,
            check: bool = True) -> subprocess.CompletedProcess[bytes]:
    """git through skillsync.git (clean env, no prompts), the token only via auth_env."""
    return sgit.run(list(args), cwd, env=sgit.auth_env(token), check=check)


def test_clone_fetch_push_with_the_token(server: GitHttpServer, tmp_path: Path) -> None:
    bare = served_repo(server, "rw", {"README.md": "hello\n"})
    url = server.url_for("rw.git")
    run_git("clone", "-q", url, str(tmp_path / "c"), token=CANARY)
    assert (tmp_path / "c" / "README.md").read_text() == "hello\n"
    (tmp_path / "c" / "new.txt").write_text("pushed over http\n")
    git("add", "new.txt", cwd=tmp_path / "c")
    git("commit", "-q", "-m", "add new", cwd=tmp_path / "c")
    run_git("push", "-q", "origin", "main", cwd=tmp_path / "c", token=CANARY)
    assert git("--git-dir", str(bare), "show", "main:new.txt") == "pushed over http"
    # A second clone sees the push; a shallow, blob-less fetch works as on a forge.
    other = make_repo(tmp_path / "other")
    run_git("fetch", "-q", "--depth=1", "--filter=blob:none", url, "main", cwd=other,
            token=CANARY)
    assert git("log", "-1", "--format=%s", "FETCH_HEAD", cwd=other) == "add new"
    mine = [r for r in server.requests if r.repo == "rw.git"]
    assert {r.service for r in mine} == {"git-upload-pack", "git-receive-pack"}
    assert all(r.authorized and r.status == 200 for r in mine)
    assert any(r.command == "push" and "refs/heads/main" in r.args for r in mine)
    assert any(r.command == "fetch" and "filter blob:none" in r.args for r in mine)


def test_wrong_or_missing_token_gets_401(server: GitHttpServer, tmp_path: Path) -> None:
    bare = served_repo(server, "locked")
    before = git("--git-dir", str(bare), "rev-parse", "main")
    url = server.url_for("locked.git")
    for token in (WRONG, None):
        proc = run_git("ls-remote", url, token=token, check=False)
        assert proc.returncode != 0
        work = make_repo(tmp_path / f"w-{token}", {"f.txt": "x\n"})
        push = run_git("push", url, "main:refs/heads/main", cwd=work, token=token, check=False)
        assert push.returncode != 0
    locked = [r for r in server.requests if r.repo == "locked.git"]
    assert locked and all(r.status == 401 and not r.authorized for r in locked)
    assert git("--git-dir", str(bare), "rev-parse", "main") == before
    # The same answer to a plain HTTP client, with the challenge header.
    req = urllib.request.Request(url + "/info/refs?service=git-upload-pack",
                                 headers={"Authorization": basic_header(WRONG)})
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req, timeout=10)
    err.value.close()
    assert err.value.code == 401 and "Basic" in err.value.headers["WWW-Authenticate"]


def test_paths_outside_the_root_are_not_served(server: GitHttpServer) -> None:
    req = urllib.request.Request(server.url + "/../etc/info/refs?service=git-upload-pack",
                                 headers={"Authorization": basic_header(CANARY)})
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req, timeout=10)
    err.value.close()
    assert err.value.code == 404


def test_log_is_bounded_and_stop_is_clean(tmp_path: Path) -> None:
    make_bare_remote(tmp_path, "r")
    srv = GitHttpServer(tmp_path, max_log=3).start()
    url = srv.url_for("r.git")
    for _ in range(3):
        run_git("ls-remote", url)
    assert len(srv.requests) == 3 and srv.served >= 6
    srv.stop()
    assert run_git("ls-remote", url, check=False).returncode != 0   # nobody listens now


# -- the token through a real sync ------------------------------------------------------


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("canary-src")
    src = make_source(root)
    return json.loads(dumps(build_manifest(str(src), "v1.0.0")))


def sync_targets(tmp_path: Path, manifest: dict, repos: dict[str, str], env_var: str) -> tuple:
    tdir = tmp_path / "targets"
    tdir.mkdir(parents=True)
    for tid, url in repos.items():
        (tdir / f"{tid}.yaml").write_text(
            target_yaml(tid, url, "push", auth=f"{{method: token, env: {env_var}}}"))
    run = RunDir(tmp_path / "run").create()
    results = run_sync(manifest, load_targets(tdir), run, Options(jobs=2))
    return results, run


def leaks(text: str, token: str) -> list[str]:
    return [f for f in forms(token) if f in text] + ([MASK] if MASK in text else [])


def test_canary_token_only_in_the_header(server: GitHttpServer, tmp_path: Path, manifest: dict,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SKILLSYNC_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("CANARY_SYNC_TOKEN", CANARY)
    bare = served_repo(server, "canary-ok")
    configs: list[str] = []
    real_close = TargetRepo.close

    def close(self: TargetRepo) -> None:   # read each scratch repo's config before cleanup
        if self.git_dir is not None:
            configs.append((self.git_dir / "config").read_text())
        real_close(self)

    monkeypatch.setattr(TargetRepo, "close", close)
    start = len(server.requests)
    results, run = sync_targets(tmp_path, manifest, {"ok": server.url_for("canary-ok.git")},
                                "CANARY_SYNC_TOKEN")
    assert results["ok"].status == "synced", results["ok"].message
    assert git("--git-dir", str(bare), "log", "-1", "--format=%s", "main").startswith("skillsync")
    assert configs and all(not leaks(c, CANARY) for c in configs)
    assert all("Authorization" not in c and "extraheader" not in c.lower() for c in configs)
    seen = list(server.requests)[start:]
    assert seen and all(r.authorized for r in seen)          # the header carried it every time
    assert not any(leaks(r.path + "?" + r.query, CANARY) for r in seen)   # never in the URL
    for f in run.path.rglob("*"):
        if f.is_file():
            assert not leaks(f.read_text(errors="replace"), CANARY), f


def test_failing_syncs_never_show_the_token(server: GitHttpServer, tmp_path: Path, manifest: dict,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SKILLSYNC_CACHE", str(tmp_path / "cache"))
    served_repo(server, "canary-denied")
    hooked = served_repo(server, "canary-hooked")
    hook = hooked / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'protected branch: main is locked' >&2\nexit 1\n")
    hook.chmod(0o755)
    # Wrong token: every request 401. Right token, push refused by the server's hook.
    monkeypatch.setenv("WRONG_SYNC_TOKEN", WRONG)
    denied, run1 = sync_targets(tmp_path / "a", manifest,
                                {"denied": server.url_for("canary-denied.git")},
                                "WRONG_SYNC_TOKEN")
    monkeypatch.setenv("HOOKED_SYNC_TOKEN", CANARY)
    hooked_res, run2 = sync_targets(tmp_path / "b", manifest,
                                    {"hooked": server.url_for("canary-hooked.git")},
                                    "HOOKED_SYNC_TOKEN")
    assert denied["denied"].status == "failed"
    assert hooked_res["hooked"].status == "failed"
    assert "protected branch" in (hooked_res["hooked"].error or "")
    for res, token in ((denied["denied"], WRONG), (hooked_res["hooked"], CANARY)):
        text = json.dumps(res.as_dict())
        assert not leaks(text, token), text
    for run, token in ((run1, WRONG), (run2, CANARY)):
        for f in run.path.rglob("*"):
            if f.is_file():
                assert not leaks(f.read_text(errors="replace"), token), f
