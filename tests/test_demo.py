"""The README's first command runs the demo; this runs the same demo in a copy of
targets/ so the working tree stays clean, and checks what it claims."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_demo_runs_end_to_end(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "targets", tmp_path / "targets")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env["PYTHONPATH"] = str(ROOT / "src")
    proc = subprocess.run([sys.executable, "-m", "skillsync.commands.demo"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    err = proc.stderr
    assert "dry run wrote nothing" in err
    # the hostile release is refused with its reason, the path shown escaped
    assert "release refused" in err and "skills/helpful/x\\n100644" in err
    assert "refused before any target was read" in err
    assert "Demo finished" in err
    runs = tmp_path / ".skillsync" / "demo" / "runs"
    rerun = json.loads((runs / "3-rerun" / "summary.json").read_text())
    # nothing to write; a pull-request target whose PR awaits merge is pending, not no-op
    assert {t["status"] for t in rerun["targets"]} <= {"no-op", "skipped", "pending"}
    assert {t["id"]: t["status"] for t in rerun["targets"]}["acme-agents"] == "pending"
    # v1.1.0 superseded the 1.0.0 pull request: closed, linked, its branch deleted
    assert "acme/agents#1 closed (label skillsync-superseded): 'Superseded by #" in err
    assert "sync branches left on acme-agents: skillsync/1.1.0" in err
    v11 = json.loads((runs / "4-v1.1.0" / "summary.json").read_text())
    acme = {t["id"]: t for t in v11["targets"]}["acme-agents"]
    assert "closed superseded #1" in acme["message"]
    major = json.loads((runs / "7-major" / "summary.json").read_text())
    statuses = {t["id"]: t["status"] for t in major["targets"]}
    assert statuses["platform-monorepo"] == "failed" and statuses["canary-docs"] == "halted"
    assert "verified: .agents/skills on main byte-identical to the snapshot" in err
    rolled = json.loads((tmp_path / ".skillsync" / "demo" / "rollback.json").read_text())
    again = json.loads((tmp_path / ".skillsync" / "demo" / "rollback-again.json").read_text())
    assert "rolled-back" in json.dumps(rolled) and "no-op" in json.dumps(again)
    notified = json.loads((tmp_path / ".skillsync" / "demo" / "notify.json").read_text())
    assert notified  # every channel reported
    # The demo's secrets (tokens, the Slack URL) never reach its output or run records.
    for line in err.splitlines():
        assert "demo-" not in line or "skillsync/demo" in line
