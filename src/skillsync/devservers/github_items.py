"""The issues-and-pull-requests side of the loopback GitHub (FakeGitHub): the route
handlers for pulls, issues, comments and labels, and the JSON they answer, shaped
like GitHub's OpenAPI schemas (tests/openapi_contract.py checks them)."""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from skillsync.devservers._base import Recorded, Reply
from skillsync.devservers.github_git import RepoSide

DOCS = "https://docs.github.com/rest"
_EPOCH = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


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


def _invalid(resource: str, field_name: str, code: str, message: str | None = None) -> Reply:
    err: dict[str, Any] = {"resource": resource, "field": field_name, "code": code}
    if message:
        err["message"] = message
    return Reply(422, {"message": "Validation Failed", "errors": [err],
                       "documentation_url": DOCS, "status": "422"})


class ItemsMixin:
    """Route handlers `_<kind>_<method>` and renderers for FakeGitHub, which holds the
    state (`repos`, `_lock`) and the server's identity (`url`, `host`, `port`, `login`)."""

    login: str
    host: str
    port: int
    page_size_cap: int

    @property
    def url(self) -> str:  # pragma: no cover - FakeGitHub's
        raise NotImplementedError

    def _web(self) -> str:  # pragma: no cover - FakeGitHub's
        raise NotImplementedError

    def _tick(self) -> int:  # pragma: no cover - FakeGitHub's
        raise NotImplementedError

    def _next_id(self) -> int:  # pragma: no cover - FakeGitHub's
        raise NotImplementedError

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
