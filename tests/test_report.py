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


# -- a killed run is accounted for (issue 12, RELIABILITY 39) -------------------------------------
def _killed_run(world: dict, run_dir: Path) -> dict[str, Path]:  # noqa: F811
    """A real `scripts/sync`, SIGKILLed right after its second push target's push.

    Wave 0 runs one target at a time, in id order: `a-done` already holds the release
    (no-op, result written), `b-pushed` is pushed and the process dies before its
    result, `c-waiting` never starts; `d-later` is in the next wave."""
    import signal
    import subprocess

    from conftest import SCRIPTS

    bares = {tid: add_target(world, tid, risk=risk) for tid, risk in
             (("a-done", "low"), ("b-pushed", "low"), ("c-waiting", "low"), ("d-later", "high"))}
    first = run_script("sync", "--manifest", str(world["v1.0.0"]), "--targets",
                       str(world["targets"]), "--only", "a-done",
                       "--run-dir", str(world["root"] / "runs" / "before"),
                       env={"SKILLSYNC_CACHE": str(world["root"] / "cache")})
    assert first.returncode == 0, first.stderr
    env = {**os.environ, "SKILLSYNC_CACHE": str(world["root"] / "cache"),
           "SKILLSYNC_TEST_KILL_AT": "pushed"}
    proc = subprocess.run([str(SCRIPTS / "sync"), "--manifest", str(world["v1.0.0"]),
                           "--targets", str(world["targets"]), "--run-dir", str(run_dir),
                           "--jobs", "1"], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    assert sorted(p.name for p in (run_dir / "results").iterdir()) == ["a-done.json"]
    return bares


def _statuses(summary: dict) -> dict[str, tuple[str, str]]:
    return {t["id"]: (t["status"], t["message"]) for t in summary["targets"]}


def test_report_lists_every_routed_target_a_killed_run_left_without_result(
        world: dict, tmp_path: Path) -> None:  # noqa: F811
    from safety_fixtures import head

    run_dir = world["root"] / "runs" / "killed"
    bares = _killed_run(world, run_dir)
    ours = head(bares["b-pushed"])
    res = run_script("report", str(run_dir), "--targets", str(world["targets"]))
    assert res.returncode == 1, res.stderr
    summary = json.loads(res.stdout)
    assert summary["status"] == "failed"
    assert _statuses(summary) == {
        "a-done": ("no-op", _statuses(summary)["a-done"][1]),
        "b-pushed": ("unknown", f"unknown: the target moved to our commit {ours[:12]} "
                                "(no result was recorded)"),
        "c-waiting": ("not-attempted", "not attempted: the run stopped before this target"),
        "d-later": ("not-attempted", "not attempted: the run stopped before this target"),
    }
    row = {t["id"]: t for t in summary["targets"]}["b-pushed"]
    assert row["commit"] == ours and row["branch"] == "main"
    assert summary["counts"] == {"no-op": 1, "not-attempted": 2, "unknown": 1}
    assert "Traceback" not in res.stderr
    # The check only read: report writes nothing in any target.
    assert not list((run_dir / "results").glob("[bcd]*.json"))

    # Without the target files (no --targets, no $SKILLSYNC_TARGETS, no ./targets) the
    # report says so instead of guessing; the plan decides between the two statuses.
    bare_cwd = tmp_path / "elsewhere"
    bare_cwd.mkdir()
    res = run_script("report", str(run_dir), cwd=bare_cwd)
    assert res.returncode == 1, res.stderr
    got = _statuses(json.loads(res.stdout))
    assert got["b-pushed"] == ("unknown", "unknown: the run stopped while syncing this target "
                               "and recorded no result (not checked: give --targets to check it)")
    assert got["c-waiting"] == ("not-attempted", "not attempted: the run stopped before this "
                                "target (not checked: give --targets to check it)")

    # An unreachable remote is one more reason it could not be checked, not a crash.
    moved = bares["b-pushed"].with_name("gone.git")
    bares["b-pushed"].rename(moved)
    try:
        res = run_script("report", str(run_dir), "--targets", str(world["targets"]),
                         "--format", "md")
    finally:
        moved.rename(bares["b-pushed"])
    assert res.returncode == 1 and "Traceback" not in res.stderr, res.stderr
    assert "| b-pushed | push | 0 | unknown |" in res.stdout
    assert "not checked: reading it failed: git" in res.stdout


def test_rerun_failed_after_a_kill_converges_to_one_sync_commit_per_target(
        world: dict) -> None:  # noqa: F811
    from engine_fixtures import downstream
    from safety_fixtures import sync_commits
    from test_sync import manifest_files

    run_dir = world["root"] / "runs" / "killed"
    bares = _killed_run(world, run_dir)
    res = run_script("sync", "--rerun-failed", str(run_dir), "--targets", str(world["targets"]),
                     "--run-dir", str(world["root"] / "runs" / "again"),
                     env={"SKILLSYNC_CACHE": str(world["root"] / "cache")})
    assert res.returncode == 0, res.stderr
    # the unknown and not-attempted targets are taken; the one with a result is not
    assert {t["id"]: t["status"] for t in json.loads(res.stdout)["targets"]} == {
        "b-pushed": "no-op", "c-waiting": "synced", "d-later": "synced"}
    release = manifest_files(world, "v1.0.0")
    for tid, bare in bares.items():
        assert len(sync_commits(bare, "main", "1.0.0")) == 1, tid
        files = downstream(bare)
        assert {p: files.get(p) for p in release} == release, tid


def test_merge_runs_records_a_killed_job_as_unknown_or_not_attempted(
        world: dict) -> None:  # noqa: F811
    """CI's fan-in: merge-runs writes the missing results with the same check, so the
    report of the merged run needs no network and says the same."""
    from safety_fixtures import head

    run_dir = world["root"] / "runs" / "killed"
    bares = _killed_run(world, run_dir)
    into = world["root"] / "runs" / "merged"
    res = run_script("merge-runs", "--into", str(into), str(run_dir),
                     "--targets", str(world["targets"]))
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["completed"] == ["b-pushed", "c-waiting", "d-later"]
    got = json.loads((into / "results" / "b-pushed.json").read_text())
    assert got["status"] == "unknown" and got["commit"] == head(bares["b-pushed"])
    report = run_script("report", str(into), "--targets", str(world["root"] / "no-such-dir"))
    assert report.returncode == 1, report.stderr
    assert {t["id"]: t["status"] for t in json.loads(report.stdout)["targets"]} == {
        "a-done": "no-op", "b-pushed": "unknown", "c-waiting": "not-attempted",
        "d-later": "not-attempted"}
