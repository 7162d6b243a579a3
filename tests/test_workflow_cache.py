"""skillsync's cache between CI runs (issue 17, item 4), through the Actions emulator.

The reusable workflow keeps the no-op records of `$SKILLSYNC_CACHE/targets` with
actions/cache: restored by a job that holds nothing (cache-restore), handed to the sync
jobs as an artifact they check, each sync job hands on the records it wrote, and
cache-save merges them into the run's own entry. A second run of a release then finds
every pooled target unchanged without a fetch; a job's records never overwrite
another's; a job holding a target's own secret keeps no cache; hostile cache content is
dropped (docs/security.md#the-cache-between-ci-runs).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import git as tgit
from engine_fixtures import repo_state
from support.gha_cache import CacheStore
from support.gha_emulator import Emulator, WorkflowRun
from support.gha_repositories import REPOSITORY, adopter_workflow, git, load, skillsync_identity
from test_workflows import (
    SYNC_WF,
    WAVE_WF,
    github_home,
    legs,
    merged_run,
    release_published,
    run_workflow,
    tag_push,
    workspace_fleet,
)

SECRET = "ghs_CACHEtestTOKsecret0123456789"
# One canary; in the low wave, tok (its own secret: a job of its own) and l1, l2, l3, which
# the plan (told to use at most 3 jobs a wave) puts in two pooled jobs, [l1, l2] and [l3].
SPEC: dict[str, dict[str, Any]] = {
    "c": {"risk": "canary"},
    "l1": {"risk": "low"}, "l2": {"risk": "low"}, "l3": {"risk": "low"},
    "tok": {"risk": "low", "auth": "{method: token, env: TOK_TOKEN}"},
}
POOLED = ("c", "l1", "l2", "l3")


def chunked(fleet: dict[str, Any], jobs: int) -> dict[str, Any]:
    """The fleet with skillsync's plan told to use at most `jobs` jobs a wave (a patched
    commit of skillsync's repository), as a wave of thousands would use 256."""
    repo = fleet["actions"][skillsync_identity()]
    wf = repo / ".github/workflows/sync-downstream.yml"
    text = wf.read_text()
    assert text.count("--waves --github-output") == 1
    wf.write_text(text.replace("--waves --github-output",
                               f"--waves --chunk-size {jobs} --github-output"))
    git("commit", "-qam", f"{jobs} jobs a wave", cwd=repo)
    sha = git("rev-parse", "HEAD", cwd=repo)
    callers = {"sync-downstream.yml": adopter_workflow(fleet["root"] / "adopter-workflows",
                                                       "sync-downstream.yml", sha)}
    return {**fleet, "sha": sha, "callers": callers}


def person_commits(bare: Path, root: Path) -> str:
    """Someone pushes a commit of their own (outside dest) to the target's main."""
    work = root / f"person-{bare.name}"
    tgit("clone", "-q", str(bare), str(work))
    (work / "NOTES.md").write_text("ours\n")
    tgit("add", "NOTES.md", cwd=work)
    tgit("commit", "-qm", "a person's commit", cwd=work)
    tgit("push", "-q", "origin", "main", cwd=work)
    return tgit("rev-parse", "HEAD", cwd=work)


def head(bare: Path) -> str:
    return tgit("--git-dir", str(bare), "rev-parse", "main")


def result(emu: Emulator, tid: str) -> dict[str, Any]:
    return json.loads((merged_run(emu) / "results" / f"{tid}.json").read_text())


def plan(emu: Emulator, tid: str) -> dict[str, Any]:
    return json.loads((merged_run(emu) / "plans" / f"{tid}.json").read_text())


def record_heads(files: dict[str, bytes]) -> set[str]:
    """The branch heads the no-op records in `files` were made at: which targets they
    are (each target's head is a commit of its own)."""
    return {json.loads(v)["head"] for v in files.values()}


def artifact_files(emu: Emulator, name: str) -> dict[str, bytes]:
    d = emu.store / name
    return {p.name: p.read_bytes() for p in d.iterdir()} if d.exists() else {}


def leg_of(run: WorkflowRun, wave: int, ids: list[str]) -> Any:
    [leg] = [x for x in legs(run, wave) if x.matrix["ids"] == ids]
    return leg


