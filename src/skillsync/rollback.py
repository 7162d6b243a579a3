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

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from skillsync import ghapp, gitauth
from skillsync.downstream import TargetRepo, read_cache, write_cache
from skillsync.errors import SkillsyncError, TargetError, UsageError
from skillsync.fsutil import read_json
from skillsync.git import auth_env
from skillsync.model import Target
from skillsync.runlog import RunDir, new_run_id
from skillsync.secrets import from_env, redact
from skillsync.snapshot import load as load_snapshot
from skillsync.snapshot import webhook_cache_key, work_branch_of

ROLLBACK_SCHEMA = "skillsync.rollback/v1"
OK_STATUSES = ("rolled-back", "no-op", "planned", "pending")
WROTE = ("synced", "pending", "failed", "skipped")   # with a commit and a branch: we wrote


@dataclass
class Outcome:
    target: str
    mechanism: str
    status: str          # rolled-back | no-op | planned | pending | refused | failed | manual
    message: str
    commit: str | None = None
    verified: bool | None = None
    verification: str | None = None
    pull_request: dict[str, Any] | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Job:
    """Everything one target's rollback needs."""

    run: RunDir
    target: Target
    manifest: dict[str, Any]
    snap: dict[str, Any] | None
    result: dict[str, Any] | None
    rollback_id: str
    dry_run: bool
    force: bool
    token: str | None = None
    env: dict[str, str] = field(default_factory=dict)

    def out(self, status: str, message: str, **kw: Any) -> Outcome:
        return Outcome(self.target.id, self.target.mechanism, status, redact(message), **kw)

    @property
    def run_id(self) -> str:
        return self.run.run_id


# -- selection ---------------------------------------------------------------------------------
def synced_ids(run: RunDir) -> list[str]:
    """Targets run `run` wrote to (or may have: a snapshot without a result means the
    run was killed after snapshotting; the state check then decides). Every file is
    checked on the way in (skillsync.artifacts)."""
    from skillsync import artifacts

    ids = set()
    results = artifacts.results(run)
    for tid, r in results.items():
        if r.get("status") in ("synced", "pending") or (r.get("commit") and r.get("branch")):
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
    from skillsync.locking import LockBusy, TargetLock

    t = job.target
    if t.auth.env:
        value = from_env(t.auth.env)
        if t.auth.method == "token":
            job.token = value
            job.env = auth_env(value)
    if not job.dry_run:
        job.run.log("rollback", "start", f"rolling back run {job.run_id}", target=t.id,
                    data={"rollback": job.rollback_id, "force": job.force})
    lock: TargetLock | None = None
    try:
        if t.auth.method == "github-app":  # a fresh token: the sync's has likely expired
            job.token, job.env = ghapp.git_credentials(t, read_only=job.dry_run)
        if job.snap is None or not job.snap.get("complete"):
            out = _no_snapshot(job)
        elif t.mechanism == "webhook":
            out = _webhook(job)
        else:
            restore = _pull_request if job.snap.get("work_branch") else _direct
            # Decide read-only first: a no-op, a refusal or a failure must write nothing,
            # and taking the target lock pushes a ref (RELIABILITY 40).
            out = restore(replace(job, dry_run=True))
            if not job.dry_run and out.status == "planned":
                if t.repo:
                    lock = TargetLock(t.repo, job.env, job.rollback_id, target=t.id)
                    lock.acquire()
                out = restore(job)
    except LockBusy as exc:
        out = job.out("failed", str(exc))
    except SkillsyncError as exc:
        out = job.out("failed", str(gitauth.for_target(exc, t)))  # a git 401/403 names auth.env
    finally:
        if lock is not None:
            lock.release()
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
        return _pull_request(job) if job.snap.get("work_branch") else _direct(job)
    except SkillsyncError as exc:
        return job.out("failed", str(exc))


