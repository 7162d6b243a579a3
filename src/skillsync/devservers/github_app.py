"""GitHub Apps for the loopback GitHub (skillsync.devservers.github.FakeGitHub).

What GitHub does, as far as skillsync relies on it ("Generating a JSON Web Token
(JWT) for a GitHub App", "Generating an installation access token for a GitHub
App", "Create an installation access token for an app"):

- an App is registered with a public key and the permissions it may ask for; it is
  installed on an account, for all its repositories or a selection;
- `GET /repos/{owner}/{repo}/installation` and `POST /app/installations/{id}/access_tokens`
  take the App's JWT: RS256 only, signature checked against the App's key, `iss` the
  App's id (or client ID), `iat` not in the future, `exp` in the future and at most
  10 minutes ahead; else 401;
- a token request may narrow `repositories` (names) and `permissions`; asking for a
  repository outside the installation, or a permission the installation lacks, is 422;
- the token answers `{token, expires_at, permissions, repository_selection,
  repositories}` and expires after `token_lifetime` seconds of `clock`;
- used on the API, a token is refused on a repository it does not cover (404, as
  GitHub answers for a private repository it cannot see), for a call its permissions
  do not allow (403 "Resource not accessible by integration", with
  X-Accepted-GitHub-Permissions), and once expired (401);
- used by git (`git_access`, GitHttpServer's `authorize` callback), the same rules:
  401 expired or unknown, 404 another repository, 403 a push without contents write.
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from skillsync.devservers._base import Reply

DOCS = "https://docs.github.com/rest"
_LEVEL = {"read": 1, "write": 2, "admin": 3}
MAX_JWT_AHEAD = 600      # GitHub: exp no more than 10 minutes into the future


@dataclass
class App:
    app_id: str
    client_id: str
    public_key: str
    permissions: dict[str, str]
    slug: str = "skillsync"


@dataclass
class Installation:
    id: int
    app: App
    account: str
    repositories: set[str] | None          # None: all of the account's repositories
    permissions: dict[str, str]


@dataclass
class Grant:
    """One issued installation token."""

    installation: Installation
    repositories: set[str]                  # owner/name
    permissions: dict[str, str]
    expires: float
    uses: list[str] = field(default_factory=list)   # "METHOD owner/name" it was used for


def allows(have: str | None, need: str) -> bool:
    return _LEVEL.get(have or "", 0) >= _LEVEL[need]


def _unauthorized(message: str) -> Reply:
    return Reply(401, {"message": message, "documentation_url": f"{DOCS}/apps",
                       "status": "401"})


class Apps:
    """The Apps, installations and tokens of one FakeGitHub."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.token_lifetime = 3600.0
        self.apps: dict[str, App] = {}
        self.installations: dict[int, Installation] = {}
        self.grants: dict[str, Grant] = {}
        self.jwts: list[str] = []          # every JWT received (tests grep for them)
        self._next = 41000

    # -- setup --------------------------------------------------------------------------
    def register(self, app_id: str, public_key: str | bytes, *,
                 permissions: dict[str, str], client_id: str | None = None) -> App:
        pem = public_key.decode() if isinstance(public_key, bytes) else public_key
        app = App(str(app_id), client_id or f"Iv1.{app_id}", pem, dict(permissions))
        self.apps[app.app_id] = app
        self.apps[app.client_id] = app
        return app

    def install(self, app_id: str, account: str, *, repositories: list[str] | None = None,
                permissions: dict[str, str] | None = None) -> int:
        app = self.apps[str(app_id)]
        self._next += 1
        self.installations[self._next] = Installation(
            self._next, app, account, set(repositories) if repositories is not None else None,
            dict(permissions if permissions is not None else app.permissions))
        return self._next

    def issued(self) -> list[str]:
        return list(self.grants)

    # -- the App's JWT ------------------------------------------------------------------
    def app_for(self, authorization: str | None) -> App:
        import jwt

        if not authorization or not authorization.startswith("Bearer "):
            raise _unauthorized("A JSON web token could not be decoded")
        raw = authorization[len("Bearer "):].strip()
        try:
            header = jwt.get_unverified_header(raw)
            unverified = jwt.decode(raw, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise _unauthorized("A JSON web token could not be decoded") from None
        if header.get("alg") != "RS256":
            raise _unauthorized("A JSON web token could not be decoded")
        app = self.apps.get(str(unverified.get("iss")))
        if app is None:
            raise _unauthorized("A JSON web token could not be decoded")
        try:
            claims = jwt.decode(raw, app.public_key, algorithms=["RS256"], options={
                "require": ["iat", "exp", "iss"], "verify_exp": False, "verify_iat": False,
                "verify_nbf": False})
        except jwt.PyJWTError:
            raise _unauthorized("A JSON web token could not be decoded") from None
        self.jwts.append(raw)
        now = self.clock()
        iat, exp = claims.get("iat"), claims.get("exp")
        if not isinstance(exp, int) or exp <= now:
            raise _unauthorized("'Expiration time' claim ('exp') must be a numeric value "
                                "representing the future time at which the assertion expires")
        if exp > now + MAX_JWT_AHEAD:
            raise _unauthorized("'Expiration time' claim ('exp') is too far in the future")
        if not isinstance(iat, int) or iat > now:
            raise _unauthorized("'Issued at' claim ('iat') must be an Integer representing "
                                "a time in the past")
        return app

    # -- endpoints -------------------------------------------------------------------
    def repo_installation(self, authorization: str | None, full_name: str,
                          api_url: str) -> dict[str, Any]:
        app = self.app_for(authorization)
        owner, name = full_name.split("/", 1)
        for inst in self.installations.values():
            if inst.app is app and inst.account == owner and (
                    inst.repositories is None or name in inst.repositories):
                return self._installation(inst, api_url)
        raise Reply(404, {"message": "Not Found", "documentation_url": DOCS, "status": "404"})

    def create_token(self, authorization: str | None, installation_id: int, body: Any,
                     repository: Callable[[str], dict[str, Any]]) -> dict[str, Any]:
        app = self.app_for(authorization)
        inst = self.installations.get(installation_id)
        if inst is None or inst.app is not app:
            raise Reply(404, {"message": "Not Found", "documentation_url": DOCS,
                              "status": "404"})
        body = body if isinstance(body, dict) else {}
        names = body.get("repositories")
        if names is None:
            if inst.repositories is None:
                raise _invalid("this fake needs `repositories` for an all-repositories "
                               "installation")
            names = sorted(inst.repositories)
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names) or not (
                inst.repositories is None or set(names) <= inst.repositories):
            raise _invalid("There is at least one repository that does not exist or is not "
                           "accessible to the parent installation.")
        wanted = body.get("permissions")
        if wanted is None:
            wanted = dict(inst.permissions)
        if not isinstance(wanted, dict) or not all(
                isinstance(v, str) and v in _LEVEL and allows(inst.permissions.get(k), v)
                for k, v in wanted.items()):
            raise _invalid("The permissions requested are not granted to this installation.")
        token = "ghs_" + secrets.token_urlsafe(27)
        expires = self.clock() + self.token_lifetime
        self.grants[token] = Grant(inst, {f"{inst.account}/{n}" for n in names},
                                   {str(k): str(v) for k, v in wanted.items()}, expires)
        return {
            "token": token, "expires_at": _iso(expires), "permissions": dict(wanted),
            "repository_selection": "selected",
            "repositories": [repository(f"{inst.account}/{n}") for n in names],
        }

    # -- using a token ------------------------------------------------------------------
    def grant_for(self, authorization: str | None) -> Grant | None:
        """The Grant of an installation token in `authorization` (None: not one)."""
        if not authorization:
            return None
        scheme, _, value = authorization.partition(" ")
        if scheme.lower() not in ("bearer", "token"):
            return None
        return self.grants.get(value.strip())

    def check(self, grant: Grant, full_name: str, need: list[tuple[str, str]],
              method: str) -> None:
        """Refuse `grant` on `full_name` unless one of `need` [(permission, level)] holds."""
        if self.clock() >= grant.expires:
            raise _unauthorized("Bad credentials")
        if full_name not in grant.repositories:
            raise Reply(404, {"message": "Not Found", "documentation_url": DOCS,
                              "status": "404"})
        if need and not any(allows(grant.permissions.get(p), lvl) for p, lvl in need):
            raise Reply(403, {"message": "Resource not accessible by integration",
                              "documentation_url": DOCS, "status": "403"},
                        {"X-Accepted-GitHub-Permissions":
                         "; ".join(f"{p}={lvl}" for p, lvl in need)})
        grant.uses.append(f"{method} {full_name}")

    def git_access(self, token: str | None, repo: str, write: bool) -> int:
        """The HTTP status git gets for `token` on repository path `repo` ("acme/a.git")."""
        grant = self.grants.get(token or "")
        if grant is None or self.clock() >= grant.expires:
            return 401
        full_name = repo.strip("/").removesuffix(".git")
        if full_name not in grant.repositories:
            return 404
        if not allows(grant.permissions.get("contents"), "write" if write else "read"):
            return 403 if write else 404
        grant.uses.append(f"{'push' if write else 'fetch'} {full_name}")
        return 200

    def _installation(self, inst: Installation, api_url: str) -> dict[str, Any]:
        login = inst.account
        return {
            "id": inst.id, "app_id": int(inst.app.app_id) if inst.app.app_id.isdigit() else 0,
            "app_slug": inst.app.slug, "client_id": inst.app.client_id,
            "target_id": 1, "target_type": "Organization",
            "account": {"login": login, "id": 1, "type": "Organization",
                        "url": f"{api_url}/users/{login}"},
            "repository_selection": "all" if inst.repositories is None else "selected",
            "access_tokens_url": f"{api_url}/app/installations/{inst.id}/access_tokens",
            "repositories_url": f"{api_url}/installation/repositories",
            "html_url": f"{api_url}/web/organizations/{login}/settings/installations/{inst.id}",
            "permissions": dict(inst.permissions), "events": [],
            "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z",
            "single_file_name": None, "suspended_at": None, "suspended_by": None,
        }


def _iso(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _invalid(message: str) -> Reply:
    return Reply(422, {"message": message, "documentation_url": DOCS, "status": "422"})
