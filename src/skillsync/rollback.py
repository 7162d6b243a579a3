"""Rollback: return targets to the snapshot taken before a run wrote to them.

History is never rewritten (docs/sync-rollback.md):

- push targets: a NEW commit on the branch restores every file under `dest`
  (and the downstream lock) to its snapshot blob; submodule targets: a new
  commit puts the pointer back. Trailers: `Skillsync-Rollback-Of: <run>` plus
  the usual `Skillsync-*` ones, naming the restored version.
- pull-request targets (and submodules via pull request): an unmerged sync pull
  request is closed and its branch deleted with a lease on our own commit; a
  merged one gets a revert branch `skillsync/rollback-<run>` and a pull request.
- webhook targets: the previous release's payload is re-sent when the snapshot
  has it; otherwise the endpoint owner must act (status `manual`, exit 1).

Before writing, the target must still be where our sync left it (its branch head
is the commit the run produced). Otherwise we refuse with advice, unless
`force`: then only the files skillsync owns (the paths in the run's lock and in
the snapshot's lock, plus the lock itself) are restored and nothing else is
touched. After writing we read the target fresh and verify that the restored
paths are byte-identical (same blob ids) to the snapshot. A target already in
its snapshot state is a no-op, so rolling back twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from skillsync import gitauth, mechanisms
from skillsync.errors import SkillsyncError, UsageError
from skillsync.mechanisms.base import Job, Outcome
from skillsync.model import RollbackStatus, Status, Target
from skillsync.runlog import RunDir, new_run_id
from skillsync.snapshot import load as load_snapshot

ROLLBACK_SCHEMA = "skillsync.rollback/v1"
OK_STATUSES = ("rolled-back", "no-op", "planned", "pending")


# -- selection ---------------------------------------------------------------------------------
def synced_ids(run: RunDir) -> list[str]:
    """Targets run `run` wrote to (or may have: a snapshot without a result means the
    run was killed after snapshotting; the state check then decides). Every file is
    checked on the way in (skillsync.artifacts)."""
    from skillsync import artifacts

    ids = set()
    results = artifacts.results(run)
    for tid, r in results.items():
        if r.get("status") in (Status.SYNCED, Status.PENDING) or (
                r.get("commit") and r.get("branch")):
            ids.add(tid)
    ids.update(tid for tid in artifacts.ids(run, "snapshot") if tid not in results)
    return sorted(ids)


def rollback_run(run: RunDir, targets: Sequence[Target], ids: Sequence[str], *,
                 dry_run: bool = False, force: bool = False) -> list[Outcome]:
    """Roll back each of `ids` (target ids) to its snapshot in `run`.

    Every run-directory file a rollback reads is checked before the first target is
    touched, so a tampered snapshot or result stops the whole command (exit 2)."""
    from skillsync import artifacts
    from skillsync.paths import show

    manifest = artifacts.manifest(run)
    if manifest is None:
        raise UsageError(f"{show(str(run.path))}: no manifest.json; not a sync run directory")
    by_id = {t.id: t for t in targets}
    unknown = [i for i in ids if i not in by_id]
    if unknown:
        raise UsageError(f"unknown target id(s): {', '.join(show(i) for i in unknown)} "
                         "(not in the targets dir)")
    rollback_id = f"rollback-{new_run_id()}"
    loaded = [(by_id[tid], load_snapshot(run, tid), artifacts.result(run, tid))
              for tid in ids]
    for tid in ids:
        artifacts.rollback(run, tid)   # read again by a webhook rollback: checked here
    return [rollback_target(Job(run, t, manifest, snap, result, rollback_id, dry_run, force))
            for t, snap, result in loaded]


def rollback_target(job: Job) -> Outcome:
    """One target; never raises for a per-target failure (it becomes an Outcome)."""
    from skillsync.credentials import credentials_for

    t = job.target
    cred = credentials_for(t)
    job.token, job.env = cred.token, dict(cred.git_env)
    if not job.dry_run:
        job.run.log("rollback", "start", f"rolling back run {job.run_id}", target=t.id,
                    data={"rollback": job.rollback_id, "force": job.force})
    try:
        if t.auth.method == "github-app":  # a fresh token: the sync's has likely expired
            cred = credentials_for(t, mint=True, read_only=job.dry_run)
            job.token, job.env = cred.token, dict(cred.git_env)
        mech = mechanisms.get(t.mechanism)
        if job.snap is None or not job.snap.get("complete"):
            out = _no_snapshot(job)
        else:
            # Decide read-only first: a no-op, a refusal or a failure must write nothing
            # (RELIABILITY 40).
            out = mech.rollback(replace(job, dry_run=True))
            if not job.dry_run and out.status == RollbackStatus.PLANNED:
                # No target lock (skillsync.concurrency): the restoring push is
                # fast-forward from the head just read, or leased.
                out = mech.rollback(job)
    except SkillsyncError as exc:
        out = job.failed(str(gitauth.for_target(exc, t)))  # a git 401/403 names auth.env
    out.data["rollback"] = job.rollback_id
    if not job.dry_run:
        job.run.log("rollback", out.status, out.message, target=t.id,
                    data={k: v for k, v in out.as_dict().items() if k not in ("message", "target")})
        job.run.write(f"rollbacks/{t.id}.json", out.as_dict())
    return out


def undo(job: Job) -> Outcome:
    """Restore one target from its snapshot while the caller holds its lock: how a
    sync whose verification failed after the push takes its own write back."""
    if job.snap is None or not job.snap.get("complete"):
        return _no_snapshot(job)
    try:
        return mechanisms.get(job.target.mechanism).rollback(job)
    except SkillsyncError as exc:
        return job.failed(str(exc))


def _no_snapshot(job: Job) -> Outcome:
    r = job.result
    if r is None or not (r.get("commit") and r.get("branch")):
        status = (r or {}).get("status", "not in this run")
        return job.no_op(f"run {job.run_id} did not write to this target ({status}); "
                         "nothing to roll back")
    return job.failed(f"run {job.run_id} wrote {str(r.get('commit'))[:12]} but has no "
                      "complete snapshot of this target; restore it by hand "
                      "(docs/sync-rollback.md, 'without a snapshot')")

def summary(run: RunDir, outcomes: Sequence[Outcome], *, dry_run: bool,
            force: bool) -> dict[str, Any]:
    return {"schema": ROLLBACK_SCHEMA, "run": run.run_id, "dry_run": dry_run, "force": force,
            "rollback": outcomes[0].data.get("rollback") if outcomes else None,
            "targets": [o.as_dict() for o in outcomes]}


def exit_code(outcomes: Sequence[Outcome]) -> int:
    return 0 if all(o.status in OK_STATUSES for o in outcomes) else 1


__all__ = ["Job", "Outcome", "exit_code", "rollback_run", "summary", "synced_ids", "undo"]
