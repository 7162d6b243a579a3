"""What every mechanism that writes to a git repository shares: its snapshot, its
rollback and what fleet status reads, all through the one downstream reader
(skillsync.downstream.TargetRepo)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from skillsync.downstream import TargetRepo
from skillsync.errors import GitError, SkillsyncError, TargetError
from skillsync.mechanisms.base import (
    SYNC_BRANCH_PREFIX,
    Holding,
    Job,
    Mechanism,
    Outcome,
    StatusQuery,
)
from skillsync.model import Target
from skillsync.store import read_cache, write_cache


class GitMechanism(Mechanism):
    """A mechanism whose target is a git repository (`repo:` and `branch:`)."""

    repo_based = True

    # -- snapshot --------------------------------------------------------------------------
    def snapshot(self, target: Target, manifest: Mapping[str, Any], base: dict[str, Any], *,
                 env: Mapping[str, str], token: str | None, repo: TargetRepo | None,
                 heads: Mapping[str, str] | None) -> dict[str, Any]:
        """Branch heads, the downstream lock, every file under the scope (mode and blob
        id: enough to restore and to prove byte-identity, so no blob is downloaded), the
        submodule pointer and the open sync pull request. `repo`: a scratch repository
        the sync already opened, reused."""
        from skillsync.snapshot import entries, scope_for
        from skillsync.urls import redact_url

        assert target.repo is not None
        work = self.work_branch(target, str(manifest["version"]))
        own = repo is None
        repo = repo or TargetRepo(target.repo, dict(env), None)
        try:
            wanted = [target.branch] + ([work] if work else [])
            if heads is not None:
                now = dict(heads)
            elif all(b in repo.seen for b in wanted):
                # The heads the sync planned on: every push it makes is leased on them
                # (or fast-forward from them), so they are what its write replaces.
                now = {b: sha for b in wanted if (sha := repo.seen[b])}
            else:
                now = repo.heads(wanted)
            head, work_head = now.get(target.branch), now.get(work) if work else None
            if repo.git_dir is None:
                repo.open([b for b in wanted if b in now])
            else:
                repo.fetch_commits([s for s in (head, work_head) if s])
            lock = repo.read_lock(head, target.lock_path) if head else None
            owned = sorted(lock.files) if lock else []
            scope = scope_for(target, manifest if self.syncs_files else None, owned)
            snap: dict[str, Any] = {
                **base, "repo": redact_url(target.repo), "branch": target.branch,
                "dest": target.dest, "lock_path": target.lock_path, "head": head,
                "work_branch": work, "work_head": work_head,
                "lock": json.loads(lock.to_json()) if lock else None, "owned": owned,
                "scope": scope,
                "files": entries(repo.tree(head, scope)) if head else {},
                "work_files": entries(repo.tree(work_head, scope)) if work_head else None,
                "submodule": None, "pull_request": None,
            }
            if self.moves_pointer and target.submodule is not None and head:
                path = target.submodule.path
                entry = repo.tree(head, [path]).get(path)
                snap["submodule"] = {"path": path, "commit": entry[1] if entry else None}
                if work_head:
                    wentry = repo.tree(work_head, [path]).get(path)
                    snap["submodule"]["work_commit"] = wentry[1] if wentry else None
            if work and work_head:
                # No sync branch on the remote means no open pull request can have it as
                # head (GitHub closes a PR whose head branch is deleted): no API call.
                snap["pull_request"], err = _open_pull_request(target, work, token)
                if err:
                    snap["pull_request_error"] = err
            snap["complete"] = True
            return snap
        finally:
            if own:
                repo.close()

    # -- rollback --------------------------------------------------------------------------
    def rollback(self, job: Job) -> Outcome:
        from skillsync.mechanisms import restore, restore_pr

        if (job.snap or {}).get("work_branch"):
            return restore_pr.pull_request(job)
        return restore.direct(job)

    # -- fleet status ----------------------------------------------------------------------
    def holds(self, query: StatusQuery) -> Holding:
        """The branch head and what it holds (lock and drift, or the submodule pointer),
        read with the downstream reader: a local repository in place, a remote one by a
        shallow, blob-less fetch of the branch and the one lock blob. A head read before
        is answered from the cache."""
        t = query.target
        assert t.repo is not None
        with TargetRepo(t.repo, dict(query.git_env)) as repo:
            try:
                in_place = repo.attach_local()
                heads = repo.heads([t.branch], prefix=SYNC_BRANCH_PREFIX,
                                   timeout=query.timeout)
            except GitError as exc:
                hint = ""
                if t.auth.method == "token" and t.auth.env and not query.token:
                    hint = f" (auth variable {t.auth.env} is not set)"
                raise TargetError(f"remote unreachable: {exc.reason}{hint}") from None
            head = heads.get(t.branch)
            if head is None:
                raise TargetError(f"branch {t.branch} not found on the remote")
            key = f"{t.repo}\0{t.branch}\0{self._what(t)}\0{head}"
            hit = read_cache(key, kind="status") if query.use_cache and not in_place else None
            if hit is not None and hit.get("head") == head:
                return Holding(**{**hit, "branches": heads, "cached": True})
            try:
                if not in_place:
                    repo.open([t.branch], timeout=query.timeout)
                held = self._read(t, repo, head)
            except GitError as exc:
                raise TargetError(f"cannot read branch {t.branch}: {exc.reason}") from None
            if query.use_cache and not in_place:
                write_cache(key, {"head": held.head, "version": held.version,
                                  "commit": held.commit, "drift": held.drift,
                                  "note": held.note}, kind="status")
            held.branches = heads
            return held

    def _what(self, target: Target) -> str:
        """What the status cache key reads at a head (the lock, or the pointer)."""
        return target.lock_path

    def _read(self, target: Target, repo: TargetRepo, head: str) -> Holding:
        """Lock and drift at `head`: one blob (the lock) and the trees under what it owns."""
        from skillsync.downstream import path_prefixes

        try:
            lock = repo.read_lock(head, target.lock_path)
        except SkillsyncError as exc:
            raise TargetError(str(exc)) from None
        if lock is None:
            return Holding(head=head)
        tree = repo.tree(head, path_prefixes(list(lock.files))) if lock.files else {}
        drift = sorted(p for p, f in lock.files.items() if tree.get(p, ("", None))[1] != f.blob)
        return Holding(head=head, version=lock.version, commit=lock.commit, drift=drift)


def _open_pull_request(target: Target, work: str,
                       token: str | None) -> tuple[dict[str, Any] | None, str | None]:
    if target.forge is None or not target.forge.repository or not token:
        return None, None
    from skillsync import forge

    try:
        client = forge.GitHub(target.forge.api_url, token, token_env=target.auth.env)
        try:
            pr = client.find_pull_request(target.forge.repository, work)
        finally:
            client.close()
    except Exception as exc:   # anything the forge says wrong is recorded, not fatal
        from skillsync.secrets import redact

        return None, redact(str(exc))
    if pr is None:
        return None, None
    return {"number": pr.get("number"), "url": pr.get("html_url"), "state": pr.get("state"),
            "head_sha": (pr.get("head") or {}).get("sha")}, None
