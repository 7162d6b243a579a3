"""Rolling back a pull-request target (and a submodule target via pull request):
an unmerged sync pull request is closed and its branch deleted with a lease on our own
commit; a merged one gets a revert branch `skillsync/rollback-<run>` and a pull
request; a work branch that existed before the run is restored like a push target."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from skillsync.downstream import TargetRepo
from skillsync.mechanisms.base import Job, Outcome, rollback_branch
from skillsync.mechanisms.restore import (
    counts,
    diff,
    direct,
    files_of,
    message,
    our_commit,
    owned_paths,
    verify,
    write_area,
)
from skillsync.model import RollbackStatus


def forge_client(job: Job) -> Any | None:
    t = job.target
    if t.forge is None or not t.forge.repository or not job.token:
        return None
    from skillsync import forge

    return forge.GitHub(t.forge.api_url, job.token, token_env=t.auth.env)


def pull_request(job: Job) -> Outcome:
    t, snap = job.target, job.snap or {}
    assert t.repo is not None
    work = str(snap["work_branch"])
    client = forge_client(job)
    try:
        with TargetRepo(t.repo, job.env, None) as repo:
            heads = repo.heads([t.branch, work])
            base, work_now = heads.get(t.branch), heads.get(work)
            repo.open([b for b in (t.branch, work) if b in heads])
            ours = our_commit(job, repo, work_now)
            pr = find_pr(job, client, work)
            if merged(job, repo, base, pr):
                return revert(job, client, repo, base, ours)
            if snap.get("work_head"):
                # The branch existed before this run: restore it with a new commit, like a
                # push target; a pull request that was open before stays open.
                out = direct(job, work, restore_to="work_files")
                if out.status in ("rolled-back", "planned") and pr and pr.get("state") == "open" \
                        and not snap.get("pull_request"):
                    out.pull_request = close(job, client, pr)
                return out
            pr_open = bool(pr and pr.get("state") == "open")
            if work_now is None and not pr_open:
                ok, line = verify_pr(job, client, work, pr)
                return job.no_op(f"branch {work} is gone and no pull request is open; "
                                 "nothing to roll back", verified=ok, verification=line)
            if work_now is not None and ours is None and not pr_open:
                return job.no_op(f"run {job.run_id} did not write to {work}; nothing to "
                                 "roll back")
            moved = work_now is not None and work_now != ours
            if moved and not job.force:
                return job.refused(
                    f"{work} moved on since run {job.run_id} pushed it (it is at "
                    f"{str(work_now)[:12]}, our sync left {str(ours)[:12]}): someone added "
                    "commits; re-run with --force to close the pull request and keep the "
                    "branch for them")
            steps = []
            if pr_open:
                steps.append(f"close pull request #{pr['number'] if pr else '?'}")
            if work_now is not None and not moved:
                steps.append(f"delete branch {work}")
            elif moved:
                steps.append(f"keep branch {work} (it holds commits that are not ours)")
            if work_now is not None and client is None and not pr_open and t.forge is not None:
                steps.append("(no token: any open pull request must be closed by hand)")
            if job.dry_run:
                return job.planned("dry run: would " + ", ".join(steps))
            closed = close(job, client, pr) if pr_open and pr else None
            if work_now is not None and not moved:
                repo.push([f":refs/heads/{work}"], leases=[f"refs/heads/{work}:{work_now}"])
        ok, line = verify_pr(job, client, work, closed or pr, keep_branch=moved)
        return job.out(RollbackStatus.ROLLED_BACK if ok else RollbackStatus.FAILED,
                       "; ".join(steps),
                       pull_request=closed, verified=ok, verification=line)
    finally:
        if client is not None:
            client.close()


def find_pr(job: Job, client: Any, work: str) -> dict[str, Any] | None:
    if client is None or job.target.forge is None:
        return None
    repo = job.target.forge.repository
    number = ((job.result or {}).get("pull_request") or {}).get("number")
    if number:
        return dict(client.get_pull_request(repo, int(number)))
    pulls = client.list_pull_requests(repo, head=work, state="all")
    return dict(max(pulls, key=lambda p: int(p["number"]))) if pulls else None


def merged(job: Job, repo: TargetRepo, base: str | None, pr: Mapping[str, Any] | None) -> bool:
    if pr is not None:
        return bool(pr.get("merged_at"))
    if base is None:
        return False
    # Without a forge: the merge is visible in the base branch itself.
    t, snap = job.target, job.snap or {}
    if t.submodule is not None and snap.get("submodule"):
        path = snap["submodule"]["path"]
        entry = repo.tree(base, [path]).get(path)
        release = job.manifest["source"]["commit"]
        return entry is not None and entry[1] == release \
            and snap["submodule"].get("commit") != release
    lock = repo.read_lock(base, t.lock_path)
    return lock is not None and lock.run == job.run_id


def close(job: Job, client: Any, pr: Mapping[str, Any]) -> dict[str, Any] | None:
    """Close the sync pull request, marked as skillsync's own rollback (a label and a
    comment): a later sync of this version then knows no person closed it, and opens a
    new pull request (docs/sync-rollback.md, "Re-sync after a rollback")."""
    from skillsync.forge import ROLLED_BACK_LABEL

    if client is None or job.target.forge is None:
        return None
    repository, number = job.target.forge.repository, int(pr["number"])
    client.add_labels(repository, number, [ROLLED_BACK_LABEL])
    data = client.close_pull_request(
        repository, number,
        comment=f"Closed by skillsync: rollback `{job.rollback_id}` of run `{job.run_id}` "
                f"(label `{ROLLED_BACK_LABEL}`). A later sync of "
                f"{job.manifest.get('version')} opens a new pull request rather than "
                "reopening this one; see docs/sync-rollback.md.")
    return {"number": data.get("number"), "url": data.get("html_url"), "state": data.get("state"),
            "label": ROLLED_BACK_LABEL}


def verify_pr(job: Job, client: Any, work: str, pr: Mapping[str, Any] | None, *,
               keep_branch: bool = False) -> tuple[bool, str]:
    t = job.target
    assert t.repo is not None
    parts = []
    heads = TargetRepo(t.repo, job.env).heads([work])
    if not keep_branch:
        if work in heads:
            return False, f"verification failed: branch {work} still exists"
        parts.append(f"branch {work} absent")
    if pr is not None and client is not None and t.forge is not None:
        now = client.get_pull_request(t.forge.repository, int(pr["number"]))
        if now.get("state") != "closed":
            return False, f"verification failed: pull request #{pr['number']} is still open"
        parts.append(f"pull request #{pr['number']} closed")
    if t.submodule is not None:
        p = (job.snap or {}).get("submodule") or {}
        ok, line = verify(job, t.branch, None, (p.get("path", ""), p.get("commit")))
    else:
        ok, line = verify(job, t.branch, None)
    if not ok:
        return False, line
    return True, "verified: " + "; ".join([*parts, line.removeprefix("verified: ")])


def revert(job: Job, client: Any, repo: TargetRepo, base: str | None,
            ours: str | None) -> Outcome:
    """The sync pull request was merged: a revert branch and pull request."""
    t, snap = job.target, job.snap or {}
    assert base is not None
    revert = rollback_branch(job.run_id)
    pointer = snap.get("submodule") if t.submodule is not None else None
    if pointer is not None:
        path = pointer["path"]
        paths = {path}
        want: dict[str, tuple[str, str]] = (
            {path: ("160000", pointer["commit"])} if pointer.get("commit") else {})
        have = repo.tree(base, [path])
        ours_tree: dict[str, tuple[str, str]] = {}
    else:
        paths = owned_paths(job, repo, ours)
        want = files_of(snap)
        have = repo.tree(base, snap.get("scope") or [t.dest])
        ours_tree = {}
        if ours:
            repo.fetch_commits([ours])
            ours_tree = repo.tree(ours, snap.get("scope") or [t.dest])
    changes = diff(want, have, paths)
    if not changes:
        ok, line = verify(job, t.branch, paths if pointer is None else None,
                           (pointer["path"], pointer.get("commit")) if pointer else None)
        return job.no_op(f"{t.branch} is already back at the snapshot state",
                verified=ok, verification=line)
    if pointer is None and ours_tree:
        changed = sorted(p for p in paths if p != t.lock_path and have.get(p) != ours_tree.get(p))
        if changed and not job.force:
            return job.refused(
                f"the merged sync was followed by changes to files skillsync owns on "
                f"{t.branch}: " + ", ".join(changed[:5])
                + "; re-run with --force to revert them anyway")
    existing = repo.heads([revert]).get(revert)
    if job.dry_run:
        return job.planned(f"dry run: would push {revert} ({counts(changes)}) and open a "
                           f"pull request into {t.branch}")
    if existing:
        repo.fetch_commits([existing])
        commit = existing
        if diff(want, repo.tree(existing, sorted(paths)), paths):
            return job.failed(f"branch {revert} exists with other content; delete it "
                              "or merge it, then run the rollback again")
    else:
        what = (f"submodule {pointer['path']}" if pointer
                else f"the files skillsync owns on {t.branch}")
        from skillsync import signing

        repo.signer = signing.signer_for(t)
        commit = repo.build_commit(base, changes, message(job, what, counts(changes)),
                                   within=write_area(job))
        commit = signing.publish(repo, t, job.token, commit, revert, old=None, lease=True)
    pr = None
    if client is not None and t.forge is not None:
        outcome = client.open_or_update_pull_request(
            t.forge.repository, head=revert, base=t.branch,
            title=f"skillsync: roll back skills {job.manifest.get('version')}",
            body=(f"Reverts the files skillsync wrote in run `{job.run_id}` "
                  f"({counts(changes)}). Opened by `{job.rollback_id}`; "
                  "see docs/sync-rollback.md."), labels=t.labels)
        pr = outcome.as_dict()
    ok, line = verify(job, revert, paths if pointer is None else None,
                       (pointer["path"], pointer.get("commit")) if pointer else None)
    tail = (f"revert pull request #{pr['number']} {pr['action']}; merge it to finish" if pr else
            f"open a pull request from {revert} into {t.branch} and merge it to finish")
    return job.out(RollbackStatus.PENDING if ok else RollbackStatus.FAILED,
                   f"the sync pull request was merged: branch {revert} ({commit[:12]}) restores "
                   f"the snapshot; {tail}", commit=commit, pull_request=pr, verified=ok,
                   verification=line)
