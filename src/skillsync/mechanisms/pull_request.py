"""`pull-request`: the sync commit goes on branch `skillsync/<version>`, then a
pull request is opened or updated through the forge (never a duplicate)."""

from __future__ import annotations

import os
from typing import Any

from skillsync.errors import TargetError
from skillsync.mechanisms.base import Context, Result
from skillsync.mechanisms.files import FileSync, ok_result
from skillsync.plan import Plan, selected_skills


class PullRequest(FileSync):
    name = "pull-request"
    uses_work_branch = True

    def apply(self, ctx: Context, plan: Plan) -> Result:
        assert self.repo is not None and plan.work_branch
        work = plan.work_branch
        work_head = plan.data.get("work_head")
        if plan.data.get("work_branch_current"):
            commit = work_head
            pushed = "already holds this release"
        else:
            # Build on the existing sync branch when there is one, so a person's
            # commits on it survive; the lease makes the push fail rather than
            # overwrite anything pushed after we read the branch.
            parent = work_head or plan.base_head
            commit = self.build(ctx, plan, parent)
            self.repo.push([f"{commit}:refs/heads/{work}"],
                           leases=[f"refs/heads/{work}:{work_head or ''}"])
            pushed = f"pushed {commit[:12]}"
        assert commit is not None
        self.remember(ctx, plan.base_head, commit, complete=False)
        pr = open_pull_request(ctx, plan, commit)
        if pr is None:
            return ok_result(ctx, plan, "pending",
                             f"branch {work} {pushed}; pull request pending (no forge configured)",
                             commit=commit, branch=work)
        self.remember(ctx, plan.base_head, commit, complete=True)
        if plan.data.get("work_branch_current") and pr.get("action") in ("unchanged", "updated"):
            # Nothing to push: git-wise a no-op. The body is refreshed when it names an
            # older run, so the rollback command on the PR is always the latest run's.
            return Result(ctx.target.id, ctx.target.mechanism, "no-op",
                          f"branch {work} already holds {ctx.version}; pull request "
                          f"#{pr.get('number')} {pr.get('action')}", commit=commit,
                          branch=work, pull_request=pr)
        if pr.get("action") == "skipped-closed":
            return ok_result(ctx, plan, "skipped",
                             f"pull request #{pr.get('number')} for {ctx.version} was closed by a "
                             "person; not reopened", commit=commit, branch=work, pull_request=pr)
        return ok_result(ctx, plan, "synced",
                         f"branch {work} {pushed}; pull request #{pr.get('number')} "
                         f"{pr.get('action')}",
                         commit=commit, branch=work, pull_request=pr)


def open_pull_request(ctx: Context, plan: Plan, commit: str) -> dict[str, Any] | None:
    """Open or update the pull request for `plan.work_branch`; None without a forge."""
    t = ctx.target
    if t.forge is None or not t.forge.repository:
        return None
    if not ctx.token:
        env = t.auth.env or "a token variable"
        raise TargetError(f"cannot open the pull request: {env} is not set "
                          f"(auth method {t.auth.method})")
    from skillsync import forge, links

    client = forge.GitHub(t.forge.api_url, ctx.token, token_env=t.auth.env)
    src = ctx.manifest["source"]
    ops: dict[str, list[str]] = {"add": [], "modify": [], "delete": []}
    for op in plan.operations:
        ops[op.op].append(op.path)
    body = forge.pull_request_body(
        version=ctx.version, source=src["repo"], commit=src["commit"], run_id=ctx.run.run_id,
        target_id=t.id, ref=src["ref"],
        skills=[s["name"] for s in selected_skills(ctx.manifest, t)],
        added=ops["add"], modified=ops["modify"], deleted=ops["delete"],
        rollback_doc=links.rollback_doc(src, os.environ),
        rollback_workflow=links.rollback_workflow(src, os.environ),
    )
    outcome = client.open_or_update_pull_request(
        t.forge.repository, head=plan.work_branch or "", base=t.branch,
        title=f"skillsync: skills {ctx.version}", body=body, labels=t.labels,
    )
    ctx.log("forge", "ok", f"pull request {outcome.action}", calls=client.calls)
    return {"number": outcome.number, "url": outcome.html_url or outcome.url,
            "action": outcome.action, "api_calls": client.calls}
