"""Fan-in of a run's CI jobs (skillsync.fanin): their run directories merged into one, in
both layouts download-artifact gives, the log in time order, a disagreement refused; a job's
re-run superseding its earlier attempt; the annotations the report job prints, escaped, and
summarised past the 10 a step that GitHub shows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from skillsync import fanin
from skillsync.errors import ConfigError


def _part(root: Path, name: str, tid: str, status: str, ts: str) -> Path:
    from skillsync.fsutil import write_json

    part = root / name
    write_json(part / "manifest.json", {"schema": "skillsync.manifest/v1", "version": "1.0.0"})
    write_json(part / "run.json", {"run_id": "gh-1", "created": ts})
    write_json(part / "results" / f"{tid}.json", {
        "target": tid, "mechanism": "push", "status": status, "message": f"{tid} {status}",
        "error": None, "data": {"wave": 0}})
    (part / "log.jsonl").write_text(json.dumps({"ts": ts, "target": tid, "step": "result",
                                                "status": status}) + "\n")
    return part


def test_merge_accepts_both_download_layouts_and_orders_the_log(tmp_path: Path) -> None:
    from skillsync.runlog import RunDir

    into = tmp_path / "gh-1"
    into.mkdir()
    (into / "routes.json").write_text(json.dumps([
        {"id": "a", "wave": 0, "decision": "sync", "mechanism": "push"},
        {"id": "b", "wave": 1, "decision": "sync", "mechanism": "push"},
        {"id": "c", "wave": None, "decision": "halt", "mechanism": "push", "reason": "major"},
        {"id": "d", "wave": 1, "decision": "sync", "mechanism": "push"}]))
    many = tmp_path / "parts"
    _part(many, "skillsync-target-b", "b", "synced", "2026-01-01T00:00:02Z")
    _part(many, "skillsync-target-a", "a", "synced", "2026-01-01T00:00:01Z")
    single = _part(tmp_path, "one", "a", "synced", "2026-01-01T00:00:01Z")  # same as above
    report = fanin.merge_run_dirs(into, [many, single])
    assert report.parts == 3 and report.events == 2
    assert [json.loads(x)["target"] for x in (into / "log.jsonl").read_text().splitlines()] == \
        ["a", "b"]
    assert fanin.complete_results(RunDir(into), []) == ["c", "d"]
    d = json.loads((into / "results" / "d.json").read_text())
    c = json.loads((into / "results" / "c.json").read_text())
    assert d["status"] == "not-attempted" and c["status"] == "halted" and c["message"] == "major"
    # Two parts disagreeing about one target: refused, naming the file.
    bad = _part(tmp_path / "bad", "x", "a", "failed", "2026-01-01T00:00:09Z")
    with pytest.raises(ConfigError, match=r"results/a\.json conflicts"):
        fanin.merge_run_dirs(into, [bad])
    assert json.loads((into / "results" / "a.json").read_text())["status"] == "synced"


def test_annotations_cannot_break_out_of_their_line() -> None:
    summary = {"targets": [
        {"id": "a", "status": "failed", "error": "boom\n::set-env name=X::y 100%",
         "rollback": "scripts/rollback --run r --target a"},
        {"id": "b", "status": "halted", "message": "drift: x, y"},
        {"id": "c", "status": "synced", "message": "ok"}]}
    lines = fanin.workflow_annotations(summary)
    assert lines == [
        "::error title=skillsync a%3A failed::boom%0A::set-env name=X::y 100%25 "
        "(roll back: scripts/rollback --run r --target a)",
        "::warning title=skillsync b%3A halted::drift: x, y"]




def test_a_jobs_latest_attempt_supersedes_its_earlier_one(tmp_path: Path) -> None:
    """Re-run failed jobs: the failed job's first part (a1) and its re-run's (a2) both sit
    in the download; only a2 is merged, so the run records the re-run's result, while the
    job that was not re-run keeps its a1 part."""
    into = tmp_path / "gh-1"
    into.mkdir()
    (into / "routes.json").write_text(json.dumps([
        {"id": "a", "wave": 0, "decision": "sync", "mechanism": "push"},
        {"id": "b", "wave": 0, "decision": "sync", "mechanism": "push"}]))
    parts = tmp_path / "parts"
    _part(parts, "skillsync-part-w0-c0-a1", "a", "synced", "2026-01-01T00:00:01Z")
    _part(parts, "skillsync-part-w0-c1-a1", "b", "failed", "2026-01-01T00:00:02Z")
    _part(parts, "skillsync-part-w0-c1-a2", "b", "synced", "2026-01-01T01:00:00Z")
    assert [p.name for p in fanin.expand_parts([parts])] == [
        "skillsync-part-w0-c0-a1", "skillsync-part-w0-c1-a2"]
    report = fanin.merge_run_dirs(into, [parts])
    assert report.parts == 2
    assert json.loads((into / "results" / "b.json").read_text())["status"] == "synced"
    # Attempt 10 is later than attempt 9 (numbers, not text).
    assert fanin.latest_attempts([Path("x-a9"), Path("x-a10"), Path("y")]) == [
        Path("x-a10"), Path("y")]


def test_a_jobs_own_routes_and_summary_do_not_conflict(tmp_path: Path) -> None:
    """A job routes and summarises only its chunk: those files are the job's, the run's
    come from the plan (routes.json) and the report (summary)."""
    into = tmp_path / "gh-1"
    into.mkdir()
    plan_routes = [{"id": "a", "wave": 1, "decision": "sync", "mechanism": "push"},
                   {"id": "b", "wave": 1, "decision": "sync", "mechanism": "push"}]
    (into / "routes.json").write_text(json.dumps(plan_routes))
    part = _part(tmp_path / "parts", "skillsync-part-w1-c0-a1", "a", "synced",
                 "2026-01-01T00:00:01Z")
    (part / "routes.json").write_text(json.dumps([{**plan_routes[0], "wave": 0}]))
    (part / "summary.json").write_text("{}")
    fanin.merge_run_dirs(into, [part])
    assert json.loads((into / "routes.json").read_text()) == plan_routes
    assert not (into / "summary.json").exists()


def _summary(n_failed: int, n_halted: int) -> dict[str, object]:
    return {"targets": [{"id": f"f{i:02d}", "status": "failed", "error": "boom"}
                        for i in range(n_failed)]
            + [{"id": f"h{i:02d}", "status": "halted", "message": "drift"}
               for i in range(n_halted)]}


@pytest.mark.parametrize(("n", "shown"), [(9, 9), (10, 10), (11, 10), (40, 10)])
def test_annotations_past_ten_are_summarised(n: int, shown: int) -> None:
    """GitHub shows a step's first 10 error (and 10 warning) annotations and drops the
    rest silently: past 10, the first 9 are printed and the 10th says how many more."""
    lines = fanin.workflow_annotations(_summary(n, n))
    errors = [x for x in lines if x.startswith("::error")]
    warnings = [x for x in lines if x.startswith("::warning")]
    assert len(errors) == len(warnings) == shown
    if n > 10:
        assert errors[-1] == (f"::error title=skillsync%3A {n - 9} more failing::and {n - 9} "
                              "more failing target(s): the job summary lists every target")
        assert warnings[-1].startswith(f"::warning title=skillsync%3A {n - 9} more halted::")
        assert [x.split("::")[1] for x in errors[:9]] == \
            [f"error title=skillsync f{i:02d}%3A failed" for i in range(9)]
    else:
        assert all("more" not in x for x in lines)
