"""Verified commits (issue 16): `signing: ssh | gpg | api` on real bare repositories and
the loopback GitHub. A branch rule that requires signatures (a pre-receive hook running
`git verify-commit` against an allowed-signers file, or the loopback GitHub's branch
protection for API ref updates) refuses unsigned sync commits and accepts signed ones;
the key is never logged and is on disk only for the commit."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import openapi_contract
from conftest import git
from engine_fixtures import downstream
from skillsync.devservers.github import FakeGitHub
from skillsync.forge import GitHub
from skillsync.targets import load_targets
from test_sync import add_target, manifest_files, sync, world  # noqa: F401 - fixture re-export

IDENTITY = "skillsync@users.noreply.github.com"
TOKEN = "ghp_SIGNING_c4n4ry_5e1f"

needs_ssh = pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="needs ssh-keygen")
needs_gpg = pytest.mark.skipif(shutil.which("gpg") is None, reason="needs gpg")


@pytest.fixture
def ssh_key(tmp_path: Path) -> dict[str, str | Path]:
    """A throwaway ed25519 key and the allowed-signers file that trusts it."""
    key = tmp_path / "keys" / "id_ed25519"
    key.parent.mkdir()
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "test", "-f", str(key)],
                   check=True, capture_output=True)
    allowed = tmp_path / "keys" / "allowed_signers"
    allowed.write_text(f'{IDENTITY} namespaces="git" {key.with_suffix(".pub").read_text()}')
    return {"private": key.read_text(), "allowed": allowed}


def require_signatures(bare: Path, allowed: Path, branch: str = "main") -> None:
    """What "Require signed commits" does, as a server hook: every new commit on `branch`
    must verify against the allowed signers, or the push is refused."""
    hook = bare / "hooks" / "pre-receive"
    hook.write_text(f"""#!/bin/sh
zero=0000000000000000000000000000000000000000
while read old new ref; do
  [ "$ref" = "refs/heads/{branch}" ] || continue
  [ "$new" = "$zero" ] && continue
  if [ "$old" = "$zero" ]; then range="$new"; else range="$old..$new"; fi
  for c in $(git rev-list $range); do
    if ! out=$(git -c gpg.ssh.allowedSignersFile={allowed} verify-commit "$c" 2>&1); then
      echo "GH006: Protected branch update failed for $ref:" \
        "Commits must have verified signatures ($c)" >&2
      exit 1
    fi
  done
