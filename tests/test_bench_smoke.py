"""The benchmark's instrument works at a tiny size: the fleet builds, a sync is measured in
each mode, and every counter sees what it claims to count. Structure and counters only,
never a timing (the bench reports timings; a test must not depend on them).

The whole CLI at a tiny size takes longer than a unit test should, so it only runs with
SKILLSYNC_BENCH_SMOKE=1 (`nox -s bench` sets it and runs this file first).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def bench(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The bench package importable, and the process environment restored afterwards
    (the bench's `isolate` rewrites os.environ for itself and every child)."""
    monkeypatch.syspath_prepend(str(ROOT))
    saved = dict(os.environ)
    import benchmarks.fleet as fleet

    try:
        yield fleet
    finally:
        os.environ.clear()
        os.environ.update(saved)


def test_fleet_and_both_modes_count_what_they_claim(bench: Any, tmp_path: Path) -> None:
    from benchmarks.measure import GitCounter, Syncs

    work = tmp_path / "work"
    work.mkdir()
    token = "smoke-" + "0" * 26
    bench.isolate(work, token)
    with bench.servers(work, token) as (git_srv, gh):
        fleet = bench.Fleet(work, token, 3, history_mb=0, skills=3)
        fleet.setup(git_srv, gh, [2])
        assert sorted(p.name for p in fleet.targets_dir(2).iterdir()) == ["t000.yaml",
                                                                         "t001.yaml"]
        assert [s["mechanism"] for s in fleet.specs] == ["push", "push", "pull-request"]
        syncs = Syncs(fleet, git_srv, gh, GitCounter(work), jobs=2)
        fleet.reset(git_srv, gh)

        one = syncs.one_process(3, work / "cache")
        assert one["statuses"] == {"synced": 3}, one["failed"]
        assert fleet.check("one process", 3) == []
        # The PATH shim sees every git the library's git.run starts, and more (the
        # manifest readers' own cat-file processes), so never fewer.
        assert one["git_processes"] >= one["git_run_calls"] > 0
        assert one["git_processes"] == sum(one["git_processes_by_command"].values())
        assert one["git_processes_by_command"].get("push", 0) >= 3
        assert one["transport"]["requests"] > 0 and one["transport"]["failed"] == 0
        assert set(one["api_per_pr"]) == {"t002"} and one["api_per_pr"]["t002"] > 0
        assert one["maxrss_mb"] > 0

        # One sync-target process per target, on the state the run above left: a no-op
        # with the warm cache, counted in a real process the bench cannot patch.
        job = syncs.per_process(2, work / "cache")
        assert job["statuses"] == {"no-op": 2}, job["failed"]
        assert job["git_processes_by_command"].get("ls-remote", 0) >= 2
        assert "push" not in job["git_processes_by_command"]
        assert job["transport"]["requests"] > 0 and job["api_requests"] == 0
        assert len(job["process_s"]) == 2
        assert job["maxrss_mb"] > 0 or not os.access("/usr/bin/time", os.X_OK)
        assert fleet.pristine_problems() == []


@pytest.mark.skipif(not os.environ.get("SKILLSYNC_BENCH_SMOKE"),
                    reason="the whole bench CLI at a tiny size: set SKILLSYNC_BENCH_SMOKE=1")
def test_bench_cli_writes_one_table_and_the_goals(tmp_path: Path) -> None:
    out = tmp_path / "results"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench.py"),
         "--targets", "3", "--repeat", "1", "--history-mb", "0", "--source-skills", "3",
         "--links", "loopback,100mbps-30ms", "--memory-sizes", "2,3", "--startup-runs", "1",
         "--scratch", str(tmp_path), "--out", str(out)],
        capture_output=True, text=True, check=False, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    name = "targets-3-history0-loopback-latency30-mbps100"
    d = json.loads((out / f"{name}.json").read_text())
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True,
                          text=True, check=True).stdout.strip()
    assert d["schema"] == "skillsync.bench/v2" and d["code"]["commit"] == head
    assert isinstance(d["code"]["dirty"], bool)
    assert len(d["machine"]["loadavg_start"]) == len(d["machine"]["loadavg_end"]) == 3
    assert d["config"]["links"] == ["loopback", "100mbps-30ms"] == sorted(d["links"])[::-1]
    for link in d["links"].values():
        for mode in ("one", "process"):
            assert link[mode]["p1"]["statuses"] == {"synced": 3}
            assert {"p2_warm", "p2_cold", "ratios"} <= set(link[mode])
        # a push and a pull-request target: the PR P1 opened awaits its merge
        assert link["process"]["noop_process"]["statuses"] == {"no-op": 1, "pending": 1}
    assert sorted(d["memory"], key=int) == ["2", "3"]
    assert d["problems"] == []
    assert d["goals"] and all(isinstance(g["met"], bool) for g in d["goals"])
    assert {(g["link"], g["mode"]) for g in d["goals"] if g["measure"] == "P1 full sync"} == {
        ("loopback", "one"), ("loopback", "process"),
        ("100mbps-30ms", "one"), ("100mbps-30ms", "process")}
    md = (out / f"{name}.md").read_text()
    assert md.count("| measure | link | one process | per process |") == 1
    assert head in md
    assert (out / "fleet-sizes.md").is_file()
