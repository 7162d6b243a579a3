"""Target health check: can each enabled target take a sync right now?

Read-only and cheap, so it can run before every release (`validate-sync-targets --remote`)
and on a schedule. Per target:
- auth:      the environment variable named by `auth.env` is set (its value is never shown);
- remote:    `git ls-remote` reaches the repository (with the token when there is one);
- branch:    the configured branch exists there;
- submodule: submodule targets have a gitlink at `submodule.path` on that branch;
- endpoint:  webhook targets' URL answers HTTP (any status below 500).
Targets are checked in parallel on a bounded pool; one target's failure never stops the
others (pre-commit's autoupdate does the same across repositories).
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from skillsync import defaults, git, mechanisms, secrets
from skillsync.credentials import Credentials, credentials_for
from skillsync.errors import GitError, SkillsyncError
from skillsync.model import Target
from skillsync.urls import redact_url

DEFAULT_JOBS = defaults.HEALTH_JOBS
DEFAULT_TIMEOUT = defaults.HEALTH_TIMEOUT


@dataclass(frozen=True)
class Check:
    name: str        # auth | remote | branch | submodule | endpoint | internal
    ok: bool
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "message": self.message}


@dataclass(frozen=True)
class TargetHealth:
    target: Target
    checks: tuple[Check, ...]

    @property
    def healthy(self) -> bool:
        return all(c.ok for c in self.checks)

    def as_dict(self) -> dict[str, Any]:
        return {
            "target": self.target.id,
            "healthy": self.healthy,
            "checks": [c.as_dict() for c in self.checks],
        }

    def line(self, width: int = 0) -> str:
        """The one human line for stderr."""
        t = self.target
        if not self.healthy:
            failed = "; ".join(c.message for c in self.checks if not c.ok)
            return f"FAIL {t.id}: {failed}"
        return f"ok   {t.id:<{width}}  {t.mechanism:<12}  {where(t)}"


def where(t: Target) -> str:
    """How a target's destination may be shown (no query strings, no credentials)."""
    if not mechanisms.of(t).repo_based:
        return redact_url(t.url or "")
    shown = f"{redact_url(t.repo or '')} ({t.branch})"
    if t.submodule is not None:
        shown += f" submodule {t.submodule.path}"
    return shown


