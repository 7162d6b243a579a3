"""`webhook`: POST the target's slice of the manifest, HMAC-SHA256 signed."""

from __future__ import annotations

from typing import Any

from skillsync.downstream import read_cache, write_cache
from skillsync.errors import TargetError
from skillsync.mechanisms.base import Context, Mechanism, Result
from skillsync.plan import Plan, selected_skills


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

    def _key(self, ctx: Context) -> str:
        return f"webhook\0{ctx.target.id}\0{ctx.target.url}"

    def plan(self, ctx: Context) -> Plan:
        m = ctx.manifest
        plan = Plan(ctx.target.id, "webhook", "update", "", m["version"], m["source"]["commit"])
        cached = read_cache(self._key(ctx))
        if cached and cached.get("digest") == m["digest"]:
            plan.decision = "no-op"
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
        return Result(t.id, "webhook", "synced", f"endpoint answered {res.status_code}",
                      data={"status_code": res.status_code, "attempts": res.attempts})
