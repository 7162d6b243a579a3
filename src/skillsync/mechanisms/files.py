"""Shared part of the push and pull-request mechanisms: vendored files under `dest`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from skillsync import git
from skillsync.downstream import TargetRepo, path_prefixes, sha256_bytes
from skillsync.mechanisms.base import Context, Result, commit_message, sync_branch
from skillsync.mechanisms.gitbase import GitMechanism
from skillsync.model import Decision, Status, Target
from skillsync.plan import (
    Operation,
    Plan,
    desired_files,
    file_plan,
    new_lock,
    placement_key,
    selected_skills,
    write_dirs,
    write_roots,
)
from skillsync.store import read_cache, write_cache


class FileSync(GitMechanism):
    """Plan and build the sync commit; subclasses decide where it goes."""

    syncs_files = True
    uses_work_branch = False

    @classmethod
    def work_branch(cls, target: Target, version: str) -> str | None:
        return sync_branch(version) if cls.uses_work_branch else None

    def __init__(self) -> None:
        self.repo: TargetRepo | None = None
        self.lock_blob: str | None = None     # the lock `build` wrote (verify asks for it)

    def close(self) -> None:
        if self.repo is not None:
            self.repo.close()

    def _cache_key(self, ctx: Context) -> str:
        return self.cache_key(ctx.target)

    @staticmethod
    def cache_key(t: Target) -> str:
        # Everything that decides which files land where is in the key: a target
        # whose selection changed must not be answered "no-op" from the cache.
        return "\0".join([str(t.repo), t.branch, t.dest, t.mechanism, ",".join(t.skills),
                           repr(sorted(t.adapters))])

    @classmethod
    def read_ahead(cls, target: Target, manifest: Mapping[str, Any],
                   git_env: Mapping[str, str]) -> None:
        # Only when the cache may answer from the heads alone (a complete record of this
        # release): otherwise planning fetches the branch by name, its heads in the same
        # round trip, and an ls-remote ahead of it would be a request more (issue 17).
        cached = read_cache(cls.cache_key(target))
        if cached and cached.get("digest") == manifest.get("digest") and cached.get("complete"):
            super().read_ahead(target, manifest, git_env)

    def plan(self, ctx: Context) -> Plan:
        t = ctx.target
        assert t.repo is not None
        digest = ctx.manifest["digest"]
        self.repo = TargetRepo(t.repo, ctx.git_env, ctx.source_git_dir,
                               counters=ctx.counters)
        work = self.work_branch(ctx.target, ctx.version)
        cached = read_cache(self._cache_key(ctx))
        # The lock blob our last sync wrote here: asked for with the trees, so reading
        # the lock costs no round trip of its own when it has not changed since. Only a
        # hint: the lock is read through the tree, and a blob it does not name is unused.
        hint = [str(cached["lock_blob"])] if cached and git.SHA_RE.match(
            str(cached.get("lock_blob") or "")) else []
        warm = bool(cached and cached.get("digest") == digest and cached.get("complete"))
        if warm or self.repo.read_ahead():
            # A warm no-op is possible: one ls-remote decides it (or that ls-remote is
            # under way already, read ahead by sync-target); then the heads it read are
            # fetched by id.
            heads = self.repo.heads([t.branch] + ([work] if work else []))
            plan = self._cached_no_op(ctx, cached, heads, work) if cached and warm else None
            if plan is not None:
                return plan
            self.repo.open([b for b in (t.branch, work) if b and b in heads], want=hint)
        else:
            # Nothing cached can answer: read the heads and fetch them in one git fetch
            # (its ls-refs is the ls-remote; issue 17).
            heads = self.repo.fetch_heads([t.branch], optional=[work] if work else [],
                                          want=hint)
        head = heads.get(t.branch)
        fetch = [b for b in (t.branch, work) if b and b in heads]
        settled = self._settled(ctx, heads, work)
        if settled is not None:
            return settled
        desired = desired_files(ctx.manifest, t)
        for tip in {heads[b] for b in fetch}:
            self.repo.check_dirs(tip, write_dirs(t))
        lock = self.repo.read_lock(head, t.lock_path) if head else None
        owned = list(lock.files) if lock else []
        tree = self.repo.tree(head, path_prefixes([*desired, *owned])) if head else {}
        plan = file_plan(ctx.manifest, t, head=head, tree=tree, lock=lock,
                         overwrite=ctx.overwrite, desired=desired)
        if head and plan.decision in ("update", "no-op"):
            self._plan_skills_lock(ctx, plan, head)
        plan.work_branch = work
        plan.data["owned_before"] = owned
        if work and work in heads:
            plan.data["work_head"] = heads[work]
            if plan.decision == Decision.UPDATE:
                wlock = self.repo.read_lock(heads[work], t.lock_path)
                if wlock and wlock.manifest_digest == digest:
                    plan.data["work_branch_current"] = True
        if plan.decision == Decision.NO_OP:
            write_cache(self._cache_key(ctx), {"head": head, "digest": digest,
                                                "work_head": heads.get(work) if work else None,
                                                "complete": True})
        return plan

    def _cached_no_op(self, ctx: Context, cached: dict[str, Any], heads: dict[str, str],
                      work: str | None) -> Plan | None:
        """No-op before any heavy work: the branch head is the commit our last sync of
        this very release produced (or found already up to date)."""
        t = ctx.target
        head = heads.get(t.branch)
        if not head or cached.get("head") != head or (
                work and cached.get("work_head") != heads.get(work)):
            return None
        plan = Plan(t.id, t.mechanism, Decision.NO_OP,
                    f"already at {ctx.version} (branch head {head[:12]} unchanged)",
                    ctx.version, ctx.manifest["source"]["commit"], t.branch, head,
                    work_branch=work, previous_version=ctx.version)
        plan.data["cached"] = True
        if work and cached.get("pending") and heads.get(work):
            # Nothing to write, but the release is not on the branch yet: it waits on
            # its pull request (the same state fleet status calls pending-pr).
            plan.data["status"] = str(Status.PENDING)
            plan.reason = (f"{ctx.version} awaits merge: its pull request from {work} "
                           f"is open (branch heads {head[:12]} and "
                           f"{heads[work][:12]} unchanged)")
        return plan

    def _settled(self, ctx: Context, heads: dict[str, str], work: str | None) -> Plan | None:
        """A decision from the fetched heads alone, before any blob or tree is read: a
        cold no-op when the branch head is this release's sync commit, untouched. Any
        later edit is a new commit, or changes the tree its Skillsync-Tree names."""
        t = ctx.target
        head = heads.get(t.branch)
        if not head or work or not self._is_this_release(ctx, head):
            return None
        write_cache(self._cache_key(ctx), {"head": head, "digest": ctx.manifest["digest"],
                                            "work_head": None, "complete": True})
        return Plan(t.id, t.mechanism, Decision.NO_OP,
                    f"already at {ctx.version} (branch head {head[:12]} is its sync "
                    "commit)", ctx.version, ctx.manifest["source"]["commit"], t.branch,
                    head, previous_version=ctx.version)

    def _is_this_release(self, ctx: Context, head: str) -> bool:
        """`head` is the sync commit of this release placed this way, its tree still the
        one skillsync built (Skillsync-Tree): copied trailers over other files are not."""
        assert self.repo is not None
        tip = self.repo.tip(head)
        trailers = tip.trailers
        return (trailers.get("Skillsync-Digest") == ctx.manifest["digest"]
                and trailers.get("Skillsync-Placement") == placement_key(ctx.target)
                and bool(tip.tree) and trailers.get("Skillsync-Tree") == tip.tree
                and "Skillsync-Rollback-Of" not in trailers)

    def _plan_skills_lock(self, ctx: Context, plan: Plan, head: str) -> None:
        """Keep the `skills` CLI's skills-lock.json correct for the skills we sync
        (only when the target already uses one). Same entry fields and
        computedHash as the CLI: see skillsync.skills_cli_lock."""
        from skillsync import skills_cli_lock as skills_lock

        assert self.repo is not None
        entry = self.repo.tree(head, [skills_lock.LOCK_FILE]).get(skills_lock.LOCK_FILE)
        if entry is None or ctx.source_git_dir is None:
            return
        raw = self.repo.blob(head, skills_lock.LOCK_FILE) or b""
        current = skills_lock.parse(raw.decode("utf-8", "replace"))
        src = ctx.manifest["source"]
        skills = selected_skills(ctx.manifest, ctx.target)
        blobs = git.read_blobs(ctx.source_git_dir,
                               [f["blob"] for s in skills for f in s["files"]])
        entries = [
            skills_lock.SkillLockEntry.for_release(
                s["name"], src["repo"], src["ref"], s["path"],
                skills_lock.compute_hash((f["path"], blobs[f["blob"]]) for f in s["files"]),
            )
            for s in skills
        ]
        text = skills_lock.render(skills_lock.update_lock(current, entries))
        blob = self.repo.hash_object(text.encode())
        if blob == entry[1]:
            return
        plan.operations.append(Operation("modify", skills_lock.LOCK_FILE,
                                         sha256_bytes(text.encode()), blob, "100644", entry[1]))
        plan.data["skills_lock_blob"] = blob
        if plan.decision == Decision.NO_OP:
            plan.decision = Decision.UPDATE
            plan.reason = f"{skills_lock.LOCK_FILE} entries out of date"

    def build(self, ctx: Context, plan: Plan, parent: str | None) -> str:
        """The sync commit on `parent`: release files, deletions, new lock; signed when
        the target says `signing:` ssh or gpg (skillsync.signing)."""
        from skillsync import signing

        assert self.repo is not None
        t = ctx.target
        self.repo.signer = signing.signer_for(t)
        desired = desired_files(ctx.manifest, t)
        changes: dict[str, tuple[str, str] | None] = {
            p: (d.mode, d.blob) for p, d in desired.items()
        }
        for p in plan.data.get("owned_before", []):
            if p not in desired:
                changes[p] = None
        lock = new_lock(ctx.manifest, desired, ctx.run.run_id)
        self.lock_blob = self.repo.hash_object(lock.to_json().encode())
        changes[t.lock_path] = ("100644", self.lock_blob)
        if plan.data.get("skills_lock_blob"):
            from skillsync.skills_cli_lock import LOCK_FILE

            changes[LOCK_FILE] = ("100644", plan.data["skills_lock_blob"])
        n = plan.counts()
        skills = sorted({d.origin.split(":")[1] for d in desired.values()
                         if d.origin.startswith("skill:")})
        msg = commit_message(
            ctx,
            f"skillsync: sync skills {ctx.version}",
            f"{len(skills)} skill(s) under {t.dest}: {n['add']} added, {n['modify']} modified, "
            f"{n['delete']} deleted file(s).",
        )
        return self.repo.build_commit(parent, changes, msg, within=write_roots(t),
                                      stamp_tree=True)

    def remember(self, ctx: Context, head: str | None, work_head: str | None,
                 complete: bool, *, pending: bool = False) -> None:
        """What the next run's no-op check compares; `pending`: the release is on the
        work branch with its pull request open, not on the branch."""
        write_cache(self._cache_key(ctx), {"head": head, "digest": ctx.manifest["digest"],
                                            "work_head": work_head, "complete": complete,
                                            "pending": pending, "lock_blob": self.lock_blob})

    def verify(self, ctx: Context) -> list[str]:
        """Read the branch fresh and compare every owned file with the manifest. One
        fetch by the branch's name reads its head, its trees and the lock blob we wrote
        (asked for by id: it is believed only where the fresh tree names it)."""
        t = ctx.target
        assert t.repo is not None
        branch = self.work_branch(ctx.target, ctx.version) or t.branch
        with TargetRepo(t.repo, ctx.git_env, None, counters=ctx.counters) as repo:
            heads = repo.fetch_heads([branch], want=[self.lock_blob] if self.lock_blob else [])
            if branch not in heads:
                return [f"branch {branch} does not exist"]
            desired = desired_files(ctx.manifest, t)
            tree = repo.tree(heads[branch], path_prefixes(list(desired)))
            problems = [
                f"{p}: expected blob {d.blob[:12]}, found {tree.get(p, ('', 'nothing'))[1][:12]}"
                for p, d in sorted(desired.items())
                if tree.get(p) != (d.mode, d.blob)
            ]
            lock = repo.read_lock(heads[branch], t.lock_path)
            if lock is None or lock.manifest_digest != ctx.manifest["digest"]:
                problems.append(f"{t.lock_path}: lock does not name this release")
            return problems

    def fallback_commit(self, ctx: Context, plan: Plan | None) -> str | None:
        """The sync commit this target refused: the one built, or built now on the plan's
        base; without a plan (the target could not be read), a commit with no parent
        holding only the release files and the lock (the fallback README says so)."""
        if self.repo is None or self.repo.git_dir is None:
            self.repo = TargetRepo(ctx.target.repo or "", {}, ctx.source_git_dir)
            self.repo.open([])
        if self.repo.built:
            return self.repo.built[-1]
        if plan is not None and plan.decision == Decision.UPDATE:
            return self.build(ctx, plan, plan.data.get("work_head") or plan.base_head)
        t = ctx.target
        desired = desired_files(ctx.manifest, t)
        changes: dict[str, tuple[str, str] | None] = {
            p: (d.mode, d.blob) for p, d in desired.items()}
        lock = new_lock(ctx.manifest, desired, ctx.run.run_id)
        changes[t.lock_path] = ("100644", self.repo.hash_object(lock.to_json().encode()))
        msg = commit_message(ctx, f"skillsync: sync skills {ctx.version} (manual fallback)",
                             "Built without reading the target: release files and lock only.")
        return self.repo.build_commit(None, changes, msg, within=write_roots(t))


def ok_result(ctx: Context, plan: Plan, status: Status, message: str, **kw: Any) -> Result:
    return Result(ctx.target.id, ctx.target.mechanism, status, message,
                  changes=plan.counts(), **kw)

