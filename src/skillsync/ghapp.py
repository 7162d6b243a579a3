"""GitHub App authentication: one App for the whole fleet, one token per target (issue 15).

A target with `auth: {method: github-app}` gets, for its sync or rollback alone, an
installation access token restricted to its one repository and to the permissions
its mechanism needs (`permissions_for`). The App's id and private key come from the
environment, never a file: `$SKILLSYNC_GITHUB_APP_ID` (the App's client ID or numeric
app ID) and `$SKILLSYNC_GITHUB_APP_PRIVATE_KEY` (the PEM text itself), or the
variables the target names in `auth.app_id_env` / `auth.key_env`.

The exchange follows GitHub's docs ("Generating a JSON Web Token (JWT) for a GitHub
App", "Generating an installation access token for a GitHub App"): an RS256 JWT with
`iat` 60 s in the past (clock drift), `exp` 9 minutes ahead (GitHub refuses more than
10) and `iss` the App's id, signed with PyJWT; then `GET /repos/{owner}/{repo}/installation`
and `POST /app/installations/{id}/access_tokens` with `repositories: [name]` and the
permissions, through skillsync.forge like every GitHub call (paced by the same
limiter). The token, the JWT and the key are registered as secrets before anything
could print them; the token is never revoked, it expires after an hour.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from skillsync import secrets
from skillsync.errors import AuthError

if TYPE_CHECKING:
    from skillsync.forge import GitHub
    from skillsync.model import Target

APP_ID_ENV = "SKILLSYNC_GITHUB_APP_ID"
KEY_ENV = "SKILLSYNC_GITHUB_APP_PRIVATE_KEY"
DOC = "docs/github-app.md"
JWT_BACKDATE = 60        # GitHub: set iat 60 seconds in the past against clock drift
JWT_LIFETIME = 9 * 60    # GitHub: exp no more than 10 minutes ahead; 1 min of margin
# Filing failure issues through the App (into the source repository) needs this;
# per-target tokens never carry it.
NOTIFY_PERMISSIONS = {"issues": "write"}


class AppAuthError(AuthError):
    """The App could not mint this target's token: the message names the variables
    and what to fix (a per-target failure, like a refused token)."""


@dataclass(frozen=True)
class Token:
    """An installation access token; `repr` never shows it."""

    token: str = field(repr=False)
    expires_at: str
    repository: str
    permissions: dict[str, str]

    def __str__(self) -> str:
        return f"installation token for {self.repository} (expires {self.expires_at})"


# -- what a target needs -------------------------------------------------------------------
def permissions_for(target: Target, *, read_only: bool = False) -> dict[str, str]:
    """The least the target's mechanism needs: contents (git fetch and push, the lock
    ref), plus pull_requests when a pull request is opened; read only for a dry run."""
    level = "read" if read_only else "write"
    perms = {"contents": level}
    from skillsync import mechanisms

    if mechanisms.of(target).opens_pull_requests(target):
        perms["pull_requests"] = level
    return perms


_REPO_PATH = re.compile(r"^/?(?:[^/]+/)*?([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+?)(?:\.git)?/?$")


def repository_for(target: Target) -> str:
    """owner/name of the target's repository: `forge.repository`, else the last two
    parts of an http(s) `repo` URL (https://github.com/acme/agents.git -> acme/agents)."""
    if target.forge is not None and target.forge.repository:
        return target.forge.repository
    repo = target.repo or ""
    parts = urlsplit(repo)
    m = _REPO_PATH.match(parts.path) if parts.scheme in ("http", "https") else None
    if not m:
        from skillsync.paths import show

        raise AppAuthError(
            f"auth method github-app in {show(str(target.source_file))} needs a GitHub "
            "repository: an https://HOST/OWNER/NAME.git repo, or forge.repository")
    return f"{m.group(1)}/{m.group(2)}"


def api_url_for(target: Target, env: Mapping[str, str] | None = None) -> str:
    """Where the target's App token is minted: `forge.api_url`, else `$GITHUB_API_URL`
    (Actions sets it), else the repo's host (github.com -> api.github.com, another
    host -> its Enterprise API at /api/v3)."""
    from skillsync.forge import DEFAULT_API_URL

    env = os.environ if env is None else env
    if target.forge is not None and target.forge.api_url:
        return target.forge.api_url
    if env.get("GITHUB_API_URL"):
        return env["GITHUB_API_URL"]
    host = (urlsplit(target.repo or "").hostname or "github.com").lower()
    return DEFAULT_API_URL if host in ("github.com", "www.github.com") else \
        f"https://{host}/api/v3"


# -- the exchange ------------------------------------------------------------------------
def _names(app_id_env: str | None, key_env: str | None) -> tuple[str, str]:
    return app_id_env or APP_ID_ENV, key_env or KEY_ENV


def app_jwt(app_id: str, private_key: str, *, now: float | None = None,
            key_env: str = KEY_ENV, where: str = "") -> str:
    """The App's JWT (RS256; iat 60 s back, exp 9 min ahead, iss the App id)."""
    import jwt

    now = time.time() if now is None else now
    claims = {"iat": int(now) - JWT_BACKDATE, "exp": int(now) + JWT_LIFETIME, "iss": app_id}
    try:
        token = jwt.encode(claims, private_key, algorithm="RS256")
    except Exception:
        # The library's message may quote the key's first bytes: never passed on.
        raise AppAuthError(
            f"${key_env} does not hold a PEM RSA private key (auth method github-app{where}): "
            f"put the text of the App's .pem file in it, from -----BEGIN to -----END; "
            f"see {DOC}") from None
    return secrets.register(token)


def _read(env: Mapping[str, str], app_id_env: str, key_env: str, where: str) -> tuple[str, str]:
    app_id = (env.get(app_id_env) or "").strip()
    key = env.get(key_env) or ""
    if "\\n" in key and "\n" not in key.strip():
        key = key.replace("\\n", "\n")   # a PEM pasted into one line with \n escapes
    missing = [f"${n}" for n, v in ((app_id_env, app_id), (key_env, key.strip())) if not v]
    if missing:
        raise AppAuthError(
            f"{' and '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set or empty "
            f"(auth method github-app{where}): export the App's client ID (or app ID) in "
            f"${app_id_env} and its private key's PEM text in ${key_env}; see {DOC}")
    secrets.register(key)
    secrets.register(key.strip())
    return app_id, key


def installation_token(
    api_url: str,
    repository: str,
    permissions: Mapping[str, str],
    *,
    env: Mapping[str, str] | None = None,
    client: GitHub | None = None,
    app_id_env: str | None = None,
    key_env: str | None = None,
    where: str = "",
    now: float | None = None,
) -> Token:
    """Mint an installation token for only `repository` (owner/name) and only
    `permissions` (e.g. {"contents": "write"}). `client`: a forge.GitHub to use (its
    token is replaced by the App's JWT for these two calls); `where`: text naming
    the target file, for messages. Raises AppAuthError naming the variables."""
    from skillsync.forge import ForgeAuthError, ForgeError, ForgeRateLimitError, GitHub

    id_env, k_env = _names(app_id_env, key_env)
    app_id, key = _read(os.environ if env is None else env, id_env, k_env, where)
    if client is not None:
        now = client.limiter.clock() if now is None else now
    token = app_jwt(app_id, key, now=now, key_env=k_env, where=where)
    gh = client or GitHub(api_url, None)
    gh.token = token
    if gh._session is not None:
        gh._session.headers["Authorization"] = f"Bearer {token}"
    owner, name = repository.split("/", 1)
    hint = f"(auth method github-app{where}; App id in ${id_env}, key in ${k_env})"
    try:
        try:
            inst = gh.repo_installation(repository)
        except ForgeError as exc:
            if exc.status == 404:
                raise AppAuthError(
                    f"the GitHub App is not installed on {repository} {hint}: install it "
                    f"there, or add the repository to its installation; see {DOC}") from None
            raise
        data = gh.create_installation_token(int(inst["id"]), repositories=[name],
                                            permissions=permissions)
    except AppAuthError:
        raise
    except ForgeRateLimitError:
        raise
    except ForgeAuthError as exc:
        raise AppAuthError(
            f"{exc.call}: HTTP {exc.status}: GitHub refused the App's JWT {hint}: "
            f"${id_env} must be the id of the App whose private key is in ${k_env}, and "
            "this machine's clock must be right") from None
    except ForgeError as exc:
        if exc.status == 422:
            wanted = ", ".join(f"{k}: {v}" for k, v in sorted(permissions.items()))
            raise AppAuthError(
                f"{exc.call}: HTTP 422: the App may not grant {wanted} on {repository} "
                f"{hint}: give the App these permissions (and accept them in the "
                f"installation on {owner}); see {DOC}") from None
        raise
    finally:
        if client is None:
            gh.close()
    granted = data.get("permissions") if isinstance(data.get("permissions"), dict) else {}
    return Token(token=data["token"].strip(), expires_at=str(data.get("expires_at") or ""),
                 repository=repository,
                 permissions={str(k): str(v) for k, v in (granted or permissions).items()})


def token_for(target: Target, *, read_only: bool = False,
              env: Mapping[str, str] | None = None, client: GitHub | None = None) -> Token:
    """The installation token for `target`: its repository, its mechanism's permissions."""
    from skillsync.paths import show

    env = os.environ if env is None else env
    return installation_token(
        api_url_for(target, env), repository_for(target),
        permissions_for(target, read_only=read_only), env=env, client=client,
        app_id_env=target.auth.app_id_env, key_env=target.auth.key_env,
        where=f" in {show(str(target.source_file))}")


def git_credentials(target: Target, *, read_only: bool = False,
                    env: Mapping[str, str] | None = None) -> tuple[str, dict[str, str]]:
    """(token, git environment) for a github-app target: what the engine puts in its
    Context (the forge API calls use the token, git uses the environment)."""
    from skillsync.git import auth_env

    token = token_for(target, read_only=read_only, env=env).token
    return token, auth_env(token)

