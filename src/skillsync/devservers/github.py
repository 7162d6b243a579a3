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

import datetime as dt
import re
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from skillsync.devservers._base import LoopbackServer, Recorded, Reply
from skillsync.devservers.github_app import App, Apps
from skillsync.devservers.github_git import GitSideMixin, Protection, RepoSide

DOCS = "https://docs.github.com/rest"
_EPOCH = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
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


@dataclass
class Item:
    """An issue or a pull request (GitHub numbers both from one sequence)."""

    number: int
    id: int
    title: str
    body: str | None
    user: str
    created: int                        # logical clock ticks
    updated: int
    is_pull: bool = False
    state: str = "open"
    state_reason: str | None = None
    closed: int | None = None
    labels: list[str] = field(default_factory=list)
    comments: list[dict[str, Any]] = field(default_factory=list)
    # pull requests only
    head_owner: str = ""
    head_ref: str = ""
    base_ref: str = ""
    merged: int | None = None
    sha: str = "0" * 40


@dataclass
class Repo:
    owner: str
    name: str
    id: int
    items: dict[int, Item] = field(default_factory=dict)
    labels: dict[str, int] = field(default_factory=dict)   # name -> id
    next_number: int = 1
    side: RepoSide = field(default_factory=RepoSide)       # git data, protection

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    def pulls(self) -> list[Item]:
        return [i for i in self.items.values() if i.is_pull]


