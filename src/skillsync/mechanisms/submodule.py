"""`submodule`: move the submodule pointer at `submodule.path` to the release
commit, after proving the commit exists on the submodule's own remote (a
dangling pointer would break every clone of the downstream: RELIABILITY 7)."""

from __future__ import annotations

import posixpath
import tempfile
from pathlib import Path

from skillsync import git
from skillsync.downstream import SERVE_ENV, TargetRepo, transport_url
from skillsync.errors import GitError, TargetError
from skillsync.mechanisms.base import Context, Holding, Result, commit_message, sync_branch
from skillsync.mechanisms.files import ok_result
from skillsync.mechanisms.gitbase import GitMechanism
from skillsync.mechanisms.pull_request import open_pull_request
from skillsync.model import Target
from skillsync.plan import Operation, Plan
from skillsync.store import read_cache, write_cache


def resolve_submodule_url(url: str, superproject: str) -> str:
    """.gitmodules URLs may be relative to the superproject's remote."""
    if not url.startswith(("./", "../")):
        return url
    base = superproject.rstrip("/")
    if git.is_local(base):
        return str((Path(base) / url).resolve())
    scheme, _, rest = base.partition("://")
    return f"{scheme}://{posixpath.normpath(posixpath.join(rest, url))}"


def commit_on_remote(url: str, commit: str, env: dict[str, str]) -> bool:
    refs = git.ls_remote(transport_url(url), env={**SERVE_ENV, **env})
    if commit in refs.values():
        return True
    # Not a ref tip: ask the server for exactly that commit (forges allow it).
    with tempfile.TemporaryDirectory(prefix="skillsync-sub-") as tmp:
        git.run(["init", "--bare", "-q", tmp])
        proc = git.run(["--git-dir", tmp, "fetch", "-q", "--depth=1", "--filter=blob:none",
                        transport_url(url), commit], env={**SERVE_ENV, **env}, check=False)
        return proc.returncode == 0