def check_all(
    targets: Sequence[Target], *, jobs: int = DEFAULT_JOBS, timeout: float = DEFAULT_TIMEOUT
) -> list[TargetHealth]:
    """Check every target concurrently (at most `jobs` at once); results in input order."""
    if not targets:
        return []
    workers = max(1, min(jobs, len(targets)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="health") as pool:
        return list(pool.map(lambda t: check_target(t, timeout=timeout), targets))


def check_target(target: Target, *, timeout: float = DEFAULT_TIMEOUT) -> TargetHealth:
    """All checks for one target; never raises for a problem of that target."""
    checks: list[Check] = []
    try:
        cred = _auth_check(target, checks)
        if not mechanisms.of(target).repo_based:
            checks.append(_endpoint_check(target.url or "", timeout))
        else:
            _git_checks(target, cred, timeout, checks)
    except SkillsyncError as exc:
        checks.append(Check("internal", False, secrets.redact(str(exc))))
    except Exception as exc:  # one target's bug must not hide the others' health
        checks.append(Check("internal", False, f"internal error: {type(exc).__name__}"))
    return TargetHealth(target, tuple(checks))


# -- the checks -----------------------------------------------------------------------------


def _auth_check(t: Target, checks: list[Check]) -> Credentials:
    if t.auth.method == "github-app":
        # The App works for this target when a read-only token can be minted for it.
        cred = credentials_for(t, mint=True, read_only=True)
        checks.append(Check("auth", True, "GitHub App installation token minted"))
        return cred
    cred = credentials_for(t)
    if cred.method != "none" and cred.env_name:
        ok = cred.present
        checks.append(Check("auth", ok, f"auth variable {cred.env_name} is "
                                        + ("set" if ok else "not set")))
    return cred


def _git_checks(t: Target, cred: Credentials, timeout: float, checks: list[Check]) -> None:
    assert t.repo is not None
    env = dict(cred.git_env)
    ref = f"refs/heads/{t.branch}"
    try:
        out = git.out(["ls-remote", "--", t.repo, ref], env=env, timeout=timeout)
    except GitError as exc:
        checks.append(Check("remote", False, f"remote unreachable: {exc.reason}"))
        return
    checks.append(Check("remote", True, "remote reachable"))
    sha = ""
    for line in out.splitlines():
        got, _, name = line.partition("\t")
        if name == ref:
            sha = got
    if not sha:
        checks.append(Check("branch", False, f"branch '{t.branch}' not found on the remote"))
        return
    checks.append(Check("branch", True, f"branch '{t.branch}' at {sha[:12]}"))
    if t.submodule is not None:
        checks.append(_submodule_check(t, sha, ref, env, timeout))


def _submodule_check(
    t: Target, sha: str, ref: str, env: dict[str, str], timeout: float
) -> Check:
    assert t.repo is not None and t.submodule is not None
    path = t.submodule.path
    entry = None
    if git.is_local(t.repo):
        # A local repository can be read in place: no fetch needed.
        proc = git.run(["ls-tree", sha, "--", path], t.repo, check=False, timeout=timeout)
        if proc.returncode == 0:
            entry = proc.stdout.decode("utf-8", "replace").strip()
    if entry is None:
        try:
            entry = _remote_tree_entry(t.repo, ref, path, env, timeout)
        except GitError as exc:
            return Check("submodule", False, f"cannot read branch '{t.branch}': {exc.reason}")
    if not entry:
        return Check("submodule", False,
                     f"submodule path {path} not found on branch '{t.branch}'")
    mode_type = entry.split("\t", 1)[0].split()
    if len(mode_type) < 2 or mode_type[1] != "commit":
        kind = mode_type[1] if len(mode_type) > 1 else "entry"
        return Check("submodule", False, f"{path} on branch '{t.branch}' is a {kind},"
                     " not a submodule")
    return Check("submodule", True, f"submodule {path} at {mode_type[2][:12]}")


def _remote_tree_entry(
    url: str, ref: str, path: str, env: dict[str, str], timeout: float
) -> str:
    """`git ls-tree` of `path` at the head of `ref`, reading trees only (no blobs)."""
    with tempfile.TemporaryDirectory(prefix="skillsync-health-") as tmp:
        git.init_bare(Path(tmp))
        git.run(["fetch", "-q", "--no-tags", "--depth=1", "--filter=blob:none", "--", url, ref],
                tmp, env=env, timeout=timeout)
        return git.out(["ls-tree", "FETCH_HEAD", "--", path], tmp, timeout=timeout)




def _endpoint_check(url: str, timeout: float) -> Check:
    import requests  # lazy: `--help` must stay fast

    shown = redact_url(url)
    try:
        resp = requests.head(url, timeout=timeout, allow_redirects=False)
        status = resp.status_code
        resp.close()
        if status in (405, 501):  # endpoint does not do HEAD: a GET tells whether it is up
            resp = requests.get(url, timeout=timeout, allow_redirects=False, stream=True)
            status = resp.status_code
            resp.close()
    except requests.Timeout:
        return Check("endpoint", False, f"endpoint {shown} timed out after {timeout:g}s")
    except requests.ConnectionError:
        # requests' text repeats the full URL (query string included): never shown.
        return Check("endpoint", False, f"endpoint {shown} is unreachable (connection failed)")
    except requests.RequestException as exc:
        return Check("endpoint", False, f"endpoint {shown}: {type(exc).__name__}")
    if status >= 500:
        return Check("endpoint", False, f"endpoint {shown} answered HTTP {status}")
    return Check("endpoint", True, f"endpoint {shown} answered HTTP {status}")
