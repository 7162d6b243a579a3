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

import contextlib
import datetime as dt
import hashlib
import json
import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from skillsync import defaults, git, secrets
from skillsync.downstream import LOCAL_UPLOAD_PACK as _LOCAL_UPLOAD_PACK
from skillsync.downstream import path_prefixes
from skillsync.errors import GitError, SkillsyncError
from skillsync.model import Target

STATUS_SCHEMA = "skillsync.fleet-status/v1"
STATUSES = ("current", "behind", "drifted", "pending-pr", "unreachable", "never-synced",
            "disabled")
# Order of rows in tables and of the counts: what needs a person first.
ATTENTION = ("unreachable", "drifted", "pending-pr", "behind", "never-synced", "current",
             "disabled")
SYNC_BRANCH_PREFIX = "skillsync/"
DEFAULT_JOBS = defaults.STATUS_JOBS
DEFAULT_TIMEOUT = defaults.STATUS_TIMEOUT
_SUCCESS = ("synced", "no-op")


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
class LastRun:
    run: str
    status: str
    message: str
    version: str | None
    dry_run: bool
    path: str


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


# -- run directories ---------------------------------------------------------------------------


def runs_dir(arg: str | None) -> Path:
    from skillsync.runlog import RUNS_DIR

    return Path(arg or os.environ.get("SKILLSYNC_RUNS") or RUNS_DIR)


def _run_dirs_newest_first(base: Path) -> list[Path]:
    if not base.is_dir():
        return []
    dated: list[tuple[str, str, Path]] = []
    for d in base.iterdir():
        if not (d / "results").is_dir():
            continue
        created = ""
        try:
            created = str(json.loads((d / "run.json").read_text())["created"])
        except (OSError, ValueError, KeyError, TypeError):
            stamp = dt.datetime.fromtimestamp(d.stat().st_mtime, dt.UTC)
            created = stamp.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        dated.append((created, d.name, d))
    dated.sort(reverse=True)
    return [d for _, _, d in dated]


@dataclass
class RunHistory:
    """For each target: its newest result, and its newest successful live delivery."""

    last: dict[str, LastRun] = field(default_factory=dict)
    delivered: dict[str, LastRun] = field(default_factory=dict)


