"""Pacing of GitHub calls (issue 15, item 4): one limiter for every client of a host
keeps content-creating calls under 80 a minute and 500 an hour (or a share of that),
honours GitHub's Retry-After and x-ratelimit-* for every thread, and the run records
how long it waited. A fake clock drives the limiter and the loopback GitHub alike:
nothing here sleeps."""

from __future__ import annotations

import email.utils
import itertools
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from skillsync import pacing
from skillsync.devservers.github import FakeGitHub
from skillsync.errors import UsageError
from skillsync.forge import ForgeRateLimitError, GitHub
from skillsync.pacing import Budget, RateLimiter
from test_sync import add_target, sync, world  # noqa: F401 - fixture re-export

TOKEN = "ghp_pacing_canary_5b6c7d8e9f"
START = 1_900_000_000.0


class FakeClock:
    """Wall time that moves only when someone sleeps (thread-safe)."""

    def __init__(self, now: float = START) -> None:
        self.now = now
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds


@pytest.fixture
def no_real_sleep(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any real sleep of this process's code during the test is a failure."""
    def forbidden(seconds: float) -> None:
        if seconds > 0.2:
            raise AssertionError(f"slept {seconds}s for real")

    monkeypatch.setattr(time, "sleep", forbidden)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def gh(clock: FakeClock) -> Iterator[FakeGitHub]:
    with FakeGitHub(token=TOKEN) as server:
        server.clock = clock
        yield server


def install(gh: FakeGitHub, clock: FakeClock, budget: Budget | None = None) -> RateLimiter:
    limiter = RateLimiter(budget or Budget(), clock=clock, sleep=clock.sleep)
    pacing.install(gh.url, limiter)
    return limiter


@pytest.fixture(autouse=True)
def _uninstall() -> Iterator[None]:
    before = dict(pacing._limiters)
    yield
    pacing._limiters.clear()
    pacing._limiters.update(before)


def content_times(gh: FakeGitHub) -> list[float]:
    return sorted(r.extra["at"] for r in gh.requests if r.method in ("POST", "PATCH"))


def max_in_window(times: list[float], width: float) -> int:
    """The most calls that arrived within any `width` seconds (window (t - width, t])."""
    best, lo = 0, 0
    for hi, t in enumerate(times):
        while times[lo] <= t - width:
            lo += 1
        best = max(best, hi - lo + 1)
    return best


# -- the burst -------------------------------------------------------------------------------
@pytest.mark.parametrize(("budget", "per_minute", "per_hour"), [
    (Budget(), 80, 500),
    (Budget(share=0.25), 20, 125),     # one of four matrix jobs: SKILLSYNC_RATE_SHARE=1/4
])
def test_burst_of_200_pull_requests_is_paced_under_both_limits(
    gh: FakeGitHub, clock: FakeClock, no_real_sleep: None, budget: Budget,
    per_minute: int, per_hour: int,
) -> None:
    """200 pull requests (each a create and a labels call: 400 content-creating calls) as
    the server's clock saw them arrive: never more than the minute's or the hour's limit
    in any window, and in exactly the time the model predicts."""
    limiter = install(gh, clock, budget)
    with GitHub(gh.url, TOKEN, backoff=0) as client:
        for i in range(200):
            outcome = client.open_or_update_pull_request(
                f"acme/r{i}", head="skillsync/1.0.0", base="main", title="t", body="b",
                labels=["skills-sync"])
            assert outcome.action == "opened"
    times = content_times(gh)
    assert len(times) == 400
    assert max_in_window(times, 60) <= per_minute
    assert max_in_window(times, 3600) <= per_hour
    # Not slower than needed either: the minute is full at its limit.
    assert max_in_window(times, 60) == per_minute
    elapsed = clock.now - START
    model = pacing.duration([pacing.expected_calls("pull-request", labels=True)] * 200, budget)
    assert elapsed == pytest.approx(model)
    assert elapsed >= (400 // per_hour) * 3600           # the hourly limit bound the share
    assert limiter.waited == pytest.approx(elapsed)
    reads = [r for r in gh.requests if r.method == "GET"]
    assert len(reads) == 200                             # reads are not paced or repeated


def test_threads_share_one_budget(gh: FakeGitHub, clock: FakeClock, no_real_sleep: None) -> None:
    """Eight workers, each with its own client, as the engine's pool has: their calls
    take slots from one limiter, so together they stay under the limits."""
    limiter = install(gh, clock)

    def work(n: int) -> None:
        with GitHub(gh.url, TOKEN, backoff=0) as client:
            for i in range(25):
                client.create_issue(f"acme/w{n}", f"issue {i}", "b")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    slots = sorted(at for kind, at in limiter.history if kind == pacing.CONTENT)
    assert len(slots) == 200 and len(gh.writes()) == 200
    assert max_in_window(slots, 60) <= 80
    assert all(b - a >= 0.75 - 1e-9 for a, b in itertools.pairwise(slots))


def test_what_counts_as_content_creating() -> None:
    assert pacing.kind_of("POST", "/repos/o/r/pulls") == pacing.CONTENT
    assert pacing.kind_of("PATCH", "/repos/o/r/issues/3") == pacing.CONTENT
    assert pacing.kind_of("POST", "/repos/o/r/issues/3/comments") == pacing.CONTENT
    assert pacing.kind_of("GET", "/repos/o/r/pulls") == pacing.READ
    assert pacing.kind_of("POST", "/app/installations/9/access_tokens") == pacing.TOKEN


# -- GitHub said wait ---------------------------------------------------------------------------
@pytest.mark.parametrize("form", ["seconds", "http-date"])
def test_retry_after_holds_every_client(gh: FakeGitHub, clock: FakeClock, no_real_sleep: None,
                                        form: str) -> None:
    """A 429 to one client blocks the others' calls until the time GitHub named, read
    against the same clock (HTTP-date included)."""
    install(gh, clock)
    value = "30" if form == "seconds" else email.utils.formatdate(START + 30, usegmt=True)
    gh.inject(r"/pulls$", [429], method="GET", headers={"Retry-After": value})
    first_slept: list[float] = []
    # The first client "sleeps" without moving the clock: the block is still on when
    # the second client calls.
    with GitHub(gh.url, TOKEN, backoff=0, sleep=first_slept.append) as first, \
            GitHub(gh.url, TOKEN, backoff=0) as second:
        first.list_pull_requests("acme/x", head="h")
        assert first_slept == [30.0] and first.waited == 30.0
        second.list_pull_requests("acme/y", head="h")
    assert second.paced == pytest.approx(30.0)
    assert clock.now == pytest.approx(START + 30)


def test_ratelimit_remaining_zero_holds_the_next_call(gh: FakeGitHub, clock: FakeClock,
                                                      no_real_sleep: None) -> None:
    """An answer that went through but says `x-ratelimit-remaining: 0`: the next call of
    any client waits for `x-ratelimit-reset` (+1 s) instead of being refused."""
    install(gh, clock)
    gh.inject(r"/pulls$", [200], method="GET", body=[], headers={
        "x-ratelimit-remaining": "0", "x-ratelimit-reset": str(int(START) + 100)})
    with GitHub(gh.url, TOKEN, backoff=0) as a, \
            GitHub(gh.url, TOKEN, backoff=0, max_wait=300) as b:
        assert a.list_pull_requests("acme/x", head="h") == []
        b.list_pull_requests("acme/x", head="h")
    assert b.paced == pytest.approx(101.0)
    assert [r.status for r in gh.requests] == [200, 200]      # no call spent on a 403


def test_a_block_beyond_max_wait_fails_clearly(gh: FakeGitHub, clock: FakeClock,
                                               no_real_sleep: None) -> None:
    limiter = install(gh, clock)
    limiter.block(600)
    with GitHub(gh.url, TOKEN, backoff=0, max_wait=60) as client, \
            pytest.raises(ForgeRateLimitError) as err:
        client.create_issue("acme/x", "t", "b")
    assert "another 600s" in str(err.value) and "60s" in str(err.value)
    assert gh.requests == []


def test_loopback_servers_are_unpaced_by_default(gh: FakeGitHub) -> None:
    """A test suite's many calls to FakeGitHub must not be paced in real time; a real
    host gets the budget from the environment."""
    assert pacing.limiter_for(gh.url).budget.windows(pacing.CONTENT) == []
    assert pacing.limiter_for("https://api.github.com").budget.windows(pacing.CONTENT) == [
        (80, 60.0), (500, 3600.0)]
    assert pacing.limiter_for("https://API.github.com:443/x") is not \
        pacing.limiter_for("https://ghe.example/api/v3")


# -- the budget and the model ------------------------------------------------------------------
def test_budget_from_the_environment() -> None:
    b = Budget.from_env({"SKILLSYNC_RATE_SHARE": "1/4", "SKILLSYNC_RATE_PER_HOUR": "400"})
    assert b.windows(pacing.CONTENT) == [(20, 60.0), (100, 3600.0)]
    assert b.spacing(pacing.CONTENT) == 3.0
    assert Budget.from_env({"SKILLSYNC_RATE_PER_MINUTE": "0"}).windows(pacing.CONTENT) == [
        (500, 3600.0)]
    assert pacing.parse_share("0.5") == 0.5
    # 250 jobs' shares stretch the window rather than round up to a call each
    tiny = Budget(share=1 / 250)
    assert tiny.windows(pacing.CONTENT) == [(1, 187.5), (2, 3600.0)]
    for bad in ("0", "2", "a/b", "1/0"):
        with pytest.raises(UsageError, match="SKILLSYNC_RATE_SHARE"):
            pacing.parse_share(bad)
    with pytest.raises(UsageError, match="SKILLSYNC_RATE_PER_MINUTE"):
        Budget.from_env({"SKILLSYNC_RATE_PER_MINUTE": "-1"})


def test_duration_model() -> None:
    pr = pacing.expected_calls("pull-request")
    assert (pr.content, pr.read, pr.token) == (1, 1, 0)
    assert pacing.expected_calls("push") == pacing.Calls()
    app = pacing.expected_calls("submodule", via="pull-request", labels=True, github_app=True)
    assert (app.content, app.read, app.token) == (2, 2, 1)
    # 600 pull requests: 500 at 0.75 s apart, then the hour's window, then 100 more.
    assert pacing.duration([pr] * 600) == pytest.approx(3600 + 99 * 0.75)
    assert pacing.duration([pacing.expected_calls("push")] * 1000) == 0


# -- the run's record and the dry run's forecast ------------------------------------------------
def test_summary_says_how_long_the_run_waited(world: dict[str, Any], gh: FakeGitHub,  # noqa: F811
                                              clock: FakeClock, no_real_sleep: None,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Three pull-request targets, one worker: each waits its spacing behind the one
    before; every result records its wait and the summary adds them up."""
    from skillsync import report

    monkeypatch.setenv("PR_TOKEN", TOKEN)
    install(gh, clock)
    for tid in ("p1", "p2", "p3"):
        add_target(world, tid, "pull-request", auth="{method: token, env: PR_TOKEN}",
                   forge=f'{{api_url: "{gh.url}", repository: acme/{tid}}}',
                   labels="[skills-sync]")
    out = sync(world, "v1.0.0", "paced", jobs=1)
    waits = {tid: r.data["rate_wait_seconds"] for tid, r in out["results"].items()}
    assert all(r.status == "synced" for r in out["results"].values())
    # 6 content calls 0.75 s apart: 5 gaps of waiting, the first call went at once.
    assert sum(waits.values()) == pytest.approx(5 * 0.75)
    summary = report.summarize(out["run"])
    assert summary["rate_wait_seconds"] == pytest.approx(5 * 0.75)
    on_disk = json.loads((out["run"].path / "results" / "p3.json").read_text())
    assert on_disk["data"]["rate_wait_seconds"] == waits["p3"]


def test_dry_run_prints_the_expected_duration_first(world: dict[str, Any],  # noqa: F811
                                                    capsys: pytest.CaptureFixture[str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from skillsync.commands.sync import main as sync_main

    monkeypatch.setenv("SKILLSYNC_RATE_SHARE", "1/2")
    for i in range(3):
        add_target(world, f"pr{i}", "pull-request", labels="[skills-sync]",
                   forge="{api_url: 'https://api.github.com', repository: acme/x}")
    add_target(world, "plain")
    code = sync_main(["--manifest", str(world["v1.0.0"]), "--targets", str(world["targets"]),
                      "--run-dir", str(world["root"] / "dry"), "--dry-run",
                      "--format", "json"])
    err = capsys.readouterr().err
    assert code == 0, err
    line = next(ln for ln in err.splitlines() if ln.startswith("rate model:"))
    assert line == ("rate model: 4 target(s), 3 pull request(s) to open: 6 content-creating "
                    "and 0 token GitHub call(s) at 40/min, 250/h content-creating calls, "
                    "share 1/2: at least 8 s of pacing")
    assert err.index("rate model:") < err.index("planned")


# -- the scale model (issue 15, item 6) ------------------------------------------------------
def test_scale_doc_is_current() -> None:
    """docs/scale.md is generated by benchmarks/scale_model.py from the model above."""
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    proc = subprocess.run([sys.executable, str(root / "benchmarks" / "scale_model.py"),
                           "--check"], capture_output=True, text=True, check=False, timeout=300)
    assert proc.returncode == 0, proc.stderr


def test_scale_models_artifact_bytes_match_a_real_run(tmp_path: Any,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The stored per-target bytes the doc extrapolates from still describe a real run
    directory (within a factor of two)."""
    import importlib.util
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location("scale_model",
                                                  root / "benchmarks" / "scale_model.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    monkeypatch.setenv("SKILLSYNC_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("SCALE_TOKEN", "set-by-the-model")
    stored = json.loads(mod.MEASURED.read_text())
    real = mod._run_dir_bytes(1, 1, tmp_path)
    expected = stored["fixed_bytes"] + 2 * stored["per_target_bytes"]
    assert expected / 2 <= real <= expected * 2, (real, expected)
