"""The one module that talks to the GitHub REST API (STYLE.md: one forge.py).

Built on `requests` with urllib3's retry machinery for 5xx and connection
errors (bounded, with backoff), plus our own handling of GitHub's rate limits,
which urllib3 does not understand: `Retry-After` (seconds or HTTP-date) and
`x-ratelimit-remaining: 0` + `x-ratelimit-reset`, waited out up to `max_wait`
seconds in total (RELIABILITY.md 18-20). Every call has a timeout. Errors name
the call ("GET /repos/o/r/pulls") and the status, never the token or a full
URL: `requests` exception text carries URLs, so it is never passed through.

Every call first takes its turn from the one limiter all clients of the process
share for that host (skillsync.pacing, issue 15): content-creating calls are kept
under GitHub's secondary limits, and when GitHub says the account is limited (a
403/429 with Retry-After, or `x-ratelimit-remaining: 0` on any answer) the other
threads hold their calls too.

The GitHub App calls (`repo_installation`, `create_installation_token`) are made
with the App's JWT as the token; skillsync.ghapp builds it and the request.

Works with GitHub Enterprise: `api_url` is e.g. https://ghe.example/api/v3.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from skillsync import pacing, secrets
from skillsync.errors import AuthError, TargetError
from skillsync.urls import redact_url

if TYPE_CHECKING:
    import requests

API_VERSION = "2022-11-28"
# Labels skillsync puts on a sync pull request it closed itself (issue 16): a later sync
# of that version knows a closed pull request was not a person's decision, and opens a
# new one (docs/sync-rollback.md, "Re-sync after a rollback").
ROLLED_BACK_LABEL = "skillsync-rolled-back"
SUPERSEDED_LABEL = "skillsync-superseded"
CLOSED_BY_SKILLSYNC = (ROLLED_BACK_LABEL, SUPERSEDED_LABEL)
DEFAULT_API_URL = "https://api.github.com"
ROLLBACK_DOC = "docs/sync-rollback.md"
_MAX_PAGES = 50            # pagination is bounded: 50 pages x 100 items
_MAX_RATE_LIMIT_WAITS = 10  # a server answering "wait 0s" forever must not loop forever


def _user_agent() -> str:
    try:
        from importlib.metadata import version

        return f"skillsync/{version('skillsync')}"
    except Exception:
        return "skillsync"


class ForgeError(TargetError):
    """A GitHub API call failed. `call` is "METHOD /path", `status` the HTTP status (or None)."""

    def __init__(self, message: str, *, call: str = "", status: int | None = None) -> None:
        self.call = call
        self.status = status
        super().__init__(secrets.redact(message))


class ForgeAuthError(ForgeError, AuthError):
    """401, or 403 that is not a rate limit: the credential must be renewed or widened
    (an AuthError, like git's own 401/403: skillsync.gitauth)."""


class ForgeRateLimitError(ForgeError):
    """Rate limited for longer than we may wait."""


@dataclass(frozen=True)
class PullRequestOutcome:
    action: str                 # opened | updated | unchanged | skipped-closed
    number: int
    url: str                    # API URL of the pull request
    html_url: str
    calls: int = 0              # API calls this open-or-update took

    def as_dict(self) -> dict[str, Any]:
        return {"action": self.action, "number": self.number, "url": self.html_url,
                "api_url": self.url, "calls": self.calls}


def _safe_origin(url: str) -> str:
    """scheme://host[:port] of `url` without any user:password part."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, "", "", ""))


class GitHub:
    """A GitHub REST API client. One instance per thread (it holds a requests Session)."""

    def __init__(
        self,
        api_url: str,
        token: str | None,
        *,
        timeout: float = 30,
        max_wait: float = 60,
        retries: int = 3,
        backoff: float = 0.5,
        token_env: str | None = None,
        user_agent: str | None = None,
        sleep: Callable[[float], None] | None = None,
        limiter: pacing.RateLimiter | None = None,
    ) -> None:
        parts = urlsplit(api_url or DEFAULT_API_URL)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ForgeError("forge api_url must be an http(s) URL")
        # Never keep user:password from a URL; the token goes in a header only.
        self.api_url = _safe_origin(api_url) + parts.path.rstrip("/")
        self._origin = _safe_origin(api_url)
        self._base_path = parts.path.rstrip("/")
        self.token = secrets.register(token.strip()) if token and token.strip() else None
        self.token_env = token_env
        self.timeout = timeout
        self.max_wait = max_wait
        self.retries = retries
        self.backoff = backoff
        self.user_agent = user_agent or _user_agent()
        # One limiter for every client of this host in the process (skillsync.pacing);
        # its clock and sleeper are the client's, so a test's fake clock covers both.
        self.limiter = limiter or pacing.limiter_for(self.api_url)
        self._sleep = sleep or self.limiter.sleep
        self._lock = threading.Lock()
        # Requests we sent, rate-limit repeats included; urllib3's transparent
        # 5xx/connection retries are not counted (the benchmarks report these).
        self.calls = 0
        self.call_log: list[str] = []
        self.waited = 0.0        # seconds GitHub asked this client to wait
        self.paced = 0.0         # seconds this client's calls waited for their turn
        self._session: requests.Session | None = None

    # -- plumbing -------------------------------------------------------------
    def _get_session(self) -> requests.Session:
        if self._session is None:
            import requests
            from requests.adapters import HTTPAdapter
            from urllib3.util.retry import Retry

            extra: dict[str, Any] = {}
            if hasattr(Retry, "DEFAULT_BACKOFF_MAX"):   # urllib3 >= 2: cap one backoff sleep
                extra["backoff_max"] = max(self.max_wait, 0.0)
            retry = Retry(
                total=self.retries,
                connect=self.retries,
                read=self.retries,
                status=self.retries,
                backoff_factor=self.backoff,
                status_forcelist=(500, 502, 503, 504),
                # POST is not idempotent: a 502 after GitHub created an issue
                # would make a duplicate. PATCH/PUT/DELETE/GET are safe to repeat.
                allowed_methods=frozenset({"GET", "HEAD", "PATCH", "PUT", "DELETE"}),
                # Retry-After is ours to honour (bounded by max_wait), not urllib3's.
                respect_retry_after_header=False,
                raise_on_status=False,
                raise_on_redirect=False,
                **extra,
            )
            session = requests.Session()
            session.trust_env = False  # no ~/.netrc credentials mixed into our calls
            adapter = HTTPAdapter(max_retries=retry)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            session.headers.update({
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": API_VERSION,
                "User-Agent": self.user_agent,
            })
            if self.token:
                session.headers["Authorization"] = f"Bearer {self.token}"
            self._session = session
        return self._session

    def close(self) -> None:
        if self._session is not None:
            self._session.close()
            self._session = None

    def __enter__(self) -> GitHub:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _count(self, call: str) -> None:
        with self._lock:
            self.calls += 1
            self.call_log.append(call)

    def _auth_hint(self) -> str:
        return f"the token in ${self.token_env}" if self.token_env else "the GitHub token"

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        url: str | None = None,
    ) -> requests.Response:
        """One API call (with retries and rate-limit waits). `path` is "/repos/..."."""
        import requests

        session = self._get_session()
        full = url or f"{self.api_url}{path}"
        call = f"{method} {urlsplit(full).path[len(self._base_path):] or path}"
        rate_waits = 0
        slept_through_block = False
        while True:
            self._take_turn(call, honour_block=not slept_through_block)
            slept_through_block = False
            self._count(call)
            try:
                resp = session.request(method, full, params=params, json=json,
                                       timeout=self.timeout, allow_redirects=False)
            except requests.RequestException as exc:
                raise ForgeError(f"{call}: {describe_error(exc, self.timeout)} "
                                 f"({self._origin})", call=call) from None
            if resp.status_code in (403, 429) and _is_rate_limited(resp):
                wait = _rate_limit_wait(resp, self.limiter.clock())
                rate_waits += 1
                if self.waited + wait > self.max_wait or rate_waits > _MAX_RATE_LIMIT_WAITS:
                    raise ForgeRateLimitError(
                        f"{call}: rate limited (HTTP {resp.status_code}); GitHub asks to wait "
                        f"{wait:.0f}s, beyond the {self.max_wait:.0f}s this run may wait "
                        f"(waited {self.waited:.0f}s already); retry later",
                        call=call, status=resp.status_code)
                self.waited += wait
                self.limiter.block(wait)   # every other thread holds its calls too
                self._sleep(wait)
                self.limiter.note(wait)
                slept_through_block = True
                continue
            self._observe(resp)
            if resp.status_code >= 400:
                raise self._error(call, resp)
            return resp

    def _take_turn(self, call: str, *, honour_block: bool) -> None:
        """Wait for this call's slot in the shared budget (skillsync.pacing). A block
        GitHub imposed on another thread's call counts against `max_wait`, like one
        imposed on ours; the pacing of our own budget does not."""
        method, _, path = call.partition(" ")
        try:
            self.paced += self.limiter.acquire(method, path, honour_block=honour_block,
                                               max_block=self.max_wait - self.waited)
        except pacing.Blocked as blocked:
            raise ForgeRateLimitError(
                f"{call}: GitHub rate-limited this run for another {blocked.wait:.0f}s "
                f"(an earlier answer said so), beyond the {self.max_wait:.0f}s this run "
                f"may wait (waited {self.waited:.0f}s already); retry later",
                call=call, status=None) from None

    def _observe(self, resp: requests.Response) -> None:
        """`x-ratelimit-remaining: 0` on an answer that went through: the next call
        would be refused, so every client of this host waits for the reset first."""
        h = resp.headers
        if h.get("x-ratelimit-remaining") == "0" and h.get("x-ratelimit-reset", "").isdigit():
            self.limiter.block(_rate_limit_wait(resp, self.limiter.clock()))

    def _error(self, call: str, resp: requests.Response) -> ForgeError:
        status = resp.status_code
        detail = _gh_message(resp)
        head = f"{call}: HTTP {status}" + (f" ({detail})" if detail else "")
        if status == 401:
            if not self.token:
                return ForgeAuthError(f"{head}: no token was given; set "
                                      f"{'$' + self.token_env if self.token_env else 'one'}",
                                      call=call, status=status)
            return ForgeAuthError(
                f"{head}: {self._auth_hint()} was rejected (expired or revoked?); "
                "renew it", call=call, status=status)
        if status == 403:
            needed = resp.headers.get("X-Accepted-GitHub-Permissions")
            want = f" (needs: {needed})" if needed else ""
            return ForgeAuthError(
                f"{head}: {self._auth_hint()} lacks permission for this call{want}; "
                "renew it with pull-request and issue write access", call=call, status=status)
        if status == 404:
            return ForgeError(f"{head}: not found, or {self._auth_hint()} "
                              "cannot see it", call=call, status=status)
        return ForgeError(head, call=call, status=status)

    def _json(self, method: str, path: str, **kw: Any) -> Any:
        resp = self.request(method, path, **kw)
        if not resp.content:
            return None
        try:
            return resp.json()
        except ValueError:
            raise ForgeError(f"{method} {path}: answer is not JSON",
                             status=resp.status_code) from None

    def paginate(self, path: str, params: Mapping[str, Any] | None = None) -> Iterator[Any]:
        """Items of a list endpoint, following `Link: <...>; rel="next"` (bounded)."""
        query: dict[str, Any] = {"per_page": 100, **(params or {})}
        resp = self.request("GET", path, params=query)
        for page in range(_MAX_PAGES):
            items = resp.json() if resp.content else []
            if not isinstance(items, list):
                raise ForgeError(f"GET {path}: expected a list", status=resp.status_code)
            yield from items
            nxt = _next_link(resp.headers.get("Link", ""))
            if not nxt:
                return
            # Never send the token to another host than the API's (a Link header is data).
            if _safe_origin(nxt) != self._origin or urlsplit(nxt).username:
                raise ForgeError(f"GET {path}: pagination link points to another host")
            if page + 1 >= _MAX_PAGES:
                raise ForgeError(f"GET {path}: more than {_MAX_PAGES} pages")
            resp = self.request("GET", path, url=nxt)

    # -- pull requests ----------------------------------------------------------
    def _repo(self, repository: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", repository or ""):
            raise ForgeError(f"bad repository name '{repository}' (want owner/name)")
        return f"/repos/{repository}"

    @staticmethod
    def _qualified_head(repository: str, head: str) -> str:
        # GitHub silently ignores `head=branch` without the owner prefix and lists
        # every pull request; with the prefix it filters (issue 5).
        return head if ":" in head else f"{repository.split('/')[0]}:{head}"

    def list_pull_requests(
        self, repository: str, *, head: str, base: str | None = None, state: str = "open"
    ) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"state": state, "head": self._qualified_head(repository, head)}
        if base:
            params["base"] = base
        return list(self.paginate(f"{self._repo(repository)}/pulls", params))

    def list_open_pull_requests(self, repository: str, *, base: str) -> list[dict[str, Any]]:
        """Every open pull request into `base` (bounded pagination)."""
        return list(self.paginate(f"{self._repo(repository)}/pulls",
                                  {"state": "open", "base": base}))

    def list_comments(self, repository: str, number: int) -> list[dict[str, Any]]:
        return list(self.paginate(f"{self._repo(repository)}/issues/{int(number)}/comments"))

    def find_pull_request(self, repository: str, head: str) -> dict[str, Any] | None:
        """The open pull request from `head` (branch or owner:branch), or None."""
        pulls = self.list_pull_requests(repository, head=head)
        return pulls[0] if pulls else None

    def get_pull_request(self, repository: str, number: int) -> dict[str, Any]:
        data: dict[str, Any] = self._json("GET", f"{self._repo(repository)}/pulls/{int(number)}")
        return data

    def close_pull_request(
        self, repository: str, number: int, comment: str | None = None
    ) -> dict[str, Any]:
        if comment:
            self.comment_issue(repository, number, comment)
        data: dict[str, Any] = self._json(
            "PATCH", f"{self._repo(repository)}/pulls/{int(number)}", json={"state": "closed"})
        return data

    def add_labels(self, repository: str, number: int, labels: Sequence[str]) -> list[Any]:
        data: list[Any] = self._json(
            "POST", f"{self._repo(repository)}/issues/{int(number)}/labels",
            json={"labels": list(labels)})
        return data

    def open_or_update_pull_request(
        self,
        repository: str,
        *,
        head: str,
        base: str,
        title: str,
        body: str,
        labels: Sequence[str] = (),
    ) -> PullRequestOutcome:
        """Open the pull request `head` -> `base`, or update the open one; never a duplicate.

        One list call (state=all) finds both an open pull request and one a person
        closed; then at most one write (+1 to add missing labels). A closed,
        unmerged pull request for this head is left closed ("skipped-closed"):
        reopening would override a person's decision (RELIABILITY.md 5).
        """
        start = self.calls
        path = self._repo(repository)
        pulls = self.list_pull_requests(repository, head=head, base=base, state="all")
        outcome = self._decide(repository, pulls, title=title, body=body, labels=labels)
        if outcome is None:
            try:
                pr = self._json("POST", f"{path}/pulls", json={
                    "title": title, "head": head, "base": base, "body": body,
                    "maintainer_can_modify": True,
                })
            except ForgeError as exc:
                # 422 "already exists": another run opened it between our list and
                # create; 5xx: GitHub may have created it anyway. Look again once.
                if exc.status not in (422, 500, 502, 503, 504):
                    raise
                pulls = self.list_pull_requests(repository, head=head, base=base, state="all")
                outcome = self._decide(repository, pulls, title=title, body=body, labels=labels)
                if outcome is None:
                    raise
            else:
                if labels:
                    self.add_labels(repository, int(pr["number"]), labels)
                outcome = PullRequestOutcome("opened", int(pr["number"]), str(pr["url"]),
                                             str(pr["html_url"]))
        return PullRequestOutcome(outcome.action, outcome.number, outcome.url, outcome.html_url,
                                  calls=self.calls - start)

    def _decide(
        self, repository: str, pulls: list[dict[str, Any]], *, title: str, body: str,
        labels: Sequence[str],
    ) -> PullRequestOutcome | None:
        open_prs = [p for p in pulls if p.get("state") == "open"]
        if open_prs:
            pr = min(open_prs, key=lambda p: int(p["number"]))
            number = int(pr["number"])
            changes = {}
            if pr.get("title") != title:
                changes["title"] = title
            if (pr.get("body") or "") != body:
                changes["body"] = body
            if changes:
                self._json("PATCH", f"{self._repo(repository)}/pulls/{number}", json=changes)
            have = {str(lb.get("name")) for lb in pr.get("labels") or []}
            missing = [lb for lb in labels if lb not in have]
            if missing:
                self.add_labels(repository, number, missing)
            action = "updated" if changes or missing else "unchanged"
            return PullRequestOutcome(action, number, str(pr["url"]), str(pr["html_url"]))
        # A pull request skillsync closed itself (a rollback, a newer release) is not a
        # person's decision: the sync opens a new one. One a person closed stays closed.
        closed = [p for p in pulls if p.get("state") == "closed" and not p.get("merged_at")
                  and not closed_by_skillsync(p)]
        if closed:
            pr = max(closed, key=lambda p: int(p["number"]))
            return PullRequestOutcome("skipped-closed", int(pr["number"]), str(pr["url"]),
                                      str(pr["html_url"]))
        return None

    # -- git data (signing: api) and repository settings (health) --------------------------
    def create_commit(self, repository: str, *, message: str, tree: str,
                      parents: Sequence[str]) -> dict[str, Any]:
        """POST /repos/{o}/{r}/git/commits: GitHub makes (and, for an App or the Actions
        token, signs) the commit; no author or committer is sent, so GitHub sets both."""
        data: dict[str, Any] = self._json("POST", f"{self._repo(repository)}/git/commits",
                                          json={"message": message, "tree": tree,
                                                "parents": list(parents)})
        if not isinstance(data, dict) or not isinstance(data.get("sha"), str):
            raise ForgeError(f"POST {self._repo(repository)}/git/commits: answer has no sha")
        return data

    def get_git_commit(self, repository: str, sha: str) -> dict[str, Any]:
        data: dict[str, Any] = self._json(
            "GET", f"{self._repo(repository)}/git/commits/{_ref_part(sha)}")
        return data

    def create_ref(self, repository: str, ref: str, sha: str) -> dict[str, Any]:
        """POST /repos/{o}/{r}/git/refs: a new ref (422 when it exists: a lease on absence)."""
        data: dict[str, Any] = self._json("POST", f"{self._repo(repository)}/git/refs",
                                          json={"ref": ref, "sha": sha})
        return data

    def update_ref(self, repository: str, ref: str, sha: str, *,
                   force: bool = False) -> dict[str, Any]:
        """PATCH /repos/{o}/{r}/git/refs/{ref} (ref like heads/main); fast-forward only
        unless `force` (never used by a sync)."""
        data: dict[str, Any] = self._json(
            "PATCH", f"{self._repo(repository)}/git/refs/{_ref_part(ref)}",
            json={"sha": sha, "force": force})
        return data

    def get_repository(self, repository: str) -> tuple[dict[str, Any], str | None]:
        """GET /repos/{o}/{r} and the classic token's scopes (X-OAuth-Scopes; None for
        fine-grained, App and Actions tokens, which have no scopes)."""
        resp = self.request("GET", self._repo(repository))
        try:
            data = resp.json()
        except ValueError:
            raise ForgeError(f"GET {self._repo(repository)}: answer is not JSON",
                             status=resp.status_code) from None
        if not isinstance(data, dict):
            raise ForgeError(f"GET {self._repo(repository)}: answer is not an object")
        return data, resp.headers.get("X-OAuth-Scopes")

    def branch_protection(self, repository: str, branch: str) -> dict[str, Any] | None:
        """GET /repos/{o}/{r}/branches/{branch}/protection; None when the branch is not
        protected (GitHub's 404 "Branch not protected"). Any other 404 or 403 (reading
        protection needs admin or `administration: read`) raises."""
        path = f"{self._repo(repository)}/branches/{_ref_part(branch)}/protection"
        try:
            data = self._json("GET", path)
        except ForgeError as exc:
            if exc.status == 404 and "branch not protected" in str(exc).lower():
                return None
            raise
        return data if isinstance(data, dict) else None

    # -- GitHub App installation tokens (skillsync.ghapp; this client holds the JWT) ---
    def repo_installation(self, repository: str) -> dict[str, Any]:
        """The App's installation on `repository` (GET /repos/{o}/{r}/installation)."""
        data: dict[str, Any] = self._json("GET", f"{self._repo(repository)}/installation")
        if not isinstance(data, dict) or not isinstance(data.get("id"), int):
            raise ForgeError(f"GET {self._repo(repository)}/installation: answer has no "
                             "installation id")
        return data

    def create_installation_token(
        self, installation_id: int, *, repositories: Sequence[str],
        permissions: Mapping[str, str],
    ) -> dict[str, Any]:
        """An installation access token for only `repositories` (names without the owner)
        and only `permissions` (POST /app/installations/{id}/access_tokens)."""
        path = f"/app/installations/{int(installation_id)}/access_tokens"
        data: dict[str, Any] = self._json("POST", path, json={
            "repositories": list(repositories), "permissions": dict(permissions)})
        if not isinstance(data, dict) or not isinstance(data.get("token"), str) \
                or not data["token"].strip():
            raise ForgeError(f"POST {path}: answer has no token")
        secrets.register(data["token"].strip())   # before anything can print it
        return data

    # -- issues (failure notifications) ------------------------------------------
    def list_issues(
        self, repository: str, *, label: str | None = None, state: str = "open"
    ) -> list[dict[str, Any]]:
        """Issues (not pull requests, which the issues endpoint also returns)."""
        params: dict[str, Any] = {"state": state}
        if label:
            params["labels"] = label
        return [i for i in self.paginate(f"{self._repo(repository)}/issues", params)
                if "pull_request" not in i]

    def find_issue_by_marker(
        self, repository: str, marker: str, label: str
    ) -> dict[str, Any] | None:
        """The oldest open issue labelled `label` whose body holds `marker`."""
        found = [i for i in self.list_issues(repository, label=label)
                 if marker in (i.get("body") or "")]
        return min(found, key=lambda i: int(i["number"])) if found else None

    def create_issue(
        self, repository: str, title: str, body: str, labels: Sequence[str] = ()
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {"title": title, "body": body}
        if labels:
            payload["labels"] = list(labels)
        data: dict[str, Any] = self._json("POST", f"{self._repo(repository)}/issues",
                                          json=payload)
        return data

    def comment_issue(self, repository: str, number: int, body: str) -> dict[str, Any]:
        data: dict[str, Any] = self._json(
            "POST", f"{self._repo(repository)}/issues/{int(number)}/comments", json={"body": body})
        return data

    def update_issue(
        self, repository: str, number: int, *, title: str | None = None,
        body: str | None = None, state: str | None = None, state_reason: str | None = None,
    ) -> dict[str, Any]:
        payload = {k: v for k, v in (("title", title), ("body", body), ("state", state),
                                     ("state_reason", state_reason)) if v is not None}
        data: dict[str, Any] = self._json(
            "PATCH", f"{self._repo(repository)}/issues/{int(number)}", json=payload)
        return data

    def close_issue(
        self, repository: str, number: int, comment: str | None = None
    ) -> dict[str, Any]:
        if comment:
            self.comment_issue(repository, number, comment)
        return self.update_issue(repository, number, state="closed", state_reason="completed")


def closed_by_skillsync(pr: Mapping[str, Any]) -> bool:
    """The pull request carries a label skillsync puts on what it closes itself."""
    return any(isinstance(lb, dict) and lb.get("name") in CLOSED_BY_SKILLSYNC
               for lb in pr.get("labels") or [])


def _ref_part(ref: str) -> str:
    """A branch or ref name as a URL path part (its slashes stay: GitHub's routes take
    them); anything that is not a plain ref name is refused before it reaches a URL."""
    if not re.fullmatch(r"[A-Za-z0-9._/+-]+", ref or "") or ".." in ref or ref.startswith("/"):
        raise ForgeError(f"bad ref name '{secrets.redact(ref)[:80]}'")
    return ref


def client_for(api_url: str | None, token_env: str | None, **kw: Any) -> GitHub:
    """A client for a target: the token is read from the variable the target names.

    A named but unset variable is a clear per-target error, not a crash.
    """
    token = secrets.from_env(token_env) if token_env else None
    if token_env and not token:
        raise ForgeAuthError(f"${token_env} is not set or empty (the target's auth.env names it)")
    return GitHub(api_url or DEFAULT_API_URL, token, token_env=token_env, **kw)


# -- response helpers ---------------------------------------------------------------
_LINK_RE = re.compile(r'<([^>]+)>\s*;\s*rel="?([^",;]+)"?')


def _next_link(header: str) -> str | None:
    for url, rel in _LINK_RE.findall(header or ""):
        if "next" in rel.split():
            return str(url)
    return None


def _gh_message(resp: requests.Response) -> str:
    try:
        data = resp.json()
    except ValueError:
        return resp.reason or ""
    if not isinstance(data, dict):
        return ""
    parts = [str(data.get("message") or "")]
    for err in data.get("errors") or []:
        if isinstance(err, dict) and err.get("message"):
            parts.append(str(err["message"]))
        elif isinstance(err, dict) and err.get("code"):
            parts.append(f"{err.get('field', '')} {err['code']}".strip())
    text = "; ".join(p for p in parts if p)
    return secrets.redact(text[:300])


def _is_rate_limited(resp: requests.Response) -> bool:
    if resp.status_code == 429:
        return True
    h = resp.headers
    if h.get("Retry-After") is not None or h.get("x-ratelimit-remaining") == "0":
        return True
    # Secondary rate limits are a 403 whose message says so.
    return "rate limit" in _gh_message(resp).lower()


def _rate_limit_wait(resp: requests.Response, now: float | None = None) -> float:
    """Seconds GitHub asks us to wait (docs: "Rate limits for the REST API")."""
    now = time.time() if now is None else now
    h = resp.headers
    retry_after = h.get("Retry-After")
    if retry_after:
        value = retry_after.strip()
        if value.isdigit():
            return float(value)
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            when = None
        if when is not None:
            if when.tzinfo is None:
                when = when.replace(tzinfo=dt.UTC)
            return max(0.0, when.timestamp() - now)
    if h.get("x-ratelimit-remaining") == "0" and h.get("x-ratelimit-reset", "").isdigit():
        # +1s: the reset second itself may still be limited.
        return max(0.0, int(h["x-ratelimit-reset"]) - now + 1)
    # GitHub: with no header, wait at least one minute before retrying.
    return 60.0


def describe_error(exc: Exception, timeout: float, *, retried: bool = True) -> str:
    """What went wrong, without the URL that requests puts in its messages (webhook
    URLs and API URLs with tokens are secrets too)."""
    import requests

    reason = exc.args[0] if exc.args else None
    inner = getattr(reason, "reason", reason)
    kind = type(inner).__name__ if inner is not None else type(exc).__name__
    tail = " (retries exhausted)" if retried else ""
    if isinstance(exc, requests.Timeout) or "Timeout" in kind:
        return f"timed out after {timeout:g}s{tail}"
    if isinstance(exc, requests.ConnectionError):
        return f"connection failed ({kind}{'; retries exhausted' if retried else ''})"
    return f"request failed ({type(exc).__name__})"


# -- pull request text -------------------------------------------------------------
def commit_url(source: str, commit: str) -> str | None:
    """Web link to `commit` when `source` is a forge URL (https or git@host:path)."""
    m = re.fullmatch(r"git@([^:/]+):(.+?)(?:\.git)?/?", source or "")
    if m:
        return f"https://{m.group(1)}/{m.group(2)}/commit/{commit}"
    parts = urlsplit(source or "")
    if parts.scheme in ("http", "https") and parts.hostname:
        path = re.sub(r"\.git/?$", "", parts.path.rstrip("/"))
        return f"{_safe_origin(source)}{path}/commit/{commit}"
    return None


def pull_request_title(version: str, source_name: str | None = None) -> str:
    what = f"{source_name} skills" if source_name else "skills"
    return f"skillsync: sync {what} {version}"


def pull_request_body(
    *,
    version: str,
    source: str,
    commit: str,
    run_id: str,
    target_id: str,
    ref: str | None = None,
    skills: Sequence[str] = (),
    added: Sequence[str] = (),
    modified: Sequence[str] = (),
    deleted: Sequence[str] = (),
    rollback_doc: str | None = None,
    rollback_workflow: str | None = None,
    max_files: int = 30,
) -> str:
    """Markdown body of a sync pull request: what, from where, and the way back.

    The body is read in the downstream repository, so the way back is absolute:
    `rollback_doc` the source's docs/sync-rollback.md at the release commit and
    `rollback_workflow` its rollback workflow's page (skillsync.links), else text
    naming where the doc is; commands are the installed console names.
    Deterministic: the same inputs (a re-run of the same run) give the same
    bytes, so open-or-update finds it unchanged and makes no write.
    """
    from skillsync import links
    from skillsync.paths import show

    link = commit_url(source, commit)
    commit_text = f"[`{commit[:12]}`]({link})" if link else f"`{commit}`"
    source_text = secrets.redact(redact_url(source))
    n = len(added) + len(modified) + len(deleted)
    lines = [
        f"Release **{version}**" + (f" (`{ref}`)" if ref and ref != version else "")
        + f" of `{source_text}` at {commit_text}.",
        "",
        f"- Skills ({len(skills)}): " + (", ".join(f"`{s}`" for s in skills) or "none"),
        f"- Files changed: {n} ({len(added)} added, {len(modified)} modified, "
        f"{len(deleted)} deleted)",
        f"- Run: `{run_id}`",
        "",
    ]
    if n:
        lines.append("<details><summary>Changed files</summary>")
        lines.append("")
        listed = 0
        for mark, paths in (("A", added), ("M", modified), ("D", deleted)):
            for p in sorted(paths):
                if listed >= max_files:
                    break
                lines.append(f"- {mark} `{p}`")
                listed += 1
        if n > listed:
            lines.append(f"- ... and {n - listed} more (see the run's plan)")
        lines += ["", "</details>", ""]
    doc = (f"[{ROLLBACK_DOC}]({rollback_doc})" if rollback_doc
           else f"`{ROLLBACK_DOC}` in `{source_text}` at `{commit[:12]}`")
    number = links.ci_run_number(run_id)
    lines += ["Should this release be wrong here, the source's maintainers can undo this "
              f"sync (how, per mechanism: {doc}):", ""]
    if number:
        where = f"[rollback workflow]({rollback_workflow})" if rollback_workflow else \
            "rollback workflow"
        lines.append(f"- the {where} with `run_id` {number} and `targets` "
                     f"`{show(target_id)}` (a dry run by default), or")
    lines += [
        "- with skillsync installed and this run's directory at hand:",
        "",
        "```",
        links.rollback_command(run_id, [target_id], dry_run=True),
        links.rollback_command(run_id, [target_id]),
        "```",
        "",
        # Not notify's issue marker (skillsync:target=): a PR must never match it.
        f"<!-- skillsync:pull-request target={target_id} -->",
        "",
    ]
    return "\n".join(lines)
