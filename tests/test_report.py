"""`report` renders a run's per-target summary; its output is pinned by golden
files (regenerate with UPDATE_GOLDEN=1 after an intended change)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from conftest import run_script
from engine_fixtures import target_yaml
from test_sync import add_target, sync, world  # noqa: F401 - fixture re-export

GOLDEN = Path(__file__).parent / "golden"


def normalize(text: str, root: Path) -> str:
    """Temp paths differ per run, and so do the SHAs of commits whose trailers name them."""
    text = text.replace(str(root), "<tmp>")
    return re.sub(r"\b[0-9a-f]{12}(?:[0-9a-f]{28})?\b", "<sha>", text)


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text(), f"{name} changed; regenerate if intended"


def test_report_markdown_and_json_are_stable(world: dict) -> None:  # noqa: F811
    add_target(world, "canary")
    add_target(world, "prt", "pull-request", risk="medium")
    add_target(world, "cautious", risk="high")
    (world["targets"] / "gone.yaml").write_text(
        target_yaml("gone", world["root"] / "missing.git", risk="high"))
    sync(world, "v1.0.0", "first")
    out = sync(world, "v1.1.0", "golden-run")
    run_dir = out["run"].path
    md = run_script("report", str(run_dir), "--format", "md")
    assert md.returncode == 1  # a target failed
    check_golden("report.md", normalize(md.stdout, world["root"]))
    js = run_script("report", str(run_dir))
    data = json.loads(js.stdout)
    assert data["status"] == "failed"
    assert data["counts"] == {"failed": 1, "pending": 1, "synced": 2}
    check_golden("report.json", normalize(js.stdout, world["root"]))
    assert (run_dir / "summary.md").read_text() == md.stdout


def test_report_of_missing_run_is_a_usage_error(tmp_path: Path) -> None:
    res = run_script("report", str(tmp_path / "nope"))
    assert res.returncode == 2 and "no run directory" in res.stderr


@pytest.mark.parametrize("fmt", ["json", "md"])
def test_report_help_documents_exit_codes(fmt: str) -> None:
    res = run_script("report", "--help")
    assert res.returncode == 0 and "130  interrupted" in res.stdout