def _no_snapshot(job: Job) -> Outcome:
    r = job.result
    if r is None or not (r.get("commit") and r.get("branch")):
        status = (r or {}).get("status", "not in this run")
        return job.out("no-op", f"run {job.run_id} did not write to this target ({status}); "
                                "nothing to roll back")
    return job.out("failed", f"run {job.run_id} wrote {str(r.get('commit'))[:12]} but has no "
                             "complete snapshot of this target; restore it by hand "
                             "(docs/sync-rollback.md, 'without a snapshot')")


# -- helpers -----------------------------------------------------------------------------------
def _ours(job: Job, repo: TargetRepo, tip: str | None) -> str | None:
    """The commit this run produced on the branch: the one its result names (or,
    killed before the result was written, the branch tip), once its own trailers
    prove it: a results file is a run-directory artifact, and a rollback undoes what
    the commit it names changed, so a tampered result must not aim it at a person's
    commit."""
    from skillsync.git import SHA_RE

    r = job.result or {}
    named = str(r["commit"]) if (r.get("commit") and r.get("branch")
                                  and r.get("status") in WROTE) else None
    if named is not None:
        if not SHA_RE.match(named) or not _is_ours(job, repo, named):
            raise TargetError(
                f"results/{job.target.id}.json names commit {named[:40]!r}, which is not a "
                f"commit of run {job.run_id} in the target (its trailers do not say so); "
                "refusing a tampered or foreign result")
        return named
    if tip and _is_ours(job, repo, tip):
        return tip
    return None


def _is_ours(job: Job, repo: TargetRepo, commit: str) -> bool:
    try:
        repo.fetch_commits([commit])
        tr = repo.trailers(commit)
    except SkillsyncError:
        return False
    return tr.get("Skillsync-Run") == job.run_id and "Skillsync-Rollback-Of" not in tr


def _files(snap: Mapping[str, Any], key: str = "files") -> dict[str, tuple[str, str]]:
    return {p: (e["mode"], e["blob"]) for p, e in (snap.get(key) or {}).items()}


def _owned_paths(job: Job, repo: TargetRepo, ours: str | None) -> set[str]:
    snap = job.snap or {}
    paths = set(snap.get("owned") or []) | {job.target.lock_path}
    if ours:
        repo.fetch_commits([ours])
        lock = repo.read_lock(ours, job.target.lock_path)
        if lock:
            paths |= set(lock.files)
    return paths


def _diff(want: Mapping[str, tuple[str, str]], have: Mapping[str, tuple[str, str]],
          paths: set[str]) -> dict[str, tuple[str, str] | None]:
    return {p: want.get(p) for p in sorted(paths) if want.get(p) != have.get(p)}


def _message(job: Job, what: str, counts: str) -> str:
    snap, src = job.snap or {}, job.manifest["source"]
    lock = snap.get("lock") or {}
    lines = [f"skillsync: roll back skills {job.manifest.get('version')} (run {job.run_id})", "",
             f"Restores {what} to its state before run {job.run_id}: {counts}.", "",
             f"Skillsync-Source: {lock.get('source') or src['repo']}"]
    if lock:
        lines += [f"Skillsync-Commit: {lock.get('commit')}",
                  f"Skillsync-Version: {lock.get('version')}"]
    lines += [f"Skillsync-Run: {job.rollback_id}", f"Skillsync-Rollback-Of: {job.run_id}"]
    return "\n".join(lines) + "\n"


def _within(job: Job) -> tuple[str, ...]:
    """What a rollback may change: what the sync may (a snapshot is a run-directory
    file, so a tampered one cannot aim the restore anywhere else)."""
    from skillsync.plan import write_roots

    t = job.target
    if t.submodule is not None:
        return (t.submodule.path,)
    return write_roots(t)


def _counts(changes: Mapping[str, tuple[str, str] | None]) -> str:
    removed = sum(v is None for v in changes.values())
    return f"{len(changes) - removed} file(s) restored, {removed} removed"


