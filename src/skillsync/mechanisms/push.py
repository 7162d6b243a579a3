"""`push`: the sync commit goes straight onto the target branch, fast-forward only."""

from __future__ import annotations

from skillsync.mechanisms.base import Context, Result
from skillsync.mechanisms.files import FileSync, ok_result
from skillsync.model import Status
from skillsync.plan import Plan


class Push(FileSync):
    name = "push"

    def apply(self, ctx: Context, plan: Plan) -> Result:
        assert self.repo is not None
        t = ctx.target
        commit = self.build(ctx, plan, plan.base_head)
        if commit == plan.base_head:
            self.remember(ctx, commit, None, True)
            return ok_result(ctx, plan, Status.NO_OP, "tree already matches the release",
                             commit=commit)
        # A plain push is fast-forward only: if someone pushed since we read the
        # head, the server refuses and we report it; we never force. Leased on that head
        # too: a branch reset to an older commit since is refused as well (a plain push
        # would fast-forward it and bring back what was removed), and the snapshot taken
        # from the plan's head is exactly what the push replaced.
        from skillsync import signing

        self.repo.lease_on[f"refs/heads/{t.branch}"] = plan.base_head
        commit = signing.publish(self.repo, t, ctx.token, commit, t.branch,
                                 old=plan.base_head, lease=False, log=ctx.log)
        self.remember(ctx, commit, None, True)
        return ok_result(ctx, plan, Status.SYNCED, f"pushed {commit[:12]} to {t.branch}",
                         commit=commit, branch=t.branch)
