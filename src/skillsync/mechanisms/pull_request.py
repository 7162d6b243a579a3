"""`pull-request`: the sync commit goes on branch `skillsync/<version>`, then a
pull request is opened or updated through the forge (never a duplicate).

The pull request's lifecycle (issue 16, docs/sync-rollback.md):
- a pull request for this version that a person closed is not reopened, and the plan
  says so before anything is pushed (a sync never pushes and then reports "skipped");
  one skillsync closed itself (labelled `skillsync-rolled-back` or
  `skillsync-superseded`) is no decision of anyone's: the sync opens a new one;
- once this release's pull request is open, older open skillsync pull requests of the
  target are superseded: closed with a comment linking the new one, their branches
  deleted with a lease on the tip we checked. Only a branch whose every commit beyond
  the base carries skillsync's trailers is ours to delete; a pull request a person
  pushed to gets a comment saying why it stays open;
- a re-run while the pull request awaits merge is `pending`, not `no-op` (fleet status
  calls the same state `pending-pr`).
"""

from __future__ import annotations

import os
from typing import Any

from skillsync.errors import SkillsyncError, TargetError
from skillsync.mechanisms.base import SYNC_BRANCH_PREFIX, Context, Result
from skillsync.mechanisms.files import FileSync, ok_result
from skillsync.model import Decision, Status
from skillsync.plan import Plan, selected_skills

MAX_BRANCH_COMMITS = 200   # a longer branch beyond its base is not checked: not ours to delete


