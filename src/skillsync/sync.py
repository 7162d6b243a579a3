"""The sync engine: route, plan, apply per target in waves, record everything.

One target's failure never stops the others in its wave. A failed canary wave
(the lowest risk tier) stops the later waves, which are reported as not
attempted. The release ref was resolved to a commit when the manifest was
built; before each wave we check the tag still points there (RELIABILITY 9).

A live sync of one target (`sync_one`), when its plan says `update`: respect another
run's target lock if the plan saw one (skillsync.concurrency; no lock is taken: the push
is leased on the head the plan read), write the pre-sync snapshot (skillsync.snapshot),
apply, verify; a push that lost a race to another run's is planned once more on what it
left. A target that refuses the write gets a manual fallback bundle
(skillsync.fallback). `run_sync` holds the per-source lock for the whole run.
The test hook SKILLSYNC_TEST_KILL_AT=<step> (downstream.checkpoint) SIGKILLs the
process at: locked, snapshot, push, pushed, applied, verified.
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any

from skillsync import defaults, gitauth, mechanisms, pacing, policy
from skillsync import gate as gate_mod
from skillsync.downstream import TargetRepo, checkpoint
from skillsync.errors import (
    EXIT_FAILED,
    EXIT_HALTED,
    EXIT_OK,
    GateRefused,
    SkillsyncError,
    TargetError,
)
from skillsync.mechanisms.base import Context, Mechanism, Result
from skillsync.model import Decision, Status, Target
from skillsync.plan import Plan
from skillsync.runlog import RunDir

DEFAULT_JOBS = defaults.SYNC_JOBS


@dataclass(frozen=True)
class Options:
    dry_run: bool = False
    allow_major: bool = False
    allow_downgrade: bool = False
    overwrite: bool = False
    jobs: int = DEFAULT_JOBS
    verify: bool = True
    source: str | None = None     # where to read source blobs (default: manifest's source.repo)
    check_tag: bool = True
    gate: bool = True             # run the pre-sync validation first (issue 12); tests only
    # One target per process (sync-target, a CI matrix job): the cheap checks first, the
    # full validation (every blob re-read) only once a write is decided, so a no-op
    # process costs an ls-remote, not a pass over the whole release (issue 17).
    gate_before_write: bool = False
    gate_label: str = "manifest"
    locks: bool = True            # source flock + per-target lock ref (live runs only)
    # seconds to wait for a lock another run holds (0: stop at once with the reason)
    lock_wait: float = field(default_factory=lambda: _env_float("SKILLSYNC_LOCK_WAIT", 0.0))


def _env_float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


def release_of(manifest: dict[str, Any]) -> policy.Release:
    return policy.parse_release(str(manifest["source"]["ref"]))


def context_for(target: Target, manifest: dict[str, Any], run: RunDir,
                source_git_dir: Any, opts: Options) -> Context:
    from skillsync.credentials import credentials_for

    cred = credentials_for(target)
    return Context(
        target=target, manifest=manifest, run=run, source_git_dir=source_git_dir,
        dry_run=opts.dry_run, overwrite=opts.overwrite, token=cred.token,
        git_env=dict(cred.git_env), secret=cred.secret,
    )


def sync_one(target: Target, manifest: dict[str, Any], run: RunDir, source_git_dir: Any,
             opts: Options, *, wave: int | None = None) -> Result:
    """Plan, then apply unless dry run; every outcome becomes a Result (never raises)."""
    from skillsync import fallback
    from skillsync.concurrency import LOCK_REF, LockBusy, TargetLock
    from skillsync.credentials import credentials_for

    ctx = context_for(target, manifest, run, source_git_dir, opts)
    ctx.wave = wave
    pacing.thread_waited(reset=True)   # this worker's waits from here on are this target's
    mech = mechanisms.get(target.mechanism)
    ctx.log("plan", "start", f"planning {target.mechanism} target", wave=wave)
    plan: Plan | None = None
    try:
        if target.auth.method == "github-app":  # one token per target, this repo only (ghapp)
            cred = credentials_for(target, mint=True, read_only=opts.dry_run)
            ctx.token, ctx.git_env = cred.token, dict(cred.git_env)
        if (target.auth.method != "none" and target.auth.env and not opts.dry_run
                and (ctx.token or ctx.secret) is None):
            raise SkillsyncError(
                f"auth variable {target.auth.env} is not set (auth method {target.auth.method}); "
                "renew or export it"
            )
        plan = _plan(ctx, mech, manifest, target, opts)
        result = _decided(ctx, plan, opts)
        if result is None and opts.gate_before_write:
            gate_mod.full_gate(manifest, run, opts.source, opts.gate_label)
        if result is None:
            if opts.dry_run:
                # Read only, like the plan; written only inside the run directory.
                _snapshot(ctx, mech, plan, None)
                result = Result(target.id, target.mechanism, Status.PLANNED,
                                f"dry run: would {plan.reason}", changes=plan.counts())
            else:
                # No lock is taken (skillsync.concurrency: every write is fast-forward or
                # leased from the head we planned on); another run's lock is respected.
                repo = getattr(mech, "repo", None)
                if opts.locks and target.repo and repo is not None and repo.seen_lock:
                    tlock = TargetLock(target.repo, ctx.git_env, run.run_id, target=target.id,
                                       wait=opts.lock_wait)
                    stale = tlock.respect(repo.seen_lock)
                    if stale is not None:
                        repo.drop_refs.append((LOCK_REF, stale.sha))
                        ctx.log("lock", "ok", f"took over a stale target lock "
                                              f"({stale.describe()})")
                    else:
                        # The lock went while we looked or waited: read what it did afresh.
                        ctx.log("plan", "restart", "another run's lock went; planning again")
                        mech.close()
                        plan = _plan(ctx, mech, manifest, target, opts)
                        result = _decided(ctx, plan, opts)
                checkpoint("locked")
                if result is None:
                    _snapshot(ctx, mech, plan, None)
                    checkpoint("snapshot")
                    try:
                        result = _apply(ctx, mech, plan, opts)
                    except TargetError:
                        # Optimistic concurrency: another run's push won between our read
                        # and our write. Plan again on what it left (a no-op when it
                        # synced this release) and try once more; never forced.
                        if not getattr(getattr(mech, "repo", None), "raced", False):
                            raise
                        ctx.log("plan", "restart", "another push to the target won the race; "
                                                   "planning again")
                        mech.close()
                        plan = _plan(ctx, mech, manifest, target, opts)
                        result = _decided(ctx, plan, opts)
                        if result is None:
                            _snapshot(ctx, mech, plan, None)   # the state before *our* write
                            result = _apply(ctx, mech, plan, opts)
    except GateRefused:
        raise              # the release itself is refused: nothing anywhere, exit 2
    except LockBusy as exc:
        result = Result(target.id, target.mechanism, Status.FAILED, str(exc), error=str(exc))
    except SkillsyncError as exc:
        exc = gitauth.for_target(exc, target)  # a git 401/403 names this target's auth.env
        result = Result(target.id, target.mechanism, Status.FAILED, str(exc), error=str(exc))
        if not opts.dry_run and fallback.cannot_write(exc, getattr(mech, "repo", None)):
            try:
                where = fallback.write(ctx, mech, plan, exc)
            except Exception as err:
                ctx.log("fallback", "failed", repr(err), traceback=traceback.format_exc())
                where = None
            if where is not None:
                result.data["fallback"] = str(where)
                result.message += f" (manual fallback: {where}/README.md)"
    except Exception as exc:  # one target's bug must not take the fleet down
        ctx.log("internal-error", "error", repr(exc), traceback=traceback.format_exc())
        result = Result(target.id, target.mechanism, Status.FAILED, f"internal error: {exc!r}",
                        error=f"internal error: {exc!r}")
    finally:
        mech.close()
    result.data["wave"] = wave
    result.data["git"] = ctx.counters.as_dict()
    result.data["rate_wait_seconds"] = pacing.thread_waited(reset=True)
    result.data["dry_run"] = opts.dry_run
    result.data["meta"] = target_meta(target)
    if run.snapshot_path(target.id).exists():
        result.data["snapshot"] = f"snapshots/{target.id}.json"
    ctx.log("result", result.status, result.message,
            data={k: v for k, v in result.as_dict().items() if k not in ("message", "target")})
    run.write(f"results/{target.id}.json", result.as_dict())
    return result


def _plan(ctx: Context, mech: Mechanism, manifest: dict[str, Any], target: Target,
          opts: Options) -> Plan:
    plan = mech.plan(ctx)
    _policy_check(plan, manifest, target, opts)
    ctx.run.write(f"plans/{target.id}.json", plan.as_dict())
    ctx.log("plan", plan.decision, plan.reason, counts=plan.counts(),
            operations=len(plan.operations))
    return plan


def _decided(ctx: Context, plan: Plan, opts: Options) -> Result | None:
    """The Result for a plan that writes nothing; None for an update."""
    if plan.decision == Decision.UPDATE:
        return None
    t = ctx.target
    status = {Decision.NO_OP: Status.NO_OP, Decision.SKIP: Status.SKIPPED,
              Decision.HALT: Status.HALTED}[plan.decision]
    if plan.decision == Decision.NO_OP and plan.data.get("status") == Status.PENDING:
        status = Status.PENDING   # nothing to write; the release awaits its pull request
    return Result(t.id, t.mechanism, status, plan.reason, changes=plan.counts(),
                  commit=plan.base_head)


def _snapshot(ctx: Context, mech: Mechanism, plan: Plan, heads: dict[str, str] | None) -> None:
    """Write snapshots/<id>.json unless this run already wrote to the target (then the
    first snapshot, taken before that write, is the one to roll back to)."""
    from skillsync import snapshot

    t = ctx.target
    repo = getattr(mech, "repo", None)
    existing = snapshot.load(ctx.run, t.id)
    if existing and existing.get("run") == ctx.run.run_id and existing.get("complete") \
            and repo is not None and repo.git_dir is not None:
        tips = [plan.base_head, plan.data.get("work_head")]
        repo.fetch_commits([c for c in tips if c])
        if snapshot.written_by(repo, ctx.run.run_id, tips):
            ctx.log("snapshot", "kept", "this run already wrote here; keeping its first snapshot")
            return
    snap = snapshot.take(t, ctx.manifest, run_id=ctx.run.run_id, env=ctx.git_env,
                         token=ctx.token, repo=repo if t.repo else None, heads=heads)
    snapshot.save(ctx.run, snap)
    ctx.log("snapshot", "ok", f"branch head {str(snap.get('head') or '-')[:12]}, "
                              f"{len(snap.get('files') or {})} file(s) recorded")


def _ref_confirms(ctx: Context, mech: Mechanism, result: Result) -> bool:
    """After the canary wave, a target is verified by its ref: the branch now points
    at the commit we built and pushed (whose tree we made from the manifest). The
    server's own report of our push says so (`push --porcelain`: its report-status for
    that ref, the update it made under the lease), so no request is needed; a ref moved
    some other way (`signing: api` moves it through the forge) is read back with one
    ls-remote. The canary wave (and a lone sync-target run, wave None counts as canary)
    is read back in full before any later wave starts."""
    if ctx.wave in (0, None) or not ctx.target.repo or not result.commit or not result.branch:
        return False
    repo = getattr(mech, "repo", None)
    if getattr(repo, "pushed", {}).get(f"refs/heads/{result.branch}") == result.commit:
        return True
    heads = TargetRepo(ctx.target.repo, ctx.git_env, counters=ctx.counters).heads([result.branch])
    return heads.get(result.branch) == result.commit


def _apply(ctx: Context, mech: Mechanism, plan: Plan, opts: Options) -> Result:
    ctx.log("apply", "start", f"applying {plan.reason}")
    result = mech.apply(ctx, plan)
    checkpoint("applied")
    if opts.verify and result.status == Status.SYNCED and _ref_confirms(ctx, mech, result):
        result.data["verified"] = "ref"
        ctx.log("verify", "ok", f"{result.branch} points at the pushed commit "
                f"{str(result.commit)[:12]}")
    elif opts.verify and result.status == Status.SYNCED:
        problems = mech.verify(ctx)
        if problems:
            _undo(ctx, result, "verification failed: " + "; ".join(problems[:5]))
        else:
            result.data["verified"] = True
            ctx.log("verify", "ok", "target matches the release")
    if result.status == Status.SYNCED:
        mech.after_sync(ctx, result)
    checkpoint("verified")
    return result


def _undo(ctx: Context, result: Result, why: str) -> None:
    """A push whose verification failed is taken back from the snapshot (or its sync
    pull request closed) at once; the result says what was pushed and what was undone."""
    from skillsync import rollback, snapshot

    t = ctx.target
    pushed = f"pushed {str(result.commit)[:12]} to {result.branch}"
    result.status = Status.FAILED
    job = rollback.Job(ctx.run, t, ctx.manifest, snapshot.load(ctx.run, t.id),
                       result.as_dict(), f"undo-{ctx.run.run_id}", dry_run=False, force=False,
                       token=ctx.token, env=ctx.git_env)
    out = rollback.undo(job)
    ctx.log("rollback", out.status, out.message,
            data={"undo": True, "verification": out.verification})
    if out.status in ("rolled-back", "no-op"):
        undone = f"undone: {out.message}"
    else:
        undone = f"NOT undone ({out.status}: {out.message}); roll back by hand"
    result.error = result.message = f"{why}; {pushed}; {undone}"
    result.data["undo"] = out.as_dict()


def target_meta(target: Target) -> dict[str, Any]:
    """What the summary and notifications need to know about a target."""
    return {
        "owner": target.owner,
        "escalation": target.escalation,
        "notify": {"github_issue": target.notify.github_issue, "slack": target.notify.slack,
                   "email": list(target.notify.email)},
        "auth": {"method": target.auth.method, "env": target.auth.env},
    }


def _policy_check(plan: Any, manifest: dict[str, Any], target: Target, opts: Options) -> None:
    """The precise checks against the version the target holds now: no silent
    downgrade (that is what rollback is for), and the semver-major opt-in."""
    if plan.decision != Decision.UPDATE or not plan.previous_version:
        return
    release = release_of(manifest)
    if policy.is_downgrade(release, plan.previous_version) and not opts.allow_downgrade:
        plan.decision = Decision.HALT
        plan.reason = (f"target holds {plan.previous_version}, newer than {release.version}; "
                       "refusing to downgrade (use scripts/rollback, or --allow-downgrade)")
        return
    if policy.is_major_bump(release, plan.previous_version) and not (
        target.accept_major or opts.allow_major
    ):
        plan.decision = Decision.HALT
        plan.reason = (f"semver-major update {plan.previous_version} -> {release.version} needs "
                       "accept_major: true in the target or --allow-major for this run")


def run_sync(manifest: dict[str, Any], targets: Sequence[Target], run: RunDir,
             opts: Options, *, only: Sequence[str] | None = None,
             on_result: Callable[[Result], None] | None = None,
             label: str = "manifest") -> dict[str, Result]:
    """Sync every routed target, wave by wave. Returns results by target id.

    `on_result` is called in this thread with each target's Result as soon as it is
    known (routing decisions first, then each wave in completion order), so a command
    can show progress on a large fleet instead of staying silent until the end.

    The gate runs first. A live run holds the per-source lock
    (skillsync.concurrency.SourceLock) throughout; LockBusy (exit 1) when another run
    holds it and `opts.lock_wait` runs out."""
    from skillsync.concurrency import SourceLock

    gate_mod.gate(manifest, run, opts.gate, opts.gate_before_write, opts.source, label)
    if opts.dry_run or not opts.locks:
        return _run_sync(manifest, targets, run, opts, only=only, on_result=on_result)
    lock = SourceLock(str(manifest["source"]["repo"]), run.run_id, wait=opts.lock_wait)
    lock.acquire()
    run.log("lock", "ok", "source lock taken")
    try:
        return _run_sync(manifest, targets, run, opts, only=only, on_result=on_result)
    finally:
        lock.release()


def _run_sync(manifest: dict[str, Any], targets: Sequence[Target], run: RunDir,
              opts: Options, *, only: Sequence[str] | None = None,
              on_result: Callable[[Result], None] | None = None) -> dict[str, Result]:
    def done(res: Result) -> None:
        if on_result is not None:
            on_result(res)

    from skillsync.source import locate, open_source, tag_commit

    run.write("manifest.json", manifest)
    release = release_of(manifest)
    routes = policy.route(release, targets, allow_major=opts.allow_major, only=only)
    run.write("routes.json", [r.as_dict() for r in routes])
    run.log("route", "ok", f"{release.tag}: {sum(r.decision == 'sync' for r in routes)} target(s) "
            f"in {len(policy.waves(routes))} wave(s)",
            data={"routes": [r.as_dict() for r in routes]})
    by_id = {t.id: t for t in targets}
    results: dict[str, Result] = {}
    for r in routes:
        if r.decision != "sync":
            status = Status.HALTED if r.decision == Decision.HALT else Status.SKIPPED
            res = Result(r.id, r.mechanism, status, r.reason)
            res.data.update(dry_run=opts.dry_run, meta=target_meta(by_id[r.id]))
            run.write(f"results/{r.id}.json", res.as_dict())
            run.log("result", status, r.reason, target=r.id)
            results[r.id] = res
            done(res)
    src = manifest["source"]
    source_repo = locate(src, opts.source)   # the recorded checkout, else source.repo
    source_dir = open_source(source_repo, src["commit"]).git_dir
    stop: str | None = None
    for i, ids in enumerate(policy.waves(routes)):
        if not ids:
            continue    # a wave none of `only` is in (waves are numbered over the fleet)
        if stop is None and opts.check_tag:
            now = tag_commit(source_repo, src["ref"])
            if now != src["commit"]:
                stop = (f"tag {src['ref']} moved from {src['commit'][:12]} to "
                        f"{now[:12] if now else 'nothing (deleted)'} during the run")
                run.log("tag-check", "failed", stop)
        if stop is not None:
            for tid in ids:
                res = Result(tid, by_id[tid].mechanism, Status.NOT_ATTEMPTED, stop)
                res.data.update(wave=i, dry_run=opts.dry_run, meta=target_meta(by_id[tid]))
                run.write(f"results/{tid}.json", res.as_dict())
                run.log("result", "not-attempted", stop, target=tid)
                results[tid] = res
                done(res)
            continue
        run.log("wave", "start", f"wave {i}: {', '.join(ids)}", data={"wave": i})
        with ThreadPoolExecutor(max_workers=max(1, opts.jobs)) as pool:
            futures = {tid: pool.submit(sync_one, by_id[tid], manifest, run, source_dir, opts,
                                        wave=i) for tid in ids}
            for fut in as_completed(futures.values()):
                done(fut.result())
            for tid, fut in futures.items():
                results[tid] = fut.result()
        failed = [tid for tid in ids if results[tid].status == Status.FAILED]
        if failed and i == 0 and len(policy.waves(routes)) > 1 and not opts.dry_run:
            stop = f"canary wave failed ({', '.join(failed)}); later waves not attempted"
            run.log("wave", "halted", stop, data={"wave": i})
    return results


def exit_code(results: dict[str, Result]) -> int:
    statuses = {r.status for r in results.values()}
    if statuses & {"failed", "not-attempted"}:
        return EXIT_FAILED
    if "halted" in statuses:
        return EXIT_HALTED
    return EXIT_OK