@pytest.fixture(scope="module")
def warm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A tag push of v1.0.0 (everything syncs), then someone commits to l3, then the
    release is published (the same tag again: the run a warm cache is for)."""
    with github_home(tmp_path_factory):
        fleet = chunked(workspace_fleet(tmp_path_factory.mktemp("cache"), SPEC,
                                        tags=("v1.0.0",)), 3)
        secrets = {"skillsync-tok": {"SKILLSYNC_TARGET_SECRET": SECRET}}
        first = run_workflow(fleet, tag_push("v1.0.0"), 301, secrets=secrets)
        moved = person_commits(fleet["bares"]["l3"], fleet["root"])
        before = {t: repo_state(b) for t, b in fleet["bares"].items()}
        second = run_workflow(fleet, release_published("v1.0.0"), 302, secrets=secrets)
        after = {t: repo_state(b) for t, b in fleet["bares"].items()}
        yield {"fleet": fleet, "first": first, "second": second, "moved": moved,
               "before": before, "after": after,
               "heads": {t: head(b) for t, b in fleet["bares"].items()}}


def test_the_plan_chunks_the_fleet_as_this_module_needs(warm: dict[str, Any]) -> None:
    _, run = warm["first"]
    assert run.results["sync"] == "success", run.failures()
    assert sorted(tuple(leg.matrix["ids"]) for leg in legs(run, 1)) == [
        ("l1", "l2"), ("l3",), ("tok",)]


def test_a_second_run_of_a_release_is_a_warm_no_op_without_a_fetch(warm: dict[str, Any]
                                                                   ) -> None:
    """The release published after its tag push: every pooled target whose branch did
    not move is answered from the restored record (one ls-remote, no fetch), and nothing
    is written anywhere."""
    emu, run = warm["second"]
    assert run.results["sync"] == "success", run.failures()
    for tid in ("c", "l1", "l2"):
        r = result(emu, tid)
        assert r["status"] == "no-op", r
        assert r["data"]["git"]["fetches"] == 0 and r["data"]["git"]["ls_remote"] >= 1, r
        assert plan(emu, tid)["data"].get("cached") is True
        assert "unchanged" in plan(emu, tid)["reason"]
    assert warm["after"] == warm["before"]
    # The canary job restored the entry the first run saved.
    [saved] = [e.key for e in warm["first"][1].cache_log if e.op == "save"]
    restored = [e for e in run.cache_log if e.op == "restore"]
    assert [(e.job, e.matched) for e in restored] == [("sync/cache-restore", saved)]
    assert saved == (f"skillsync-targets-v1-{REPOSITORY}-{warm['fleet']['sha']}-301-1")


def test_a_record_is_believed_only_at_the_head_it_names(warm: dict[str, Any]) -> None:
    """l3 moved (a person's commit) after its record was made: the record is not believed,
    l3 is read again (a fetch), still nothing to write, and its new record replaces the old
    one in the cache the second run keeps."""
    emu, run = warm["second"]
    r = result(emu, "l3")
    assert r["status"] == "no-op" and r["data"]["git"]["fetches"] >= 1, r
    assert not plan(emu, "l3")["data"].get("cached")
    [key] = [e.key for e in run.cache_log if e.op == "save"]
    kept = emu.cache_store.files(key)
    assert record_heads(kept) == {warm["heads"][t] for t in POOLED}
    assert warm["moved"] == warm["heads"]["l3"]


def test_each_job_hands_on_only_its_own_records(warm: dict[str, Any]) -> None:
    """No job's copy of another job's record overwrites that job's own: each pooled job
    uploads exactly the records of its own targets it wrote (a warm no-op writes none),
    and the saved entry is their union."""
    first_emu, first = warm["first"]
    heads1 = {e: json.loads(v)["head"] for e, v in
              first_emu.cache_store.files(next(e.key for e in first.cache_log
                                               if e.op == "save")).items()}
    bares = warm["fleet"]["bares"]
    # In the first run each target's record names the head the sync left: its own commit.
    synced = {t: git("--git-dir", str(bares[t]), "rev-parse", "main~1")
              if t == "l3" else warm["heads"][t] for t in POOLED}
    assert set(heads1.values()) == set(synced.values())

    def handed(emu: Emulator, wave: int, chunk: int, attempt: int = 1) -> set[str]:
        return record_heads(artifact_files(emu, f"skillsync-records-w{wave}-c{chunk}"
                                                f"-a{attempt}"))

    chunk_of = {tuple(leg.matrix["ids"]): leg.matrix["chunk"] for leg in legs(first, 1)}
    assert handed(first_emu, 0, 0) == {synced["c"]}
    assert handed(first_emu, 1, chunk_of[("l1", "l2")]) == {synced["l1"], synced["l2"]}
    assert handed(first_emu, 1, chunk_of[("l3",)]) == {synced["l3"]}
    emu2, _ = warm["second"]
    assert handed(emu2, 0, 0) == set() and handed(emu2, 1, chunk_of[("l1", "l2")]) == set()
    assert handed(emu2, 1, chunk_of[("l3",)]) == {warm["moved"]}


def test_a_job_holding_a_targets_own_secret_keeps_no_cache(warm: dict[str, Any]) -> None:
    """tok's job (its own environment and secret) takes no record and hands none on: it
    plans cold (a fetch) in the second run; the cache jobs hold no secret at all."""
    emu, run = warm["second"]
    leg = leg_of(run, 1, ["tok"])
    assert leg.environment == "skillsync-tok"
    skipped = {s.name for s in leg.steps if s.status == "skipped"}
    assert {"Download the cached no-op records", "Take the cached no-op records",
            "Collect the records this job wrote", "Upload the records this job wrote"
            } <= skipped
    r = result(emu, "tok")
    assert r["status"] == "no-op" and r["data"]["git"]["fetches"] >= 1, r
    assert not any(n.startswith(f"skillsync-records-w1-c{leg.matrix['chunk']}-")
                   for n in emu.run.artifacts)
    for jid in ("sync/cache-restore", "sync/cache-save"):
        [job] = run.jobs[jid]
        assert job.environment is None
        assert not any(SECRET in json.dumps(s.env) for s in job.steps)
    jobs = load(SYNC_WF)["jobs"]
    assert jobs["cache-restore"]["permissions"] == jobs["cache-save"]["permissions"] == {}


def test_the_cache_holds_only_records_never_a_repository(warm: dict[str, Any]) -> None:
    """What is kept is targets/ alone: JSON records, not the source copies or the lock
    repository the store also keeps (a planted git config or hook would run)."""
    emu, run = warm["second"]
    for jid in ("sync/cache-restore", "sync/cache-save"):
        for s in run.jobs[jid][0].steps:
            if s.name in ("Restore the no-op records of earlier runs",
                          "Save them for the next run"):
                assert s.status == "success", s.stdout
    [key] = [e.key for e in run.cache_log if e.op == "save"]
    files = emu.cache_store.files(key)
    assert files and all(k.startswith("../temp/skillsync-cache/targets/") and
                         k.endswith(".json") for k in files), sorted(files)
    wave = load(WAVE_WF)["jobs"]["sync"]["steps"]
    assert not any(s.get("uses", "").startswith("actions/cache") for s in wave), \
        "a sync job holds secrets: no cache is restored there"


def test_hostile_cache_content_is_dropped_before_any_sync_reads_it(tmp_path: Path) -> None:
    """Whoever can run code in a workflow on the default branch can write a cache entry,
    the newest under our prefix. What reaches a sync job is only flat, small, regular files
    named like records: no link, no directory, no git repository, no other name; and the
    sync still does exactly its work."""
    fleet = workspace_fleet(tmp_path / "f", {"p": {"risk": "low"}}, tags=("v1.0.0",))
    planted = tmp_path / "planted"
    (planted / "lockrepo.git" / "hooks").mkdir(parents=True)
    (planted / "lockrepo.git" / "hooks" / "pre-push").write_text("#!/bin/sh\ntouch pwned\n")
    (planted / "evil.sh").write_text("touch pwned\n")
    (planted / ("b" * 32 + ".json")).write_text(" " * 70_000)                 # too large
    (tmp_path / "outside.json").write_text("{}")
    (planted / ("c" * 32 + ".json")).symlink_to(tmp_path / "outside.json")   # a link
    (planted / ("d" * 32 + ".json")).write_text(json.dumps({"head": "0" * 40}))
    # An entry of the default branch, under the workflow's own prefix.
    key = f"skillsync-targets-v1-{REPOSITORY}-{fleet['sha']}-999-1"
    where = "../temp/skillsync-cache/targets"
    assert CacheStore(fleet["root"] / "actions-cache").add(key, "refs/heads/main", where,
                                                           {where: planted})
    emu, run = run_workflow(fleet, tag_push("v1.0.0"), 501)
    assert run.results["sync"] == "success", run.failures()
    assert [e.matched for e in run.cache_log if e.op == "restore"] == [key]
    [leg] = legs(run, 0)
    taken = leg.workspace.parent / "temp" / "skillsync-cache" / "targets"
    assert not any(p.is_symlink() or p.is_dir() for p in taken.iterdir())
    names = {p.name for p in taken.iterdir()}
    assert "d" * 32 + ".json" in names
    assert not {"b" * 32 + ".json", "evil.sh", "lockrepo.git"} & names
    # The link arrives as its content at most (upload-artifact follows links), never as a
    # link out of the cache directory.
    assert "c" * 32 + ".json" not in names or (taken / ("c" * 32 + ".json")).read_text() == "{}"
    assert not list(fleet["root"].rglob("pwned"))
    assert result(emu, "p")["status"] == "synced"
    assert ".agents/skills/alpha/SKILL.md" in tgit("--git-dir", str(fleet["bares"]["p"]),
                                                   "ls-tree", "-r", "--name-only", "main")