class PullRequest(FileSync):
    name = "pull-request"
    uses_work_branch = True

    # The pull requests of the work branch as the plan read them (forge list, state all):
    # open-or-update after the push decides on the same list instead of asking again
    # (issue 17: an updated pull request cost 5 API calls). A pull request another run
    # opened meanwhile makes the create a 422, which looks again.
    _listed: list[dict[str, Any]] | None = None

    def plan(self, ctx: Context) -> Plan:
        self._listed = None
        plan = super().plan(ctx)
        if plan.decision == Decision.UPDATE and not plan.data.get("cached"):
            closed, self._listed = _closed_by_person(ctx, plan)
            if closed is not None:
                plan.decision = Decision.SKIP
                plan.reason = (
                    f"pull request #{closed['number']} for {ctx.version} was closed by a "
                    "person, not by skillsync; not reopened and nothing pushed (reopen "
                    f"#{closed['number']} to take {ctx.version} here; the next release "
                    "opens a new pull request)")
                plan.data["closed_pull_request"] = closed
        return plan

    def _settled(self, ctx: Context, heads: dict[str, str], work: str | None) -> Plan | None:
        """A cold re-run while this release's pull request awaits merge: the work branch
        head is this release's sync commit, untouched (trailers and Skillsync-Tree), built
        on the branch's current head: the state a warm run finds in its cache. Git cannot
        tell that the pull request is open (a run killed between its push and opening
        it left none), so the forge is asked once, and only an open pull request from
        the branch settles it; anything else is planned in full, as before."""
        t = ctx.target
        assert self.repo is not None
        head, whead = heads.get(t.branch), heads.get(work or "")
        if not (head and work and whead and t.forge is not None and t.forge.repository
                and ctx.token and self._is_this_release(ctx, whead)
                and self.repo.parents(whead) == [head]):
            return None
        with _client(ctx) as gh:
            pulls = gh.list_pull_requests(t.forge.repository, head=work, base=t.branch)
        # An open pull request from `work` shows that branch, whose head we just read.
        pr = next((p for p in pulls if p.get("state") == "open"), None)
        if pr is None:
            return None
        self.remember(ctx, head, whead, complete=True, pending=True)
        plan = Plan(t.id, t.mechanism, Decision.NO_OP,
                    f"{ctx.version} awaits merge: pull request #{pr.get('number')} from "
                    f"{work} is open (its head {whead[:12]} is this release's sync commit "
                    f"on {t.branch} {head[:12]})", ctx.version,
                    ctx.manifest["source"]["commit"], t.branch, head, work_branch=work,
                    previous_version=ctx.version)
        plan.data.update(status=str(Status.PENDING), work_head=whead)
        return plan

    def apply(self, ctx: Context, plan: Plan) -> Result:
        assert self.repo is not None and plan.work_branch
        work = plan.work_branch
        work_head = plan.data.get("work_head")
        pushed_now = not plan.data.get("work_branch_current")
        if not pushed_now:
            commit = work_head
            pushed = "already holds this release"
        else:
            # Build on the existing sync branch when there is one, so a person's
            # commits on it survive; the lease makes the push fail rather than
            # overwrite anything pushed after we read the branch.
            from skillsync import signing

            parent = work_head or plan.base_head
            commit = self.build(ctx, plan, parent)
            commit = signing.publish(self.repo, ctx.target, ctx.token, commit, work,
                                     old=work_head, lease=True, log=ctx.log)
            pushed = f"pushed {commit[:12]}"
        assert commit is not None
        self.remember(ctx, plan.base_head, commit, complete=False)
        pr = open_pull_request(ctx, plan, commit, listed=self._listed)
        if pr is None:
            return ok_result(ctx, plan, Status.PENDING,
                             f"branch {work} {pushed}; pull request pending (no forge configured)",
                             commit=commit, branch=work)
        if pr.get("action") == "skipped-closed":
            # Closed by a person between our plan and now: what we pushed is on the branch
            # and no open pull request carries it. Said as it is, not as "skipped".
            if pushed_now:
                return ok_result(ctx, plan, Status.FAILED,
                                 f"branch {work} {pushed}, but pull request #{pr.get('number')} "
                                 "was closed by a person during this run; not reopened: reopen "
                                 "it to take this release, or delete the branch",
                                 commit=commit, branch=work, pull_request=pr,
                                 error="pull request closed during the run")
            return ok_result(ctx, plan, Status.SKIPPED,
                             f"pull request #{pr.get('number')} for {ctx.version} was closed by "
                             "a person; not reopened, nothing pushed", pull_request=pr)
        superseded = supersede(ctx, self.repo, plan, pr)
        self.remember(ctx, plan.base_head, commit, complete=True, pending=True)
        tail = "".join(f"; {s['summary']}" for s in superseded)
        if not pushed_now:
            # Nothing pushed: the release waits on its pull request. The body is refreshed
            # when it names an older run, so the rollback command on the PR is the latest.
            result = Result(ctx.target.id, ctx.target.mechanism, Status.PENDING,
                            f"pull request #{pr.get('number')} for {ctx.version} awaits merge "
                            f"(branch {work} already holds it; pull request {pr.get('action')})"
                            + tail, commit=commit, pull_request=pr)
        else:
            result = ok_result(ctx, plan, Status.SYNCED,
                               f"branch {work} {pushed}; pull request #{pr.get('number')} "
                               f"{pr.get('action')}" + tail,
                               commit=commit, branch=work, pull_request=pr)
        if superseded:
            result.data["superseded"] = superseded
        return result


def _client(ctx: Context) -> Any:
    from skillsync import forge

    t = ctx.target
    assert t.forge is not None
    return forge.GitHub(t.forge.api_url, ctx.token, token_env=t.auth.env)


