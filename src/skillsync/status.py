"""Fleet status: which release every downstream holds, read from the downstream itself.

Per target, cheaply and read-only (issue 9): one `git ls-remote` for the branch and the
`skillsync/*` sync branches, then a shallow, blob-less fetch of the branch and the lazy
fetch of one blob, the downstream lock. Drift is decided on tree entries alone: the lock
records the git blob id of every owned file, so no other blob is downloaded. The pull
request comes from the forge API when the target names a forge and its token variable is
set; otherwise the existence of a `skillsync/<version>` branch newer than the held release
stands for it. The last run's result comes from the newest run directory holding
`results/<id>.json`.

A target that is a repository on this machine (a path, as in the demo and the tests) is
read in place instead, read-only: for-each-ref, cat-file, ls-tree, no transfer at all. A
`file://` URL takes the remote path, which is how the tests exercise it.

What a branch head holds never changes, so the (lock, drift) read of a remote head is
cached under `cache_dir()/status/`, keyed by that head: a fleet that did not move costs
one ls-remote per target.

Statuses, first match wins: disabled, unreachable, drifted, pending-pr, never-synced,
behind, current.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from skillsync import defaults, git, mechanisms, secrets
from skillsync.errors import GitError, SkillsyncError
from skillsync.mechanisms.base import SYNC_BRANCH_PREFIX, Holding, StatusQuery
from skillsync.model import Target
from skillsync.render import ATTENTION, markdown, summary_line, table
from skillsync.runlog import LastRun, RunHistory, run_history, runs_dir

STATUS_SCHEMA = "skillsync.fleet-status/v1"
STATUSES = ("current", "behind", "drifted", "pending-pr", "unreachable", "never-synced",
            "disabled")
DEFAULT_JOBS = defaults.STATUS_JOBS
DEFAULT_TIMEOUT = defaults.STATUS_TIMEOUT


# -- values --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Release:
    tag: str
    version: str
    commit: str
    prerelease: bool


@dataclass(frozen=True)
class SourceReleases:
    """The source's semver release tags, oldest first."""

    repo: str | None
    releases: tuple[Release, ...] = ()
    error: str | None = None

    def on_channel(self, channel: str) -> list[Release]:
        return [r for r in self.releases if channel == "prerelease" or not r.prerelease]

    def newest(self, channel: str) -> Release | None:
        rels = self.on_channel(channel)
        return rels[-1] if rels else None

    def by_commit(self, commit: str) -> Release | None:
        """The newest release tag pointing at `commit` (stable preferred)."""
        hits = [r for r in self.releases if r.commit == commit]
        stable = [r for r in hits if not r.prerelease]
        return (stable or hits)[-1] if hits else None

    def behind(self, version: str, channel: str) -> int | None:
        """Releases on `channel` newer than `version`; None if `version` is not semver."""
        held = _semver(version)
        if held is None:
            return None
        return sum(1 for r in self.on_channel(channel) if _semver(r.version) > held)


@dataclass
class PullRequestInfo:
    branch: str
    version: str
    head: str
    state: str                     # open | closed | merged | branch (no forge answer)
    via: str                       # forge | branch
    number: int | None = None
    url: str | None = None
    note: str | None = None



@dataclass
class TargetStatus:
    id: str
    mechanism: str
    status: str
    reason: str
    enabled: bool = True
    where: str = ""
    branch: str | None = None
    release: str | None = None         # version held (from the lock, pointer or last delivery)
    source_commit: str | None = None   # source commit that release was built from
    head: str | None = None            # downstream branch head
    newest: str | None = None          # newest release on the target's channel
    behind: int | None = None
    drift: list[str] = field(default_factory=list)
    pull_request: PullRequestInfo | None = None
    last_run: LastRun | None = None
    owner: str = ""
    cached: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Options:
    source: str | None = None
    runs: Path | None = None
    jobs: int = DEFAULT_JOBS
    use_cache: bool = True
    timeout: float = DEFAULT_TIMEOUT
    env: Mapping[str, str] | None = None   # where token variables are read (default os.environ)
    # A variable holding one read-only token for the whole fleet, used for token targets
    # whose own variable is unset: a CI job that shows the status (the dashboard) cannot
    # see every target's sync credential, which lives in that target's environment.
    fallback_token_env: str | None = None


