"""Pacing of GitHub API calls: one budget for every call a process makes (issue 15).

GitHub's secondary rate limits allow "no more than 80 content-generating requests
per minute and no more than 500 content-generating requests per hour" (docs: "Rate
limits for the REST API"); fleet tools that ignore them (repo-file-sync-action,
multi-gitter) get 403s part-way through a release. So every call `skillsync.forge`
makes passes through one `RateLimiter` first:

- **content** calls (`kind_of`): every POST, PATCH, PUT and DELETE, except minting
  an installation token. GitHub does not publish which endpoints create content, so
  we count every write, as octokit's throttling plugin does with its write bucket;
  for skillsync these are pull-request creation and update, labels, issue comments,
  issues (notify) and closing pull requests (rollback). They are kept under
  `per_minute` and `per_hour` in every sliding window, and spaced at least
  60 / per_minute seconds apart (GitHub: "wait at least one second between each"
  write; 0.75 s at 80/min keeps any minute at 80 without bursts).
- **token** calls (`POST /app/installations/{id}/access_tokens`): their own hourly
  budget (GitHub: no more than 2,000 OAuth access token requests an hour; we count
  installation-token mints against it to be safe).
- **read** calls: not paced, only held while GitHub said the account is limited.

When GitHub answers "limited" (`Retry-After`, `x-ratelimit-remaining: 0` with
`x-ratelimit-reset`; skillsync.forge reads them) the limiter is `block`ed, so every
other thread of the process waits too instead of spending requests on 403s.

Across CI matrix jobs the budget is split in advance: each job takes `share` of it
(`SKILLSYNC_RATE_SHARE=1/4` in each of four jobs). `SKILLSYNC_RATE_PER_MINUTE`,
`SKILLSYNC_RATE_PER_HOUR` and `SKILLSYNC_RATE_TOKENS_PER_HOUR` change the limits
(0 turns that limit off). The clock and the sleeper are injectable: tests prove the
pacing with a fake clock and no real sleeping.

`expected_calls` and `duration` are the model the dry run prints and
benchmarks/scale_model.py tabulates; `duration` runs the limiter itself on a fake
clock, so the model cannot drift from the pacing.
"""

from __future__ import annotations

import math
import os
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from skillsync.errors import UsageError

if TYPE_CHECKING:
    from skillsync.model import Target

PER_MINUTE = 80      # GitHub's secondary limit on content-creating requests per minute
PER_HOUR = 500       # ... and per hour
TOKENS_PER_HOUR = 2000
CONTENT, TOKEN, READ = "content", "token", "read"
_WRITES = frozenset({"POST", "PATCH", "PUT", "DELETE"})
_TOKEN_PATH = re.compile(r"/app/installations/[^/]+/access_tokens$")


def kind_of(method: str, path: str) -> str:
    """content | token | read, for one API call ("POST", "/repos/o/r/pulls")."""
    if method.upper() not in _WRITES:
        return READ
    return TOKEN if _TOKEN_PATH.search(path) else CONTENT


def parse_share(text: str | float | None) -> float:
    """'1/4', '0.25' or 0.25 -> 0.25; the share of the budget this process may use."""
    if text is None or text == "":
        return 1.0
    try:
        value = float(Fraction(str(text).strip()))
    except (ValueError, ZeroDivisionError):
        raise UsageError(f"SKILLSYNC_RATE_SHARE must be a fraction such as 1/4 or 0.25 "
                         f"(got {str(text)[:40]!r})") from None
    if not 0 < value <= 1:
        raise UsageError(f"SKILLSYNC_RATE_SHARE must be in (0, 1] (got {str(text)[:40]!r})")
    return value


def _env_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "")
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise UsageError(f"{name} must be a whole number (got {raw[:40]!r})") from None
    if value < 0:
        raise UsageError(f"{name} must be 0 (off) or more (got {value})")
    return value


