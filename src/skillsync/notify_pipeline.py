"""Notifications for a pipeline that failed before any target was synced (`notify
--failure STEP --message-file FILE`): the validate or plan job of sync-downstream.yml.

There is no run summary then (nothing was routed), so the message is the job's own error
output, read from a file. It goes to the GitHub issue of that failure kind (one open issue
per step, marker `<!-- skillsync:pipeline=STEP -->` and the `skillsync-failure` label,
commented on when the step fails again, never duplicated) and to Slack. Email goes to the
owners of failed targets, and a pipeline failure has none: that channel is skipped, said so.

The error text is untrusted (file and skill names of a release, a refused tag): every line is
shown escaped (`paths.show`), redacted of registered secrets, cut to a bounded size, and put
in the issue inside a code fence longer than any run of backticks in it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from skillsync import secrets
from skillsync.errors import UsageError
from skillsync.notify_text import (
    CHANNELS,
    LABEL,
    ChannelResult,
    Options,
    Report,
    _link,
    _mrkdwn,
    _secret,
    github_access,
    run_url,
)

STEP = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
MAX_MESSAGE = 64 * 1024   # bytes of the message file read
_MAX_ISSUE = 6000         # characters of the error in an issue
_MAX_SLACK = 1500         # ... in a Slack message


def marker(step: str) -> str:
    return f"<!-- skillsync:pipeline={step} -->"


def read_message(path: str | os.PathLike[str]) -> str:
    """The error text of the failed step: one escaped line per line of the file."""
    p = Path(path)
    try:
        with open(p, "rb") as fh:
            raw = fh.read(MAX_MESSAGE + 1)
    except OSError as exc:
        raise UsageError(f"cannot read the message: {exc.strerror or exc}", where=str(p)) from None
    from skillsync.paths import show

    text = raw[:MAX_MESSAGE].decode("utf-8", "replace")
    lines = [show(line) for line in text.replace("\r\n", "\n").split("\n")]
    out = "\n".join(lines).strip() or "(the step printed nothing)"
    if len(raw) > MAX_MESSAGE:
        out += "\n[... cut]"
    return secrets.redact(out)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else "[...]\n" + text[-limit:]   # the end says why


def _fence(text: str) -> str:
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def render(step: str, message: str, url: str | None) -> tuple[str, str]:
    """(subject, plain text)."""
    subject = f"skillsync: the {step} step failed; nothing was synced"
    lines = [subject, ""]
    if url:
        lines += [f"CI run: {url}", ""]
    lines += ["Error:", "", _cut(message, _MAX_SLACK), "",
              "Next: fix the cause above, then run the sync again (re-run the workflow run, "
              "or dispatch sync-downstream with the release's ref). No target was changed."]
    return subject, secrets.redact("\n".join(lines) + "\n")


def _issue_body(step: str, message: str, url: str | None, again: bool) -> str:
    text = _cut(message, _MAX_ISSUE)
    fence = _fence(text)
    head = (f"Failed again{f' in {url}' if url else ''}." if again else "\n".join([
        marker(step),
        f"The **{step}** step of the sync workflow failed, so no target was synced.", "",
        *([f"- CI run: {url}", ""] if url else [])]))
    return secrets.redact("\n".join([
        head, "", "Error:", "", fence, text, fence, "",
        "Next: fix the cause above, then run the sync again (re-run the workflow run, or "
        "dispatch sync-downstream with the release's ref). No target was changed.", ""]))


def _github(step: str, message: str, env: Mapping[str, str], opts: Options) -> ChannelResult:
    access = github_access(env)
    if isinstance(access, ChannelResult):
        return access
    token, repository = access
    if opts.dry_run:
        return ChannelResult("github", "dry-run", f"would open or comment on the issue of "
                             f"the failing {step} step")
    from skillsync.errors import SkillsyncError
    from skillsync.forge import GitHub

    url = run_url(env)
    with GitHub(env.get("GITHUB_API_URL") or "https://api.github.com", token,
                token_env="GITHUB_TOKEN", timeout=opts.timeout,  # noqa: S106 - a name
                max_wait=opts.max_wait, retries=opts.retries, backoff=opts.backoff) as gh:
        try:
            found = [i for i in gh.list_issues(repository, label=LABEL)
                     if marker(step) in (i.get("body") or "")]
            if found:
                issue = min(found, key=lambda i: int(i["number"]))
                gh.comment_issue(repository, int(issue["number"]),
                                 _issue_body(step, message, url, again=True))
                action = "commented"
            else:
                issue = gh.create_issue(repository, f"skillsync: the {step} step is failing",
                                        _issue_body(step, message, url, again=False), [LABEL])
                action = "opened"
        except SkillsyncError as exc:
            return ChannelResult("github", "failed", str(exc), {"calls": gh.calls})
        calls = gh.calls
    return ChannelResult("github", "delivered", f"{action} #{issue['number']} ({step})", {
        "repository": repository, "calls": calls, "issues": [{
            "step": step, "action": action, "number": issue["number"],
            "url": issue.get("html_url")}]})


def _slack(step: str, message: str, env: Mapping[str, str], opts: Options) -> ChannelResult:
    url = _secret(env, "SKILLSYNC_SLACK_WEBHOOK_URL")
    if not url:
        return ChannelResult("slack", "skipped", "skipped: SKILLSYNC_SLACK_WEBHOOK_URL not set")
    from skillsync import webhook

    webhook.register_url(url)
    subject, text = render(step, message, run_url(env))
    ci = run_url(env)
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": subject[:150]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": (
            f"```{_mrkdwn(_cut(message, _MAX_SLACK))}```")[:3000]}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": (
            (f"{_link(ci, 'CI run')} · " if ci else "")
            + "Fix the cause, then run the sync again. No target was changed.")}]},
    ]
    # `text` (the notification and fallback) is mrkdwn too: escaped, so that the error's
    # text can never be <!channel> or a link.
    payload = secrets.redact_obj({"text": _mrkdwn(text), "blocks": blocks})
    if opts.dry_run:
        return ChannelResult("slack", "dry-run", "would post to the Slack webhook",
                             {"text": text})
    key = f"pipeline:{step}:{env.get('GITHUB_RUN_ID', '')}:{env.get('GITHUB_RUN_ATTEMPT', '')}"
    result = webhook.send(url, payload, secret=None, idempotency_key=key,
                          timeout=opts.timeout, retries=opts.retries, backoff=opts.backoff,
                          label="Slack webhook")
    details = result.as_dict()
    del details["message"]
    return ChannelResult("slack", "delivered" if result.delivered else "failed",
                         result.message, details)


def notify_failure(step: str, message_file: str | os.PathLike[str], *,
                   channels: Sequence[str] = CHANNELS, dry_run: bool = False,
                   env: Mapping[str, str] | None = None, timeout: float = 15.0,
                   retries: int = 3, backoff: float = 0.5, max_wait: float = 60.0) -> Report:
    """Tell the channels that pipeline step `step` failed, with the error in
    `message_file`. UsageError for a bad step name or an unreadable file."""
    if not STEP.match(step):
        raise UsageError(f"--failure takes a step name such as validate or plan (got "
                         f"{step[:40]!r})")
    env = os.environ if env is None else env
    message = read_message(message_file)
    opts = Options(dry_run=dry_run, timeout=timeout, retries=retries, backoff=backoff,
                   max_wait=max_wait)
    results = []
    for name in CHANNELS:
        if name not in channels:
            continue
        if name == "email":
            results.append(ChannelResult("email", "skipped", "skipped: a pipeline failure "
                                         "has no target owners to email"))
            continue
        sender = _github if name == "github" else _slack
        try:
            results.append(sender(step, message, env, opts))
        except Exception as exc:
            results.append(ChannelResult(name, "failed", "internal error "
                                         f"({type(exc).__name__}: "
                                         f"{secrets.redact(str(exc))[:200]})"))
    run = f"gh-{env['GITHUB_RUN_ID']}" if env.get("GITHUB_RUN_ID") else "pipeline"
    return Report(run, "failed", [f"pipeline:{step}"], results, dry_run)
