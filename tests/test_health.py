"""Target health check on real bare repositories and a real loopback HTTP server.

One fleet is built per module and `scripts/health` runs over it once; each test reads
its own target's part of that one report (fast, and the run covers all cases together,
as in production: one target's failure must not disturb the others).
"""

from __future__ import annotations

import json
import socket
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from conftest import git, isolate, make_bare_remote, make_repo, run_script

CANARY_TOKEN = "canary-token-5f1d9a77c3"       # in the auth variable of git targets
CANARY_HMAC = "canary-hmac-0b8e2c41aa"         # in the auth variable of webhook targets
QUERY_CANARY = "query-canary-71c2"             # in a webhook URL's query string


class _Hook(BaseHTTPRequestHandler):
    seen: list[tuple[str, str]] = []  # noqa: RUF012 - shared request record for the tests

    def _answer(self, status: int) -> None:
        self.seen.append((self.command, self.path))
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_HEAD(self) -> None:
        path = self.path.split("?")[0]
        if path == "/broken":
            self._answer(503)
        elif path == "/nohead":
            self._answer(405)
        elif path == "/hook":
            self._answer(204)
        else:
            self._answer(404)

    def do_GET(self) -> None:
        self._answer(200 if self.path.startswith("/nohead") else 404)

    def log_message(self, format: str, *args: Any) -> None:  # quiet test output
        pass


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _with_gitlink(tmp: Path, name: str, pointer: str, path: str | None) -> Path:
    """A bare remote whose main has a submodule (gitlink) at `path` (None: no submodule,
    but a plain directory where a submodule would be expected)."""
    work = make_repo(tmp / f"{name}.work", {"README.md": f"# {name}\n"})
    if path is None:
        (work / "vendor" / "skills").mkdir(parents=True)
        (work / "vendor" / "skills" / "file.txt").write_text("not a submodule\n")
        git("add", "-A", cwd=work)
    else:
        (work / ".gitmodules").write_text(
            f'[submodule "skills"]\n\tpath = {path}\n\turl = https://git.example/skills.git\n')
        git("add", ".gitmodules", cwd=work)
        git("update-index", "--add", "--cacheinfo", f"160000,{pointer},{path}", cwd=work)
    git("commit", "-q", "-m", "add submodule", cwd=work)
    bare = tmp / f"{name}.git"
    git("clone", "-q", "--bare", str(work), str(bare))
    return bare


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Build the remotes, the webhook server and the target files; run health once."""
    tmp = tmp_path_factory.mktemp("health")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    with pytest.MonkeyPatch.context() as mp:
        isolate(mp, tmp / "home")
        healthy = make_bare_remote(tmp, "healthy")
        head = git("rev-parse", "HEAD", cwd=healthy)
        sub_ok = _with_gitlink(tmp, "sub-ok", head, "vendor/skills")
        sub_missing = _with_gitlink(tmp, "sub-missing", head, "elsewhere/skills")
        sub_tree = _with_gitlink(tmp, "sub-tree", head, None)

        thread.start()
        base = f"http://127.0.0.1:{server.server_address[1]}"
        closed = f"http://127.0.0.1:{_closed_port()}"
        targets = tmp / "targets"
        targets.mkdir()
        files = {
            "healthy-push": f"repo: {healthy}\nmechanism: push\n",
            "missing-branch": f"repo: {healthy}\nmechanism: push\nbranch: release\n",
            "unreachable": f"repo: {tmp / 'does-not-exist.git'}\nmechanism: push\n",
            "unreachable-url": "repo: file:///nonexistent/skillsync/x.git\nmechanism: push\n",
            "auth-unset": f"repo: {healthy}\nmechanism: pull-request\n"
                          "auth: {method: token, env: HEALTH_UNSET_TOKEN}\n",
            "auth-set": f"repo: file://{healthy}\nmechanism: push\n"
                        "auth: {method: token, env: HEALTH_CANARY_TOKEN}\n",
            "sub-ok-local": f"repo: {sub_ok}\nmechanism: submodule\n"
                            "submodule: {path: vendor/skills}\n",
            "sub-ok-url": f"repo: file://{sub_ok}\nmechanism: submodule\n"
                          "submodule: {path: vendor/skills}\n"
                          "auth: {method: token, env: HEALTH_CANARY_TOKEN}\n",
            "sub-missing-local": f"repo: {sub_missing}\nmechanism: submodule\n"
                                 "submodule: {path: vendor/skills}\n",
            "sub-missing-url": f"repo: file://{sub_missing}\nmechanism: submodule\n"
                               "submodule: {path: vendor/skills}\n",
            "sub-tree": f"repo: {sub_tree}\nmechanism: submodule\n"
                        "submodule: {path: vendor/skills}\n",
            "hook-ok": f"mechanism: webhook\nurl: \"{base}/hook?channel={QUERY_CANARY}\"\n"
                       "auth: {method: hmac, env: HEALTH_HOOK_SECRET}\n",
            "hook-404": f"mechanism: webhook\nurl: \"{base}/other\"\n",
            "hook-nohead": f"mechanism: webhook\nurl: \"{base}/nohead\"\n",
            "hook-5xx": f"mechanism: webhook\nurl: \"{base}/broken\"\n",
            "hook-closed": f"mechanism: webhook\nurl: \"{closed}/hook?channel={QUERY_CANARY}\"\n",
            "disabled": f"repo: {tmp / 'does-not-exist.git'}\nmechanism: push\nenabled: false\n",
        }
        for tid, body in files.items():
            (targets / f"{tid}.yaml").write_text(f"id: {tid}\n{body}")
        env = {"HEALTH_CANARY_TOKEN": CANARY_TOKEN, "HEALTH_HOOK_SECRET": CANARY_HMAC}
        proc = run_script("health", "--targets", str(targets), "--timeout", "10", env=env)
        try:
            yield {
                "proc": proc,
                "report": {r["target"]: r for r in json.loads(proc.stdout)},
                "stderr": proc.stderr.splitlines(),
                "targets": targets,
                "env": env,
                "tmp": tmp,
            }
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=10)


def _checks(fleet: dict[str, Any], tid: str) -> dict[str, tuple[bool, str]]:
    return {c["name"]: (c["ok"], c["message"]) for c in fleet["report"][tid]["checks"]}


def _line(fleet: dict[str, Any], tid: str) -> str:
    lines = [ln for ln in fleet["stderr"] if ln.split(":")[0].split()[1] == tid]
    assert len(lines) == 1, fleet["stderr"]
    return lines[0]


def test_exit_code_and_report_shape(fleet: dict[str, Any]) -> None:
    proc = fleet["proc"]
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert [r["target"] for r in report] == sorted(r["target"] for r in report)
    for r in report:
        assert set(r) == {"target", "healthy", "checks"}
        assert r["checks"] and all(set(c) == {"name", "ok", "message", "severity"}
                                   for c in r["checks"])
        assert r["healthy"] == all(c["ok"] for c in r["checks"])
    assert "Traceback" not in proc.stderr


def test_healthy_target(fleet: dict[str, Any]) -> None:
    assert fleet["report"]["healthy-push"]["healthy"] is True
    checks = _checks(fleet, "healthy-push")
    assert list(checks) == ["remote", "branch"]
    assert checks["branch"][0]
    assert _line(fleet, "healthy-push").startswith("ok   healthy-push")


def test_missing_branch(fleet: dict[str, Any]) -> None:
    checks = _checks(fleet, "missing-branch")
    assert checks["remote"][0] is True
    assert checks["branch"] == (False, "branch 'release' not found on the remote")
    assert _line(fleet, "missing-branch") == (
        "FAIL missing-branch: branch 'release' not found on the remote")


@pytest.mark.parametrize("tid", ["unreachable", "unreachable-url"])
def test_unreachable_remote(fleet: dict[str, Any], tid: str) -> None:
    checks = _checks(fleet, tid)
    assert list(checks) == ["remote"]
    ok, message = checks["remote"]
    assert not ok and message.startswith("remote unreachable: ")
    assert _line(fleet, tid).startswith(f"FAIL {tid}: remote unreachable: ")


def test_auth_variable_unset(fleet: dict[str, Any]) -> None:
    checks = _checks(fleet, "auth-unset")
    assert checks["auth"] == (False, "auth variable HEALTH_UNSET_TOKEN is not set")
    assert checks["remote"][0] and checks["branch"][0]  # the other checks still ran
    assert _line(fleet, "auth-unset") == (
        "FAIL auth-unset: auth variable HEALTH_UNSET_TOKEN is not set")


def test_auth_variable_set(fleet: dict[str, Any]) -> None:
    assert fleet["report"]["auth-set"]["healthy"] is True
    assert _checks(fleet, "auth-set")["auth"] == (True, "auth variable HEALTH_CANARY_TOKEN is set")


@pytest.mark.parametrize("tid", ["sub-ok-local", "sub-ok-url"])
def test_submodule_present(fleet: dict[str, Any], tid: str) -> None:
    assert fleet["report"][tid]["healthy"] is True
    ok, message = _checks(fleet, tid)["submodule"]
    assert ok and message.startswith("submodule vendor/skills at ")


@pytest.mark.parametrize("tid", ["sub-missing-local", "sub-missing-url"])
def test_submodule_path_missing(fleet: dict[str, Any], tid: str) -> None:
    assert _checks(fleet, tid)["submodule"] == (
        False, "submodule path vendor/skills not found on branch 'main'")
    assert _line(fleet, tid) == (
        f"FAIL {tid}: submodule path vendor/skills not found on branch 'main'")


def test_submodule_path_is_a_plain_directory(fleet: dict[str, Any]) -> None:
    assert _checks(fleet, "sub-tree")["submodule"] == (
        False, "vendor/skills on branch 'main' is a tree, not a submodule")


@pytest.mark.parametrize(("tid", "status"), [("hook-ok", 204), ("hook-404", 404),
                                             ("hook-nohead", 200)])
def test_webhook_endpoint_answering(fleet: dict[str, Any], tid: str, status: int) -> None:
    assert fleet["report"][tid]["healthy"] is True
    ok, message = _checks(fleet, tid)["endpoint"]
    assert ok and message.endswith(f"answered HTTP {status}")
    assert _line(fleet, tid).startswith(f"ok   {tid}")


def test_webhook_head_refused_falls_back_to_get(fleet: dict[str, Any]) -> None:
    assert ("HEAD", "/nohead") in _Hook.seen and ("GET", "/nohead") in _Hook.seen
    assert not any(cmd not in ("HEAD", "GET") for cmd, _ in _Hook.seen)  # never a POST


def test_webhook_endpoint_5xx(fleet: dict[str, Any]) -> None:
    ok, message = _checks(fleet, "hook-5xx")["endpoint"]
    assert not ok and message.endswith("answered HTTP 503")


def test_webhook_endpoint_closed_port(fleet: dict[str, Any]) -> None:
    ok, message = _checks(fleet, "hook-closed")["endpoint"]
    assert not ok and "unreachable (connection failed)" in message
    assert _line(fleet, "hook-closed").startswith("FAIL hook-closed: endpoint http://127.0.0.1:")


def test_disabled_target_is_skipped(fleet: dict[str, Any]) -> None:
    assert "disabled" not in fleet["report"]
    assert "skip disabled: disabled" in fleet["stderr"]


def test_no_secret_or_query_string_in_output(fleet: dict[str, Any]) -> None:
    proc = fleet["proc"]
    everything = proc.stdout + proc.stderr
    for secret in (CANARY_TOKEN, CANARY_HMAC, QUERY_CANARY):
        assert secret not in everything
    assert "/hook?channel=***" in _checks(fleet, "hook-ok")["endpoint"][1]


def test_only_and_output_file(fleet: dict[str, Any]) -> None:
    out = fleet["tmp"] / "health.json"
    proc = run_script("health", "--targets", str(fleet["targets"]), "--only", "healthy-push",
                      "sub-ok-local", "-o", str(out), env=fleet["env"])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert [r["target"] for r in json.loads(out.read_text())] == ["healthy-push", "sub-ok-local"]
    assert len(proc.stderr.splitlines()) == 2


def test_unknown_only_id_is_usage_error(fleet: dict[str, Any]) -> None:
    proc = run_script("validate-sync-targets.sh", "--targets", str(fleet["targets"]),
                      "--only", "nope")
    assert proc.returncode == 2
    assert proc.stderr.startswith("health: error: unknown target id: nope (known: ")
    assert proc.stdout == ""


def test_library_check_all_matches_the_script(
    fleet: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from skillsync.health import check_all
    from skillsync.targets import load_targets

    for key, value in fleet["env"].items():
        monkeypatch.setenv(key, value)
    chosen = [t for t in load_targets(fleet["targets"], include_disabled=False)
              if not t.id.startswith("hook-")]  # the server's request record stays as is
    serial = [h.as_dict() for h in check_all(chosen, jobs=1, timeout=10)]
    parallel = [h.as_dict() for h in check_all(chosen, jobs=4, timeout=10)]
    assert serial == parallel == [fleet["report"][t.id] for t in chosen]


def test_validate_script_is_strict_bash() -> None:
    from conftest import SCRIPTS

    text = (SCRIPTS / "validate-sync-targets.sh").read_text()
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in text
    proc = subprocess.run(["bash", "-n", str(SCRIPTS / "validate-sync-targets.sh")],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
