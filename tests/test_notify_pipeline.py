"""`notify --failure STEP --message-file F` (issue 15.5): a validate or plan failure, which
leaves no run summary, reaches the GitHub issue of that step (one, commented on, never
duplicated) and Slack, with its error shown escaped, redacted and cut; the loopback GitHub
and Slack receive it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

import openapi_contract
from conftest import run_script
from skillsync import notify_pipeline, secrets
from skillsync.devservers.github import FakeGitHub
from skillsync.devservers.receivers import WebhookReceiver

TOKEN = "ghs_CANARYpipelineToken42"
SLACK_PATH = "/services/T0001/B0001/CANARYpipelineHook"


@pytest.fixture
def servers() -> Iterator[tuple[FakeGitHub, WebhookReceiver]]:
    with FakeGitHub(token=TOKEN) as gh, WebhookReceiver() as slack:
        yield gh, slack
        openapi_contract.check(gh.requests)


def env_for(gh: FakeGitHub, slack: WebhookReceiver, run_id: str = "77") -> dict[str, str]:
    return {"GITHUB_TOKEN": TOKEN, "GITHUB_REPOSITORY": "acme/skills",
            "GITHUB_API_URL": gh.url, "GITHUB_SERVER_URL": "https://github.example",
            "GITHUB_RUN_ID": run_id, "SKILLSYNC_SLACK_WEBHOOK_URL": slack.url + SLACK_PATH}


def test_one_issue_per_step_then_comments_and_slack_gets_the_error(
        tmp_path: Path, servers: tuple[FakeGitHub, WebhookReceiver]) -> None:
    gh, slack = servers
    why = tmp_path / "why.log"
    why.write_text("validate-sync-targets: error: targets/x.yaml:3: risk: 'extreme' is not "
                   "one of: canary, low, medium, high\n")
    for run_id in ("77", "78"):
        proc = run_script("notify", "--failure", "validate", "--message-file", str(why),
                          "--channels", "github,slack", env=env_for(gh, slack, run_id))
        assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["failed"] == ["pipeline:validate"] and report["run"] == "gh-78"
    assert report["channels"]["github"]["status"] == "delivered"
    [issue] = gh.issues("acme/skills")
    assert issue.title == "skillsync: the validate step is failing"
    assert issue.labels == ["skillsync-failure"]
    assert notify_pipeline.marker("validate") in (issue.body or "")
    assert "risk: 'extreme'" in (issue.body or "")
    assert "https://github.example/acme/skills/actions/runs/77" in (issue.body or "")
    [comment] = issue.comments
    assert comment["body"].startswith("Failed again in https://github.example/acme/skills/"
                                      "actions/runs/78")
    # A plan failure is a different kind: an issue of its own.
    proc = run_script("notify", "--failure", "plan", "--message-file", str(why),
                      "--channels", "github", env=env_for(gh, slack))
    assert proc.returncode == 0, proc.stderr
    assert sorted(i.title for i in gh.issues("acme/skills")) == [
        "skillsync: the plan step is failing", "skillsync: the validate step is failing"]
    bodies = slack.bodies()
    assert len(bodies) == 2
    assert bodies[0]["text"].startswith("skillsync: the validate step failed; nothing was synced")
    assert "risk: 'extreme'" in bodies[0]["text"]
    assert bodies[0]["blocks"][0]["text"]["text"] == \
        "skillsync: the validate step failed; nothing was synced"
    for text in (proc.stdout, proc.stderr, json.dumps(bodies), issue.body, comment["body"]):
        assert TOKEN not in text and SLACK_PATH not in text


def test_the_error_text_is_escaped_redacted_and_fenced(
        tmp_path: Path, servers: tuple[FakeGitHub, WebhookReceiver]) -> None:
    """The error is attacker text (a release's file names, a refused tag): control
    characters are shown escaped, Slack's <, >, & are entities, a backtick run cannot
    close the issue's code fence, and a registered secret is redacted."""
    gh, slack = servers
    secret = "hunter2-CANARY-in-an-error"
    secrets.register(secret)
    why = tmp_path / "why.log"
    why.write_bytes(b"bad name skills/a\x1b[31mred\x07/SKILL.md\n"
                    b"<!channel> & ```` fence ```` " + secret.encode() + b"\n")
    report = notify_pipeline.notify_failure("plan", why, channels=("github", "slack"),
                                            env=env_for(gh, slack), backoff=0, timeout=5)
    assert report.ok
    [issue] = gh.issues("acme/skills")
    body = issue.body or ""
    assert "\\x1b[31mred\\x07" in body and "\x1b" not in body
    assert "`````\n" in body                         # a fence longer than the text's runs
    assert secret not in body
    [msg] = slack.bodies()
    section = msg["blocks"][1]["text"]["text"]
    assert "&lt;!channel&gt; &amp;" in section and "<!channel>" not in json.dumps(msg)
    assert secret not in json.dumps(msg)


def test_a_long_error_keeps_its_end_and_email_is_skipped(tmp_path: Path) -> None:
    why = tmp_path / "why.log"
    why.write_text("noise\n" * 5000 + "the real reason\n")
    report = notify_pipeline.notify_failure("plan", why, env={}, dry_run=True)
    assert {r.channel: r.status for r in report.results} == {
        "github": "skipped", "slack": "skipped", "email": "skipped"}
    _, text = notify_pipeline.render("plan", notify_pipeline.read_message(why), None)
    assert text.count("noise") < 300 and "the real reason" in text


@pytest.mark.parametrize(("args", "error"), [
    (["--failure", "Validate!", "--message-file", "{why}"], "--failure takes a step name"),
    (["--failure", "plan", "--message-file", "{missing}"], "cannot read the message"),
    (["--failure", "plan"], "--failure STEP needs --message-file FILE"),
    (["--failure", "plan", "--message-file", "{why}", "{tmp}"],
     "argument RUN_DIR: not allowed with argument --failure"),
    ([], "one of the arguments RUN_DIR --failure is required"),
])
def test_bad_arguments_are_one_line_exit_2(tmp_path: Path, args: list[str], error: str) -> None:
    why = tmp_path / "why.log"
    why.write_text("x\n")
    fill = {"why": str(why), "missing": str(tmp_path / "nope.log"), "tmp": str(tmp_path)}
    proc = run_script("notify", *(a.format(**fill) for a in args))
    assert proc.returncode == 2, proc.stderr
    # One line saying what (after argparse's usage, for what argparse checks).
    assert error in proc.stderr.splitlines()[-1] and "Traceback" not in proc.stderr


def test_a_channel_down_is_exit_1_and_the_other_still_delivers(
        tmp_path: Path, servers: tuple[FakeGitHub, WebhookReceiver]) -> None:
    gh, slack = servers
    slack.fail_next(500, 500, 500, 500)
    why = tmp_path / "why.log"
    why.write_text("boom\n")
    report = notify_pipeline.notify_failure("validate", why, env=env_for(gh, slack),
                                            backoff=0, timeout=5)
    assert {r.channel: r.status for r in report.results} == {
        "github": "delivered", "slack": "failed", "email": "skipped"}
    assert not report.ok
