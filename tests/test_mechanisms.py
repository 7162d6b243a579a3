"""Adding a mechanism is one module and its registration (issue 14): a toy mechanism
defined here, which "syncs" a release by writing a marker file into a directory of
its own, is driven through the generic code — sync_one (plan, apply, verify,
after_sync), snapshot.take, rollback.rollback_run and status.target_status — with no
change to any of them."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar

import pytest

from engine_fixtures import make_source
from skillsync import mechanisms, snapshot
from skillsync.downstream import TargetRepo
from skillsync.manifest import build_manifest
from skillsync.mechanisms.base import (
    Context,
    Holding,
    Job,
    Mechanism,
    Outcome,
    Result,
    StatusQuery,
)
from skillsync.model import Target
from skillsync.plan import Plan
from skillsync.rollback import rollback_run
from skillsync.runlog import RunDir, run_history
from skillsync.status import Options as StatusOptions
from skillsync.status import SourceReleases, target_status
from skillsync.sync import Options, run_sync


class Shelf(Mechanism):
    """Keeps the release's version in `<url>/release.json` (a directory, not a repo)."""

    name = "shelf"
    repo_based = False
    calls: ClassVar[list[str]] = []

    def _file(self, target: Target) -> Path:
        return Path(str(target.url)) / "release.json"

    def _held(self, target: Target) -> dict[str, Any] | None:
        f = self._file(target)
        return json.loads(f.read_text()) if f.exists() else None

    def plan(self, ctx: Context) -> Plan:
        self.calls.append("plan")
        m = ctx.manifest
        held = self._held(ctx.target)
        plan = Plan(ctx.target.id, self.name, "update", f"shelve {m['version']}", m["version"],
                    m["source"]["commit"], previous_version=(held or {}).get("version"))
        if held and held.get("digest") == m["digest"]:
            plan.decision, plan.reason = "no-op", f"already shelved {m['version']}"
        return plan

    def apply(self, ctx: Context, plan: Plan) -> Result:
        self.calls.append("apply")
        f = self._file(ctx.target)
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(json.dumps({"version": ctx.version, "digest": ctx.manifest["digest"]}))
        return Result(ctx.target.id, self.name, "synced", f"shelved {ctx.version}")

    def verify(self, ctx: Context) -> list[str]:
        self.calls.append("verify")
        held = self._held(ctx.target) or {}
        return [] if held.get("digest") == ctx.manifest["digest"] else ["not on the shelf"]

    def after_sync(self, ctx: Context, result: Result) -> None:
        self.calls.append("after_sync")

    def snapshot(self, target: Target, manifest: Mapping[str, Any], base: dict[str, Any], *,
                 env: Mapping[str, str], token: str | None, repo: TargetRepo | None,
                 heads: Mapping[str, str] | None) -> dict[str, Any]:
        self.calls.append("snapshot")
        return {**base, "shelf": self._held(target), "complete": True}

    def rollback(self, job: Job) -> Outcome:
        self.calls.append("rollback-dry" if job.dry_run else "rollback")
        before = (job.snap or {}).get("shelf")
        if self._held(job.target) == before:
            return job.out("no-op", "the shelf is as it was")
        if job.dry_run:
            return job.out("planned", "would put the shelf back")
        f = self._file(job.target)
        if before is None:
            f.unlink()
        else:
            f.write_text(json.dumps(before))
        return job.out("rolled-back", "shelf restored", verified=self._held(job.target) == before)

    def holds(self, query: StatusQuery) -> Holding:
        self.calls.append("holds")
        held = self._held(query.target)
        return Holding(version=held["version"] if held else None,
                       note=f"on the shelf: {held['version']}" if held else "empty shelf")


@pytest.fixture
def shelf() -> Iterator[type[Shelf]]:
    mechanisms.register(Shelf)
    Shelf.calls = []
    yield Shelf
    del mechanisms.REGISTRY["shelf"]


def test_a_new_mechanism_is_one_class_driven_by_the_generic_code(
        tmp_path: Path, shelf: type[Shelf], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SKILLSYNC_CACHE", str(tmp_path / "cache"))
    src = make_source(tmp_path)
    target = Target(id="toy", mechanism="shelf", source_file=tmp_path / "toy.yaml",
                    url=str(tmp_path / "shelf"))
    m1, m2 = build_manifest(str(src), "v1.0.0"), build_manifest(str(src), "v1.1.0")

    # sync: plan -> (snapshot) -> apply -> verify -> after_sync, through run_sync
    r1 = RunDir(tmp_path / "runs" / "r1").create()
    res = run_sync(m1, [target], r1, Options(source=str(src)))["toy"]
    assert res.status == "synced", res.message
    assert shelf.calls == ["plan", "snapshot", "apply", "verify", "after_sync"]
    r2 = RunDir(tmp_path / "runs" / "r2").create()
    assert run_sync(m2, [target], r2, Options(source=str(src)))["toy"].status == "synced"
    snap = snapshot.load(r2, "toy")
    assert snap is not None and snap["shelf"]["version"] == "1.0.0"

    # status through the mechanism's holds()
    shelf.calls = []
    releases = SourceReleases(str(src))
    st = target_status(target, releases, run_history(tmp_path / "runs", ["toy"]),
                       StatusOptions(source=str(src), runs=tmp_path / "runs"))
    assert shelf.calls == ["holds"] and st.release == "1.1.0", st

    # rollback: decided read-only first, then applied, through rollback_run
    shelf.calls = []
    out = rollback_run(r2, [target], ["toy"])[0]
    assert out.status == "rolled-back" and out.verified
    assert shelf.calls == ["rollback-dry", "rollback"]
    assert json.loads((tmp_path / "shelf" / "release.json").read_text())["version"] == "1.0.0"
    # and a second rollback is a no-op that never got past the read-only pass
    shelf.calls = []
    assert rollback_run(r2, [target], ["toy"])[0].status == "no-op"
    assert shelf.calls == ["rollback-dry"]


def test_every_registered_mechanism_implements_the_whole_lifecycle() -> None:
    for name, cls in mechanisms.REGISTRY.items():
        assert cls.name == name
        missing = getattr(cls, "__abstractmethods__", frozenset())
        assert not missing, (name, sorted(missing))


def test_nothing_outside_mechanisms_compares_a_mechanisms_name() -> None:
    """Each comparison would be a place a new mechanism must be taught about (issue 14);
    the generic code asks the mechanism (its protocol and capabilities) instead."""
    import re

    from conftest import ROOT

    pattern = re.compile(r"mechanism\s*(==|!=|\bin\b\s*[(\[{])|isinstance\(\s*mech")
    found = [f"{p.relative_to(ROOT)}:{n}"
             for p in sorted((ROOT / "src" / "skillsync").rglob("*.py"))
             # fastschemas/ is the target schema compiled to Python (its mechanism enum)
             if not {"mechanisms", "fastschemas"} & set(p.relative_to(ROOT / "src" /
                                                                  "skillsync").parts)
             for n, line in enumerate(p.read_text().splitlines(), 1) if pattern.search(line)]
    assert found == []
