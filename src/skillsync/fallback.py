"""Manual fallback: when a target cannot be written, leave a ready-to-apply change.

A target "cannot be written" when its credential is missing, expired or
revoked (401/403 from git or the forge), when the repository is gone, or when
the server refuses our push (branch protection, a pre-receive hook). A lost
race (non-fast-forward, lease) is not such a case: a re-run fixes that.

Then RUN_DIR/fallback/<id>/ gets:

- `sync.bundle`: a git bundle of the commit we built (or would have built),
  with branch `skillsync/<version>`; it needs only the commit it was built on,
  which the target has. `git pull <bundle> skillsync/<version>` applies it.
- `sync.patch`: the same commit as `git format-patch --binary` for `git am`,
  when the old blobs could be read.
- `payload.json` (webhook targets): the exact payload, for the endpoint owner.
- `README.md`: what happened, what credential to renew, the commands.

When the target could not even be read, the bundle holds a parentless commit
with only the release files and the lock, to copy into `dest` by hand.
`report.summarize` finds the directory by its path.
"""

from __future__ import annotations

import re
from pathlib import Path

from skillsync.downstream import TargetRepo
from skillsync.errors import AuthError, GitError, SkillsyncError
from skillsync.mechanisms.base import Context, Mechanism, sync_branch
from skillsync.plan import Plan

# What git, the forge and sync_one say when the target refuses us (lower case).
_NO_WRITE = re.compile(
    r"\b40[134]\b|authentication failed|permission denied|could not read from remote"
    r"|repository .*not found|does not appear to be a git repository|access denied"
    r"|is not set \(auth method|forbidden|push rejected|protected branch")


def cannot_write(exc: BaseException, repo: TargetRepo | None) -> bool:
    """True when `exc` means the target refuses us (not a race a re-run would fix)."""
    if isinstance(exc, AuthError):   # 401/403 from git or the forge API, an SSH key refused
        return True
    text = str(exc).lower()
    if "non-fast-forward" in text or "changed since we read it" in text:
        return False
    if repo is not None and repo.rejected:
        return True
    status = getattr(exc, "status", None)
    if status in (401, 403, 404):
        return True
    if isinstance(exc, (GitError, SkillsyncError)):
        return _NO_WRITE.search(text) is not None
    return False


def write(ctx: Context, mech: Mechanism, plan: Plan | None, exc: BaseException) -> Path | None:
    """Write RUN_DIR/fallback/<id>/ for a target that refused us; its path, or None.

    What goes in is the mechanism's: a webhook's exact payload, or a git mechanism's
    commit as a bundle (and a patch when the commit is based on the target's branch)."""
    t = ctx.target
    out = ctx.run.path / "fallback" / t.id
    out.mkdir(parents=True, exist_ok=True)
    reason = str(exc)
    payload = mech.fallback_payload(ctx)
    if payload is not None:
        ctx.run.write(f"fallback/{t.id}/payload.json", payload)
        _readme(out, ctx, reason, None, None, based=False, payload=True)
        return out
    commit, based = None, False
    try:
        commit = mech.fallback_commit(ctx, plan)
        repo: TargetRepo | None = getattr(mech, "repo", None)
        if commit is not None and repo is not None:
            # A commit without a parent was built without reading the target (it
            # could not be read): its bundle is not a fast-forward, so no patch.
            based = _has_parent(repo, commit)
            _bundle(repo, commit, f"refs/heads/{sync_branch(ctx.version)}", out / "sync.bundle")
            if based:
                patch = repo._git(["format-patch", "--binary", "-1", "--stdout", commit],
                                  check=False)
                if patch.returncode == 0 and patch.stdout:
                    (out / "sync.patch").write_bytes(patch.stdout)
    except (SkillsyncError, OSError) as err:
        ctx.log("fallback", "failed", f"could not build the fallback bundle: {err}")
        commit = None
    _readme(out, ctx, reason, commit, plan, based=based)
    ctx.log("fallback", "ok", f"manual fallback written to {out}", commit=commit)
    return out


def _has_parent(repo: TargetRepo, commit: str) -> bool:
    return bool(repo.out(["rev-list", "--parents", "-n", "1", commit]).split()[1:])


def _bundle(repo: TargetRepo, commit: str, ref: str, path: Path) -> None:
    repo._git(["update-ref", ref, commit])
    parents = repo.out(["rev-list", "--parents", "-n", "1", commit]).split()[1:]
    repo._git(["bundle", "create", "-q", str(path), ref, *[f"^{p}" for p in parents]])


def _readme(out: Path, ctx: Context, reason: str, commit: str | None, plan: Plan | None,
            *, based: bool, payload: bool = False) -> None:
    from skillsync.fsutil import atomic_write
    from skillsync.secrets import redact
    from skillsync.urls import redact_url

    t = ctx.target
    ref = sync_branch(ctx.version)
    auth = (f"auth method `{t.auth.method}` via the variable `{t.auth.env}`: renew that credential"
            if t.auth.env else "no credential configured (auth method `none`); if the remote "
            "asks for one, add `auth: {method: token, env: NAME}` to the target file")
    lines = [
        f"# Manual sync: {t.id} -> skills {ctx.version} (run {ctx.run.run_id})", "",
        f"skillsync could not write to this target: {redact(reason)}", "",
        f"- target: `{t.id}` ({t.mechanism}), "
        + (f"repository `{redact_url(t.repo)}`, branch `{t.branch}`" if t.repo else "webhook"),
        f"- credential: {auth}, or grant it write access.",
        f"- owner: {t.owner or '(not set)'}; escalation: {t.escalation or '(not set)'}", "",
    ]
    if payload:
        lines += ["The endpoint did not accept the release. `payload.json` here is the exact body;",
                  "the endpoint owner can load it by hand, or re-run the sync once the",
                  "credential works: `scripts/sync --rerun-failed " + ctx.run.run_id + "`."]
    elif commit is None:
        lines += ["No commit could be built (the target could not be read). Re-run the sync",
                  f"once access works: `scripts/sync --rerun-failed {ctx.run.run_id}`."]
    elif based:
        work = plan.work_branch if plan else None
        start = work if plan and work and plan.data.get("work_head") else t.branch
        final = work or t.branch
        base = (plan.data.get("work_head") or plan.base_head) if plan else None
        lines += [
            f"`sync.bundle` holds commit `{commit[:12]}` (branch `{ref}` in the bundle), "
            f"built on `{(base or 'nothing')[:12]}`, the tip of `{start}`. In a clone of the "
            "target:", "",
            "```sh",
            f"git fetch origin {start}",
            f"git checkout -B {final} origin/{start}",
            f"git pull --ff-only /path/to/sync.bundle {ref}",
            f"git push origin {final}" + ("" if final == t.branch else
                                           f"   # then open a pull request into {t.branch}"),
            "```", "",
            "Or with the patch: `git am sync.patch` (when `sync.patch` is present).",
            "Check: `git log -1` shows the `Skillsync-*` trailers; a later run then sees "
            "the target as up to date.",
        ]
    else:
        lines += [
            f"The target could not be read, so `sync.bundle` holds a parentless commit "
            f"`{commit[:12]}` (branch `{ref}`) with only the release files and the lock. "
            "In a clone of the target:", "",
            "```sh",
            f"git fetch /path/to/sync.bundle {ref}",
            "git checkout FETCH_HEAD -- .    # writes the release files, touches nothing else",
            f"git commit -m 'skillsync: sync skills {ctx.version} (manual)'",
            "```", "",
            "Files the previous sync owned and this release dropped are not deleted this way.",
        ]
    atomic_write(out / "README.md", "\n".join(lines) + "\n")