# -- source releases -------------------------------------------------------------------------


def _semver(version: str) -> Any:
    import semver

    text = version[1:] if version[:1] in ("v", "V") else version
    try:
        return semver.Version.parse(text)
    except (ValueError, TypeError):
        return None


def source_releases(repo: str | None, *, timeout: float = DEFAULT_TIMEOUT) -> SourceReleases:
    """Semver release tags of `repo` through `git ls-remote` (peeled to commits)."""
    if not repo:
        return SourceReleases(None)
    from skillsync.downstream import SERVE_ENV, transport_url
    from skillsync.policy import parse_release

    url = transport_url(repo) if git.is_local(repo) else repo
    try:
        text = git.out(["ls-remote", "--tags", "--", url], env=SERVE_ENV, timeout=timeout)
    except GitError as exc:
        return SourceReleases(repo, error=f"cannot list the source's tags: {exc.reason}")
    commits: dict[str, str] = {}
    for line in text.splitlines():
        sha, _, name = line.partition("\t")
        tag = name.removeprefix("refs/tags/")
        if tag.endswith("^{}"):
            commits[tag[:-3]] = sha          # peeled: the commit an annotated tag names
        else:
            commits.setdefault(tag, sha)
    out = []
    for tag, sha in commits.items():
        try:
            rel = parse_release(tag)
        except SkillsyncError:
            continue  # not a release tag (RELIABILITY 23: never interpreted further)
        out.append(Release(tag, rel.version, sha, rel.is_prerelease))
    out.sort(key=lambda r: _semver(r.version))
    return SourceReleases(repo, tuple(out))



# -- reading one target ----------------------------------------------------------------------


def where(t: Target) -> str:
    from skillsync.urls import redact_url

    if not mechanisms.of(t).repo_based:
        return redact_url(t.url or "")
    repo = t.repo or ""
    return repo if git.is_local(repo) else redact_url(repo)


def _token(t: Target, env: Mapping[str, str], fallback: str | None = None) -> str | None:
    """The target's token (skillsync.credentials), else the fleet-wide fallback variable."""
    from skillsync.credentials import credentials_for

    if t.auth.method == "hmac":
        return None
    # Reading only: an App target's token is minted with read permissions.
    token = credentials_for(t, env, mint=True, read_only=True).token
    if not token and fallback and t.auth.method == "token":
        token = secrets.from_env(fallback, env)
    return token


def _git_env(token: str | None) -> dict[str, str]:
    from skillsync.downstream import SERVE_ENV

    # SERVE_ENV lets local and file:// remotes serve filtered shallow fetches as forges do;
    # auth_env appends the token header after those entries.
    return git.auth_env(token, base=SERVE_ENV)



def _sync_branches(heads: Mapping[str, str]) -> list[tuple[Any, str, str, str]]:
    """(semver, version, branch, sha) of every `skillsync/<semver>` branch, oldest first."""
    out = []
    for name, sha in heads.items():
        if not name.startswith(SYNC_BRANCH_PREFIX):
            continue
        version = name.removeprefix(SYNC_BRANCH_PREFIX)
        v = _semver(version)
        if v is not None:
            out.append((v, version, name, sha))
    out.sort(key=lambda x: x[0])
    return out


