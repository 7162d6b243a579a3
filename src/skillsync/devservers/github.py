"""A GitHub-compatible REST API on 127.0.0.1, for tests, the demo and benchmarks.

Implements exactly the operations `skillsync.forge` calls (pulls list / create
/ get / update, issues list / create / get / update, issue comments, issue
labels) with real in-memory state, GitHub's semantics where they matter to us
(`head=owner:branch` filtering, ignored without the owner prefix; pull requests
sharing the issue number sequence; the issues list including pull requests; 422
on a duplicate pull request; Link-header pagination), a token check (401), and
failure injection (`inject`). Answers follow GitHub's OpenAPI schemas (the
tests check them against tests/data/github-openapi-subset.json).

GitHub Apps (skillsync.devservers.github_app, issue 15): `register_app` and
`install_app`, then the installation lookup and `POST /app/installations/{id}/access_tokens`
with JWT checks, and installation tokens scoped to their repositories, permissions and
lifetime on every route here and, through `git_access`, on a GitHttpServer. `clock`
(default time.time) is what expiry is measured against: a test moves it.

Repositories spring into existence on first use: any owner/name is served.
`GET /_state` (not a GitHub endpoint) dumps the state for the demo.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from skillsync.devservers._base import LoopbackServer, Recorded, Reply
from skillsync.devservers.github_app import App, Apps
from skillsync.devservers.github_git import GitSideMixin, Protection
from skillsync.devservers.github_items import DOCS, Item, ItemsMixin, Repo

_NAME = r"[A-Za-z0-9_.-]+"
_ROUTES: list[tuple[str, re.Pattern[str]]] = [
    ("pulls", re.compile(rf"^/repos/(?P<owner>{_NAME})/(?P<repo>{_NAME})/pulls$")),
    ("pull", re.compile(rf"^/repos/(?P<owner>{_NAME})/(?P<repo>{_NAME})/pulls/(?P<n>\d+)$")),
    ("issues", re.compile(rf"^/repos/(?P<owner>{_NAME})/(?P<repo>{_NAME})/issues$")),
    ("issue", re.compile(rf"^/repos/(?P<owner>{_NAME})/(?P<repo>{_NAME})/issues/(?P<n>\d+)$")),
    ("comments",
     re.compile(rf"^/repos/(?P<owner>{_NAME})/(?P<repo>{_NAME})/issues/(?P<n>\d+)/comments$")),
    ("labels",
     re.compile(rf"^/repos/(?P<owner>{_NAME})/(?P<repo>{_NAME})/issues/(?P<n>\d+)/labels$")),
    # the repository side (skillsync.devservers.github_git, issue 16)
    ("repository", re.compile(rf"^/repos/(?P<owner>{_NAME})/(?P<repo>{_NAME})$")),
    ("protection", re.compile(
        rf"^/repos/(?P<owner>{_NAME})/(?P<repo>{_NAME})/branches/(?P<branch>[^?#]+)/protection$")),
    ("git_commits", re.compile(rf"^/repos/(?P<owner>{_NAME})/(?P<repo>{_NAME})/git/commits$")),
    ("git_commit", re.compile(
        rf"^/repos/(?P<owner>{_NAME})/(?P<repo>{_NAME})/git/commits/(?P<sha>[0-9a-f]{{40}})$")),
    ("git_refs", re.compile(rf"^/repos/(?P<owner>{_NAME})/(?P<repo>{_NAME})/git/refs$")),
    ("git_ref", re.compile(
        rf"^/repos/(?P<owner>{_NAME})/(?P<repo>{_NAME})/git/refs/(?P<ref>heads/[^?#]+)$")),
]
_INSTALLATION = re.compile(rf"^/repos/(?P<owner>{_NAME})/(?P<repo>{_NAME})/installation$")
_ACCESS_TOKENS = re.compile(r"^/app/installations/(?P<id>\d+)/access_tokens$")
# What an installation token needs for each route: (kind, method) -> the permission, and
# whether a pull request's number also accepts pull_requests (comments, labels, issue).
_NEEDS: dict[tuple[str, str], tuple[str, str]] = {
    ("pulls", "GET"): ("pull_requests", "read"), ("pulls", "POST"): ("pull_requests", "write"),
    ("pull", "GET"): ("pull_requests", "read"), ("pull", "PATCH"): ("pull_requests", "write"),
    ("issues", "GET"): ("issues", "read"), ("issues", "POST"): ("issues", "write"),
    ("issue", "GET"): ("issues", "read"), ("issue", "PATCH"): ("issues", "write"),
    ("comments", "GET"): ("issues", "read"), ("comments", "POST"): ("issues", "write"),
    ("labels", "POST"): ("issues", "write"),
    ("protection", "GET"): ("administration", "read"),
    ("git_commits", "POST"): ("contents", "write"), ("git_commit", "GET"): ("contents", "read"),
    ("git_refs", "POST"): ("contents", "write"), ("git_ref", "PATCH"): ("contents", "write"),
}


class FakeGitHub(ItemsMixin, GitSideMixin, LoopbackServer):
    """`FakeGitHub(token="t").start()`; `.url` is the API base URL for `forge.GitHub`."""

    name = "github"

    def __init__(self, token: str | None = None, *, host: str = "127.0.0.1", port: int = 0,
                 login: str = "skillsync-bot", page_size_cap: int = 100,
                 path_prefix: str = "") -> None:
        super().__init__(host=host, port=port)
        self.path_prefix = path_prefix.rstrip("/")   # "/api/v3" serves like GitHub Enterprise
        self.token = token
        self.login = login
        self.page_size_cap = page_size_cap   # lower it to force pagination in tests
        self.repos: dict[str, Repo] = {}
        self._clock = 0
        self._ids = 1000
        self.apps = Apps(time.time)
        # The static token's role on every repository (GET /repos/{o}/{r} `permissions`)
        # and, when not None, its classic scopes (the X-OAuth-Scopes header).
        self.token_permissions = {"admin": False, "maintain": False, "push": True,
                                  "triage": True, "pull": True}
        self.token_scopes: str | None = None
        self.api_commits_verified = True

    def attach_git(self, full_name: str, git_dir: str | Path) -> None:
        """Serve the git data API of `full_name` from this bare repository (the one the
        test pushes to over file:// or a GitHttpServer)."""
        self.repo(full_name).side.git_dir = Path(git_dir)

    def protect(self, full_name: str, branch: str = "main", *, required_signatures: bool = False,
                required_reviews: int = 0, status_checks: tuple[str, ...] = (),
                enforce_admins: bool = False) -> None:
        """Classic branch protection on `branch` (served and enforced on API ref updates)."""
        self.repo(full_name).side.protection[branch] = Protection(
            required_signatures, required_reviews, tuple(status_checks), enforce_admins)

    def verified(self, full_name: str, sha: str) -> bool:
        """Did GitHub (this server) create and sign `sha` through the API?"""
        return sha in self.repo(full_name).side.verified

    @property
    def clock(self) -> Callable[[], float]:
        """Wall time as this server sees it (token and JWT expiry); a test replaces it."""
        return self.apps.clock

    @clock.setter
    def clock(self, value: Callable[[], float]) -> None:
        self.apps.clock = value

    def register_app(self, app_id: str, public_key: str | bytes, *,
                     permissions: dict[str, str], client_id: str | None = None) -> App:
        """Register a GitHub App with its public key (PEM) and the permissions it may ask."""
        with self._lock:
            return self.apps.register(app_id, public_key, permissions=permissions,
                                      client_id=client_id)

    def install_app(self, app_id: str, account: str, *, repositories: list[str] | None = None,
                    permissions: dict[str, str] | None = None) -> int:
        """Install the App on `account` (all repositories, or these names); its id."""
        with self._lock:
            return self.apps.install(app_id, account, repositories=repositories,
                                     permissions=permissions)

    def git_access(self, token: str | None, repo: str, write: bool) -> int:
        """For GitHttpServer(authorize=...): may this installation token fetch or push?"""
        with self._lock:
            return self.apps.git_access(token, repo, write)

    @property
    def url(self) -> str:
        """The API base URL (with the Enterprise path prefix, if any)."""
        return f"http://{self.host}:{self.port}{self.path_prefix}"

    # -- state helpers (for tests and the demo) ------------------------------------------
    def repo(self, full_name: str) -> Repo:
        with self._lock:
            if full_name not in self.repos:
                owner, name = full_name.split("/", 1)
                self.repos[full_name] = Repo(owner, name, self._next_id())
            return self.repos[full_name]

    def _next_id(self) -> int:
        self._ids += 1
        return self._ids

    def _tick(self) -> int:
        self._clock += 1
        return self._clock

    def pulls(self, full_name: str, state: str = "all") -> list[Item]:
        return [p for p in self.repo(full_name).pulls() if state in ("all", p.state)]

    def issues(self, full_name: str, state: str = "all") -> list[Item]:
        return [i for i in self.repo(full_name).items.values()
                if not i.is_pull and state in ("all", i.state)]

    def close_pull(self, full_name: str, number: int, *, merged: bool = False) -> None:
        """What a person does in the web UI: close (or merge) a pull request."""
        with self._lock:
            item = self.repo(full_name).items[number]
            now = self._tick()
            item.state, item.closed, item.updated = "closed", now, now
            if merged:
                item.merged = now

    def add_pull(self, full_name: str, *, head: str, base: str = "main", title: str = "x",
                 body: str = "", user: str | None = None) -> Item:
        """Seed a pull request (e.g. someone else's, for filter tests)."""
        with self._lock:
            repo = self.repo(full_name)
            owner, ref = head.split(":", 1) if ":" in head else (repo.owner, head)
            item = self._new_item(repo, title, body, user or self.login, is_pull=True)
            item.head_owner, item.head_ref, item.base_ref = owner, ref, base
            return item

    def writes(self) -> list[Recorded]:
        """Requests that changed (or tried to change) a repository's state (minting an
        installation token changes none: a dry run may do it, with read permissions)."""
        return [r for r in self.requests if r.method in ("POST", "PATCH", "PUT", "DELETE")
                and not _ACCESS_TOKENS.match(r.path[len(self.path_prefix):])]

    def state(self) -> dict[str, Any]:
        with self._lock:
            return {name: {
                "pulls": [self._pull(r, i, full=True) for i in r.pulls()],
                "issues": [dict(self._issue(r, i), comments_list=[c["body"] for c in i.comments])
                           for i in r.items.values() if not i.is_pull],
            } for name, r in self.repos.items()
                # A repository only read (it springs into existence on first use) holds
                # nothing: a dry run's reads leave the state as it was.
                if r.items or r.labels}

    # -- routing --------------------------------------------------------------------------
    def default_error_body(self, status: int) -> Any:
        if status in (403, 429):
            return {"message": "API rate limit exceeded for user ID 1.",
                    "documentation_url": f"{DOCS}/overview/rate-limits-for-the-rest-api"}
        if status == 401:
            return {"message": "Bad credentials", "documentation_url": DOCS, "status": "401"}
        return {"message": "Server Error"} if status >= 500 else {"message": f"HTTP {status}"}

    def route(self, rec: Recorded, authorization: str | None) -> tuple[int, Any, dict[str, str]]:
        rec.extra["at"] = self.clock()   # when it arrived, on this server's clock
        if rec.method == "GET" and rec.path == "/_state":
            return 200, self.state(), {}
        path = rec.path
        if self.path_prefix:
            if not path.startswith(self.path_prefix + "/"):
                raise Reply(404, {"message": "Not Found", "documentation_url": DOCS})
            path = path[len(self.path_prefix):]
        app_route = self._app_route(rec, path, authorization)
        if app_route is not None:
            return app_route
        with self._lock:
            grant = self.apps.grant_for(authorization)
        if grant is None and self.token is not None and authorization not in (
                f"Bearer {self.token}", f"token {self.token}"):
            raise Reply(401, {"message": "Bad credentials" if authorization
                              else "Requires authentication",
                              "documentation_url": DOCS, "status": "401"})
        for kind, pattern in _ROUTES:
            m = pattern.match(path)
            if m:
                handler = getattr(self, f"_{kind}_{rec.method.lower()}", None)
                if handler is None:
                    break
                with self._lock:
                    full_name = f"{m['owner']}/{m['repo']}"
                    number = int(m["n"]) if "n" in m.groupdict() else None
                    rec.extra["match"] = m.groupdict()
                    rec.extra["grant"] = grant is not None
                    if grant is not None:
                        self.apps.check(grant, full_name, self._needs(kind, rec.method,
                                                                      full_name, number),
                                        rec.method)
                    repo = self.repo(full_name)
                    result: tuple[int, Any, dict[str, str]] = handler(rec, repo, number)
                    return result
        raise Reply(404, {"message": "Not Found", "documentation_url": DOCS, "status": "404"})

    def _app_route(self, rec: Recorded, path: str,
                   authorization: str | None) -> tuple[int, Any, dict[str, str]] | None:
        """The two GitHub App endpoints (JWT auth), or None for any other path."""
        m = _INSTALLATION.match(path)
        if m and rec.method == "GET":
            with self._lock:
                return 200, self.apps.repo_installation(
                    authorization, f"{m['owner']}/{m['repo']}", self.url), {}
        m = _ACCESS_TOKENS.match(path)
        if m and rec.method == "POST":
            with self._lock:
                return 201, self.apps.create_token(
                    authorization, int(m["id"]), rec.body,
                    lambda name: self._repository(self.repo(name))), {}
        return None

    def _needs(self, kind: str, method: str, full_name: str,
               number: int | None) -> list[tuple[str, str]]:
        need = _NEEDS.get((kind, method))
        if need is None:
            return []
        item = self.repos[full_name].items.get(number) if (
            number is not None and full_name in self.repos) else None
        if kind in ("comments", "labels", "issue") and item is not None and item.is_pull:
            return [need, ("pull_requests", need[1])]   # a PR's number takes either
        return [need]


    def _web(self) -> str:
        return f"http://{self.host}:{self.port}/web"   # html_url: not served, only shown