def _checked_state(job: Job, repo: TargetRepo, key: str) -> dict[str, tuple[str, str]]:
    """The snapshot's recorded files, once they are proven to be the target's own
    state: the snapshot is a run-directory file (a CI artifact anyone with write access
    to the run can edit), so its entries must equal the tree of the commit it names
    in the downstream's history before a rollback writes any of them."""
    from skillsync import paths as pathpolicy

    snap = job.snap or {}
    want = _files(snap, key)
    head = snap.get("head" if key == "files" else "work_head")
    if not head:
        if want:
            raise TargetError("the snapshot lists files but names no commit; refusing it")
        return want
    repo.fetch_commits([str(head)])
    actual = repo.tree(str(head), snap.get("scope") or [job.target.dest])
    if actual != want:
        odd = sorted(p for p in set(actual) | set(want) if actual.get(p) != want.get(p))
        raise TargetError(
            f"the snapshot does not match the target's own commit {str(head)[:12]} "
            f"(first difference: '{pathpolicy.show(odd[0])}'); refusing a tampered or "
            "foreign snapshot")
    return want


def _sync_changes(repo: TargetRepo, ours: str | None,
                  scope: Sequence[str]) -> dict[str, tuple[str, str] | None]:
    """Paths outside `scope` that our sync commit changed, with their entry before it:
    a rollback puts back everything our commit did (and verifies it), not only dest."""
    from skillsync import paths as pathpolicy

    if not ours:
        return {}
    # From the commit object itself: in our shallow copy rev-list would hide the parent.
    raw = repo.out(["cat-file", "commit", ours]).split("\n\n", 1)[0]
    parents = [ln.split()[1] for ln in raw.splitlines() if ln.startswith("parent ")]
    if not parents:
        return {}
    repo.fetch_commits(parents[:1])
    changed = [p for p in repo.changed_paths(parents[0], ours)
               if not any(pathpolicy.inside(p, s) for s in scope)]
    if not changed:
        return {}
    before = repo.tree(parents[0], changed)
    return {p: before.get(p) for p in changed}


def _verify(job: Job, branch: str, paths: set[str] | None,
            pointer: tuple[str, str | None] | None = None, key: str = "files",
            extra: Mapping[str, tuple[str, str] | None] | None = None) -> tuple[bool, str]:
    """Read `branch` fresh; compare with the snapshot (all of its scope, or `paths`),
    and every path in `extra` (outside the scope) with the entry it must hold."""
    t, snap = job.target, job.snap or {}
    assert t.repo is not None
    with TargetRepo(t.repo, job.env, None) as repo:
        head = repo.heads([branch]).get(branch)
        if head is None:
            return False, f"verification failed: branch {branch} does not exist"
        repo.open([branch])
        if pointer is not None:
            path, want = pointer
            entry = repo.tree(head, [path]).get(path)
            got = entry[1] if entry else None
            if got != want:
                return False, (f"verification failed: {path} points at {got}, the snapshot "
                               f"says {want}")
            return True, (f"verified: submodule {path} on {branch} is at "
                          f"{(want or 'nothing')[:12]}, as in the snapshot")
        want_all = _files(snap, key)
        tree = repo.tree(head, snap.get("scope") or [t.dest])
        check = paths if paths is not None else set(want_all) | set(tree)
        bad = sorted(p for p in check if want_all.get(p) != tree.get(p))
        if extra:
            now = repo.tree(head, list(extra))
            bad += sorted(p for p, e in extra.items() if now.get(p) != e)
        if bad:
            return False, ("verification failed: differs from the snapshot: "
                           + ", ".join(bad[:5]) + (" …" if len(bad) > 5 else ""))
        what = (f"{t.dest} on {branch}" if paths is None
                else f"the {len(check)} path(s) skillsync owns on {branch}")
        n = sum(1 for p in check if p in want_all)
        return True, (f"verified: {what} byte-identical to the snapshot "
                      f"({n} file(s), blob ids match)")


