"""The GitHub REST client's core: one session per client with retries, the shared
pacing, rate-limit waits, pagination and errors (the API calls are in pulls, repos,
issues; `skillsync.forge.GitHub` is all of them)."""

from __future__ import annotations

import datetime as dt
import email.utils
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import urlsplit, urlunsplit

from skillsync import pacing, secrets
from skillsync.errors import AuthError, TargetError

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


class Client:
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

    def __enter__(self) -> Self:
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

    def comment_issue(self, repository: str, number: int, body: str) -> dict[str, Any]:
        data: dict[str, Any] = self._json(
            "POST", f"{self._repo(repository)}/issues/{int(number)}/comments", json={"body": body})
        return data

    # -- names ----------------------------------------------------------
    def _repo(self, repository: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", repository or ""):
            raise ForgeError(f"bad repository name '{repository}' (want owner/name)")
        return f"/repos/{repository}"

    @staticmethod
    def _qualified_head(repository: str, head: str) -> str:
        # GitHub silently ignores `head=branch` without the owner prefix and lists
        # every pull request; with the prefix it filters (issue 5).
        return head if ":" in head else f"{repository.split('/')[0]}:{head}"


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