def _closed_by_person(ctx: Context, plan: Plan
                      ) -> tuple[dict[str, Any] | None, list[dict[str, Any]] | None]:
    """The pull request for this version a person closed (unmerged, no skillsync label,
    none open for the branch), read before anything is pushed, or None; and the list it
    was read from (None when the forge cannot be asked: no forge, no token, a dry run
    without credentials)."""
    from skillsync.forge import closed_by_skillsync

    t = ctx.target
    if t.forge is None or not t.forge.repository or not ctx.token or not plan.work_branch:
        return None, None
    with _client(ctx) as gh:
        pulls = gh.list_pull_requests(t.forge.repository, head=plan.work_branch, base=t.branch,
                                      state="all")
    if any(p.get("state") == "open" for p in pulls):
        return None, pulls
    closed = [p for p in pulls if p.get("state") == "closed" and not p.get("merged_at")
              and not closed_by_skillsync(p)]
    if not closed:
        return None, pulls
    pr = max(closed, key=lambda p: int(p["number"]))
    return {"number": int(pr["number"]), "url": pr.get("html_url"), "state": "closed"}, pulls


def open_pull_request(ctx: Context, plan: Plan, commit: str, *,
                      listed: list[dict[str, Any]] | None = None) -> dict[str, Any] | None:
    """Open or update the pull request for `plan.work_branch`; None without a forge.
    `listed`: the branch's pull requests as the plan read them (not asked again)."""
    t = ctx.target
    if t.forge is None or not t.forge.repository:
        return None
    if not ctx.token:
        env = t.auth.env or "a token variable"
        raise TargetError(f"cannot open the pull request: {env} is not set "
                          f"(auth method {t.auth.method})")
    from skillsync import forge, links

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
    with _client(ctx) as client:
        outcome = client.open_or_update_pull_request(
            t.forge.repository, head=plan.work_branch or "", base=t.branch,
            title=f"skillsync: skills {ctx.version}", body=body, labels=t.labels,
            listed=listed,
        )
        ctx.log("forge", "ok", f"pull request {outcome.action}", calls=client.calls)
        return {"number": outcome.number, "url": outcome.html_url or outcome.url,
                "action": outcome.action, "api_calls": client.calls}


# -- superseding older sync pull requests ------------------------------------------------------
def _semver(version: str) -> Any:
    import semver

    try:
        return semver.Version.parse(version)
    except (ValueError, TypeError):
        return None


def marker(target_id: str) -> str:
    """What forge.pull_request_body puts in every sync pull request of `target_id`."""
    return f"<!-- skillsync:pull-request target={target_id} -->"


def supersede(ctx: Context, repo: Any, plan: Plan, current: dict[str, Any]) -> list[dict[str, Any]]:
    """Close the target's older open sync pull requests now that `current` carries this
    release (module docstring). Never fails the sync: what could not be done is logged
    and said in the result."""
    t = ctx.target
    assert t.forge is not None
    mine = _semver(ctx.version)
    if mine is None:
        return []
    done: list[dict[str, Any]] = []
    try:
        with _client(ctx) as gh:
            olds = []
            for pr in gh.list_open_pull_requests(t.forge.repository, base=t.branch):
                head = pr.get("head") or {}
                ref = str(head.get("ref") or "")
                version = _semver(ref.removeprefix(SYNC_BRANCH_PREFIX)) \
                    if ref.startswith(SYNC_BRANCH_PREFIX) else None
                # Ours only: a skillsync/<older semver> branch of this very repository (a
                # fork's branch is never ours to delete) whose body names this target.
                if (int(pr.get("number") or 0) == current.get("number") or version is None
                        or version >= mine
                        or (head.get("repo") or {}).get("full_name") != t.forge.repository
                        or marker(t.id) not in (pr.get("body") or "")):
                    continue
                olds.append((pr, ref))
            if not olds:
                return []
            tips = repo.heads([ref for _, ref in olds])
            for pr, ref in olds:
                done.append(_supersede_one(ctx, gh, repo, plan, pr, ref, tips.get(ref),
                                           int(current["number"])))
    except SkillsyncError as exc:
        from skillsync.secrets import redact

        why = redact(str(exc))
        ctx.log("supersede", "failed", f"older sync pull requests not closed: {why}")
        done.append({"action": "failed", "summary": f"older sync pull requests not closed "
                     f"({why})"})
    return done