class FakeGitHub(GitSideMixin, LoopbackServer):
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

    # -- pulls ----------------------------------------------------------------------------------
    def _pulls_get(self, rec: Recorded, repo: Repo, _: None) -> tuple[int, Any, dict[str, str]]:
        state = rec.param("state") or "open"
        head = rec.param("head")
        base = rec.param("base")
        items = [p for p in repo.pulls() if state in ("all", p.state)]
        # GitHub filters on head only in the user:ref form; a bare branch is ignored.
        if head and ":" in head:
            owner, ref = head.split(":", 1)
            items = [p for p in items if p.head_owner == owner and p.head_ref == ref]
        if base:
            items = [p for p in items if p.base_ref == base]
        items.sort(key=lambda p: p.created, reverse=(rec.param("direction") or "desc") == "desc")
        return self._page(rec, [self._pull(repo, p) for p in items])

    def _pulls_post(self, rec: Recorded, repo: Repo, _: None) -> tuple[int, Any, dict[str, str]]:
        body = rec.body if isinstance(rec.body, dict) else {}
        missing = [k for k in ("head", "base", "title") if not body.get(k)]
        if missing:
            raise _invalid("PullRequest", missing[0], "missing_field")
        head = str(body["head"])
        owner, ref = head.split(":", 1) if ":" in head else (repo.owner, head)
        base = str(body["base"])
        if owner == repo.owner and ref == base:
            raise _invalid("PullRequest", "head", "custom",
                           f"No commits between {base} and {ref}")
        for p in repo.pulls():
            if (p.state == "open" and p.head_owner == owner and p.head_ref == ref
                    and p.base_ref == base):
                raise _invalid("PullRequest", "head", "custom",
                               f"A pull request already exists for {owner}:{ref}.")
        item = self._new_item(repo, str(body["title"]), body.get("body"), self.login, is_pull=True)
        item.head_owner, item.head_ref, item.base_ref = owner, ref, base
        obj = self._pull(repo, item, full=True)
        return 201, obj, {"Location": obj["url"]}

    def _pull_get(self, rec: Recorded, repo: Repo, n: int) -> tuple[int, Any, dict[str, str]]:
        return 200, self._pull(repo, self._get(repo, n, pull=True), full=True), {}

    def _pull_patch(self, rec: Recorded, repo: Repo, n: int) -> tuple[int, Any, dict[str, str]]:
        item = self._get(repo, n, pull=True)
        body = rec.body if isinstance(rec.body, dict) else {}
        if "title" in body:
            item.title = str(body["title"])
        if "body" in body:
            item.body = body["body"]
        if "base" in body:
            item.base_ref = str(body["base"])
        if "state" in body:
            self._set_state(item, str(body["state"]))
        item.updated = self._tick()
        return 200, self._pull(repo, item, full=True), {}

    # -- issues ----------------------------------------------------------------------------------
    def _issues_get(self, rec: Recorded, repo: Repo, _: None) -> tuple[int, Any, dict[str, str]]:
        state = rec.param("state") or "open"
        wanted = [x for x in (rec.param("labels") or "").split(",") if x]
        items = [i for i in repo.items.values() if state in ("all", i.state)
                 and all(lb in i.labels for lb in wanted)]
        items.sort(key=lambda i: i.created, reverse=(rec.param("direction") or "desc") == "desc")
        return self._page(rec, [self._issue(repo, i) for i in items])

    def _issues_post(self, rec: Recorded, repo: Repo, _: None) -> tuple[int, Any, dict[str, str]]:
        body = rec.body if isinstance(rec.body, dict) else {}
        if not body.get("title"):
            raise _invalid("Issue", "title", "missing_field")
        item = self._new_item(repo, str(body["title"]), body.get("body"), self.login)
        self._add_labels(repo, item, body.get("labels") or [])
        obj = self._issue(repo, item)
        return 201, obj, {"Location": obj["url"]}

    def _issue_get(self, rec: Recorded, repo: Repo, n: int) -> tuple[int, Any, dict[str, str]]:
        return 200, self._issue(repo, self._get(repo, n)), {}

    def _issue_patch(self, rec: Recorded, repo: Repo, n: int) -> tuple[int, Any, dict[str, str]]:
        item = self._get(repo, n)
        body = rec.body if isinstance(rec.body, dict) else {}
        if "title" in body:
            item.title = str(body["title"])
        if "body" in body:
            item.body = body["body"]
        if "labels" in body:
            item.labels = []
            self._add_labels(repo, item, body["labels"] or [])
        if "state" in body:
            self._set_state(item, str(body["state"]), body.get("state_reason"))
        item.updated = self._tick()
        return 200, self._issue(repo, item), {}

    def _comments_get(self, rec: Recorded, repo: Repo, n: int) -> tuple[int, Any, dict[str, str]]:
        item = self._get(repo, n)
        return self._page(rec, [self._comment(repo, item, c) for c in item.comments])

    def _comments_post(self, rec: Recorded, repo: Repo, n: int) -> tuple[int, Any, dict[str, str]]:
        item = self._get(repo, n)
        body = rec.body if isinstance(rec.body, dict) else {}
        if not body.get("body"):
            raise _invalid("IssueComment", "body", "missing_field")
        now = self._tick()
        comment = {"id": self._next_id(), "body": str(body["body"]), "user": self.login,
                   "created": now, "updated": now}
        item.comments.append(comment)
        item.updated = now
        obj = self._comment(repo, item, comment)
        return 201, obj, {"Location": obj["url"]}

    def _labels_post(self, rec: Recorded, repo: Repo, n: int) -> tuple[int, Any, dict[str, str]]:
        item = self._get(repo, n)
        body = rec.body
        names = body.get("labels") if isinstance(body, dict) else body
        if not isinstance(names, list) or not names:
            raise _invalid("Label", "labels", "missing_field")
        self._add_labels(repo, item, names)
        item.updated = self._tick()
        return 200, [self._label(repo, lb) for lb in item.labels], {}

    # -- internals --------------------------------------------------------------------------
    def _new_item(self, repo: Repo, title: str, body: Any, user: str, *,
                  is_pull: bool = False) -> Item:
        now = self._tick()
        item = Item(number=repo.next_number, id=self._next_id(), title=title,
                    body=None if body is None else str(body), user=user, created=now,
                    updated=now, is_pull=is_pull)
        repo.next_number += 1
        repo.items[item.number] = item
        return item

    def _get(self, repo: Repo, n: int, *, pull: bool = False) -> Item:
        item = repo.items.get(n)
        if item is None or (pull and not item.is_pull):
            raise Reply(404, {"message": "Not Found", "documentation_url": DOCS, "status": "404"})
        return item

    def _set_state(self, item: Item, state: str, reason: Any = None) -> None:
        if state not in ("open", "closed"):
            raise _invalid("Issue", "state", "invalid")
        if state != item.state:
            item.state = state
            item.closed = self._tick() if state == "closed" else None
        item.state_reason = (str(reason) if reason else "completed") if state == "closed" else None

    def _add_labels(self, repo: Repo, item: Item, names: list[Any]) -> None:
        for raw in names:
            name = str(raw.get("name") if isinstance(raw, dict) else raw)
            if name not in repo.labels:
                repo.labels[name] = self._next_id()   # GitHub creates unknown labels
            if name not in item.labels:
                item.labels.append(name)

    def _page(self, rec: Recorded, items: list[Any]) -> tuple[int, Any, dict[str, str]]:
        try:
            per_page = max(1, min(int(rec.param("per_page") or 30), 100, self.page_size_cap))
            page = max(1, int(rec.param("page") or 1))
        except ValueError:
            raise _invalid("Query", "per_page", "invalid") from None
        last = max(1, -(-len(items) // per_page))
        chunk = items[(page - 1) * per_page: page * per_page]
        links = []

        def link(p: int, rel: str) -> str:
            query = {k: v[0] for k, v in rec.query.items()}
            query.update(page=str(p), per_page=str(per_page))
            return f'<http://{self.host}:{self.port}{rec.path}?{urlencode(query)}>; rel="{rel}"'

        if page < last:
            links += [link(page + 1, "next"), link(last, "last")]
        if page > 1:
            links += [link(1, "first"), link(page - 1, "prev")]
        return 200, chunk, ({"Link": ", ".join(links)} if links else {})

    def _ts(self, tick: int | None) -> str | None:
        if tick is None:
            return None
        return (_EPOCH + dt.timedelta(seconds=tick)).strftime("%Y-%m-%dT%H:%M:%SZ")

    def _web(self) -> str:
        return f"http://{self.host}:{self.port}/web"   # html_url: not served, only shown

    def _user(self, login: str) -> dict[str, Any]:
        api = f"{self.url}/users/{login}"
        return {
            "login": login, "id": zlib.crc32(login.encode()) % 100000 + 1, "node_id": f"U_{login}",
            "avatar_url": f"{self._web()}/avatars/{login}", "gravatar_id": "",
            "url": api, "html_url": f"{self._web()}/{login}",
            "followers_url": f"{api}/followers",
            "following_url": f"{api}/following{{/other_user}}",
            "gists_url": f"{api}/gists{{/gist_id}}",
            "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
            "subscriptions_url": f"{api}/subscriptions", "organizations_url": f"{api}/orgs",
            "repos_url": f"{api}/repos", "events_url": f"{api}/events{{/privacy}}",
            "received_events_url": f"{api}/received_events", "type": "User",
            "site_admin": False,
        }

    def _repository(self, repo: Repo) -> dict[str, Any]:
        api = f"{self.url}/repos/{repo.full_name}"
        web = f"{self._web()}/{repo.full_name}"
        urls = {f"{k}_url": f"{api}/{k}" for k in (
            "archive", "assignees", "blobs", "branches", "collaborators", "comments", "commits",
            "compare", "contents", "contributors", "deployments", "downloads", "events", "forks",
            "git_commits", "git_refs", "git_tags", "hooks", "issue_comment", "issue_events",
            "issues", "keys", "labels", "languages", "merges", "milestones", "notifications",
            "pulls", "releases", "stargazers", "statuses", "subscribers", "subscription", "tags",
            "teams", "trees")}
        open_issues = sum(1 for i in repo.items.values() if i.state == "open")
        return {
            **urls, "id": repo.id, "node_id": f"R_{repo.id}", "name": repo.name,
            "full_name": repo.full_name, "owner": self._user(repo.owner), "private": False,
            "html_url": web, "description": None, "fork": False, "url": api,
            "git_url": f"git://{self.host}/{repo.full_name}.git", "ssh_url": f"git@{self.host}:"
            f"{repo.full_name}.git", "clone_url": f"{web}.git", "svn_url": web,
            "mirror_url": None, "homepage": None, "language": None, "license": None,
            "forks": 0, "forks_count": 0, "stargazers_count": 0, "watchers_count": 0,
            "watchers": 0, "size": 0, "default_branch": "main", "open_issues": open_issues,
            "open_issues_count": open_issues, "has_issues": True, "has_projects": False,
            "has_wiki": False, "has_pages": False, "has_downloads": False, "archived": False,
            "disabled": False, "pushed_at": None, "created_at": self._ts(0),
            "updated_at": self._ts(0),
        }

    def _label(self, repo: Repo, name: str) -> dict[str, Any]:
        lid = repo.labels.get(name, 0)
        return {"id": lid, "node_id": f"LA_{lid}", "url": f"{self.url}/repos/{repo.full_name}/"
                f"labels/{name}", "name": name, "description": "", "color": "d73a4a",
                "default": False}

    def _pull(self, repo: Repo, item: Item, *, full: bool = False) -> dict[str, Any]:
        api = f"{self.url}/repos/{repo.full_name}"
        url = f"{api}/pulls/{item.number}"
        html = f"{self._web()}/{repo.full_name}/pull/{item.number}"
        issue_url = f"{api}/issues/{item.number}"
        statuses = f"{api}/statuses/{item.sha}"
        head_repo = repo if item.head_owner == repo.owner else Repo(
            item.head_owner, repo.name, repo.id + 1)

        def ref(r: Repo, name: str) -> dict[str, Any]:
            return {"label": f"{r.owner}:{name}", "ref": name, "sha": item.sha,
                    "user": self._user(r.owner), "repo": self._repository(r)}

        obj: dict[str, Any] = {
            "url": url, "id": item.id, "node_id": f"PR_{item.id}", "html_url": html,
            "diff_url": f"{html}.diff", "patch_url": f"{html}.patch", "issue_url": issue_url,
            "commits_url": f"{url}/commits", "review_comments_url": f"{url}/comments",
            "review_comment_url": f"{api}/pulls/comments{{/number}}",
            "comments_url": f"{issue_url}/comments", "statuses_url": statuses,
            "number": item.number, "state": item.state, "locked": False, "title": item.title,
            "user": self._user(item.user), "body": item.body,
            "labels": [self._label(repo, lb) for lb in item.labels], "milestone": None,
            "active_lock_reason": None, "created_at": self._ts(item.created),
            "updated_at": self._ts(item.updated), "closed_at": self._ts(item.closed),
            "merged_at": self._ts(item.merged), "merge_commit_sha": None,
            "assignee": None, "assignees": [], "requested_reviewers": [], "requested_teams": [],
            "head": ref(head_repo, item.head_ref), "base": ref(repo, item.base_ref),
            "_links": {k: {"href": v} for k, v in (
                ("self", url), ("html", html), ("issue", issue_url),
                ("comments", f"{issue_url}/comments"), ("review_comments", f"{url}/comments"),
                ("review_comment", f"{api}/pulls/comments{{/number}}"),
                ("commits", f"{url}/commits"), ("statuses", statuses))},
            "author_association": "CONTRIBUTOR", "auto_merge": None, "draft": False,
        }
        if full:
            obj.update({
                "merged": item.merged is not None, "mergeable": None, "rebaseable": None,
                "mergeable_state": "unknown", "merged_by": None, "comments": len(item.comments),
                "review_comments": 0, "maintainer_can_modify": True, "commits": 1,
                "additions": 0, "deletions": 0, "changed_files": 0,
            })
        return obj

    def _issue(self, repo: Repo, item: Item) -> dict[str, Any]:
        api = f"{self.url}/repos/{repo.full_name}"
        url = f"{api}/issues/{item.number}"
        kind = "pull" if item.is_pull else "issues"
        html = f"{self._web()}/{repo.full_name}/{kind}/{item.number}"
        obj: dict[str, Any] = {
            "id": item.id, "node_id": f"I_{item.id}", "url": url,
            "repository_url": api, "labels_url": f"{url}/labels{{/name}}",
            "comments_url": f"{url}/comments", "events_url": f"{url}/events",
            "html_url": html, "number": item.number, "state": item.state,
            "state_reason": item.state_reason, "title": item.title, "body": item.body,
            "user": self._user(item.user),
            "labels": [self._label(repo, lb) for lb in item.labels],
            "assignee": None, "assignees": [], "milestone": None, "locked": False,
            "active_lock_reason": None, "comments": len(item.comments),
            "closed_at": self._ts(item.closed), "created_at": self._ts(item.created),
            "updated_at": self._ts(item.updated), "author_association": "CONTRIBUTOR",
        }
        if item.is_pull:
            obj["pull_request"] = {"url": f"{api}/pulls/{item.number}", "html_url": html,
                                   "diff_url": f"{html}.diff", "patch_url": f"{html}.patch",
                                   "merged_at": self._ts(item.merged)}
        return obj

    def _comment(self, repo: Repo, item: Item, c: dict[str, Any]) -> dict[str, Any]:
        api = f"{self.url}/repos/{repo.full_name}"
        return {
            "id": c["id"], "node_id": f"IC_{c['id']}", "url": f"{api}/issues/comments/{c['id']}",
            "html_url": f"{self._web()}/{repo.full_name}/issues/{item.number}"
                        f"#issuecomment-{c['id']}",
            "body": c["body"], "user": self._user(c["user"]),
            "created_at": self._ts(c["created"]), "updated_at": self._ts(c["updated"]),
            "issue_url": f"{api}/issues/{item.number}", "author_association": "CONTRIBUTOR",
        }


def _invalid(resource: str, field_name: str, code: str, message: str | None = None) -> Reply:
    err: dict[str, Any] = {"resource": resource, "field": field_name, "code": code}
    if message:
        err["message"] = message
    return Reply(422, {"message": "Validation Failed", "errors": [err],
                       "documentation_url": DOCS, "status": "422"})
