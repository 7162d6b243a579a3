"""Access to the skills source at the pinned commit, for the sync step."""

from __future__ import annotations

import hashlib
from pathlib import Path

from skillsync import git
from skillsync.downstream import SERVE_ENV, transport_url
from skillsync.errors import GitError, SourceError
from skillsync.store import cache_dir


def git_dir_of(path: str) -> Path | None:
    """The git directory of a local repository (bare or not), or None."""
    proc = git.run(["rev-parse", "--absolute-git-dir"], path, check=False)
    if proc.returncode != 0:
        return None
    return Path(proc.stdout.decode().strip())


def open_source(repo: str, commit: str) -> Path:
    """A local git directory that holds `commit` and its blobs.

    A local source is used in place (read only). A URL is cloned bare and
    blob-less into the cache once and fetched by commit afterwards.
    """
    if git.is_local(repo) and Path(repo).exists():
        gd = git_dir_of(repo)
        if gd is None:
            raise SourceError(f"not a git repository: {repo}")
    else:
        key = hashlib.sha256(repo.encode()).hexdigest()[:24]
        gd = cache_dir() / "sources" / f"{key}.git"
        try:
            if not gd.exists():
                git.run(["clone", "-q", "--bare", "--filter=blob:none", "--", transport_url(repo),
                         str(gd)], env=SERVE_ENV)
            if not git.has_commit(gd, commit):
                git.run(["--git-dir", str(gd), "fetch", "-q", "origin", commit], env=SERVE_ENV)
        except GitError as exc:
            raise SourceError(f"cannot fetch the source {repo}: {exc}") from None
    if not git.has_commit(gd, commit):
        raise SourceError(f"source {repo} does not have commit {commit}")
    return gd


def tag_commit(repo: str, ref: str) -> str | None:
    """What `ref` (a tag) points at on the source now, peeled; None if gone."""
    refs = git.ls_remote(transport_url(repo) if git.is_local(repo) else repo,
                         [f"refs/tags/{ref}", f"refs/tags/{ref}^{{}}"], env=SERVE_ENV)
    return refs.get(f"refs/tags/{ref}^{{}}") or refs.get(f"refs/tags/{ref}")
