"""`webhook`: POST the target's slice of the manifest, HMAC-SHA256 signed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from skillsync.downstream import TargetRepo
from skillsync.errors import TargetError
from skillsync.fsutil import read_json
from skillsync.mechanisms.base import (
    Context,
    Holding,
    Job,
    Mechanism,
    Outcome,
    Result,
    StatusQuery,
)
from skillsync.model import Decision, Status, Target
from skillsync.plan import Plan, selected_skills
from skillsync.store import read_cache, write_cache


def payload_cache_key(target: Target) -> str:
    """Where the payload last delivered to this endpoint is kept: the next release's
    snapshot records it as the 'previous release' a rollback re-sends."""
    return f"webhook-payload\0{target.id}\0{target.url}"


def delivered_key(target: Target) -> str:
    """Which release this endpoint last received (the no-op check)."""
    return f"webhook\0{target.id}\0{target.url}"


def payload_for(ctx: Context) -> dict[str, Any]:
    m = ctx.manifest
    names = {s["name"] for s in selected_skills(m, ctx.target)}
    return {
        "event": "skillsync.release",
        "run": ctx.run.run_id,
        "target": ctx.target.id,
        "release": {"version": m["version"], "ref": m["source"]["ref"],
                    "commit": m["source"]["commit"], "source": m["source"]["repo"],
                    "digest": m["digest"]},
        "skills": [s for s in m["skills"] if s["name"] in names],
        "adapters": [a for a in m.get("adapters", []) if a["skill_name"] in names],
    }


class Webhook(Mechanism):
    name = "webhook"
    repo_based = False

    def _key(self, ctx: Context) -> str:
        return delivered_key(ctx.target)

    def plan(self, ctx: Context) -> Plan:
        m = ctx.manifest
        plan = Plan(ctx.target.id, self.name, Decision.UPDATE, "", m["version"],
                    m["source"]["commit"])
        cached = read_cache(self._key(ctx))
        if cached and cached.get("digest") == m["digest"]:
            plan.decision = Decision.NO_OP
            plan.reason = f"endpoint already received {m['version']} (run {cached.get('run')})"
            return plan
        n = len(payload_for(ctx)["skills"])
        plan.reason = f"POST {m['version']} ({n} skill(s)) to the endpoint"
        plan.data["skills"] = n
        return plan

    def apply(self, ctx: Context, plan: Plan) -> Result:
        from skillsync import webhook

        t = ctx.target
        assert t.url is not None
        if t.auth.method == "hmac" and not ctx.secret:
            raise TargetError(f"HMAC secret variable {t.auth.env} is not set")
        res = webhook.send(t.url, payload_for(ctx), secret=ctx.secret,
                           idempotency_key=f"{ctx.run.run_id}:{t.id}")
        ctx.log("webhook", "ok" if res.delivered else "failed", res.message,
                status_code=res.status_code, attempts=res.attempts)
        if not res.delivered:
            raise TargetError(f"webhook for target {t.id}: {res.message}")
        write_cache(self._key(ctx), {"digest": ctx.manifest["digest"], "run": ctx.run.run_id})
        return Result(t.id, "webhook", Status.SYNCED, f"endpoint answered {res.status_code}",
                           data={"status_code": res.status_code, "attempts": res.attempts})

    def after_sync(self, ctx: Context, result: Result) -> None:
        """Keep the delivered payload: the next release's snapshot records it as the
        'previous release' a webhook rollback re-sends."""
        if result.status == Status.SYNCED:
            write_cache(payload_cache_key(ctx.target), {
                "payload": payload_for(ctx), "run": ctx.run.run_id,
                "digest": ctx.manifest["digest"]})

    def snapshot(self, target: Target, manifest: Mapping[str, Any], base: dict[str, Any], *,
                 env: Mapping[str, str], token: str | None, repo: TargetRepo | None,
                 heads: Mapping[str, str] | None) -> dict[str, Any]:
        cached = read_cache(payload_cache_key(target)) or {}
        # A cache file is anyone's to edit (and CI restores one): a record whose payload
        # is not a delivery is no previous delivery at all.
        prev = cached.get("payload") if isinstance(cached.get("payload"), dict) else None
        release = (prev or {}).get("release")
        return {**base, "url_set": bool(target.url), "webhook": {
            "previous": prev, "previous_run": cached.get("run"),
            "previous_version": release.get("version") if isinstance(release, dict) else None,
            "previous_digest": cached.get("digest")}, "complete": True}

    def rollback(self, job: Job) -> Outcome:
        return restore(job)

    def holds(self, query: StatusQuery) -> Holding:
        """What the run directories record as last delivered (an endpoint cannot be read
        back); `note` says so when nothing was."""
        last = query.delivered
        if last is None:
            return Holding(note="no delivery recorded in the run directories")
        return Holding(version=last.version, note=f"last delivered {last.version} in run "
                                                  f"{last.run}")

    def fallback_payload(self, ctx: Context) -> dict[str, Any] | None:
        return payload_for(ctx)


def restore(job: Job) -> Outcome:
    t, snap = job.target, job.snap or {}
    r = job.result or {}
    if r.get("status") != Status.SYNCED:
        return job.no_op(f"run {job.run_id} delivered nothing to this endpoint "
                         f"({r.get('status', 'no result')}); nothing to roll back")
    done = job.run.path / "rollbacks" / f"{t.id}.json"
    if done.exists() and read_json(done).get("status") == "rolled-back":
        return job.no_op("the previous release was already re-sent by an earlier rollback")
    hook = snap.get("webhook") or {}
    prev = hook.get("previous")
    if not prev:
        return job.manual(
     f"no copy of the previous release's payload for {t.id}: the endpoint owner "
     f"({t.owner or 'see the target file'}) must restore the previous release on their "
     "side; skillsync cannot roll a webhook back without it")
    version = hook.get("previous_version")
    if job.dry_run:
        return job.planned(f"dry run: would re-send release {version} to the endpoint")
    from skillsync import webhook
    from skillsync.credentials import credentials_for

    secret = credentials_for(t).secret
    if t.auth.method == "hmac" and not secret:
        raise TargetError(f"HMAC secret variable {t.auth.env} is not set")
    payload = {**prev, "run": job.rollback_id, "rollback_of": job.run_id}
    assert t.url is not None
    res = webhook.send(t.url, payload, secret=secret,
                       idempotency_key=f"{job.rollback_id}:{t.id}",
                       label=f"webhook for target {t.id}")
    if not res.delivered:
        return job.failed(f"re-sending release {version}: {res.message}")
    # The endpoint holds the previous release again: a re-run of the rolled-back
    # release must POST it again rather than see a no-op in the cache.
    write_cache(delivered_key(t), {"digest": hook.get("previous_digest"), "run": job.rollback_id})
    if read_cache(payload_cache_key(t)) is not None:
        write_cache(payload_cache_key(t), {"payload": prev, "run": hook.get("previous_run"),
                                           "digest": hook.get("previous_digest")})
    line = f"verified: the endpoint accepted release {version} (HTTP {res.status_code})"
    return job.rolled_back(f"re-sent release {version}", verified=True,
            verification=line)
