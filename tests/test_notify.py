"""scripts/notify and skillsync.notify against loopback GitHub, Slack receiver and SMTP."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import openapi_contract
from conftest import run_script
from skillsync import notify
from skillsync.devservers.github import FakeGitHub
from skillsync.devservers.receivers import SmtpServer, WebhookReceiver

TOKEN = "ghp_CANARYnotifyTok3n8c2f"
SLACK_PATH = "/services/T0001/B0001/CANARYslackHook9x7"
SMTP_PASSWORD = "CANARYsmtpPassw0rd5q"
CANARIES = ("CANARY", TOKEN, SLACK_PATH, SMTP_PASSWORD)
_seq = itertools.count(1)


@pytest.fixture(scope="module")
def github() -> Iterator[FakeGitHub]:
    with FakeGitHub(token=TOKEN) as srv:
        yield srv


@pytest.fixture(scope="module")
def slack() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as rx:
        yield rx


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer(user="notifier", password=SMTP_PASSWORD) as srv:
        yield srv


@pytest.fixture(autouse=True)
def _contract(github: FakeGitHub, slack: WebhookReceiver, smtp: SmtpServer) -> Iterator[None]:
    start = len(github.requests)
    yield
    github.clear_injections()
    slack.clear_injections()
    smtp.password, smtp.fail_with = SMTP_PASSWORD, None
    openapi_contract.check(github.requests[start:])


@pytest.fixture
def repo() -> str:
    return f"acme/skills-{next(_seq)}"


@pytest.fixture
def env(github: FakeGitHub, slack: WebhookReceiver, smtp: SmtpServer, repo: str) -> dict[str, str]:
    return {
        "GITHUB_TOKEN": TOKEN,
        "GITHUB_REPOSITORY": repo,
        "GITHUB_API_URL": github.url,
        "GITHUB_SERVER_URL": "https://github.example",
        "GITHUB_RUN_ID": "4242",
        "SKILLSYNC_SLACK_WEBHOOK_URL": slack.url + SLACK_PATH,
        "SKILLSYNC_SMTP_URL": f"smtp://notifier@127.0.0.1:{smtp.port}",
        "SKILLSYNC_SMTP_PASSWORD": SMTP_PASSWORD,
    }


def target(tid: str, status: str = "synced", *, error: str | None = None, run: str = "run",
           slack: bool = True, email: tuple[str, ...] = (), fallback: str | None = None,
           github_issue: bool = True) -> dict[str, Any]:
    return {
        "id": tid, "mechanism": "pull-request", "wave": 0, "status": status,
        "message": error or status, "error": error, "commit": None, "pull_request": None,
        "changes": {"add": 1, "modify": 0, "delete": 0},
        "rollback": f"scripts/rollback --run {run} --target {tid}", "fallback": fallback,
        "owner": "@acme/platform", "escalation": "#acme-oncall",
        "notify": {"github_issue": github_issue, "slack": slack, "email": list(email)},
    }


def make_run(tmp: Path, run: str, targets: list[dict[str, Any]]) -> Path:
    rd = tmp / run
    rd.mkdir(parents=True)
    for t in targets:
        t["rollback"] = f"scripts/rollback --run {run} --target {t['id']}"
    failed = any(notify.is_failure(t) for t in targets)
    summary = {
        "run": run, "status": "failed" if failed else "success", "dry_run": False,
        "release": {"version": "2.0.0", "ref": "v2.0.0", "commit": "c0ffee" + "0" * 34,
                    "source": "https://github.example/acme/skills.git"},
        "targets": targets,
        "counts": {},
    }
    (rd / "summary.json").write_text(json.dumps(summary, indent=2))
    return rd


def send(rd: Path, env: dict[str, str], **kw: Any) -> notify.Report:
    return notify.notify(rd, env=env, backoff=0, timeout=5, **kw)


def channel(report: notify.Report, name: str) -> notify.ChannelResult:
    return next(r for r in report.results if r.channel == name)


def assert_no_canary(*texts: object) -> None:
    for text in texts:
        for canary in CANARIES:
            assert canary not in str(text), f"secret leaked: {str(text)[:200]}"


def all_run_files(rd: Path) -> list[str]:
    return [p.read_text(errors="replace") for p in rd.rglob("*") if p.is_file()]


# -- GitHub issues -------------------------------------------------------------------------
def test_issue_opened_once_commented_then_closed(tmp: Path, env: dict[str, str],
                                                 github: FakeGitHub, repo: str) -> None:
    err = "push rejected: protected branch hook declined"
    r1 = send(make_run(tmp, "run-1", [target("a", "failed", error=err), target("b")]), env)
    gh1 = channel(r1, "github")
    assert gh1.status == "delivered"
    assert [(i["target"], i["action"]) for i in gh1.details["issues"]] == [("a", "opened")]
    assert gh1.details["calls"] == 2            # list open issues + create
    (issue,) = github.issues(repo)
    assert issue.labels == ["skillsync-failure"]
    assert notify.marker("a") in (issue.body or "")
    assert err in (issue.body or "")
    # A failed target was not changed: the issue says fix and re-sync, not roll back
    # (docs/sync-rollback.md), and links the doc at the release commit.
    assert "skillsync-sync --rerun-failed run-1" in (issue.body or "")
    assert "rollback --run" not in (issue.body or "")
    doc = "https://github.example/acme/skills/blob/c0ffee" + "0" * 34 + "/docs/sync-rollback.md"
    assert doc + "#when-to-roll-back" in (issue.body or "")
    assert "https://github.example/" + repo + "/actions/runs/4242" in (issue.body or "")

    r2 = send(make_run(tmp, "run-2", [target("a", "failed", error="still broken")]), env)
    assert [i["action"] for i in channel(r2, "github").details["issues"]] == ["commented"]
    (issue,) = github.issues(repo)
    assert issue.state == "open"
    assert "run-2" in issue.comments[-1]["body"]
    assert "still broken" in issue.comments[-1]["body"]

    r3 = send(make_run(tmp, "run-3", [target("a", "synced")]), env)
    assert [i["action"] for i in channel(r3, "github").details["issues"]] == ["closed"]
    assert channel(r3, "slack").status == "nothing-to-send"     # success: no Slack, no email
    assert channel(r3, "email").status == "nothing-to-send"
    (issue,) = github.issues(repo)
    assert issue.state == "closed"
    assert "Run `run-3` synced this target" in issue.comments[-1]["body"]

    send(make_run(tmp, "run-4", [target("a", "failed", error=err)]), env)
    assert [i.state for i in github.issues(repo)] == ["closed", "open"]


def test_one_issue_per_failing_target_never_duplicated(tmp: Path, env: dict[str, str],
                                                       github: FakeGitHub, repo: str) -> None:
    targets = [target("a", "failed", error="x"), target("b", "failed", error="y"),
               target("c", "failed", error="z", github_issue=False)]
    send(make_run(tmp, "run-1", targets), env)
    send(make_run(tmp, "run-2", targets), env)
    issues = github.issues(repo)
    assert sorted(i.title for i in issues) == ["skillsync: sync to a is failing",
                                                "skillsync: sync to b is failing"]
    assert all(len(i.comments) == 1 for i in issues)


def test_halted_target_with_error_counts_as_failure(tmp: Path, env: dict[str, str],
                                                    github: FakeGitHub, repo: str) -> None:
    targets = [target("drifted", "halted", error="drift: 2 synced files edited downstream"),
               target("major", "halted")]
    report = send(make_run(tmp, "run-1", targets), env, channels=["github"])
    assert report.failed == ["drifted"]
    assert [i.title for i in github.issues(repo)] == ["skillsync: sync to drifted is failing"]


# -- Slack and email --------------------------------------------------------------------------
def test_slack_and_email_carry_failures_errors_and_rollback(
        tmp: Path, env: dict[str, str], slack: WebhookReceiver, smtp: SmtpServer) -> None:
    targets = [
        target("acme-agents", "failed", error="401 Bad credentials: renew $ACME_SYNC_TOKEN",
               email=("ops@acme.example", "lead@acme.example"),
               fallback=".skillsync/runs/run-9/fallback/acme-agents.bundle"),
        target("docs-portal", "failed", error="webhook for target docs-portal: HTTP 503",
               slack=False, email=("lead@acme.example",)),
        target("quiet", "synced", email=("ops@acme.example",)),
    ]
    before_mail, before_slack = len(smtp.messages), len(slack.deliveries)
    report = send(make_run(tmp, "run-9", targets), env, channels=["slack", "email"])
    assert report.ok
    assert channel(report, "slack").status == "delivered"
    assert channel(report, "email").status == "delivered"

    (post,) = slack.deliveries[before_slack:]
    text = post.body["text"]
    blocks = json.dumps(post.body["blocks"])
    for part in ("acme-agents", "401 Bad credentials", "run-9", "2.0.0",
                 "skillsync-sync --rerun-failed run-9",
                 "acme-agents.bundle", "docs/sync-rollback.md",
                 "https://github.example/acme/skills/blob/c0ffee"):
        assert part in text and part in blocks, part
    assert "docs-portal" not in text            # that target did not ask for Slack
    assert post.body["blocks"][0]["type"] == "header"
    assert post.headers["Idempotency-Key"] == "run-9:slack"

    mails = smtp.messages[before_mail:]
    by_rcpt = {tuple(m.rcpt_tos): m for m in mails}
    assert set(by_rcpt) == {("ops@acme.example",), ("lead@acme.example",)}
    lead = by_rcpt[("lead@acme.example",)]
    assert "failed for 2 targets" in lead.subject and "run-9" in lead.subject
    for part in ("acme-agents", "docs-portal", "HTTP 503", "401 Bad credentials",
                 "skillsync-sync --rerun-failed run-9",
                 "/docs/sync-rollback.md#when-to-roll-back", "/actions/runs/4242"):
        assert part in lead.text, part
    assert "skillsync-rollback" not in lead.text and "scripts/" not in lead.text
    assert "docs-portal" not in by_rcpt[("ops@acme.example",)].text
    assert all(m.auth_user == "notifier" for m in mails)


def test_on_success_sends_a_summary(tmp: Path, env: dict[str, str], slack: WebhookReceiver,
                                    smtp: SmtpServer) -> None:
    before_mail, before_slack = len(smtp.messages), len(slack.deliveries)
    rd = make_run(tmp, "run-ok", [target("a", email=("ops@acme.example",)),
                                  target("b", "no-op")])
    report = send(rd, env, on_success=True, channels=["slack", "email"])
    assert [r.status for r in report.results] == ["delivered", "delivered"]
    (post,) = slack.deliveries[before_slack:]
    assert "1 no-op, 1 synced" in post.body["text"]
    # The synced target is the one a rollback could apply to: the command names it.
    assert "skillsync-rollback --run run-ok --target a --dry-run" in post.body["text"]
    assert "--target b" not in post.body["text"]   # a no-op wrote nothing to undo
    (mail,) = smtp.messages[before_mail:]
    assert "a: synced" in mail.text


def test_slack_5xx_retried_then_failed_others_still_deliver(
        tmp: Path, env: dict[str, str], slack: WebhookReceiver, smtp: SmtpServer,
        github: FakeGitHub, repo: str) -> None:
    slack.fail_next(500, 500, 500, 500)
    before = len(slack.requests)
    rd = make_run(tmp, "run-5", [target("a", "failed", error="boom", email=("o@x.example",))])
    report = send(rd, env)
    assert not report.ok
    result = channel(report, "slack")
    assert result.status == "failed"
    assert result.details["attempts"] == 4 and len(slack.requests) - before == 4
    assert channel(report, "github").status == "delivered"
    assert channel(report, "email").status == "delivered"
    assert_no_canary(result.message, json.dumps(report.as_dict()))


# -- the command --------------------------------------------------------------------------------
def test_cli_one_channel_down_others_delivered_exit_1(
        tmp: Path, env: dict[str, str], slack: WebhookReceiver, smtp: SmtpServer,
        github: FakeGitHub, repo: str) -> None:
    # A deleted Slack webhook answers 404 no_service: final, not retried.
    slack.inject(r".", [404], body="no_service")
    before_mail = len(smtp.messages)
    rd = make_run(tmp, "run-7", [target("a", "failed", error="boom", email=("o@x.example",))])
    proc = run_script("notify", str(rd), env=env)
    assert proc.returncode == 1, proc.stderr
    out = json.loads(proc.stdout)
    statuses = {k: v["status"] for k, v in out["channels"].items()}
    assert statuses == {"github": "delivered", "slack": "failed", "email": "delivered"}
    assert "Slack webhook: HTTP 404" in out["channels"]["slack"]["message"]
    assert len(smtp.messages) == before_mail + 1
    assert len(github.issues(repo)) == 1
    assert "notify: slack failed: Slack webhook: HTTP 404" in proc.stderr
    events = [json.loads(line) for line in (rd / "log.jsonl").read_text().splitlines()]
    assert [(e["step"], e["data"]["channel"], e["status"]) for e in events] == [
        ("notify", "github", "delivered"), ("notify", "slack", "failed"),
        ("notify", "email", "delivered")]


def test_cli_nothing_sent_when_nothing_failed(tmp: Path, env: dict[str, str],
                                              slack: WebhookReceiver, smtp: SmtpServer,
                                              github: FakeGitHub) -> None:
    before = (len(slack.requests), len(smtp.messages))
    writes = len(github.writes())
    rd = make_run(tmp, "run-ok", [target("a", email=("o@x.example",)), target("b", "no-op")])
    proc = run_script("notify", str(rd), env=env)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert {k: v["status"] for k, v in out["channels"].items()} == {
        "github": "nothing-to-send", "slack": "nothing-to-send", "email": "nothing-to-send"}
    assert (len(slack.requests), len(smtp.messages)) == before
    assert len(github.writes()) == writes


def test_cli_missing_variables_skip_channels(tmp: Path) -> None:
    rd = make_run(tmp, "run-1", [target("a", "failed", error="x", email=("o@x.example",))])
    proc = run_script("notify", str(rd))
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert {k: v["status"] for k, v in out["channels"].items()} == {
        "github": "skipped", "slack": "skipped", "email": "skipped"}
    assert "GITHUB_TOKEN, GITHUB_REPOSITORY not set" in out["channels"]["github"]["message"]


def test_cli_dry_run_contacts_nothing(tmp: Path, env: dict[str, str], slack: WebhookReceiver,
                                      smtp: SmtpServer, github: FakeGitHub) -> None:
    before = (len(github.requests), len(slack.requests), len(smtp.messages))
    rd = make_run(tmp, "run-d", [target("a", "failed", error="x", email=("o@x.example",))])
    proc = run_script("notify", str(rd), "--dry-run", env=env)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert {v["status"] for v in out["channels"].values()} == {"dry-run"}
    assert "skillsync-sync --rerun-failed run-d" in out["channels"]["slack"]["text"]
    assert (len(github.requests), len(slack.requests), len(smtp.messages)) == before


def test_cli_channels_option_limits_channels(tmp: Path, env: dict[str, str],
                                             github: FakeGitHub, repo: str) -> None:
    rd = make_run(tmp, "run-c", [target("a", "failed", error="x")])
    proc = run_script("notify", str(rd), "--channels", "github", env=env)
    assert proc.returncode == 0, proc.stderr
    assert list(json.loads(proc.stdout)["channels"]) == ["github"]


@pytest.mark.parametrize("setup,expected", [
    (None, "no summary.json"),
    ("{not json", "cannot read summary"),
    ('{"targets": [{"no": "id"}]}', "not a skillsync run summary"),
])
def test_cli_bad_run_dir_is_a_usage_error(tmp: Path, setup: str | None, expected: str) -> None:
    rd = tmp / "run"
    rd.mkdir()
    if setup is not None:
        (rd / "summary.json").write_text(setup)
    proc = run_script("notify", str(rd))
    assert proc.returncode == 2
    assert proc.stdout == ""
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith("notify: error: ") and expected in line


# -- secrets ------------------------------------------------------------------------------------
def test_canary_secrets_never_leak(tmp: Path, env: dict[str, str], slack: WebhookReceiver,
                                   smtp: SmtpServer, github: FakeGitHub, repo: str) -> None:
    """Token, Slack URL and SMTP password appear in no output, log, summary or message."""
    failing = [target("a", "failed", error="boom", email=("o@x.example",))]
    scenarios = {
        "delivered": lambda: None,
        "github-401": lambda: github.inject(r"/issues", [401]),
        "github-403": lambda: github.inject(r"/issues", [403], body={"message": "Forbidden"}),
        "slack-404": lambda: slack.inject(r".", [404], body="no_service"),
        "smtp-auth-fails": lambda: setattr(smtp, "password", "something-else"),
        "smtp-rejects": lambda: setattr(smtp, "fail_with", "451 4.3.0 try again later"),
    }
    mail_start, slack_start = len(smtp.messages), len(slack.requests)
    gh_start = len(github.requests)
    seen_failure = set()
    for name, arrange in scenarios.items():
        arrange()
        rd = make_run(tmp / name, f"run-{name}", [dict(t) for t in failing])
        proc = run_script("notify", str(rd), env=env)
        assert proc.returncode in (0, 1), proc.stderr
        out = json.loads(proc.stdout)
        seen_failure |= {k for k, v in out["channels"].items() if v["status"] == "failed"}
        assert_no_canary(proc.stdout, proc.stderr, *all_run_files(rd))
        github.clear_injections()
        slack.clear_injections()
        smtp.password, smtp.fail_with = SMTP_PASSWORD, None
    assert seen_failure == {"github", "slack", "email"}
    # what reached the services carries no secret either (except where it is due: auth)
    assert_no_canary(*(m.data for m in smtp.messages[mail_start:]))
    assert_no_canary(*(r.raw for r in slack.requests[slack_start:]))
    assert_no_canary(*(json.dumps(r.body) for r in github.requests[gh_start:]))
    assert_no_canary(*(i.body for i in github.issues(repo)))


def test_github_auth_failure_names_the_variable(tmp: Path, env: dict[str, str],
                                                github: FakeGitHub) -> None:
    github.inject(r"/issues", [401])
    rd = make_run(tmp, "run-401", [target("a", "failed", error="x")])
    report = send(rd, env, channels=["github"])
    (result,) = report.results
    assert result.status == "failed"
    assert "$GITHUB_TOKEN" in result.message and "renew" in result.message
    assert_no_canary(result.message)