# -- push and submodule (direct) -------------------------------------------------------------------
def _direct(job: Job, branch: str | None = None, *, restore_to: str = "files") -> Outcome:
    """Restore `branch` (default: the target branch) with a new commit."""
    t, snap = job.target, job.snap or {}
    assert t.repo is not None
    branch = branch or t.branch
    pointer = dict(snap.get("submodule") or {}) if t.mechanism == "submodule" else None
    if pointer is not None and restore_to == "work_files":
        pointer["commit"] = pointer.get("work_commit")
    with TargetRepo(t.repo, job.env, None) as repo:
        head = repo.heads([branch]).get(branch)
        if head is None:
            return job.out("failed", f"branch {branch} no longer exists in the target")
        repo.open([branch])
        ours = _ours(job, repo, head)
        outside: dict[str, tuple[str, str] | None] = {}
        undo_outside: dict[str, tuple[str, str] | None] = {}
        if pointer is not None:
            path, old = pointer["path"], pointer.get("commit")
            entry = repo.tree(head, [path]).get(path)
            if (entry[1] if entry else None) == old:
                ok, line = _verify(job, branch, None, (path, old))
                return job.out("no-op", f"already at the snapshot state ({path} at "
                                        f"{str(old)[:12]})", verified=ok, verification=line)
            changes: dict[str, tuple[str, str] | None] = {
                path: ("160000", old) if old else None}
            owned = None
        else:
            scope = snap.get("scope") or [t.dest]
            want = _checked_state(job, repo, restore_to)
            tree = repo.tree(head, scope)
            outside = _sync_changes(repo, ours, scope)
            full = set(want) | set(tree)
            owned = _owned_paths(job, repo, ours)
            now_outside = repo.tree(head, list(outside)) if outside else {}
            undo_outside = {p: e for p, e in outside.items() if now_outside.get(p) != e}
            if not _diff(want, tree, full if not job.force else owned) and not undo_outside:
                ok, line = _verify(job, branch, None if not job.force else owned, key=restore_to,
                                   extra=outside)
                return job.out("no-op", "already at the snapshot state; nothing to roll back",
                               verified=ok, verification=line)
            changes = {**_diff(want, tree, full), **undo_outside}
        if ours is None:
            return job.out("no-op", f"run {job.run_id} did not write to {branch}; the "
                                    "differences from the snapshot come from other commits, "
                                    "so there is nothing of ours to undo")
        moved = head != ours
        if moved and not job.force:
            return job.out("refused", (
                f"{branch} moved on since run {job.run_id} synced it (it is at {head[:12]}, our "
                f"sync left {ours[:12]}); look at `git log {ours[:12]}..{head[:12]}`, then re-run "
                "with --force to restore only the files skillsync owns and leave the rest alone"),
                data={"head": head, "ours": ours})
        if moved and owned is not None:
            now = repo.tree(head, snap.get("scope") or [t.dest])
            changes = {**_diff(_files(snap, restore_to), now, owned), **undo_outside}
        what = (f"submodule {pointer['path']}" if pointer is not None else
                f"{t.dest} on {branch}" if not moved else f"the files skillsync owns on {branch}")
        if job.dry_run:
            return job.out("planned", f"dry run: would commit on {branch} restoring {what}: "
                                      f"{_counts(changes)}", data={"changes": sorted(changes)})
        # What our own sync commit changed may be put back too (only a sync made before
        # containment was proved could have reached outside the write roots).
        within = (*_within(job), *outside)
        commit = repo.build_commit(head, changes, _message(job, what, _counts(changes)),
                                   within=within)
        repo.push([f"{commit}:refs/heads/{branch}"])
    verify_paths = None if not moved else owned
    ok, line = _verify(job, branch, verify_paths,
                       (pointer["path"], pointer.get("commit")) if pointer is not None else None,
                       key=restore_to, extra=outside)
    status = "rolled-back" if ok else "failed"
    return job.out(status, f"commit {commit[:12]} on {branch} restores {what} "
                           f"({_counts(changes)})" + ("" if ok else f"; {line}"),
                   commit=commit, verified=ok, verification=line)


