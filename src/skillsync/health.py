"""Target health check: can each enabled target take a sync right now?

Read-only and cheap, so it can run before every release (`validate-sync-targets --remote`)
and on a schedule. Per target:
- auth:      the environment variable named by `auth.env` is set (its value is never shown);
- remote:    `git ls-remote` reaches the repository (with the token when there is one);
- branch:    the configured branch exists there;
- submodule: submodule targets have a gitlink at `submodule.path` on that branch;
- endpoint:  webhook targets' URL answers HTTP (any status below 500);
- forge (targets with `forge:`, issue 16), each problem one check that names the fix:
  the API answers (`GET /repos/{o}/{r}`) and takes the token; the token may push and open
  pull requests (the `permissions` GitHub reports for the token's account, a classic
  token's scopes, or what a GitHub App grants its installation token); and the branch
  protection that affects a sync (`GET .../branches/{branch}/protection`): required
  reviews or status checks refuse a push target's direct push (use pull-request),
  required signatures need `signing:`, and for a pull-request target status checks and
  reviews are notes (its pull requests wait for them).
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
    # auth | remote | branch | submodule | endpoint | internal | forge | forge-token |
    # forge-permission | protection | protection-reviews | protection-signatures |
    # protection-checks
    name: str
    ok: bool
    message: str
    # How much a failed check matters: error (the target cannot take a sync as it is),
    # warning (it can, with a restriction) or info (a note; the target is healthy).
    severity: str = "error"

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "ok": self.ok, "message": self.message,
                "severity": self.severity}


@dataclass(frozen=True)
class TargetHealth:
    target: Target
    checks: tuple[Check, ...]

    @property
    def healthy(self) -> bool:
        return all(c.ok or c.severity != "error" for c in self.checks)

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
            failed = "; ".join(c.message for c in self.checks
                               if not c.ok and c.severity == "error")
            return f"FAIL {t.id}: {failed}"
        notes = "; ".join(c.message for c in self.checks if not c.ok)
        return f"ok   {t.id:<{width}}  {t.mechanism:<12}  {where(t)}" + (
            f"  (note: {notes})" if notes else "")


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
            if target.forge is not None and target.forge.repository:
                _forge_checks(target, cred, timeout, checks)
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


# -- the forge (issue 16) ----------------------------------------------------------------------


def _forge_checks(t: Target, cred: Credentials, timeout: float, checks: list[Check]) -> None:
    """The API, the token, what it may do, and the branch protection that affects us."""
    from skillsync import forge

    assert t.forge is not None
    repository, api = t.forge.repository, redact_url(t.forge.api_url)
    if any(c.name == "auth" and not c.ok for c in checks):
        return   # the auth check already names the variable to set
    token = cred.token
    if not token:
        checks.append(Check("forge-token", False, (
            f"no token for the forge API at {api}: {t.mechanism} targets with a forge need "
            "auth: {method: token, env: NAME} or {method: github-app} (docs/github-app.md)")))
        return
    granted: dict[str, str] | None = None
    if t.auth.method == "github-app":
        granted = _app_grants(t, checks)
        if granted is None:
            return
    hint = f"the token in ${t.auth.env}" if t.auth.env else "the token"
    with forge.GitHub(t.forge.api_url, token, token_env=t.auth.env, timeout=timeout,
                      retries=1, max_wait=min(timeout, 30.0)) as gh:
        try:
            repo, scopes = gh.get_repository(repository)
        except forge.ForgeError as exc:
            checks.append(_forge_failure(exc, api, repository, hint))
            return
        checks.append(Check("forge", True, f"forge API at {api} reachable; {repository} "
                                           "visible to the token"))
        checks.extend(_permission_checks(t, repo, scopes, granted, hint))
        checks.extend(_protection_checks(t, gh, repository))


def _forge_failure(exc: Exception, api: str, repository: str, hint: str) -> Check:
    from skillsync.forge import ForgeAuthError

    status = getattr(exc, "status", None)
    if isinstance(exc, ForgeAuthError) and status == 401:
        return Check("forge-token", False, f"{hint} was refused by the forge API at {api} "
                     "(HTTP 401: expired or revoked?): renew it")
    if status == 404:
        return Check("forge", False, f"{repository} not found at {api}, or {hint} cannot see "
                     "it: check forge.repository, and give the token access to it")
    if status is None:
        return Check("forge", False, f"forge API at {api} unreachable: "
                     f"{secrets.redact(str(exc)).split(': ', 1)[-1]}; check forge.api_url "
                     "and the network")
    return Check("forge", False, f"forge API at {api} answered HTTP {status} for "
                 f"{repository}: {secrets.redact(str(exc))}")


def _app_grants(t: Target, checks: list[Check]) -> dict[str, str] | None:
    """What the App grants a sync's installation token for this target (minting one is
    how to know: GitHub refuses permissions the installation lacks); None when refused."""
    from skillsync import ghapp

    try:
        token = ghapp.token_for(t, read_only=False)
    except SkillsyncError as exc:
        checks.append(Check("forge-permission", False, secrets.redact(str(exc))))
        return None
    return dict(token.permissions)


def _permission_checks(t: Target, repo: dict[str, Any], scopes: str | None,
                       granted: dict[str, str] | None, hint: str) -> list[Check]:
    from skillsync.ghapp import permissions_for

    repository = t.forge.repository if t.forge else ""
    needs_pr = "pull_requests" in permissions_for(t)
    what = "push and open pull requests" if needs_pr else "push"
    if granted is not None:
        want = permissions_for(t)
        missing = [f"{k}: {v}" for k, v in sorted(want.items()) if granted.get(k) != "write"]
        if missing:
            return [Check("forge-permission", False, (
                f"the GitHub App's token for {repository} lacks {', '.join(missing)}: grant "
                "them to the App and accept them in its installation (docs/github-app.md)"))]
        return [Check("forge-permission", True, f"the App's token may {what} ("
                      + ", ".join(f"{k}: {v}" for k, v in sorted(granted.items())) + ")")]
    out = []
    perms = repo.get("permissions")
    if isinstance(perms, dict) and not perms.get("push"):
        role = next((r for r in ("maintain", "triage", "pull") if perms.get(r)), "none")
        out.append(Check("forge-permission", False, (
            f"{hint} cannot {what} in {repository} (GitHub reports the account's role: "
            f"{role}): give the token's account write access to the repository")))
    if scopes is not None:
        have = {s.strip() for s in scopes.split(",") if s.strip()}
        ok = "repo" in have or ("public_repo" in have and repo.get("private") is False)
        if not ok:
            out.append(Check("forge-permission", False, (
                f"{hint} is a classic token without the repo scope (scopes: "
                f"{', '.join(sorted(have)) or 'none'}): renew it with repo (or public_repo "
                "for a public repository)")))
    if not out:
        out.append(Check("forge-permission", True, f"{hint} may {what} in {repository}"
                         + ("" if isinstance(perms, dict) else
                            " (no permissions reported: the first write will tell)")))
    return out


def _protection_checks(t: Target, gh: Any, repository: str) -> list[Check]:
    from skillsync.forge import ForgeError

    branch = t.branch
    try:
        rule = gh.branch_protection(repository, branch)
    except ForgeError as exc:
        if exc.status not in (403, 404):
            raise
        return [Check("protection", False, (
            f"cannot read the protection of branch '{branch}' (HTTP {exc.status}: it takes "
            "admin, or administration: read for an App): required reviews, signatures and "
            "status checks were not checked"), severity="info")]
    if rule is None:
        return [Check("protection", True, f"branch '{branch}' is not protected")]
    direct = not mechanisms.of(t).opens_pull_requests(t)   # writes the branch itself
    out = []
    reviews = rule.get("required_pull_request_reviews")
    if isinstance(reviews, dict):
        n = reviews.get("required_approving_review_count") or 0
        if direct:
            out.append(Check("protection-reviews", False, (
                f"branch '{branch}' requires pull request reviews: a direct push is refused; "
                "make this a pull-request target (mechanism: pull-request, or submodule "
                "via: pull-request)")))
        else:
            out.append(Check("protection-reviews", False, (
                f"sync pull requests into '{branch}' need {n} approving review(s) before "
                "they can merge"), severity="info"))
    if (rule.get("required_signatures") or {}).get("enabled") and t.signing is None:
        if direct:
            out.append(Check("protection-signatures", False, (
                f"branch '{branch}' requires signed commits: set signing: {{method: api}} "
                "(GitHub signs; a GitHub App or Actions token) or {method: ssh|gpg, key_env: "
                "NAME} in the target file (docs/security.md, 'Signing keys')")))
        else:
            out.append(Check("protection-signatures", False, (
                f"branch '{branch}' requires signed commits: the unsigned sync pull requests "
                "can only be squash-merged; set signing: in the target file to merge them "
                "any way"), severity="warning"))
    status_checks = rule.get("required_status_checks")
    if isinstance(status_checks, dict):
        names = [str(c) for c in status_checks.get("contexts") or []]
        shown = ", ".join(names) or "any"
        if direct:
            out.append(Check("protection-checks", False, (
                f"branch '{branch}' requires status checks ({shown}): a direct push of an "
                "unchecked commit is refused; make this a pull-request target")))
        else:
            out.append(Check("protection-checks", False, (
                f"sync pull requests into '{branch}' wait for status checks: {shown}"),
                severity="info"))
    if not out:
        out.append(Check("protection", True, f"branch '{branch}' is protected; nothing in its "
                         "rules stops a sync"))
    return out