def run_history(base: Path, ids: Sequence[str]) -> RunHistory:
    wanted = set(ids)
    hist = RunHistory()
    for d in _run_dirs_newest_first(base):
        if wanted <= set(hist.last) and wanted <= set(hist.delivered):
            break
        version = _run_version(d)
        dry_run = (d / "dry-run").exists()
        for tid in wanted:
            if tid in hist.last and tid in hist.delivered:
                continue
            p = d / "results" / f"{tid}.json"
            try:
                r = json.loads(p.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if not isinstance(r, dict):
                continue
            run_id = _run_id(d)
            dry = dry_run or bool((r.get("data") or {}).get("dry_run"))
            entry = LastRun(run_id, str(r.get("status", "?")),
                            secrets.redact(str(r.get("error") or r.get("message") or "")),
                            version, dry, str(d))
            hist.last.setdefault(tid, entry)
            if entry.status in _SUCCESS and not dry:
                hist.delivered.setdefault(tid, entry)
    return hist


def _run_version(d: Path) -> str | None:
    try:
        return str(json.loads((d / "manifest.json").read_text(encoding="utf-8"))["version"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _run_id(d: Path) -> str:
    try:
        return str(json.loads((d / "run.json").read_text())["run_id"])
    except (OSError, ValueError, KeyError, TypeError):
        return d.name


# -- reading one target ----------------------------------------------------------------------


def where(t: Target) -> str:
    from skillsync.urls import redact_url

    if t.mechanism == "webhook":
        return redact_url(t.url or "")
    repo = t.repo or ""
    return repo if git.is_local(repo) else redact_url(repo)


def _token(t: Target, env: Mapping[str, str], fallback: str | None = None) -> str | None:
    """The target's token (skillsync.credentials), else the fleet-wide fallback variable."""
    from skillsync.credentials import credentials_for

    if t.auth.method not in ("token", "none"):
        return None
    token = credentials_for(t, env).token
    if not token and fallback and t.auth.method == "token":
        token = secrets.from_env(fallback, env)
    return token


def _git_env(token: str | None) -> dict[str, str]:
    from skillsync.downstream import SERVE_ENV

    # SERVE_ENV lets local and file:// remotes serve filtered shallow fetches as forges do;
    # auth_env appends the token header after those entries.
    return git.auth_env(token, base=SERVE_ENV)


def _cache_path(key: str) -> Path:
    from skillsync.store import cache_dir

    return cache_dir() / "status" / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.json"


def _cache_get(key: str) -> dict[str, Any] | None:
    try:
        data = json.loads(_cache_path(key).read_text())
        return data if isinstance(data, dict) else None
    except (OSError, ValueError):
        return None


def _cache_put(key: str, data: dict[str, Any]) -> None:
    from skillsync.fsutil import write_json

    # A cache that cannot be written only costs a fetch next time.
    with contextlib.suppress(OSError):
        write_json(_cache_path(key), data)


class Unreachable(Exception):
    """Why a target could not be read (one line), carried out of the reader."""


def _ls_remote(t: Target, env: dict[str, str], token: str | None,
               timeout: float) -> dict[str, str]:
    from skillsync.downstream import transport_url

    assert t.repo is not None
    patterns = [f"refs/heads/{t.branch}", f"refs/heads/{SYNC_BRANCH_PREFIX}*"]
    try:
        text = git.out(["ls-remote", "--", transport_url(t.repo), *patterns],
                       env=env, timeout=timeout)
    except GitError as exc:
        hint = ""
        if t.auth.method == "token" and t.auth.env and token is None:
            hint = f" (auth variable {t.auth.env} is not set)"
        raise Unreachable(f"remote unreachable: {exc.reason}{hint}") from None
    heads: dict[str, str] = {}
    for line in text.splitlines():
        sha, _, name = line.partition("\t")
        if name.startswith("refs/heads/"):
            heads[name.removeprefix("refs/heads/")] = sha
    return heads


def _read_branch(t: Target, head: str, env: dict[str, str], use_cache: bool,
                 timeout: float) -> tuple[dict[str, Any], bool]:
    """What the branch head holds: lock fields and drift (or the submodule pointer)."""
    sub = t.submodule.path if t.submodule else None
    key = f"{t.repo}\0{t.branch}\0{sub or t.lock_path}\0{head}"
    if use_cache:
        hit = _cache_get(key)
        if hit is not None and hit.get("head") == head:
            return hit, True
    try:
        data = _read_remote(t, env, timeout)
    except GitError as exc:
        raise Unreachable(f"cannot read branch {t.branch}: {exc.reason}") from None
    if use_cache:
        # Keyed by the head actually read (the branch may have moved since ls-remote).
        _cache_put(f"{t.repo}\0{t.branch}\0{sub or t.lock_path}\0{data['head']}", data)
    return data, False


def _read_remote(t: Target, env: dict[str, str], timeout: float) -> dict[str, Any]:
    """One shallow, blob-less bare clone of the branch (trees only), then the lock blob.

    A clone sets up the partial-clone config in one process (init + five `git config`
    + fetch would be seven); `cat-file --batch` then reads the head id and lazily
    fetches the one lock blob in one more. Drift is `ls-tree` over tree entries.
    """
    import tempfile

    from skillsync.downstream import transport_url

    assert t.repo is not None
    with tempfile.TemporaryDirectory(prefix="skillsync-status-") as tmp:
        gd = str(Path(tmp) / "repo.git")
        url = transport_url(t.repo)
        local = []
        if url.startswith("file://"):
            # git strips GIT_CONFIG_* from the environment of a local upload-pack, so
            # SERVE_ENV never reaches it: without this it ignores the filter ("filtering
            # not recognized by server") and sends every blob of the head, and refuses the
            # lazy fetch of the lock blob by id. Forges serve both by default.
            local = [f"--upload-pack={_LOCAL_UPLOAD_PACK}",
                     "-c", f"remote.origin.uploadpack={_LOCAL_UPLOAD_PACK}"]
        # The lazy fetch of the lock blob would otherwise end in `git maintenance run --auto`.
        quiet = ["-c", "maintenance.auto=false", "-c", "gc.auto=0"]
        git.run(["clone", "-q", "--bare", "--depth=1", "--filter=blob:none", "--single-branch",
                 "--no-tags", f"--branch={t.branch}", *quiet, *local, "--", url, gd],
                env=env, timeout=timeout)
        return _read_at(t, gd, "HEAD", env, timeout)


def _read_at(t: Target, gd: str, rev: str, env: dict[str, str],
             timeout: float) -> dict[str, Any]:
    """Lock and drift (or the submodule pointer) at `rev` of the repository `gd`; reads
    the commit, the trees it needs and one blob, the lock."""
    from skillsync.lock import LockError, parse_lock

    def run(args: list[str], stdin: bytes | None = None) -> bytes:
        return bytes(git.run(["--git-dir", gd, *args], env=env, input=stdin,
                             timeout=timeout).stdout)

    if t.submodule is not None:
        path = t.submodule.path
        head = rev if git.SHA_RE.match(rev) else run(["rev-parse", rev]).decode().strip()
        entry = _ls_tree(run(["ls-tree", "-z", "--full-tree", head, "--", path])).get(path)
        if entry is None or entry[0] != "160000":
            raise Unreachable(f"no submodule at {path} on {t.branch}")
        return {"head": head, "pointer": entry[1]}
    objects = _cat_batch(run(["cat-file", "--batch"], f"{rev}\n{rev}:{t.lock_path}\n".encode()))
    if len(objects) != 2 or objects[0][0] is None:
        raise Unreachable(f"cannot read branch {t.branch}: commit {rev} is missing")
    head = str(objects[0][0])
    data: dict[str, Any] = {"head": head}
    try:
        lock = parse_lock(objects[1][1] if objects[1][0] else None)
    except LockError as exc:
        raise Unreachable(f"{t.lock_path}: {exc}") from None
    if lock is not None:
        raw = run(["ls-tree", "-r", "-z", "--full-tree", head, "--",
                   *path_prefixes(list(lock.files))]) if lock.files else b""
        tree = _ls_tree(raw)
        data["lock"] = {"version": lock.version, "commit": lock.commit,
                        "source": lock.source, "run": lock.run,
                        "digest": lock.manifest_digest}
        data["drift"] = sorted(p for p, f in lock.files.items()
                               if tree.get(p, ("", None))[1] != f.blob)
    return data


def _local_git_dir(repo: str) -> str | None:
    """The git directory of a local repository path (bare or not), else None."""
    p = Path(repo)
    if (p / "objects").is_dir() and (p / "HEAD").is_file():
        return str(p)
    if (p / ".git" / "objects").is_dir():
        return str(p / ".git")
    return None   # a gitfile, or not a repository: the transport path says why


def _read_local(t: Target, gd: str, timeout: float) -> tuple[dict[str, str], dict[str, Any]]:
    """A repository on this machine is read in place, read-only: no transfer, no copy
    (three git processes instead of a clone's dozen)."""
    try:
        text = git.out(["--git-dir", gd, "for-each-ref", "--format=%(objectname) %(refname)",
                        f"refs/heads/{t.branch}", f"refs/heads/{SYNC_BRANCH_PREFIX}"],
                       timeout=timeout)
    except GitError as exc:
        raise Unreachable(f"remote unreachable: {exc.reason}") from None
    heads: dict[str, str] = {}
    for line in text.splitlines():
        sha, _, name = line.partition(" ")
        heads[name.removeprefix("refs/heads/")] = sha
    head = heads.get(t.branch)
    if head is None:
        raise Unreachable(f"branch {t.branch} not found on the remote")
    try:
        return heads, _read_at(t, gd, head, {}, timeout)
    except GitError as exc:
        raise Unreachable(f"cannot read branch {t.branch}: {exc.reason}") from None


def _ls_tree(raw: bytes) -> dict[str, tuple[str, str]]:
    entries: dict[str, tuple[str, str]] = {}
    for rec in raw.decode("utf-8", "surrogateescape").split("\0"):
        if rec:
            meta, _, path = rec.partition("\t")
            mode, _type, sha = meta.split()
            entries[path] = (mode, sha)
    return entries


def _cat_batch(raw: bytes) -> list[tuple[str | None, bytes]]:
    """Parse `cat-file --batch` output: (object id or None when missing, content)."""
    out: list[tuple[str | None, bytes]] = []
    pos = 0
    while pos < len(raw):
        nl = raw.index(b"\n", pos)
        header = raw[pos:nl].decode("utf-8", "replace").split()
        pos = nl + 1
        if len(header) == 3 and header[2].isdigit():
            size = int(header[2])
            out.append((header[0], raw[pos:pos + size]))
            pos += size + 1          # content is followed by a newline
        else:                        # "<name> missing" (or ambiguous)
            out.append((None, b""))
    return out


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
    """The status of one target; never raises for a problem of that target."""
    st = TargetStatus(t.id, t.mechanism, "current", "", enabled=t.enabled, where=where(t),
                      branch=None if t.mechanism == "webhook" else t.branch, owner=t.owner,
                      last_run=hist.last.get(t.id))
    newest = rel.newest(t.channel)
    st.newest = newest.version if newest else None
    if not t.enabled:
        st.status, st.reason = "disabled", "enabled: false (not read)"
        return st
    try:
        if t.mechanism == "webhook":
            _webhook(st, t, rel, hist)
        else:
            _git_target(st, t, rel, opts)
    except Unreachable as exc:
        st.status, st.reason = "unreachable", secrets.redact(str(exc))
    except SkillsyncError as exc:
        st.status, st.reason = "unreachable", secrets.redact(str(exc)).splitlines()[0]
    except Exception as exc:  # one target's bug must not hide the rest of the fleet
        text = (secrets.redact(str(exc)).splitlines() or [""])[0]
        st.status, st.reason = "unreachable", f"internal error: {type(exc).__name__}: {text}"
    return st


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


def _git_target(st: TargetStatus, t: Target, rel: SourceReleases, opts: Options) -> None:
    env_src = opts.env if opts.env is not None else os.environ
    token = _token(t, env_src, opts.fallback_token_env)
    assert t.repo is not None
    local_gd = _local_git_dir(t.repo) if git.is_local(t.repo) else None
    if local_gd is not None:
        heads, data = _read_local(t, local_gd, opts.timeout)
    else:
        genv = _git_env(token)
        heads = _ls_remote(t, genv, token, opts.timeout)
        head = heads.get(t.branch)
        if head is None:
            raise Unreachable(f"branch {t.branch} not found on the remote")
        data, st.cached = _read_branch(t, head, genv, opts.use_cache, opts.timeout)
    st.head = str(data["head"])
    if t.submodule is not None:
        pointer = str(data["pointer"])
        _held(st, rel, t, None, pointer)
        if st.release is None:
            st.reason = f"submodule {t.submodule.path} at {pointer[:12]}, not a release commit"
        if t.submodule.via == "pull-request":
            st.pull_request = _pull_request(t, heads, st.release, token)
    else:
        lock = data.get("lock")
        if lock is not None:
            _held(st, rel, t, str(lock["version"]), str(lock["commit"]))
            st.drift = list(data.get("drift") or [])
        if t.mechanism == "pull-request":
            st.pull_request = _pull_request(t, heads, st.release, token)
    _decide(st)


def _webhook(st: TargetStatus, t: Target, rel: SourceReleases, hist: RunHistory) -> None:
    last = hist.delivered.get(t.id)
    if last is None:
        st.status, st.reason = "never-synced", "no delivery recorded in the run directories"
        return
    _held(st, rel, t, last.version, None)
    _decide(st)
    st.reason = f"last delivered {last.version} in run {last.run}" + (
        f"; {st.behind} release(s) behind" if st.behind else "")


# -- the fleet -----------------------------------------------------------------------------------


def fleet_status(targets: Sequence[Target], opts: Options,
                 progress: Callable[[TargetStatus], None] | None = None) -> dict[str, Any]:
    """Read every target in parallel (bounded pool); the status document."""
    rel = source_releases(opts.source, timeout=opts.timeout)
    base = opts.runs if opts.runs is not None else runs_dir(None)
    hist = run_history(base, [t.id for t in targets])
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


def _display_source(repo: str | None) -> str | None:
    if repo is None or git.is_local(repo):
        return repo
    from skillsync.urls import redact_url

    return redact_url(repo)


def exit_code(doc: Mapping[str, Any]) -> int:
    """1 when a target could not be read, else 0 (being behind is not a failure)."""
    from skillsync.errors import EXIT_FAILED, EXIT_OK

    return EXIT_FAILED if doc.get("counts", {}).get("unreachable") else EXIT_OK


# -- rendering ----------------------------------------------------------------------------------


def _order(row: Mapping[str, Any]) -> tuple[int, str]:
    return (ATTENTION.index(row["status"]), row["id"])


def _pr_cell(row: Mapping[str, Any], *, md: bool) -> str:
    pr = row.get("pull_request")
    if not pr:
        return ""
    if pr.get("number"):
        text = f"#{pr['number']} {pr['state']}"
        if md and pr.get("url"):
            text = f"[#{pr['number']}]({pr['url']}) {pr['state']}"
        return f"{text} ({pr['version']})"
    return f"{pr['branch']} (branch)"


def _last_cell(row: Mapping[str, Any]) -> str:
    last = row.get("last_run")
    if not last:
        return ""
    return f"{last['status']}" + (" (dry run)" if last.get("dry_run") else "") + \
        f" @ {last['run']}"


def _cells(row: Mapping[str, Any], *, md: bool) -> list[str]:
    behind = "" if row.get("behind") is None else str(row["behind"])
    return [row["id"], row["mechanism"], row["status"], row.get("release") or "—", behind,
            _pr_cell(row, md=md), _last_cell(row), row.get("reason") or ""]


HEADERS = ["target", "mechanism", "status", "release", "behind", "pull request", "last run",
           "details"]


def table(doc: Mapping[str, Any], width: int = 160) -> str:
    """A plain aligned table for a terminal."""
    rows = [_cells(r, md=False) for r in sorted(doc["targets"], key=_order)]
    cols = HEADERS[:-1]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(cols)]
    lines = []
    used = sum(widths) + 2 * len(widths)
    room = max(20, width - used)

    def fmt(cells: list[str]) -> str:
        head = "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=False))
        tail = cells[-1] if len(cells[-1]) <= room else cells[-1][: room - 1] + "…"
        return f"{head}  {tail}".rstrip()

    lines.append(fmt(HEADERS))
    for r in rows:
        lines.append(fmt(r))
    lines.append("")
    lines.append(summary_line(doc))
    return "\n".join(lines) + "\n"


def summary_line(doc: Mapping[str, Any]) -> str:
    src = doc["source"]
    counts = ", ".join(f"{v} {k}" for k, v in doc["counts"].items()) or "no targets"
    newest = src["newest"].get("stable") or src["newest"].get("prerelease")
    rel = f"newest release {newest}" if newest else "newest release unknown"
    if src.get("error"):
        rel += f" ({src['error']})"
    return f"{len(doc['targets'])} target(s): {counts}; {rel}"


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(doc: Mapping[str, Any]) -> str:
    """GitHub-flavoured Markdown (the dashboard issue body and $GITHUB_STEP_SUMMARY).

    No timestamp: the same fleet gives the same bytes, so the dashboard is only edited
    when something changed.
    """
    src = doc["source"]
    newest = src["newest"]
    lines = ["## skillsync fleet status", ""]
    rel = []
    if newest.get("stable"):
        rel.append(f"newest release **{newest['stable']}**")
    if newest.get("prerelease") and newest.get("prerelease") != newest.get("stable"):
        rel.append(f"newest pre-release **{newest['prerelease']}**")
    if not rel:
        rel.append("newest release unknown" + (f" ({src['error']})" if src.get("error") else ""))
    if src.get("repo"):
        rel.append(f"source `{src['repo']}`")
    lines += [" · ".join(rel), ""]
    counts = ", ".join(f"{v} {k}" for k, v in doc["counts"].items()) or "no targets"
    lines += [f"{len(doc['targets'])} target(s): {counts}.", ""]
    lines.append("| " + " | ".join(HEADERS) + " |")
    lines.append("|" + "---|" * len(HEADERS))
    for r in sorted(doc["targets"], key=_order):
        cells = _cells(r, md=True)
        cells[0] = f"`{cells[0]}`"
        lines.append("| " + " | ".join(_md_cell(c) for c in cells) + " |")
    drifted = [r for r in doc["targets"] if r["status"] == "drifted"]
    if drifted:
        lines += ["", "### Drift", "",
                  "These files were changed downstream since the last sync; the next sync "
                  "halts for these targets until someone decides (`--overwrite-drift` takes "
                  "them over).", ""]
        for r in sorted(drifted, key=_order):
            files = ", ".join(f"`{p}`" for p in r["drift"][:20])
            more = f" and {len(r['drift']) - 20} more" if len(r["drift"]) > 20 else ""
            lines.append(f"- `{r['id']}`: {files}{more}")
    return "\n".join(lines) + "\n"
