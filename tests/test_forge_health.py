"""Forge health (issue 16): `validate-sync-targets --remote` (and
scripts/validate-sync-targets.sh) check each forge target against the loopback GitHub:
the API answers, the token is valid, it may push and open pull requests, and the branch
protection that affects a sync. One finding per broken condition, naming the fix; every
call and answer on GitHub's published contract."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import openapi_contract
from conftest import make_bare_remote, run_script
from skillsync import health
from skillsync.commands import validate_sync_targets
from skillsync.devservers.github import FakeGitHub
from skillsync.targets import load_target

TOKEN = "ghp_HEALTH_c4n4ry_77aa"


@pytest.fixture
def gh(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGitHub]:
    monkeypatch.setenv("ACME_TOKEN", TOKEN)
    server = FakeGitHub(token=TOKEN).start()
    server.token_permissions["admin"] = True    # may read branch protection
    try:
        yield server
    finally:
        server.stop()


def target(tmp_path: Path, api_url: str, mechanism: str = "pull-request", *,
           extra: str = "", tid: str = "acme") -> Path:
    bare = tmp_path / f"{tid}.git"
    if not bare.exists():
        make_bare_remote(tmp_path, tid)
    tdir = tmp_path / "targets"
    tdir.mkdir(exist_ok=True)
    path = tdir / f"{tid}.yaml"
    path.write_text(f"id: {tid}\nrepo: {bare}\nmechanism: {mechanism}\nbranch: main\n"
                    f'forge: {{api_url: "{api_url}", repository: acme/agents}}\n'
                    f"auth: {{method: token, env: ACME_TOKEN}}\n{extra}")
    return path


def failed(path: Path) -> dict[str, tuple[str, str]]:
    """name -> (severity, message) of every failed check of the target in `path`."""
    h = health.check_target(load_target(path), timeout=10)
    return {c.name: (c.severity, c.message) for c in h.checks if not c.ok}


def test_a_healthy_forge_target_passes_every_forge_check(tmp_path: Path,
                                                         gh: FakeGitHub) -> None:
    h = health.check_target(load_target(target(tmp_path, gh.url)), timeout=10)
    names = {c.name: c.ok for c in h.checks}
    assert h.healthy and names["forge"] and names["forge-permission"] and names["protection"]
    assert openapi_contract.check(gh.requests) == len(gh.requests) >= 2
    assert gh.writes() == []       # read only


def test_forge_down_is_one_finding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]     # closed once the block ends: nothing listens there
    monkeypatch.setenv("ACME_TOKEN", TOKEN)
    got = failed(target(tmp_path, f"http://127.0.0.1:{port}"))
    assert list(got) == ["forge"]
    severity, message = got["forge"]
    assert severity == "error" and "unreachable" in message and "forge.api_url" in message


def test_a_refused_token_is_one_finding(tmp_path: Path, gh: FakeGitHub,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACME_TOKEN", "ghp_expired_0000")
    got = failed(target(tmp_path, gh.url))
    assert list(got) == ["forge-token"]
    assert "$ACME_TOKEN" in got["forge-token"][1] and "renew it" in got["forge-token"][1]


@pytest.mark.parametrize(("setup", "expect"), [
    ({"push": False}, "cannot push and open pull requests"),
    ({"scopes": "read:org, gist"}, "without the repo scope"),
])
def test_a_token_that_cannot_push_is_one_finding(tmp_path: Path, gh: FakeGitHub,
                                                 setup: dict[str, Any], expect: str) -> None:
    if "push" in setup:
        gh.token_permissions["push"] = setup["push"]
    if "scopes" in setup:
        gh.token_scopes = setup["scopes"]
    got = failed(target(tmp_path, gh.url))
    assert list(got) == ["forge-permission"] and expect in got["forge-permission"][1]
    assert got["forge-permission"][0] == "error"


@pytest.mark.parametrize(("mechanism", "rule", "name", "severity", "fix"), [
    ("push", {"required_reviews": 1}, "protection-reviews", "error", "pull-request target"),
    ("pull-request", {"required_reviews": 2}, "protection-reviews", "info", "2 approving"),
    ("push", {"required_signatures": True}, "protection-signatures", "error", "signing:"),
    ("pull-request", {"required_signatures": True}, "protection-signatures", "warning",
     "squash-merged"),
    ("push", {"status_checks": ("ci/test",)}, "protection-checks", "error",
     "pull-request target"),
    ("pull-request", {"status_checks": ("ci/test",)}, "protection-checks", "info", "ci/test"),
])
def test_each_branch_rule_that_affects_a_sync_is_one_finding(
        tmp_path: Path, gh: FakeGitHub, mechanism: str, rule: dict[str, Any], name: str,
        severity: str, fix: str) -> None:
    gh.protect("acme/agents", "main", **rule)
    got = failed(target(tmp_path, gh.url, mechanism))
    assert list(got) == [name], got
    assert got[name][0] == severity and fix in got[name][1]
    assert openapi_contract.check(gh.requests) == len(gh.requests)


def test_signing_satisfies_a_signature_rule(tmp_path: Path, gh: FakeGitHub) -> None:
    gh.protect("acme/agents", "main", required_signatures=True)
    assert failed(target(tmp_path, gh.url, "push", extra="signing: {method: api}\n")) == {}


def test_unreadable_protection_is_a_note(tmp_path: Path, gh: FakeGitHub) -> None:
    gh.token_permissions["admin"] = False
    got = failed(target(tmp_path, gh.url))
    assert list(got) == ["protection"] and got["protection"][0] == "info"
    assert "administration: read" in got["protection"][1]


def test_validate_sync_targets_remote_reports_them_as_findings(
        tmp_path: Path, gh: FakeGitHub, capsys: pytest.CaptureFixture[str]) -> None:
    gh.protect("acme/agents", "main", required_reviews=1, required_signatures=True)
    target(tmp_path, gh.url, "push", tid="direct")
    target(tmp_path, gh.url, tid="via-pr")
    out = tmp_path / "findings.json"
    code = validate_sync_targets.main(["--targets", str(tmp_path / "targets"), "--remote",
                                       "-o", str(out)])
    assert code == 1
    found = {(f["code"], f["severity"], f["message"].split(":")[0]) for f in
             json.loads(out.read_text())}
    assert ("health-protection-reviews", "error", "direct") in found
    assert ("health-protection-signatures", "error", "direct") in found
    assert ("health-protection-reviews", "info", "via-pr") in found
    assert ("health-protection-signatures", "warning", "via-pr") in found
    assert TOKEN not in out.read_text() + "".join(capsys.readouterr())


def test_the_shell_entry_point_checks_the_forge(tmp_path: Path, gh: FakeGitHub) -> None:
    gh.token_permissions["push"] = False
    target(tmp_path, gh.url)
    proc = run_script("validate-sync-targets.sh", "--targets", str(tmp_path / "targets"),
                      env={"ACME_TOKEN": TOKEN})
    assert proc.returncode == 1, proc.stderr
    assert "cannot push and open pull requests" in proc.stderr
    [doc] = json.loads(proc.stdout)
    checks = {c["name"]: c for c in doc["checks"]}
    assert checks["forge-permission"]["ok"] is False
    assert TOKEN not in proc.stdout + proc.stderr


def test_an_app_that_may_not_open_pull_requests_is_one_finding(
        tmp_path: Path, gh: FakeGitHub, monkeypatch: pytest.MonkeyPatch) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    gh.register_app("4242", public, permissions={"contents": "write",
                                                 "pull_requests": "write"})
    # installed with pull requests read-only: a dry run works, a sync could not open its PR
    gh.install_app("4242", "acme", permissions={"contents": "write", "pull_requests": "read"})
    monkeypatch.setenv("SKILLSYNC_GITHUB_APP_ID", "4242")
    monkeypatch.setenv("SKILLSYNC_GITHUB_APP_PRIVATE_KEY", pem)
    path = target(tmp_path, gh.url)
    path.write_text(path.read_text().replace("auth: {method: token, env: ACME_TOKEN}",
                                             "auth: {method: github-app}"))
    got = failed(path)
    assert list(got) == ["forge-permission"], got
    assert "pull_requests: write" in got["forge-permission"][1]
    assert "docs/github-app.md" in got["forge-permission"][1]
