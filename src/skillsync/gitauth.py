"""Git's authentication failures, recognised and explained (RELIABILITY.md 17, issue 12).

A remote that refuses our credential answers HTTP 401 or 403, but git seldom says
so: with prompts off (GIT_TERMINAL_PROMPT=0, skillsync.git.clean_env) a 401 becomes
"could not read Username for 'https://host': terminal prompts disabled", whether the
token was wrong, expired or absent. `status_of` reads a failed command's stderr for
these signs; `error_for` turns them into a `GitAuthError`, which `downstream.TargetRepo`
raises from ls-remote, fetch and push. `for_target` then names the target's auth
method and variable and says what to renew, in the words the forge API's 401/403 use
(skillsync.forge.GitHub._error): the engine calls it on every per-target failure.
"""

from __future__ import annotations

import os
import re
from typing import TypeVar

from skillsync.errors import AuthError, GitError
from skillsync.model import Auth, Target
from skillsync.urls import redact_url

E = TypeVar("E", bound=BaseException)

# (status, what git or the server prints). Checked in order: a 403 page that also
# says "could not read Username" is still a 403.
_SIGNS: tuple[tuple[int, re.Pattern[str]], ...] = (
    (403, re.compile(
        r"returned error: 403|permission to \S+ denied|write access to repository not granted"
        r"|http 403|\b403 forbidden", re.IGNORECASE)),
    (401, re.compile(
        r"could not read (username|password)|authentication failed|returned error: 401"
        r"|http basic: access denied|invalid username or password|bad credentials"
        r"|permission denied \((publickey|keyboard-interactive)", re.IGNORECASE)),
)


def status_of(stderr: str) -> int | None:
    """401 or 403 when git's stderr says the remote refused the credential, else None.
    (An SSH key refused counts as 401: the credential itself was not accepted.)"""
    for status, sign in _SIGNS:
        if sign.search(stderr):
            return status
    return None


class GitAuthError(AuthError):
    """The remote refused git's credential. `auth` is None until `for_target` names it."""

    def __init__(self, op: str, url: str, status: int, detail: str,
                 auth: Auth | None = None, *, file: str | None = None) -> None:
        self.op = op
        self.url = url
        self.status = status
        self.detail = detail
        self.auth = auth
        self.file = file
        super().__init__(_message(op, url, status, detail, auth, file))


def error_for(stderr: str, op: str, url: str) -> GitAuthError | None:
    """A GitAuthError when `stderr` (of git `op` against `url`) is an auth failure."""
    status = status_of(stderr)
    if status is None:
        return None
    return GitAuthError(op, url, status, _detail(stderr))


def check(exc: GitError, op: str, url: str) -> GitError | GitAuthError:
    """`exc` itself, or the GitAuthError it really is (for `raise check(exc, ...)`)."""
    return error_for(exc.stderr, op, url) or exc


def for_target(exc: E, target: Target) -> E | GitAuthError:
    """`exc` with the target's auth method and variable named when it is a git auth
    failure (a GitAuthError, or any GitError whose stderr is one: a lock ref, a
    submodule's remote); anything else comes back unchanged."""
    if isinstance(exc, GitAuthError):
        if exc.auth is not None:
            return exc
        op, url, status, detail = exc.op, exc.url, exc.status or 401, exc.detail
    elif isinstance(exc, GitError) and (found := status_of(exc.stderr)) is not None:
        op, url, status, detail = _op(exc.args_list), target.repo or "", found, \
            _detail(exc.stderr)
    else:
        return exc
    return GitAuthError(op, url, status, detail, target.auth, file=str(target.source_file))


def advice(auth: Auth | None, status: int, op: str, *, file: str | None = None) -> str:
    """Who refused what, and what to renew: `the token in $X (auth method token) was
    rejected (expired or revoked?); renew it`."""
    need = "write" if op == "push" else "read"
    if auth is None and status == 403:
        return (f"the credential lacks {need} access to this repository; renew the token "
                f"named by the target's auth.env with {need} access")
    if auth is None:
        return ("the remote refused the credential (or none was sent); renew the token "
                "named by the target's auth.env")
    if auth.method == "github-app":
        # The token was minted for this repository a moment ago: a refusal means the App
        # lost access (uninstalled, repository removed, permission not accepted).
        return (f"the GitHub App's installation token (auth method github-app) was refused "
                f"({status}); check the App is installed on this repository with contents "
                f"{need} permission (docs/github-app.md)")
    if auth.method == "none" or not auth.env:
        where = f" in {file}" if file else ""
        return ("no credential was sent (auth method none) and the remote asks for one; "
                f"set auth: {{method: token, env: NAME}}{where} and export NAME")
    hint = f"the token in ${auth.env} (auth method {auth.method})"
    if not os.environ.get(auth.env):
        return f"${auth.env} is not set or empty (auth method {auth.method}); export it"
    if status == 403:
        return (f"{hint} lacks {need} access to this repository; renew it with contents "
                f"{need} access (or grant it access to the repository)")
    return f"{hint} was rejected (expired or revoked?); renew it"


def _message(op: str, url: str, status: int, detail: str, auth: Auth | None,
             file: str | None) -> str:
    from skillsync.secrets import redact

    said = f" (git: {detail})" if detail else ""
    head = f"git {op} {redact_url(url)}"
    if _is_ssh(url):
        # Over SSH the credential is the runner's key (GIT_SSH_COMMAND, ssh-agent), not a token.
        return redact(f"{head}: the server refused the SSH key; check the deploy key and its "
                      f"{'write' if op == 'push' else 'read'} access{said}")
    return redact(f"{head}: HTTP {status}: {advice(auth, status, op, file=file)}{said}")


def _is_ssh(url: str) -> bool:
    return url.lower().startswith(("ssh://", "git+ssh://", "ssh+git://")) or bool(
        re.match(r"^[\w.-]+@[\w.-]+:", url))


def _op(args: list[str]) -> str:
    """The git subcommand of a failed command line, for the message."""
    for verb in ("ls-remote", "fetch", "push", "clone"):
        if verb in args:
            return verb
    return "remote access"


def _detail(stderr: str) -> str:
    """The line of git's stderr that says most: the server's own text when it sent one
    ("remote: Permission to acme/x.git denied"), else git's fatal line; URLs redacted."""
    from skillsync.secrets import redact

    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    remote = [ln.removeprefix("remote:").strip() for ln in lines if ln.startswith("remote:")]
    fatal = [re.sub(r"^(fatal|error):\s*", "", ln) for ln in lines
             if ln.startswith(("fatal:", "error:"))]
    line = ([r for r in remote if r] or fatal or lines[-1:] or [""])[0]
    return redact(line)[:300]
