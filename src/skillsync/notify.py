"""Failure notifications: a GitHub issue per failing target, Slack, email.

Reads a run's summary.json (written by the sync engine) and tells the people
who own the failed targets: which targets, what went wrong, and what to do next
as docs/sync-rollback.md says: a failed target was not changed, so it is fixed and
re-synced (`skillsync-sync --rerun-failed RUN`), not rolled back; a rollback
(`skillsync-rollback`, or the rollback workflow) is offered only for targets the run
wrote to. Links are absolute (skillsync.links): a message is read far from a checkout.

- GitHub issue in the source repository (GITHUB_TOKEN, GITHUB_REPOSITORY,
  GITHUB_API_URL): one open issue per failing target, found again by a hidden
  marker and the `skillsync-failure` label, commented on when the target fails
  again, closed with a comment when a later run syncs it. This close step runs
  on success runs too, which is why `notify` is called after every run.
- Slack incoming webhook (SKILLSYNC_SLACK_WEBHOOK_URL): Block Kit + plain text.
- Email over SMTP (SKILLSYNC_SMTP_URL=smtp://user@host:port[?starttls=1],
  password in SKILLSYNC_SMTP_PASSWORD): plain text, to the targets' notify.email.

A channel whose variables are absent is skipped with a note; one channel
failing does not stop the others. Every secret read here is registered, and
every text leaving this module is redacted (RELIABILITY.md 15-16, 21).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from skillsync import secrets
from skillsync.errors import UsageError

# The values and texts, and the email channel, live beside this module; importable from
# here as before.
from skillsync.notify_email import SmtpConfig, _email, smtp_config
from skillsync.notify_text import (
    CHANNELS,
    LABEL,
    SUCCESS_STATES,
    ChannelResult,
    Context,
    Options,
    Report,
    _chosen,
    _secret,
    github_access,
    is_failure,
    load_summary,
    marker,
    prefs,
    render_close_comment,
    render_issue,
    render_issue_comment,
    render_slack,
    render_text,
    rollback_doc_url,
    run_url,
)


def _github(ctx: Context, env: Mapping[str, str], opts: Options) -> ChannelResult:
    failing = [t for t in ctx.failed if prefs(t)[0]]
    passing = [t for t in ctx.targets if t.get("status") in SUCCESS_STATES and prefs(t)[0]]
    if not failing and not passing:
        return ChannelResult("github", "nothing-to-send", "no target to open or close an issue for")
    access = github_access(env)
    if isinstance(access, ChannelResult):
        return access
    token, repository = access
    if opts.dry_run:
        return ChannelResult("github", "dry-run", "would open or comment on issues for "
                             f"{len(failing)} failed target(s) and close open issues of "
                             f"{len(passing)} synced target(s)", {
                                 "open_or_comment": [t["id"] for t in failing],
                                 "close_if_open": [t["id"] for t in passing]})
    from skillsync.errors import SkillsyncError
    from skillsync.forge import GitHub

    actions: list[dict[str, Any]] = []
    errors: list[str] = []
    with GitHub(env.get("GITHUB_API_URL") or "https://api.github.com", token,
                token_env="GITHUB_TOKEN", timeout=opts.timeout,  # noqa: S106 - a name
                max_wait=opts.max_wait,
                retries=opts.retries, backoff=opts.backoff) as gh:
        try:
            open_issues = gh.list_issues(repository, label=LABEL)
        except SkillsyncError as exc:
            return ChannelResult("github", "failed", str(exc), {"calls": gh.calls})

        def existing(tid: str) -> dict[str, Any] | None:
            found = [i for i in open_issues if marker(tid) in (i.get("body") or "")]
            return min(found, key=lambda i: int(i["number"])) if found else None

        for t in failing:
            tid = str(t["id"])
            try:
                issue = existing(tid)
                if issue is None:
                    title, body = render_issue(ctx, t)
                    issue = gh.create_issue(repository, title, body, [LABEL])
                    action = "opened"
                else:
                    gh.comment_issue(repository, int(issue["number"]),
                                     render_issue_comment(ctx, t))
                    action = "commented"
                actions.append({"target": tid, "action": action, "number": issue["number"],
                                "url": issue.get("html_url")})
            except SkillsyncError as exc:
                errors.append(f"{tid}: {exc}")
                actions.append({"target": tid, "action": "failed", "error": str(exc)})
        for t in passing:
            tid = str(t["id"])
            issue = existing(tid)
            if issue is None:
                continue
            try:
                gh.close_issue(repository, int(issue["number"]), render_close_comment(ctx, t))
                actions.append({"target": tid, "action": "closed", "number": issue["number"],
                                "url": issue.get("html_url")})
            except SkillsyncError as exc:
                errors.append(f"{tid}: {exc}")
                actions.append({"target": tid, "action": "failed", "error": str(exc)})
        calls = gh.calls
    details = {"repository": repository, "issues": actions, "calls": calls}
    if errors:
        return ChannelResult("github", "failed", "; ".join(errors), details)
    if not actions:
        return ChannelResult("github", "nothing-to-send", "no open issue to close", details)
    summary = ", ".join(f"{a['action']} #{a['number']} ({a['target']})" for a in actions)
    return ChannelResult("github", "delivered", summary, details)


def _slack(ctx: Context, env: Mapping[str, str], opts: Options) -> ChannelResult:
    targets = _chosen(ctx, opts, 1)
    if not targets:
        why = ("no failed target asks for Slack" if ctx.failed
               else "nothing failed (use --on-success for a summary)")
        return ChannelResult("slack", "nothing-to-send", why)
    url = _secret(env, "SKILLSYNC_SLACK_WEBHOOK_URL")
    if not url:
        return ChannelResult("slack", "skipped", "skipped: SKILLSYNC_SLACK_WEBHOOK_URL not set")
    from skillsync import webhook

    webhook.register_url(url)
    payload = render_slack(ctx, targets)
    ids = [t["id"] for t in targets]
    if opts.dry_run:
        return ChannelResult("slack", "dry-run", "would post to the Slack webhook",
                             {"targets": ids, "text": payload["text"]})
    result = webhook.send(url, payload, secret=None, idempotency_key=f"{ctx.run}:slack",
                          timeout=opts.timeout, retries=opts.retries, backoff=opts.backoff,
                          label="Slack webhook")
    details = {"targets": ids, **result.as_dict()}
    del details["message"]
    return ChannelResult("slack", "delivered" if result.delivered else "failed",
                         result.message, details)


def notify(
    run_dir: str | os.PathLike[str],
    *,
    channels: Sequence[str] = CHANNELS,
    on_success: bool = False,
    dry_run: bool = False,
    env: Mapping[str, str] | None = None,
    timeout: float = 15.0,
    retries: int = 3,
    backoff: float = 0.5,
    max_wait: float = 60.0,
) -> Report:
    """Send what the run calls for on each channel; log each delivery to the run log."""
    from skillsync.runlog import RunDir

    unknown = [c for c in channels if c not in CHANNELS]
    if unknown:
        raise UsageError(f"unknown channel(s) {', '.join(unknown)} "
                         f"(choose from {', '.join(CHANNELS)})")
    env = os.environ if env is None else env
    path = Path(run_dir)
    summary = load_summary(path)
    run_id = str(summary.get("run") or path.name)
    from skillsync import links

    release = dict(summary.get("release") or {})
    ctx = Context(run=run_id, status=str(summary.get("status") or "?"),
                  release=release, targets=list(summary["targets"]),
                  run_url=run_url(env), doc_url=rollback_doc_url(release, env),
                  workflow_url=links.rollback_workflow(release, env))
    opts = Options(on_success=on_success, dry_run=dry_run, timeout=timeout, retries=retries,
                   backoff=backoff, max_wait=max_wait)
    rd = RunDir(path, run_id)
    results = []
    for name in CHANNELS:
        if name not in channels:
            continue
        try:
            result = _SENDERS[name](ctx, env, opts)
        except UsageError:
            raise
        except Exception as exc:
            result = ChannelResult(name, "failed", "internal error "
                                   f"({type(exc).__name__}: {secrets.redact(str(exc))[:200]})")
        results.append(result)
        # An unwritable log must not hide that the message went out.
        with contextlib.suppress(OSError):
            rd.log("notify", result.status, result.message,
                   data={"channel": name, **result.as_dict()})
    return Report(run_id, ctx.status, [str(t["id"]) for t in ctx.failed], results, dry_run)


_SENDERS = {"github": _github, "slack": _slack, "email": _email}


__all__ = ["CHANNELS", "LABEL", "ChannelResult", "Context", "Options", "Report", "SmtpConfig",
           "is_failure", "load_summary", "marker", "notify", "render_issue", "render_slack",
           "render_text", "smtp_config"]