# -- pull requests ---------------------------------------------------------------------------------
def _forge(job: Job) -> Any | None:
    t = job.target
    if t.forge is None or not t.forge.repository or not job.token:
        return None
    from skillsync import forge

    return forge.GitHub(t.forge.api_url, job.token, token_env=t.auth.env)


def _pull_request(job: Job) -> Outcome:
    t, snap = job.target, job.snap or {}
    assert t.repo is not None
    work = str(snap["work_branch"])
    client = _forge(job)
    try:
        with TargetRepo(t.repo, job.env, None) as repo:
            heads = repo.heads([t.branch, work])
            base, work_now = heads.get(t.branch), heads.get(work)
            repo.open([b for b in (t.branch, work) if b in heads])
            ours = _ours(job, repo, work_now)
            pr = _find_pr(job, client, work)
            if _merged(job, repo, base, pr):
                return _revert(job, client, repo, base, ours)
            if snap.get("work_head"):
                # The branch existed before this run: restore it with a new commit, like a
                # push target; a pull request that was open before stays open.
                out = _direct(job, work, restore_to="work_files")
                if out.status in ("rolled-back", "planned") and pr and pr.get("state") == "open" \
                        and not snap.get("pull_request"):
                    out.pull_request = _close(job, client, pr)
                return out
            pr_open = bool(pr and pr.get("state") == "open")
            if work_now is None and not pr_open:
                ok, line = _verify_pr(job, client, work, pr)
                return job.out("no-op", f"branch {work} is gone and no pull request is open; "
                                        "nothing to roll back", verified=ok, verification=line)
            if work_now is not None and ours is None and not pr_open:
                return job.out("no-op", f"run {job.run_id} did not write to {work}; nothing to "
                                        "roll back")
            moved = work_now is not None and work_now != ours
            if moved and not job.force:
                return job.out("refused", (
                    f"{work} moved on since run {job.run_id} pushed it (it is at "
                    f"{str(work_now)[:12]}, our sync left {str(ours)[:12]}): someone added "
                    "commits; re-run with --force "
                    "to close the pull request and keep the branch for them"))
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
                return job.out("planned", "dry run: would " + ", ".join(steps))
            closed = _close(job, client, pr) if pr_open and pr else None
            if work_now is not None and not moved:
                repo.push([f":refs/heads/{work}"], leases=[f"refs/heads/{work}:{work_now}"])
        ok, line = _verify_pr(job, client, work, closed or pr, keep_branch=moved)
        return job.out("rolled-back" if ok else "failed", "; ".join(steps),
                       pull_request=closed, verified=ok, verification=line)
    finally:
        if client is not None:
            client.close()


def _find_pr(job: Job, client: Any, work: str) -> dict[str, Any] | None:
    if client is None or job.target.forge is None:
        return None
    repo = job.target.forge.repository
    number = ((job.result or {}).get("pull_request") or {}).get("number")
    if number:
        return dict(client.get_pull_request(repo, int(number)))
    pulls = client.list_pull_requests(repo, head=work, state="all")
    return dict(max(pulls, key=lambda p: int(p["number"]))) if pulls else None


def _merged(job: Job, repo: TargetRepo, base: str | None, pr: Mapping[str, Any] | None) -> bool:
    if pr is not None:
        return bool(pr.get("merged_at"))
    if base is None:
        return False
    # Without a forge: the merge is visible in the base branch itself.
    t, snap = job.target, job.snap or {}
    if t.mechanism == "submodule" and snap.get("submodule"):
        path = snap["submodule"]["path"]
        entry = repo.tree(base, [path]).get(path)
        release = job.manifest["source"]["commit"]
        return entry is not None and entry[1] == release \
            and snap["submodule"].get("commit") != release
    lock = repo.read_lock(base, t.lock_path)
    return lock is not None and lock.run == job.run_id


