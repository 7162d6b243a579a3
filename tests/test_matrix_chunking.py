"""Chunking a wave into matrix jobs (issue 15, item 3): one matrix per wave, at most
256 jobs each, every routed target in exactly one job, never two waves in one job,
and no cap on fleet size."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from skillsync.errors import UsageError
from skillsync.matrix import MATRIX_LIMIT, chunk, plan_matrix, wave_jobs


def routes(n: int, *, waves: int = 3) -> list[dict[str, Any]]:
    """`n` routed targets: one canary (wave 0), the rest spread over waves 1.. in an
    interleaved order (ids sort across waves, as a real fleet's do)."""
    out = [{"id": "t00000", "mechanism": "push", "risk": "low", "wave": 0, "decision": "sync"}]
    for i in range(1, n):
        out.append({"id": f"t{i:05d}", "mechanism": "pull-request", "risk": "medium",
                    "wave": 1 + i % (waves - 1), "decision": "sync"})
    return out


@pytest.mark.parametrize(("n", "jobs", "size"), [
    (1, 1, 1), (256, 256, 1), (257, 129, 2), (2000, 250, 8),
])
def test_one_wave_splits_into_at_most_256_jobs(n: int, jobs: int, size: int) -> None:
    items = [{"id": f"t{i:05d}", "wave": 0} for i in range(n)]
    [matrix] = wave_jobs(items)
    assert len(matrix) == jobs <= MATRIX_LIMIT
    assert max(len(j) for j in matrix) == size
    assert all(len(j) == size for j in matrix[:-1]) and 1 <= len(matrix[-1]) <= size
    ids = [e["id"] for j in matrix for e in j]
    assert ids == [e["id"] for e in items]                 # each once, order kept


@pytest.mark.parametrize("n", [1, 256, 257, 2000])
def test_every_target_exactly_once_and_waves_never_mixed(n: int) -> None:
    r = routes(n)
    plan = plan_matrix(r, slots=None)
    seen: Counter[str] = Counter()
    assert len(plan.wave_jobs) == len(plan.waves)
    for w, matrix in enumerate(plan.wave_jobs):
        assert len(matrix) <= MATRIX_LIMIT
        for job in matrix:
            assert job and {e["wave"] for e in job} == {w}   # one wave per job
            seen.update(e["id"] for e in job)
        assert sorted(e["id"] for j in matrix for e in j) == sorted(plan.waves[w])
    assert seen == Counter(x["id"] for x in r)              # exactly once each
    out = plan.as_dict()["wave_jobs"]
    assert [m["wave"] for m in out] == list(range(len(plan.waves)))
    assert sum(e["count"] for m in out for e in m["include"]) == n
    assert all(e["ids"] and len(e["ids"]) == e["count"] for m in out for e in m["include"])


def test_the_old_slots_still_refuse_a_fleet_that_does_not_fit() -> None:
    """The current workflow's two sync-rest jobs hold 512 targets: with slots it is still
    an error naming the fix (never truncated); without slots it fits."""
    with pytest.raises(UsageError, match="sync-rest"):
        plan_matrix(routes(2000))
    assert plan_matrix(routes(2000), slots=None).total == 2000


def test_the_rest_chunks_mixed_waves_and_wave_jobs_do_not() -> None:
    """Issue 15: `rest_0` put a wave-1 and a wave-2 target in one chunk."""
    plan = plan_matrix(routes(10), slots=2)
    assert {e["wave"] for e in plan.rest[0]} == {1, 2}
    assert all(len({e["wave"] for e in job}) == 1 for m in plan.wave_jobs for job in m)


def test_bad_sizes_are_usage_errors() -> None:
    with pytest.raises(UsageError):
        wave_jobs([{"id": "a", "wave": 0}], max_jobs=0)
    with pytest.raises(UsageError):
        chunk([1], 0)
    assert wave_jobs([]) == []
