"""Access to the skills source at the pinned commit, for the steps after build-manifest.

Where to read from (issue 13): the manifest records the public origin as `source.repo` and,
for a local source, the path it was given as `source.checkout`. Later steps read from that
checkout while it exists and holds the commit (a CI job's own checkout, a maintainer's work
tree: nothing to fetch, no credentials needed), else from `source.repo`; `--source` overrides
both. Reading from any repository that holds the commit is safe because every file is checked
against the blob ids of the pinned commit (manifest.verify_files).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

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


def _repository_at(path: Path) -> Path | None:
    """The git directory of the repository whose top (or bare directory) is `path`;
    None for anything else, a directory *inside* a repository included."""
    if not path.is_dir():
        return None
    proc = git.run(["rev-parse", "--is-bare-repository", "--absolute-git-dir"], path,
                   check=False)
    if proc.returncode != 0:
        return None
    bare, git_dir = proc.stdout.decode("utf-8", "replace").splitlines()[:2]
    top = git_dir
    if bare != "true":
        proc = git.run(["rev-parse", "--show-toplevel"], path, check=False)
        if proc.returncode != 0:
            return None
        top = proc.stdout.decode("utf-8", "replace").strip()
    return Path(git_dir) if Path(top).resolve() == path.resolve() else None


def locate(src: Mapping[str, Any], override: str | None = None) -> str:
    """Where to read the manifest's source from: `override` (--source), else the recorded
    checkout when it is a repository that holds the commit, else `source.repo`."""
    if override:
        return override
    checkout, commit = src.get("checkout"), src.get("commit")
    if (isinstance(checkout, str) and checkout and git.is_local(checkout)
            and isinstance(commit, str) and git.SHA_RE.match(commit)):
        gd = _repository_at(Path(checkout).expanduser())
        if gd is not None and git.has_commit(gd, commit):
            return checkout
    return str(src["repo"])


def open_source(repo: str, commit: str) -> Path:
    """A local git directory that holds `commit` and its blobs.

    A local source is used in place (read only). A URL is cloned bare and
    blob-less into the cache once and fetched by commit afterwards.
    """
    if git.is_local(repo) and Path(repo).expanduser().exists():
        gd = git_dir_of(str(Path(repo).expanduser()))
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