done
""")
    hook.chmod(0o755)


def leftover_key_dirs() -> list[str]:
    return [p.name for p in Path(tempfile.gettempdir()).glob("skillsync-sign-*")]


def assert_key_nowhere(root: Path, key: str, captured: str) -> None:
    body = [ln for ln in key.splitlines() if ln and not ln.startswith("-----")]
    probe = max(body, key=len)
    assert probe not in captured
    mine = root / "keys"     # the test's own key files
    hits = [p for p in root.rglob("*") if p.is_file() and mine not in p.parents
            and probe.encode() in p.read_bytes()]
    assert hits == [], f"signing key found in {hits}"


# -- ssh --------------------------------------------------------------------------------------
@needs_ssh
def test_a_signature_rule_refuses_unsigned_and_accepts_ssh_signed_commits(
        world: dict, ssh_key: dict, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
        capfd: pytest.CaptureFixture[str]) -> None:
    bare = add_target(world, "plain")
    require_signatures(bare, Path(ssh_key["allowed"]))
    before = git("--git-dir", str(bare), "rev-parse", "main")
    res = sync(world, "v1.0.0", "r1")["results"]["plain"]
    assert res.status == "failed" and "Commits must have verified signatures" in res.message
    assert git("--git-dir", str(bare), "rev-parse", "main") == before

    monkeypatch.setenv("PLAIN_SIGNING_KEY", str(ssh_key["private"]))
    yaml = world["targets"] / "plain.yaml"
    yaml.write_text(yaml.read_text() + "signing: {method: ssh, key_env: PLAIN_SIGNING_KEY}\n")
    res = sync(world, "v1.0.0", "r2")["results"]["plain"]
    assert res.status == "synced", res.message
    head = git("--git-dir", str(bare), "rev-parse", "main")
    assert head == res.commit != before
    verify = subprocess.run(["git", "--git-dir", str(bare), "-c",
                             f"gpg.ssh.allowedSignersFile={ssh_key['allowed']}", "verify-commit",
                             head], capture_output=True, text=True, check=False)
    assert verify.returncode == 0 and "Good \"git\" signature" in verify.stderr
    assert downstream(bare) == {**downstream(bare), **manifest_files(world, "v1.0.0")}
    assert leftover_key_dirs() == []
    assert_key_nowhere(world["root"], str(ssh_key["private"]), "".join(capfd.readouterr()))


@needs_ssh
def test_rollback_of_a_signed_target_is_signed_too(world: dict, ssh_key: dict,  # noqa: F811
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from skillsync.rollback import rollback_run

    monkeypatch.setenv("PLAIN_SIGNING_KEY", str(ssh_key["private"]))
    bare = add_target(world, "plain", signing="{method: ssh, key_env: PLAIN_SIGNING_KEY}")
    require_signatures(bare, Path(ssh_key["allowed"]))
    out = sync(world, "v1.0.0", "r1")
    assert out["results"]["plain"].status == "synced"
    [undo] = rollback_run(out["run"], load_targets(world["targets"]), ["plain"])
    assert undo.status == "rolled-back", undo.message


def test_a_missing_signing_key_fails_that_target_before_any_push(
        world: dict, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    bare = add_target(world, "plain", signing="{method: ssh, key_env: PLAIN_SIGNING_KEY}")
    other = add_target(world, "other")
    before = git("--git-dir", str(bare), "for-each-ref")
    out = sync(world, "v1.0.0", "r1")
    res = out["results"]["plain"]
    assert res.status == "failed" and "PLAIN_SIGNING_KEY is not set" in res.message
    assert "fallback" not in res.data      # nothing refused us: set the variable, re-sync
    assert git("--git-dir", str(bare), "for-each-ref") == before
    assert out["results"]["other"].status == "synced"
    assert other.exists()
    # a dry run needs no key
    assert sync(world, "v1.0.0", "r2", dry_run=True)["results"]["plain"].status == "planned"


# -- gpg --------------------------------------------------------------------------------------
@pytest.fixture
def gpg_key(tmp_path: Path) -> Iterator[dict[str, str]]:
    home = Path(tempfile.mkdtemp(prefix="gpgtest-"))   # short: gpg-agent's socket path
    env = {**os.environ, "GNUPGHOME": str(home)}
    run = {"env": env, "check": True, "capture_output": True}
    try:
        subprocess.run(["gpg", "--batch", "--pinentry-mode", "loopback", "--passphrase", "",
                        "--quick-gen-key", f"skillsync <{IDENTITY}>", "ed25519", "sign",
                        "never"], **run)  # type: ignore[call-overload]
        secret = subprocess.run(["gpg", "--batch", "--armor", "--export-secret-keys"],
                                **run).stdout.decode()  # type: ignore[call-overload]
        yield {"secret": secret, "home": str(home)}
    finally:
        subprocess.run(["gpgconf", "--kill", "gpg-agent"], env=env, check=False,
                       capture_output=True)
        shutil.rmtree(home, ignore_errors=True)


@needs_gpg
def test_gpg_signed_pull_request_commit_verifies(world: dict, gpg_key: dict,  # noqa: F811
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLAIN_GPG_KEY", gpg_key["secret"])
    bare = add_target(world, "plain", "pull-request",
                      signing="{method: gpg, key_env: PLAIN_GPG_KEY}")
    res = sync(world, "v1.0.0", "r1")["results"]["plain"]
    assert res.status == "pending", res.message        # no forge: the branch awaits its PR
    verify = subprocess.run(["git", "--git-dir", str(bare), "verify-commit", res.commit],
                            capture_output=True, text=True, check=False,
                            env={**os.environ, "GNUPGHOME": gpg_key["home"]})
    assert verify.returncode == 0 and "Good signature" in verify.stderr
    assert leftover_key_dirs() == []
    assert_key_nowhere(world["root"], gpg_key["secret"], "")


# -- api ----------------------------------------------------------------------------------------
@pytest.fixture
def gh(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGitHub]:
    monkeypatch.setenv("ACME_TOKEN", TOKEN)
    server = FakeGitHub(token=TOKEN).start()
    try:
        yield server
    finally:
        server.stop()


def api_target(w: dict, gh: FakeGitHub, mechanism: str = "push") -> Path:
    bare = add_target(w, "acme", mechanism,
                      forge=f'{{api_url: "{gh.url}", repository: acme/agents}}',
                      auth="{method: token, env: ACME_TOKEN}", signing="{method: api}")
    gh.attach_git("acme/agents", bare)
    gh.protect("acme/agents", "main", required_signatures=True)
    return bare


def test_api_signed_commit_is_verified_and_passes_the_signature_rule(
        world: dict, gh: FakeGitHub) -> None:  # noqa: F811
    bare = api_target(world, gh)
    base = git("--git-dir", str(bare), "rev-parse", "main")
    res = sync(world, "v1.0.0", "r1")["results"]["acme"]
    assert res.status == "synced", res.message
    head = git("--git-dir", str(bare), "rev-parse", "main")
    assert head == res.commit and gh.verified("acme/agents", head)
    with GitHub(gh.url, TOKEN) as client:
        made = client.get_git_commit("acme/agents", head)
    assert made["verification"]["verified"] is True
    assert [p["sha"] for p in made["parents"]] == [base]
    # the tree is the one skillsync built and proved: exactly the release
    assert downstream(bare) == {**downstream(bare), **manifest_files(world, "v1.0.0")}
    assert "Skillsync-Run: r1" in git("--git-dir", str(bare), "log", "-1", "--format=%B", head)
    # the temporary ref that carried the objects is gone
    assert git("--git-dir", str(bare), "for-each-ref", "refs/skillsync/tmp/") == ""
    assert openapi_contract.check(gh.requests) == len(gh.requests)


def test_api_commit_github_did_not_verify_is_refused_by_the_rule(
        world: dict, gh: FakeGitHub) -> None:  # noqa: F811
    bare = api_target(world, gh)
    gh.api_commits_verified = False        # what a personal token's API commits get
    before = git("--git-dir", str(bare), "rev-parse", "main")
    res = sync(world, "v1.0.0", "r1")["results"]["acme"]
    assert res.status == "failed" and "Commits must have verified signatures" in res.message
    assert git("--git-dir", str(bare), "rev-parse", "main") == before
    assert git("--git-dir", str(bare), "for-each-ref", "refs/skillsync/tmp/") == ""


def test_api_signed_pull_request_branch(world: dict, gh: FakeGitHub) -> None:  # noqa: F811
    bare = api_target(world, gh, "pull-request")
    res = sync(world, "v1.0.0", "r1")["results"]["acme"]
    assert res.status == "synced", res.message
    tip = git("--git-dir", str(bare), "rev-parse", "skillsync/1.0.0")
    assert tip == res.commit and gh.verified("acme/agents", tip)
    assert [p.head_ref for p in gh.pulls("acme/agents", "open")] == ["skillsync/1.0.0"]
    assert openapi_contract.check(gh.requests) == len(gh.requests)


def test_dry_run_with_api_signing_writes_nothing(world: dict, gh: FakeGitHub) -> None:  # noqa: F811
    bare = api_target(world, gh)
    before = git("--git-dir", str(bare), "for-each-ref")
    assert sync(world, "v1.0.0", "r1", dry_run=True)["results"]["acme"].status == "planned"
    assert git("--git-dir", str(bare), "for-each-ref") == before and gh.writes() == []


# -- target files ---------------------------------------------------------------------------------
@pytest.mark.parametrize(("extra", "expect"), [
    ("mechanism: push\nsigning: {method: ssh}\n", "missing key 'key_env'"),
    ("mechanism: push\nsigning: {method: api}\n", "signing method api"),
    ("mechanism: push\nsigning: {method: api, key_env: K}\nforge: {repository: a/b}\n",
     "signing.key_env applies to signing methods ssh and gpg"),
    ("mechanism: push\nsigning: {method: ssh, key_env: '-----BEGIN'}\n",
     "signing.key_env must be the NAME"),
    ("mechanism: submodule\nsubmodule: {path: vendor/skills}\n"
     "signing: {method: ssh, key_env: K}\n", "signing applies to push and pull-request"),
])
def test_signing_settings_are_checked(tmp_path: Path, extra: str, expect: str) -> None:
    from skillsync.errors import ConfigError
    from skillsync.targets import check_targets

    (tmp_path / "t.yaml").write_text(f"id: t\nrepo: https://example.invalid/r.git\n{extra}")
    findings = check_targets(tmp_path)
    assert any(expect in f.message for f in findings), [f.message for f in findings]
    with pytest.raises(ConfigError):
        load_targets(tmp_path)
    assert "-----BEGIN" not in json.dumps([f.message for f in findings])