def _supersede_one(ctx: Context, gh: Any, repo: Any, plan: Plan, pr: dict[str, Any], ref: str,
                   tip: str | None, new: int) -> dict[str, Any]:
    from skillsync.forge import SUPERSEDED_LABEL

    t = ctx.target
    assert t.forge is not None
    number = int(pr["number"])
    tag = f"<!-- skillsync:superseded-by={new} -->"
    foreign = _foreign_commits(repo, ref, tip, plan.base_head, t.branch) if tip else []
    if foreign:
        if not any(tag in (c.get("body") or "") for c in gh.list_comments(t.forge.repository,
                                                                           number)):
            gh.comment_issue(t.forge.repository, number, (
                f"skillsync did not close this pull request: #{new} now carries skills "
                f"{ctx.version}, but branch `{ref}` holds commits skillsync did not make "
                f"({', '.join(c[:12] for c in foreign[:3])}"
                f"{', …' if len(foreign) > 3 else ''}). Close it when it is no longer needed "
                f"(or merge it first).\n\n{tag}\n"))
        ctx.log("supersede", "kept", f"pull request #{number} ({ref}) holds a person's commits; "
                "left open with a comment", pull_request=number)
        return {"number": number, "branch": ref, "action": "kept",
                "summary": f"#{number} left open (a person's commits on {ref})"}
    if tip:
        try:
            repo.push([f":refs/heads/{ref}"], leases=[f"refs/heads/{ref}:{tip}"])
        except TargetError as exc:   # someone pushed since we checked: theirs now
            ctx.log("supersede", "kept", f"{ref} moved while closing #{number}: {exc}")
            return {"number": number, "branch": ref, "action": "kept",
                    "summary": f"#{number} left open ({ref} moved meanwhile)"}
    gh.add_labels(t.forge.repository, number, [SUPERSEDED_LABEL])
    gh.close_pull_request(t.forge.repository, number, comment=(
        f"Superseded by #{new} (skills {ctx.version}): closed by skillsync, and branch `{ref}` "
        "deleted. Every commit on it was a skillsync sync commit, so nothing is lost; "
        f"docs/sync-rollback.md explains the lifecycle.\n\n{tag}\n"))
    ctx.log("supersede", "ok", f"closed pull request #{number} and deleted {ref} "
            f"(superseded by #{new})", pull_request=number)
    return {"number": number, "branch": ref, "action": "closed",
            "summary": f"closed superseded #{number}"}


def _foreign_commits(repo: Any, ref: str, tip: str, base_head: str | None,
                     base: str) -> list[str]:
    """Commits on `ref` beyond the base that do not carry skillsync's trailers (all of them
    when the branch is too long to check). One blob-less fetch of exactly those commits
    (`--shallow-exclude` of the base branch), one log over them."""
    from skillsync.errors import GitError

    try:
        repo.out(["fetch", "-q", "--filter=blob:none", "--no-tags",
                  f"--shallow-exclude=refs/heads/{base}", "origin",
                  f"+refs/heads/{ref}:refs/remotes/origin/{ref}"])
    except GitError:
        # e.g. the branch holds nothing beyond the base ("no commits selected"): nothing
        # proves it ours, so it is treated as a person's.
        return [tip]
    fmt = ("%H%x09%(trailers:key=Skillsync-Run,valueonly,separator=%x2C)"
           "%x09%(trailers:key=Skillsync-Version,valueonly,separator=%x2C)")
    text = repo.out(["log", f"--max-count={MAX_BRANCH_COMMITS + 1}", f"--format={fmt}", tip,
                     *(["--not", base_head] if base_head else [])])
    rows = [ln.split("\t") for ln in text.splitlines() if ln.strip()]
    if not rows or len(rows) > MAX_BRANCH_COMMITS:
        return [tip] if not rows else [r[0] for r in rows]
    return [r[0] for r in rows if len(r) < 3 or not r[1].strip() or not r[2].strip()]
