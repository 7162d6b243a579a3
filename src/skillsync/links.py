"""Pointers that work where they are read (issue 13).

A pull request body is read in the downstream, a job summary on the run page, an
issue, Slack message or email anywhere: a relative `docs/sync-rollback.md` or
`scripts/rollback` means nothing there. These helpers turn a run's release into
absolute links and into commands the reader has:

- the source repository's `docs/sync-rollback.md` *at the release commit*
  (`https://github.com/OWNER/REPO/blob/<commit>/docs/sync-rollback.md`), when the
  source's public origin is a GitHub URL (github.com, or the host of
  `$GITHUB_SERVER_URL`), or, in GitHub Actions, the workflow's own repository;
- the rollback workflow's dispatch page
  (`$GITHUB_SERVER_URL/$GITHUB_REPOSITORY/actions/workflows/rollback.yml`);
- the console commands of an installed skillsync (`skillsync-rollback`,
  `skillsync-sync`), never `scripts/...`, which only a skillsync checkout has.

A source that is a local path, or on another forge, gets no link: the text names
the file, the source and the commit instead (`docs/sync-rollback.md in /srv/skills
at 3f1c0e9a7b21`), which is true and can be followed by hand.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from skillsync.paths import show
from skillsync.urls import redact_url

ROLLBACK_DOC = "docs/sync-rollback.md"
ROLLBACK_WORKFLOW = "rollback.yml"
# The anchors of docs/sync-rollback.md that the messages point into.
WHEN_ANCHOR = "#when-to-roll-back"
FALLBACK_ANCHOR = "#manual-fallback"
_SAFE_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def _github_hosts(env: Mapping[str, str]) -> set[str]:
    hosts = {"github.com"}
    server = urlsplit(env.get("GITHUB_SERVER_URL") or "")
    if server.scheme == "https" and server.hostname:
        hosts.add(server.hostname.lower())
    return hosts


def github_repo(origin: str | None, env: Mapping[str, str]) -> str | None:
    """`https://host/OWNER/REPO` for a GitHub origin (https or git@host:), else None."""
    if not origin:
        return None
    m = re.fullmatch(r"git@([^:/]+):([^/]+)/([^/]+?)(?:\.git)?/?", origin)
    if m:
        host, owner, name = m.group(1).lower(), m.group(2), m.group(3)
    else:
        parts = urlsplit(redact_url(origin))
        if parts.scheme not in ("https", "http") or not parts.hostname:
            return None
        segs = [s for s in parts.path.split("/") if s]
        if len(segs) != 2:
            return None
        host, owner, name = parts.hostname.lower(), segs[0], re.sub(r"\.git$", "", segs[1])
    if host not in _github_hosts(env) or not (_SAFE_PART.match(owner) and _SAFE_PART.match(name)):
        return None
    return f"https://{host}/{owner}/{name}"


def source_repo(release: Mapping[str, Any], env: Mapping[str, str]) -> str | None:
    """The web address of the release's source repository, when it is on GitHub.

    `release` is a summary's `release` (or a manifest's `source`): its public
    `origin` when recorded, else `source`/`repo`. In GitHub Actions the workflow's
    repository is the source (the sync workflow runs in it) when the recorded
    source is a checkout path."""
    for key in ("origin", "source", "repo"):
        url = github_repo(release.get(key), env)
        if url:
            return url
    server, repo = env.get("GITHUB_SERVER_URL"), env.get("GITHUB_REPOSITORY")
    if server and repo and env.get("GITHUB_ACTIONS") == "true":
        return f"{server.rstrip('/')}/{repo}"
    return None


def rollback_doc(release: Mapping[str, Any], env: Mapping[str, str],
                 anchor: str = "") -> str | None:
    """docs/sync-rollback.md of the source at the release commit, or None (no link)."""
    repo, commit = source_repo(release, env), release.get("commit")
    if not repo or not commit or not re.fullmatch(r"[0-9a-f]{7,64}", str(commit)):
        return None
    return f"{repo}/blob/{commit}/{ROLLBACK_DOC}{anchor}"


def rollback_doc_text(release: Mapping[str, Any]) -> str:
    """How to find the doc when there is no link: file, source, commit."""
    where = release.get("origin") or release.get("source") or release.get("repo")
    commit = str(release.get("commit") or "")[:12]
    return (f"{ROLLBACK_DOC} in {redact_url(str(where))}" if where else ROLLBACK_DOC) + (
        f" at {commit}" if commit else "")


def rollback_workflow(release: Mapping[str, Any], env: Mapping[str, str]) -> str | None:
    """The rollback workflow's dispatch page, when the source is on GitHub."""
    server, repo = env.get("GITHUB_SERVER_URL"), env.get("GITHUB_REPOSITORY")
    base = f"{server.rstrip('/')}/{repo}" if server and repo else source_repo(release, env)
    return f"{base}/actions/workflows/{ROLLBACK_WORKFLOW}" if base else None


def ci_run_number(run_id: str) -> str | None:
    """The workflow run a `gh-<number>` run id came from (what rollback.yml takes)."""
    m = re.fullmatch(r"gh-(\d+)", run_id or "")
    return m.group(1) if m else None


def arg(text: str) -> str:
    """One shell word: run and target ids come from a run directory (untrusted)."""
    return shlex.quote(show(str(text)))


def rollback_command(run_id: str, target_ids: Sequence[str], *, dry_run: bool = False) -> str:
    targets = " ".join(f"--target {arg(t)}" for t in target_ids)
    return f"skillsync-rollback --run {arg(run_id)} {targets}" + (" --dry-run" if dry_run else "")


def workflow_command(run_id: str, target_ids: Sequence[str]) -> str | None:
    """`gh workflow run rollback.yml ...` (a dry run: the workflow's default) for a CI run."""
    number = ci_run_number(run_id)
    if number is None:
        return None
    ids = arg(" ".join(show(str(t)) for t in target_ids))
    return f"gh workflow run {ROLLBACK_WORKFLOW} -f run_id={number} -f targets={ids}"


def rerun_command(run_id: str) -> str:
    return f"skillsync-sync --rerun-failed {arg(run_id)}"
