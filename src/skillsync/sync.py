"""The sync engine: route, plan, apply per target in waves, record everything.

One target's failure never stops the others in its wave. A failed canary wave
(the lowest risk tier) stops the later waves, which are reported as not
attempted. The release ref was resolved to a commit when the manifest was
built; before each wave we check the tag still points there (RELIABILITY 9).
"""

from __future__ import annotations

import traceback
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from skillsync import mechanisms, policy
from skillsync.errors import EXIT_FAILED, EXIT_HALTED, EXIT_OK, SkillsyncError
from skillsync.git import auth_env
from skillsync.mechanisms.base import Context, Result
from skillsync.model import Target
from skillsync.runlog import RunDir
from skillsync.secrets import from_env

DEFAULT_JOBS = 4  # I/O bound (git transports, HTTP): twice the cores of our runners


@dataclass(frozen=True)
class Options:
    dry_run: bool = False
    allow_major: bool = False
    overwrite: bool = False
    jobs: int = DEFAULT_JOBS
    verify: bool = True
    source: str | None = None     # where to read source blobs (default: manifest's source.repo)
    check_tag: bool = True


def release_of(manifest: dict[str, Any]) -> policy.Release:
    return policy.parse_release(str(manifest["source"]["ref"]))


def context_for(target: Target, manifest: dict[str, Any], run: RunDir,
                source_git_dir: Any, opts: Options) -> Context:
    token = secret = None
    if target.auth.env:
        value = from_env(target.auth.env)
        if target.auth.method == "hmac":
            secret = value
        else:
            token = value
    return Context(
        target=target, manifest=manifest, run=run, source_git_dir=source_git_dir,
        dry_run=opts.dry_run, overwrite=opts.overwrite, token=token,
        git_env=auth_env(token) if token else {}, secret=secret,
    )


def sync_one(target: Target, manifest: dict[str, Any], run: RunDir, source_git_dir: Any,
             opts: Options, *, wave: int | None = None) -> Result:
    """Plan, then apply unless dry run; every outcome becomes a Result (never raises)."""
    ctx = context_for(target, manifest, run, source_git_dir, opts)
    mech = mechanisms.get(target.mechanism)
    ctx.log("plan", "start", f"planning {target.mechanism} target", wave=wave)
    try:
        if (target.auth.method != "none" and target.auth.env and not opts.dry_run
                and (ctx.token or ctx.secret) is None):
            raise SkillsyncError(
                f"auth variable {target.auth.env} is not set (auth method {target.auth.method}); "
                "renew or export it"
            )
        plan = mech.plan(ctx)
        _policy_check(plan, manifest, target, opts)
        run.write(f"plans/{target.id}.json", plan.as_dict())
        ctx.log("plan", plan.decision, plan.reason, counts=plan.counts(),
                operations=len(plan.operations))
        if plan.decision != "update":
            status = {"no-op": "no-op", "skip": "skipped", "halt": "halted"}[plan.decision]
            result = Result(target.id, target.mechanism, status, plan.reason,
                            changes=plan.counts(), commit=plan.base_head)
        elif opts.dry_run:
            result = Result(target.id, target.mechanism, "planned",
                            f"dry run: would {plan.reason}", changes=plan.counts())
        else:
            ctx.log("apply", "start", f"applying {plan.reason}")
            result = mech.apply(ctx, plan)
            if opts.verify and result.status == "synced":
                problems = mech.verify(ctx)
                if problems:
                    result.status = "failed"
                    result.error = "verification failed: " + "; ".join(problems[:5])
                    result.message = result.error
                else:
                    result.data["verified"] = True
                    ctx.log("verify", "ok", "target matches the release")
    except SkillsyncError as exc:
        result = Result(target.id, target.mechanism, "failed", str(exc), error=str(exc))
    except Exception as exc:  # one target's bug must not take the fleet down
        ctx.log("internal-error", "error", repr(exc), traceback=traceback.format_exc())
        result = Result(target.id, target.mechanism, "failed", f"internal error: {exc!r}",
                        error=f"internal error: {exc!r}")
    finally:
        mech.close()
    result.data["wave"] = wave
    result.data["dry_run"] = opts.dry_run
    result.data["meta"] = target_meta(target)
    ctx.log("result", result.status, result.message,
            data={k: v for k, v in result.as_dict().items() if k not in ("message", "target")})
    run.write(f"results/{target.id}.json", result.as_dict())
    return result


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
    """The precise semver-major check, against the version the target holds now."""
    if plan.decision != "update" or not plan.previous_version:
        return
    release = release_of(manifest)
    if policy.is_major_bump(release, plan.previous_version) and not (
        target.accept_major or opts.allow_major
    ):
        plan.decision = "halt"
        plan.reason = (f"semver-major update {plan.previous_version} -> {release.version} needs "
                       "accept_major: true in the target or --allow-major for this run")


def run_sync(manifest: dict[str, Any], targets: Sequence[Target], run: RunDir,
             opts: Options, *, only: Sequence[str] | None = None) -> dict[str, Result]:
    """Sync every routed target, wave by wave. Returns results by target id."""
    from skillsync.source import open_source, tag_commit

    run.write("manifest.json", manifest)
    release = release_of(manifest)
    routes = policy.route(release, targets, allow_major=opts.allow_major, only=only)
    run.write("routes.json", [r.as_dict() for r in routes])
    run.log("route", "ok", f"{release.tag}: {sum(r.decision == 'sync' for r in routes)} target(s) "
            f"in {len(policy.waves(routes))} wave(s)", data={"routes": [r.as_dict() for r in routes]})
    by_id = {t.id: t for t in targets}
    results: dict[str, Result] = {}
    for r in routes:
        if r.decision != "sync":
            status = "halted" if r.decision == "halt" else "skipped"
            res = Result(r.id, r.mechanism, status, r.reason)
            res.data.update(dry_run=opts.dry_run, meta=target_meta(by_id[r.id]))
            run.write(f"results/{r.id}.json", res.as_dict())
            run.log("result", status, r.reason, target=r.id)
            results[r.id] = res
    src = manifest["source"]
    source_repo = opts.source or src["repo"]
    source_dir = open_source(source_repo, src["commit"])
    stop: str | None = None
    for i, ids in enumerate(policy.waves(routes)):
        if stop is None and opts.check_tag:
            now = tag_commit(source_repo, src["ref"])
            if now != src["commit"]:
                stop = (f"tag {src['ref']} moved from {src['commit'][:12]} to "
                        f"{now[:12] if now else 'nothing (deleted)'} during the run")
                run.log("tag-check", "failed", stop)
        if stop is not None:
            for tid in ids:
                res = Result(tid, by_id[tid].mechanism, "not-attempted", stop)
                res.data.update(wave=i, dry_run=opts.dry_run, meta=target_meta(by_id[tid]))
                run.write(f"results/{tid}.json", res.as_dict())
                run.log("result", "not-attempted", stop, target=tid)
                results[tid] = res
            continue
        run.log("wave", "start", f"wave {i}: {', '.join(ids)}", data={"wave": i})
        with ThreadPoolExecutor(max_workers=max(1, opts.jobs)) as pool:
            futures = {tid: pool.submit(sync_one, by_id[tid], manifest, run, source_dir, opts,
                                        wave=i) for tid in ids}
            for tid, fut in futures.items():
                results[tid] = fut.result()
        failed = [tid for tid in ids if results[tid].status == "failed"]
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