@dataclass(frozen=True)
class Budget:
    """The limits one process keeps to (already multiplied by its share)."""

    per_minute: int = PER_MINUTE
    per_hour: int = PER_HOUR
    tokens_per_hour: int = TOKENS_PER_HOUR
    share: float = 1.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Budget:
        env = os.environ if env is None else env
        return cls(per_minute=_env_int(env, "SKILLSYNC_RATE_PER_MINUTE", PER_MINUTE),
                   per_hour=_env_int(env, "SKILLSYNC_RATE_PER_HOUR", PER_HOUR),
                   tokens_per_hour=_env_int(env, "SKILLSYNC_RATE_TOKENS_PER_HOUR",
                                            TOKENS_PER_HOUR),
                   share=parse_share(env.get("SKILLSYNC_RATE_SHARE")))

    @staticmethod
    def _window(value: float, width: float) -> tuple[int, float] | None:
        """(calls, seconds) for `value` calls per `width` seconds; a share below one call
        stretches the window instead (1/250 of 80 a minute: 1 call per 187.5 s), so
        250 jobs together still stay under the whole budget."""
        if value <= 0:
            return None
        if value >= 1:
            return math.floor(value), width
        return 1, width / value

    def windows(self, kind: str) -> list[tuple[int, float]]:
        """(calls, seconds) windows a call of `kind` must fit in."""
        if kind == CONTENT:
            pairs = [self._window(self.per_minute * self.share, 60.0),
                     self._window(self.per_hour * self.share, 3600.0)]
        elif kind == TOKEN:
            pairs = [self._window(self.tokens_per_hour * self.share, 3600.0)]
        else:
            pairs = []
        return [p for p in pairs if p is not None]

    def spacing(self, kind: str) -> float:
        rate = self.per_minute * self.share
        return 60.0 / rate if kind == CONTENT and rate > 0 else 0.0

    def describe(self) -> str:
        share = "" if self.share == 1 else f", share {Fraction(self.share).limit_denominator(1000)}"
        minute, hour = self.per_minute * self.share, self.per_hour * self.share
        return (f"{f'{minute:g}/min' if minute else 'no limit a minute'}, "
                f"{f'{hour:g}/h' if hour else 'no limit an hour'} content-creating calls"
                f"{share}")


class Blocked(Exception):
    """GitHub's own limit lasts longer than the caller may wait (`wait` seconds)."""

    def __init__(self, wait: float) -> None:
        super().__init__(wait)
        self.wait = wait


class _Waits(threading.local):
    def __init__(self) -> None:
        self.seconds = 0.0


_thread = _Waits()


def note_wait(seconds: float) -> None:
    """Count `seconds` of waiting against the calling thread (the sync engine runs one
    target per worker thread, so this is that target's wait)."""
    if seconds > 0:
        _thread.seconds += seconds


def thread_waited(*, reset: bool = False) -> float:
    """Seconds the calling thread waited for GitHub's limits and our budget since the
    last reset."""
    value = _thread.seconds
    if reset:
        _thread.seconds = 0.0
    return round(value, 3)