def _pull_request(t: Target, heads: Mapping[str, str], held: str | None,
                  token: str | None) -> PullRequestInfo | None:
    """The newest sync branch above the held release, and its pull request's state."""
    held_v = _semver(held) if held else None
    newer = [b for b in _sync_branches(heads) if held_v is None or b[0] > held_v]
    if not newer:
        return None
    _, version, branch, sha = newer[-1]
    info = PullRequestInfo(branch, version, sha, "branch", "branch")
    if t.forge is None or not t.forge.repository:
        info.note = "no forge configured: branch only"
        return info
    if not token:
        info.note = (f"forge not asked: {t.auth.env} is not set" if t.auth.env
                     else "forge not asked: the target names no token variable")
        return info
    from skillsync.forge import GitHub

    try:
        with GitHub(t.forge.api_url, token, token_env=t.auth.env, timeout=20, max_wait=30,
                    retries=2) as gh:
            pulls = gh.list_pull_requests(t.forge.repository, head=branch, base=t.branch,
                                          state="all")
    except SkillsyncError as exc:
        info.note = f"forge: {secrets.redact(str(exc))}"
        return info
    if not pulls:
        info.note = "no pull request for this branch"
        return info
    open_prs = [p for p in pulls if p.get("state") == "open"]
    pr = min(open_prs, key=lambda p: int(p["number"])) if open_prs else \
        max(pulls, key=lambda p: int(p["number"]))
    info.via = "forge"
    info.number = int(pr["number"])
    info.url = str(pr.get("html_url") or pr.get("url") or "") or None
    info.state = "open" if pr.get("state") == "open" else (
        "merged" if pr.get("merged_at") else "closed")
    return info



def target_status(t: Target, rel: SourceReleases, hist: RunHistory, opts: Options) -> TargetStatus:
    """The status of one target, from what its mechanism reads it holds; never raises
    for a problem of that target."""
    kind = mechanisms.kind(t.mechanism)
    st = TargetStatus(t.id, t.mechanism, "current", "", enabled=t.enabled, where=where(t),
                      branch=t.branch if kind.repo_based else None, owner=t.owner,
                      last_run=hist.last.get(t.id))
    newest = rel.newest(t.channel)
    st.newest = newest.version if newest else None
    if not t.enabled:
        st.status, st.reason = "disabled", "enabled: false (not read)"
        return st
    try:
        env = opts.env if opts.env is not None else os.environ
        token = _token(t, env, opts.fallback_token_env)
        query = StatusQuery(t, token, _git_env(token), opts.timeout, opts.use_cache,
                            hist.delivered.get(t.id))
        _holding(st, mechanisms.get(t.mechanism).holds(query), t, rel, token)
    except SkillsyncError as exc:
        st.status, st.reason = "unreachable", (secrets.redact(str(exc)).splitlines() or [""])[0]
    except Exception as exc:  # one target's bug must not hide the rest of the fleet
        text = (secrets.redact(str(exc)).splitlines() or [""])[0]
        st.status, st.reason = "unreachable", f"internal error: {type(exc).__name__}: {text}"
    return st


def _holding(st: TargetStatus, held: Holding, t: Target, rel: SourceReleases,
             token: str | None) -> None:
    kind = mechanisms.kind(t.mechanism)
    if not kind.repo_based:
        # An endpoint cannot be read back: what the run directories say was delivered.
        if held.version is None:
            st.status, st.reason = "never-synced", held.note
            return
        _held(st, rel, t, held.version, None)
        _decide(st)
        st.reason = held.note + (f"; {st.behind} release(s) behind" if st.behind else "")
        return
    st.head, st.cached = held.head, held.cached
    if kind.moves_pointer:
        _held(st, rel, t, None, held.commit)
        if st.release is None and t.submodule is not None:
            st.reason = (f"submodule {t.submodule.path} at {str(held.commit)[:12]}, "
                         "not a release commit")
    elif held.version is not None:
        _held(st, rel, t, held.version, held.commit)
        st.drift = list(held.drift)
    # A mechanism that writes to a sync branch may have a pull request awaiting merge.
    if kind.opens_pull_requests(t):
        st.pull_request = _pull_request(t, held.branches, st.release, token)
    _decide(st)


def _held(st: TargetStatus, rel: SourceReleases, t: Target, version: str | None,
          commit: str | None) -> None:
    """Fill release / behind from what the target holds (a version, a source commit or both)."""
    if commit and (version is None or _semver(version) is None):
        # A pointer, or a lock written from a non-tag ref: name the release tag if one matches.
        tagged = rel.by_commit(commit)
        if tagged is not None:
            version = tagged.version
    st.release = version
    st.source_commit = commit
    if version is not None and rel.releases:
        st.behind = rel.behind(version, t.channel)


