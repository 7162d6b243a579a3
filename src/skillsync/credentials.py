"""The one credential resolver: what a target authenticates with (issue 14).

Targets name an auth method and the *name* of an environment variable, never a
secret (DESIGN.md). Every step that talks to a target — sync, snapshot, rollback,
health, status, whole-set validation, report's check of a killed run — asks
`credentials_for(target)` and gets the token for its git and API calls, the HMAC
secret for a webhook, and the git environment that sends the token as a header
(never argv, a URL or .git/config). Each value is registered with the secret
registry as it is read, so no output can show it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from skillsync.model import Target


@dataclass(frozen=True)
class Credentials:
    method: str = "none"
    env_name: str | None = None      # the variable the value came from (for messages)
    token: str | None = None         # git and forge API (methods token, github-app)
    secret: str | None = None        # webhook signing key (method hmac)
    git_env: dict[str, str] = field(default_factory=dict)

    @property
    def present(self) -> bool:
        """A credential is configured and its variable holds a value."""
        return self.method == "none" or bool(self.token or self.secret)


def credentials_for(target: Target, env: Mapping[str, str] | None = None, *,
                    mint: bool = False, read_only: bool = False) -> Credentials:
    """What `target` authenticates with, read from the environment now.

    A `github-app` target's token is minted for this one repository and the permissions
    its mechanism needs (skillsync.ghapp) only with `mint` — minting is a network call
    that can fail, so callers do it where a failure is that target's failure — and
    `read_only` asks for read permissions (a dry run)."""
    from skillsync.git import auth_env
    from skillsync.secrets import from_env

    auth = target.auth
    if auth.method == "github-app":
        if not mint:
            return Credentials(auth.method, auth.env)
        from skillsync import ghapp

        token, git_env = ghapp.git_credentials(target, read_only=read_only, env=env)
        return Credentials(auth.method, auth.env, token=token, git_env=git_env)
    if auth.method == "none" or not auth.env:
        return Credentials(auth.method, auth.env)
    value = from_env(auth.env, env)
    if auth.method == "hmac":
        return Credentials(auth.method, auth.env, secret=value)
    return Credentials(auth.method, auth.env, token=value,
                       git_env=auth_env(value) if value else {})
