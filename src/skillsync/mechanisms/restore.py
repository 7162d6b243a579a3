"""Restoring a git target from its snapshot with a new commit (push and submodule
targets; the work branch of a pull-request target that existed before the run).

The shared part of every git mechanism's `rollback` (skillsync.rollback has the
contract): before writing, the target must still be where our sync left it, unless
`force`; the snapshot must be the target's own state; after writing, the target is
read fresh and compared with the snapshot, every path the sync commit changed included.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from skillsync.downstream import TargetRepo
from skillsync.errors import SkillsyncError, TargetError
from skillsync.mechanisms.base import WROTE, Job, Outcome
from skillsync.model import RollbackStatus


def our_commit(job: Job, repo: TargetRepo, tip: str | None) -> str | None:
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
        if not SHA_RE.match(named) or not is_ours(job, repo, named):
            raise TargetError(
                f"results/{job.target.id}.json names commit {named[:40]!r}, which is not a "
                f"commit of run {job.run_id} in the target (its trailers do not say so); "
                "refusing a tampered or foreign result")
        return named
    if tip and is_ours(job, repo, tip):
        return tip
    return None


def is_ours(job: Job, repo: TargetRepo, commit: str) -> bool:
    try:
        repo.fetch_commits([commit])
        tr = repo.trailers(commit)
    except SkillsyncError:
        return False
    return tr.get("Skillsync-Run") == job.run_id and "Skillsync-Rollback-Of" not in tr


def files_of(snap: Mapping[str, Any], key: str = "files") -> dict[str, tuple[str, str]]:
    return {p: (e["mode"], e["blob"]) for p, e in (snap.get(key) or {}).items()}


def owned_paths(job: Job, repo: TargetRepo, ours: str | None) -> set[str]:
    snap = job.snap or {}
    paths = set(snap.get("owned") or []) | {job.target.lock_path}
    if ours:
        repo.fetch_commits([ours])
        lock = repo.read_lock(ours, job.target.lock_path)
        if lock:
            paths |= set(lock.files)
    return paths


def diff(want: Mapping[str, tuple[str, str]], have: Mapping[str, tuple[str, str]],
          paths: set[str]) -> dict[str, tuple[str, str] | None]:
    return {p: want.get(p) for p in sorted(paths) if want.get(p) != have.get(p)}


def message(job: Job, what: str, counts: str) -> str:
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


def write_area(job: Job) -> tuple[str, ...]:
    """What a rollback may change: what the sync may (a snapshot is a run-directory
    file, so a tampered one cannot aim the restore anywhere else)."""
    from skillsync.plan import write_roots

    t = job.target
    if t.submodule is not None:
        return (t.submodule.path,)
    return write_roots(t)


def counts(changes: Mapping[str, tuple[str, str] | None]) -> str:
    removed = sum(v is None for v in changes.values())
    return f"{len(changes) - removed} file(s) restored, {removed} removed"


def checked_state(job: Job, repo: TargetRepo, key: str) -> dict[str, tuple[str, str]]:
    """The snapshot's recorded files, once they are proven to be the target's own
    state: the snapshot is a run-directory file (a CI artifact anyone with write access
    to the run can edit), so its entries must equal the tree of the commit it names
    in the downstream's history before a rollback writes any of them."""
    from skillsync import paths as pathpolicy

    snap = job.snap or {}
    want = files_of(snap, key)
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


def sync_changes(repo: TargetRepo, ours: str | None,
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


def verify(job: Job, branch: str, paths: set[str] | None,
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
        want_all = files_of(snap, key)
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
def direct(job: Job, branch: str | None = None, *, restore_to: str = "files") -> Outcome:
    """Restore `branch` (default: the target branch) with a new commit."""
    t, snap = job.target, job.snap or {}
    assert t.repo is not None
    branch = branch or t.branch
    pointer = dict(snap.get("submodule") or {}) if t.submodule is not None else None
    if pointer is not None and restore_to == "work_files":
        pointer["commit"] = pointer.get("work_commit")
    with TargetRepo(t.repo, job.env, None) as repo:
        head = repo.heads([branch]).get(branch)
        if head is None:
            return job.failed(f"branch {branch} no longer exists in the target")
        repo.open([branch])
        ours = our_commit(job, repo, head)
        outside: dict[str, tuple[str, str] | None] = {}
        undo_outside: dict[str, tuple[str, str] | None] = {}
        if pointer is not None:
            path, old = pointer["path"], pointer.get("commit")
            entry = repo.tree(head, [path]).get(path)
            if (entry[1] if entry else None) == old:
                ok, line = verify(job, branch, None, (path, old))
                return job.no_op(f"already at the snapshot state ({path} at "
                                 f"{str(old)[:12]})", verified=ok, verification=line)
            changes: dict[str, tuple[str, str] | None] = {
                path: ("160000", old) if old else None}
            owned = None
        else:
            scope = snap.get("scope") or [t.dest]
            want = checked_state(job, repo, restore_to)
            tree = repo.tree(head, scope)
            outside = sync_changes(repo, ours, scope)
            full = set(want) | set(tree)
            owned = owned_paths(job, repo, ours)
            now_outside = repo.tree(head, list(outside)) if outside else {}
            undo_outside = {p: e for p, e in outside.items() if now_outside.get(p) != e}
            if not diff(want, tree, full if not job.force else owned) and not undo_outside:
                ok, line = verify(job, branch, None if not job.force else owned, key=restore_to,
                                   extra=outside)
                return job.no_op("already at the snapshot state; nothing to roll back",
                                 verified=ok, verification=line)
            changes = {**diff(want, tree, full), **undo_outside}
        if ours is None:
            return job.no_op(f"run {job.run_id} did not write to {branch}; the "
                             "differences from the snapshot come from other commits, "
                             "so there is nothing of ours to undo")
        moved = head != ours
        if moved and not job.force:
            return job.refused(
                f"{branch} moved on since run {job.run_id} synced it (it is at {head[:12]}, "
                f"our sync left {ours[:12]}); look at `git log {ours[:12]}..{head[:12]}`, then "
                "re-run with --force to restore only the files skillsync owns and leave the "
                "rest alone", data={"head": head, "ours": ours})
        if moved and owned is not None:
            now = repo.tree(head, snap.get("scope") or [t.dest])
            changes = {**diff(files_of(snap, restore_to), now, owned), **undo_outside}
        what = (f"submodule {pointer['path']}" if pointer is not None else
                f"{t.dest} on {branch}" if not moved else f"the files skillsync owns on {branch}")
        if job.dry_run:
            return job.planned(f"dry run: would commit on {branch} restoring {what}: "
                               f"{counts(changes)}", data={"changes": sorted(changes)})
        # What our own sync commit changed may be put back too (only a sync made before
        # containment was proved could have reached outside the write roots).
        within = (*write_area(job), *outside)
        from skillsync import signing  # a branch that requires signatures (issue 16)

        repo.signer = signing.signer_for(t)
        commit = repo.build_commit(head, changes, message(job, what, counts(changes)),
                                   within=within)
        commit = signing.publish(repo, t, job.token, commit, branch, old=head, lease=False)
    verify_paths = None if not moved else owned
    ok, line = verify(job, branch, verify_paths,
                       (pointer["path"], pointer.get("commit")) if pointer is not None else None,
                       key=restore_to, extra=outside)
    status = RollbackStatus.ROLLED_BACK if ok else RollbackStatus.FAILED
    return job.out(status, f"commit {commit[:12]} on {branch} restores {what} "
                           f"({counts(changes)})" + ("" if ok else f"; {line}"),
                   commit=commit, verified=ok, verification=line)