class RateLimiter:
    """Reserves a slot for each call, in arrival order, and sleeps until it comes.

    Thread-safe: a slot is reserved under the lock, the sleep happens outside it,
    so concurrent workers queue in order without holding each other up longer
    than the budget says."""

    def __init__(self, budget: Budget | None = None, *,
                 clock: Callable[[], float] = time.time,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.budget = budget or Budget()
        self.clock = clock        # wall time: GitHub's reset times are wall-clock epochs
        self.sleep = sleep
        self._lock = threading.Lock()
        self._slots: dict[str, deque[float]] = {CONTENT: deque(), TOKEN: deque()}
        self._blocked_until = 0.0
        self.waited = 0.0           # seconds slept in this limiter, all threads
        self.reserved: dict[str, int] = {CONTENT: 0, TOKEN: 0, READ: 0}
        # (kind, slot time) of the last paced calls, for tests and benchmarks (bounded)
        self.history: deque[tuple[str, float]] = deque(maxlen=100_000)

    # -- GitHub said stop ---------------------------------------------------------------
    def block(self, seconds: float) -> None:
        """No call of any kind before `seconds` from now (GitHub asked us to wait)."""
        with self._lock:
            self._blocked_until = max(self._blocked_until, self.clock() + max(0.0, seconds))

    def blocked_for(self) -> float:
        with self._lock:
            return max(0.0, self._blocked_until - self.clock())

    # -- the slot ---------------------------------------------------------------------
    def _slot(self, kind: str, now: float, honour_block: bool) -> float:
        at = max(now, self._blocked_until) if honour_block else now
        slots = self._slots.get(kind)
        if slots is None:
            return at
        windows = self.budget.windows(kind)
        keep = max((w for _, w in windows), default=0.0)
        while slots and slots[0] <= now - keep:
            slots.popleft()
        if slots:
            at = max(at, slots[-1] + self.budget.spacing(kind), slots[-1])
        for n, width in windows:
            if len(slots) >= n:
                # The n-th most recent slot must have left the window (t - width, t].
                at = max(at, slots[-n] + width)
        slots.append(at)
        self.history.append((kind, at))
        return at

    def acquire(self, method: str, path: str, *, max_block: float | None = None,
                honour_block: bool = True) -> float:
        """Wait for this call's turn; returns the seconds waited.

        `max_block`: the longest the caller may wait on a block GitHub imposed
        (the pacing of our own budget is not bounded by it); Blocked beyond that.
        `honour_block=False` for the thread that has just slept through the block."""
        kind = kind_of(method, path)
        with self._lock:
            now = self.clock()
            blocked = max(0.0, self._blocked_until - now) if honour_block else 0.0
            if max_block is not None and blocked > max_block:
                raise Blocked(blocked)
            at = self._slot(kind, now, honour_block)
            self.reserved[kind] += 1
        wait = max(0.0, at - now)
        if wait > 0:
            self.sleep(wait)
            self.note(wait)
        return wait

    def note(self, seconds: float) -> None:
        """Count a wait (ours, or one GitHub asked a client for) in this limiter and
        against the calling thread."""
        with self._lock:
            self.waited += seconds
        note_wait(seconds)


class _Unpaced(RateLimiter):
    """For loopback dev servers: no budget and no shared blocks (each client still
    honours what the server answers), so a test suite's hundreds of calls to FakeGitHub
    are not paced in real time; a test that wants pacing installs a limiter."""

    def __init__(self) -> None:
        super().__init__(Budget(per_minute=0, per_hour=0, tokens_per_hour=0))

    def block(self, seconds: float) -> None:
        pass


# -- the process's limiters ------------------------------------------------------------
# One per API origin: GitHub counts per account per host, so github.com and an
# Enterprise server never share a budget; every client of one host shares one.
_limiters: dict[str, RateLimiter] = {}
_limiters_lock = threading.Lock()
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def _origin(api_url: str) -> str:
    parts = urlsplit(api_url)
    host = (parts.hostname or "").lower()
    return f"{parts.scheme.lower()}://{host}" + (f":{parts.port}" if parts.port else "")


def limiter_for(api_url: str) -> RateLimiter:
    """The limiter every GitHub client of this process shares for `api_url`'s host
    (budget from the environment when first used; unpaced for a loopback server
    unless one was installed for it)."""
    origin = _origin(api_url)
    with _limiters_lock:
        found = _limiters.get(origin)
        if found is None:
            host = origin.split("://", 1)[-1].rsplit(":", 1)[0].strip("[]")
            found = _Unpaced() if host in _LOOPBACK else RateLimiter(Budget.from_env())
            _limiters[origin] = found
        return found


def install(api_url: str, new: RateLimiter | None) -> RateLimiter | None:
    """Use `new` for every client of `api_url`'s host from now on (None: back to the
    default at next use); returns the previous one. For tests and embedding."""
    origin = _origin(api_url)
    with _limiters_lock:
        old = _limiters.pop(origin, None)
        if new is not None:
            _limiters[origin] = new
        return old


# -- the model -------------------------------------------------------------------------
@dataclass(frozen=True)
class Calls:
    """Expected GitHub API calls of one target's sync, by kind."""

    content: int = 0
    token: int = 0
    read: int = 0
    by_name: dict[str, int] = field(default_factory=dict, compare=False)

    def __add__(self, other: Calls) -> Calls:
        names = dict(self.by_name)
        for k, v in other.by_name.items():
            names[k] = names.get(k, 0) + v
        return Calls(self.content + other.content, self.token + other.token,
                     self.read + other.read, names)


def _opens_pull_requests(mechanism: str, via: str | None) -> bool:
    """Asks the mechanism (skillsync.mechanisms) whether a target of this kind opens pull
    requests; `via`: a submodule target's `submodule.via`."""
    from pathlib import Path

    from skillsync import mechanisms
    from skillsync.model import Submodule, Target

    probe = Target(id="probe", mechanism=mechanism, source_file=Path("probe.yaml"),
                   submodule=Submodule(path="probe", via=via) if via else None)
    return mechanisms.kind(mechanism).opens_pull_requests(probe)


def expected_calls(mechanism: str, *, via: str | None = None, labels: bool = False,
                   github_app: bool = False) -> Calls:
    """The API calls a first sync of a release makes for one target (skillsync.forge:
    `open_or_update_pull_request` lists once with state=all, then creates, then adds
    labels; a GitHub App target first looks up the installation and mints a token).
    Re-runs and updates make fewer content calls (an unchanged PR: none)."""
    names: dict[str, int] = {}
    if github_app:
        names["GET /repos/{o}/{r}/installation"] = 1
        names["POST /app/installations/{id}/access_tokens"] = 1
    if _opens_pull_requests(mechanism, via):
        names["GET /repos/{o}/{r}/pulls"] = 1
        names["POST /repos/{o}/{r}/pulls"] = 1
        if labels:
            names["POST /repos/{o}/{r}/issues/{n}/labels"] = 1
    content = sum(v for k, v in names.items() if kind_of(*k.split(" ", 1)) == CONTENT)
    token = sum(v for k, v in names.items() if kind_of(*k.split(" ", 1)) == TOKEN)
    read = sum(names.values()) - content - token
    return Calls(content, token, read, names)


class ModelClock:
    """A clock that only moves when the limiter sleeps: the rate model runs a whole
    release's calls in no real time (duration forecasts, the scale model, tests)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def duration(calls: Iterable[Calls], budget: Budget | None = None) -> float:
    """Seconds of pacing the limiter imposes on these calls when nothing else takes
    time (the time of the last call's slot, the first at 0): run on a fake clock,
    token mints before each target's content calls, as a sync makes them."""
    clock = ModelClock()
    lim = RateLimiter(budget or Budget(), clock=clock, sleep=clock.sleep)
    for c in calls:
        for _ in range(c.token):
            lim.acquire("POST", "/app/installations/1/access_tokens")
        for _ in range(c.content):
            lim.acquire("POST", "/repos/o/r/pulls")
    return clock.now


def for_target(target: Target) -> Calls:
    """`expected_calls` for one target as its file describes it."""
    sub = target.submodule
    return expected_calls(target.mechanism, via=sub.via if sub is not None else None,
                          labels=bool(target.labels),
                          github_app=target.auth.method == "github-app")


def forecast(targets: Iterable[Target], budget: Budget | None = None) -> str:
    """One line for a dry run: the GitHub calls a live run of these targets would make
    and the least time the budget needs for them (before any git work)."""
    budget = budget or Budget.from_env()
    calls = [for_target(t) for t in targets]
    total = sum(calls, Calls())
    pulls = sum(c.by_name.get("POST /repos/{o}/{r}/pulls", 0) for c in calls)
    seconds = duration(calls, budget)
    return (f"rate model: {len(calls)} target(s), {pulls} pull request(s) to open: "
            f"{total.content} content-creating and {total.token} token GitHub call(s) at "
            f"{budget.describe()}: at least {human(seconds)} of pacing")


def human(seconds: float) -> str:
    """12 s, 6.2 min, 3.1 h."""
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"