def _close(job: Job, client: Any, pr: Mapping[str, Any]) -> dict[str, Any] | None:
    if client is None or job.target.forge is None:
        return None
    data = client.close_pull_request(
        job.target.forge.repository, int(pr["number"]),
        comment=f"Closed by skillsync rollback of run `{job.run_id}` "
                f"(`{job.rollback_id}`); see docs/sync-rollback.md.")
    return {"number": data.get("number"), "url": data.get("html_url"), "state": data.get("state")}


def _verify_pr(job: Job, client: Any, work: str, pr: Mapping[str, Any] | None, *,
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
    if t.mechanism == "submodule":
        p = (job.snap or {}).get("submodule") or {}
        ok, line = _verify(job, t.branch, None, (p.get("path", ""), p.get("commit")))
    else:
        ok, line = _verify(job, t.branch, None)
    if not ok:
        return False, line
    return True, "verified: " + "; ".join([*parts, line.removeprefix("verified: ")])


def _revert(job: Job, client: Any, repo: TargetRepo, base: str | None,
            ours: str | None) -> Outcome:
    """The sync pull request was merged: a revert branch and pull request."""
    t, snap = job.target, job.snap or {}
    assert base is not None
    revert = f"skillsync/rollback-{job.run_id}"
    pointer = snap.get("submodule") if t.mechanism == "submodule" else None
    if pointer is not None:
        path = pointer["path"]
        paths = {path}
        want: dict[str, tuple[str, str]] = (
            {path: ("160000", pointer["commit"])} if pointer.get("commit") else {})
        have = repo.tree(base, [path])
        ours_tree: dict[str, tuple[str, str]] = {}
    else:
        paths = _owned_paths(job, repo, ours)
        want = _files(snap)
        have = repo.tree(base, snap.get("scope") or [t.dest])
        ours_tree = {}
        if ours:
            repo.fetch_commits([ours])
            ours_tree = repo.tree(ours, snap.get("scope") or [t.dest])
    changes = _diff(want, have, paths)
    if not changes:
        ok, line = _verify(job, t.branch, paths if pointer is None else None,
                           (pointer["path"], pointer.get("commit")) if pointer else None)
        return job.out("no-op", f"{t.branch} is already back at the snapshot state",
                       verified=ok, verification=line)
    if pointer is None and ours_tree:
        changed = sorted(p for p in paths if p != t.lock_path and have.get(p) != ours_tree.get(p))
        if changed and not job.force:
            return job.out("refused", (
                f"the merged sync was followed by changes to files skillsync owns on {t.branch}: "
                + ", ".join(changed[:5]) + "; re-run with --force to revert them anyway"))
    existing = repo.heads([revert]).get(revert)
    if job.dry_run:
        return job.out("planned", f"dry run: would push {revert} ({_counts(changes)}) and open a "
                                  f"pull request into {t.branch}")
    if existing:
        repo.fetch_commits([existing])
        commit = existing
        if _diff(want, repo.tree(existing, sorted(paths)), paths):
            return job.out("failed", f"branch {revert} exists with other content; delete it "
                                     "or merge it, then run the rollback again")
    else:
        what = (f"submodule {pointer['path']}" if pointer
                else f"the files skillsync owns on {t.branch}")
        commit = repo.build_commit(base, changes, _message(job, what, _counts(changes)),
                                   within=_within(job))
        repo.push([f"{commit}:refs/heads/{revert}"], leases=[f"refs/heads/{revert}:"])
    pr = None
    if client is not None and t.forge is not None:
        outcome = client.open_or_update_pull_request(
            t.forge.repository, head=revert, base=t.branch,
            title=f"skillsync: roll back skills {job.manifest.get('version')}",
            body=(f"Reverts the files skillsync wrote in run `{job.run_id}` "
                  f"({_counts(changes)}). Opened by `{job.rollback_id}`; "
                  "see docs/sync-rollback.md."), labels=t.labels)
        pr = outcome.as_dict()
    ok, line = _verify(job, revert, paths if pointer is None else None,
                       (pointer["path"], pointer.get("commit")) if pointer else None)
    tail = (f"revert pull request #{pr['number']} {pr['action']}; merge it to finish" if pr else
            f"open a pull request from {revert} into {t.branch} and merge it to finish")
    return job.out("pending" if ok else "failed",
                   f"the sync pull request was merged: branch {revert} ({commit[:12]}) restores "
                   f"the snapshot; {tail}", commit=commit, pull_request=pr, verified=ok,
                   verification=line)


# -- webhook -------------------------------------------------------------------------------------
def _webhook(job: Job) -> Outcome:
    t, snap = job.target, job.snap or {}
    r = job.result or {}
    if r.get("status") != "synced":
        return job.out("no-op", f"run {job.run_id} delivered nothing to this endpoint "
                                f"({r.get('status', 'no result')}); nothing to roll back")
    done = job.run.path / "rollbacks" / f"{t.id}.json"
    if done.exists() and read_json(done).get("status") == "rolled-back":
        return job.out("no-op", "the previous release was already re-sent by an earlier rollback")
    hook = snap.get("webhook") or {}
    prev = hook.get("previous")
    if not prev:
        return job.out("manual", (
            f"no copy of the previous release's payload for {t.id}: the endpoint owner "
            f"({t.owner or 'see the target file'}) must restore the previous release on their "
            "side; skillsync cannot roll a webhook back without it"))
    version = hook.get("previous_version")
    if job.dry_run:
        return job.out("planned", f"dry run: would re-send release {version} to the endpoint")
    from skillsync import webhook

    if t.auth.method == "hmac" and t.auth.env:
        secret = from_env(t.auth.env)
        if not secret:
            raise TargetError(f"HMAC secret variable {t.auth.env} is not set")
    else:
        secret = None
    payload = {**prev, "run": job.rollback_id, "rollback_of": job.run_id}
    assert t.url is not None
    res = webhook.send(t.url, payload, secret=secret,
                       idempotency_key=f"{job.rollback_id}:{t.id}",
                       label=f"webhook for target {t.id}")
    if not res.delivered:
        return job.out("failed", f"re-sending release {version}: {res.message}")
    # The endpoint holds the previous release again: a re-run of the rolled-back
    # release must POST it again rather than see a no-op in the cache.
    write_cache(f"webhook\0{t.id}\0{t.url}",
                {"digest": hook.get("previous_digest"), "run": job.rollback_id})
    if read_cache(webhook_cache_key(t)) is not None:
        write_cache(webhook_cache_key(t), {"payload": prev, "run": hook.get("previous_run"),
                                           "digest": hook.get("previous_digest")})
    line = f"verified: the endpoint accepted release {version} (HTTP {res.status_code})"
    return job.out("rolled-back", f"re-sent release {version}", verified=True,
                   verification=line)


def summary(run: RunDir, outcomes: Sequence[Outcome], *, dry_run: bool,
            force: bool) -> dict[str, Any]:
    return {"schema": ROLLBACK_SCHEMA, "run": run.run_id, "dry_run": dry_run, "force": force,
            "rollback": outcomes[0].data.get("rollback") if outcomes else None,
            "targets": [o.as_dict() for o in outcomes]}


def exit_code(outcomes: Sequence[Outcome]) -> int:
    return 0 if all(o.status in OK_STATUSES for o in outcomes) else 1


__all__ = ["Outcome", "exit_code", "rollback_run", "summary", "synced_ids", "work_branch_of"]