def _decide(st: TargetStatus) -> None:
    pr = st.pull_request
    if st.drift:
        n = len(st.drift)
        st.status = "drifted"
        st.reason = (f"{n} synced file(s) changed downstream: " + ", ".join(st.drift[:5])
                     + (" …" if n > 5 else ""))
    elif pr is not None and pr.state in ("open", "branch"):
        st.status = "pending-pr"
        what = f"pull request #{pr.number}" if pr.number else f"branch {pr.branch}"
        st.reason = f"{what} for {pr.version} awaits merge"
    elif st.release is None:
        st.status = "never-synced"
        if not st.reason:
            st.reason = "no downstream lock on the branch"
    elif st.behind is None:
        st.status = "current"
        why = "not a release version" if st.newest else "no release tags known in the source"
        st.reason = f"holds {st.release}; releases behind unknown ({why})"
    elif st.behind > 0:
        st.status = "behind"
        st.reason = f"holds {st.release}, newest is {st.newest} ({st.behind} release(s) behind)"
    else:
        st.status = "current"
        st.reason = f"holds {st.release}"
    if pr is not None and pr.state == "closed" and st.status not in ("drifted",):
        st.reason += f"; pull request #{pr.number} for {pr.version} was closed unmerged"



# -- the fleet -----------------------------------------------------------------------------------


# -- the fleet -----------------------------------------------------------------------------------


def fleet_status(targets: Sequence[Target], opts: Options,
                 progress: Callable[[TargetStatus], None] | None = None) -> dict[str, Any]:
    """Read every target in parallel (bounded pool); the status document."""
    rel = source_releases(opts.source, timeout=opts.timeout)
    base = opts.runs if opts.runs is not None else runs_dir(None)
    hist = run_history(base, [t.id for t in targets])
    _mark_rollbacks(hist)
    results: list[TargetStatus] = []
    if targets:
        workers = max(1, min(opts.jobs, len(targets)))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="status") as pool:
            for st in pool.map(lambda t: target_status(t, rel, hist, opts), targets):
                results.append(st)
                if progress is not None:
                    progress(st)
    counts = {s: 0 for s in ATTENTION}
    for st in results:
        counts[st.status] += 1
    stable, pre = rel.newest("stable"), rel.newest("prerelease")
    return {
        "schema": STATUS_SCHEMA,
        "generated": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "source": {
            "repo": _display_source(rel.repo),
            "newest": {"stable": stable.version if stable else None,
                       "prerelease": pre.version if pre else None},
            "releases": [r.version for r in rel.releases],
            "error": rel.error,
        },
        "runs": str(base),
        "targets": [st.as_dict() for st in results],
        "counts": {k: v for k, v in counts.items() if v},
    }


def _mark_rollbacks(hist: RunHistory) -> None:
    """A target whose last run was rolled back shows `rolled-back`, not the run's
    `synced` (issue 16): the rollback writes rollbacks/<id>.json into that run's
    directory. A run-directory file is untrusted: only a known rollback status counts."""
    import json
    from dataclasses import replace

    from skillsync.model import RollbackStatus

    shown = {RollbackStatus.ROLLED_BACK: "rolled-back",
             RollbackStatus.PENDING: "rollback-pending"}   # a revert pull request awaits merge
    for tid, last in list(hist.last.items()):
        if last.dry_run:
            continue
        try:
            out = json.loads((Path(last.path) / "rollbacks" / f"{tid}.json")
                             .read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        status = out.get("status") if isinstance(out, dict) else None
        if status in shown and out.get("target") == tid:
            message = secrets.redact(str(out.get("message") or ""))
            hist.last[tid] = replace(last, status=shown[status], message=message)


def _display_source(repo: str | None) -> str | None:
    if repo is None or git.is_local(repo):
        return repo
    from skillsync.urls import redact_url

    return redact_url(repo)


def exit_code(doc: Mapping[str, Any]) -> int:
    """1 when a target could not be read, else 0 (being behind is not a failure)."""
    from skillsync.errors import EXIT_FAILED, EXIT_OK

    return EXIT_FAILED if doc.get("counts", {}).get("unreachable") else EXIT_OK



__all__ = ["ATTENTION", "LastRun", "Options", "RunHistory", "fleet_status", "markdown",
           "run_history", "runs_dir", "summary_line", "table", "target_status"]