class Submodule(GitMechanism):
    name = "submodule"
    moves_pointer = True

    @classmethod
    def work_branch(cls, target: Target, version: str) -> str | None:
        sub = target.submodule
        return sync_branch(version) if sub is not None and sub.via == "pull-request" else None

    def _what(self, target: Target) -> str:
        assert target.submodule is not None
        return f"submodule\0{target.submodule.path}"

    def _read(self, target: Target, repo: TargetRepo, head: str) -> Holding:
        """The pointer at `head`: the source commit the target holds."""
        assert target.submodule is not None
        path = target.submodule.path
        entry = repo.tree(head, [path]).get(path)
        if entry is None or entry[0] != "160000":
            raise TargetError(f"no submodule at {path} on {target.branch}")
        return Holding(head=head, commit=entry[1])

    def fallback_commit(self, ctx: Context, plan: Plan | None) -> str | None:
        """The pointer commit the target refused (built now on the plan if need be)."""
        if self.repo is None or self.repo.git_dir is None:
            return None
        if self.repo.built:
            return self.repo.built[-1]
        if plan is None or plan.decision != "update" or plan.pointer is None:
            return None
        path = str(plan.pointer["path"])
        msg = commit_message(ctx, f"skillsync: move {path} to skills {ctx.version}")
        return self.repo.build_commit(plan.data.get("work_head") or plan.base_head,
                                      {path: ("160000", ctx.manifest["source"]["commit"])},
                                      msg, within=(path,))

    def __init__(self) -> None:
        self.repo: TargetRepo | None = None

    def close(self) -> None:
        if self.repo is not None:
            self.repo.close()

    def _key(self, ctx: Context) -> str:
        t = ctx.target
        assert t.submodule is not None
        return f"{t.repo}\0{t.branch}\0submodule\0{t.submodule.path}"

    def plan(self, ctx: Context) -> Plan:
        t = ctx.target
        assert t.repo is not None and t.submodule is not None
        path = t.submodule.path
        new = ctx.manifest["source"]["commit"]
        work = self.work_branch(t, ctx.version)
        self.repo = TargetRepo(t.repo, ctx.git_env, None, counters=ctx.counters)
        heads = self.repo.heads([t.branch] + ([work] if work else []))
        head = heads.get(t.branch)
        if head is None:
            raise TargetError(f"branch {t.branch} does not exist in the target repository")
        cached = read_cache(self._key(ctx))
        base = Plan(t.id, t.mechanism, "update", "", ctx.version, new, t.branch, head,
                    work_branch=work)
        if cached and cached.get("head") == head and cached.get("pointer") == new:
            base.decision, base.reason = "no-op", f"submodule {path} already at {new[:12]}"
            base.pointer = {"path": path, "old": new, "new": new}
            return base
        self.repo.open([b for b in (t.branch, work) if b and b in heads])
        entry = self.repo.tree(head, [path]).get(path)
        if entry is None or entry[0] != "160000":
            raise TargetError(f"no submodule at {path} on {t.branch}")
        old = entry[1]
        base.pointer = {"path": path, "old": old, "new": new}
        if old == new:
            write_cache(self._key(ctx), {"head": head, "pointer": new})
            base.decision, base.reason = "no-op", f"submodule {path} already at {new[:12]}"
            return base
        if work and work in heads:
            base.data["work_head"] = heads[work]
            wentry = self.repo.tree(heads[work], [path]).get(path)
            if wentry and wentry[1] == new:
                base.data["work_branch_current"] = True
        url = self._submodule_url(head, path, t.repo)
        if not commit_on_remote(url, new, ctx.git_env):
            base.decision = "halt"
            base.reason = (f"release commit {new[:12]} is not on the submodule's remote; "
                           "push the release there first (never a dangling pointer)")
            return base
        base.operations = [Operation("modify", path, None, new, "160000", old)]
        base.reason = f"move submodule {path} {old[:12]} -> {new[:12]}"
        return base

    def _submodule_url(self, head: str, path: str, superproject: str) -> str:
        assert self.repo is not None
        try:
            # -z: a value can hold an escaped newline, which would forge a record
            text = self.repo.out(["config", "-z", "--blob", f"{head}:.gitmodules",
                                  "--get-regexp", r"^submodule\..*\.(path|url)$"])
        except GitError:
            raise TargetError("cannot read .gitmodules on the target branch") from None
        names: dict[str, dict[str, str]] = {}
        for record in text.split("\0"):
            key, _, value = record.partition("\n")
            name, _, attr = key.removeprefix("submodule.").rpartition(".")
            names.setdefault(name, {})[attr] = value
        for entry in names.values():
            if entry.get("path") == path and entry.get("url"):
                return resolve_submodule_url(entry["url"], superproject)
        raise TargetError(f".gitmodules has no url for submodule path {path}")

    def apply(self, ctx: Context, plan: Plan) -> Result:
        assert self.repo is not None and plan.pointer is not None
        t = ctx.target
        path, new = plan.pointer["path"], ctx.manifest["source"]["commit"]
        assert path is not None
        work = plan.work_branch
        work_head = plan.data.get("work_head")
        msg = commit_message(ctx, f"skillsync: move {path} to skills {ctx.version}",
                             f"Submodule {path}: {str(plan.pointer['old'])[:12]} -> {new[:12]}.")
        if work:
            if plan.data.get("work_branch_current"):
                commit = work_head
            else:
                parent = work_head or plan.base_head
                commit = self.repo.build_commit(parent, {path: ("160000", new)}, msg,
                                                within=(path,))
                self.repo.push([f"{commit}:refs/heads/{work}"],
                               leases=[f"refs/heads/{work}:{work_head or ''}"])
            assert commit is not None
            pr = open_pull_request(ctx, plan, commit)
            status = "pending" if pr is None else "synced"
            return ok_result(ctx, plan, status, f"pointer commit {commit[:12]} on {work}"
                             + ("; pull request pending" if pr is None else
                                f"; pull request #{pr['number']} {pr['action']}"),
                             commit=commit, branch=work, pull_request=pr)
        commit = self.repo.build_commit(plan.base_head, {path: ("160000", new)}, msg,
                                        within=(path,))
        self.repo.push([f"{commit}:refs/heads/{t.branch}"])
        write_cache(self._key(ctx), {"head": commit, "pointer": new})
        return ok_result(ctx, plan, "synced", f"moved {path} to {new[:12]} in {commit[:12]}",
                         commit=commit, branch=t.branch)

    def verify(self, ctx: Context) -> list[str]:
        t = ctx.target
        assert t.repo is not None and t.submodule is not None
        branch = self.work_branch(t, ctx.version) or t.branch
        with TargetRepo(t.repo, ctx.git_env, None, counters=ctx.counters) as repo:
            heads = repo.heads([branch])
            if branch not in heads:
                return [f"branch {branch} does not exist"]
            repo.open([branch])
            entry = repo.tree(heads[branch], [t.submodule.path]).get(t.submodule.path)
            want = ctx.manifest["source"]["commit"]
            if entry is None or entry[1] != want:
                return [f"submodule {t.submodule.path} is at {entry[1] if entry else 'nothing'}, "
                        f"expected {want}"]
        return []
