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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from skillsync import secrets
from skillsync.errors import UsageError
from skillsync.urls import redact_url

CHANNELS = ("github", "slack", "email")
LABEL = "skillsync-failure"
ROLLBACK_DOC = "docs/sync-rollback.md"
SUCCESS_STATES = ("synced", "no-op")
_MAX_LISTED = 20          # targets listed in one Slack message before "and N more"
_MAX_ERROR = 1500         # characters of one target's error in a message


@dataclass(frozen=True)
class ChannelResult:
    channel: str
    status: str               # delivered | failed | skipped | nothing-to-send | dry-run
    message: str
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status, "message": secrets.redact(self.message),
                **secrets.redact_obj(self.details)}  # type: ignore[dict-item]


@dataclass(frozen=True)
class Report:
    run: str
    run_status: str
    failed: list[str]
    results: list[ChannelResult]
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return all(r.status != "failed" for r in self.results)

    def as_dict(self) -> dict[str, Any]:
        return {"run": self.run, "status": self.run_status, "failed": self.failed,
                "dry_run": self.dry_run,
                "channels": {r.channel: r.as_dict() for r in self.results}}


@dataclass(frozen=True)
class Context:
    """What every message says about the run."""

    run: str
    status: str
    release: dict[str, Any]
    targets: list[dict[str, Any]]
    run_url: str | None
    doc_url: str              # absolute link, or the text naming file, source and commit
    workflow_url: str | None = None

    @property
    def version(self) -> str:
        return str(self.release.get("version") or self.release.get("ref") or "?")

    @property
    def when_url(self) -> str:
        """The doc's "When to roll back" section (what a failure message points to)."""
        from skillsync import links

        return self.doc_url + (links.WHEN_ANCHOR if self.doc_url.startswith("https://") else "")

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [t for t in self.targets if is_failure(t)]


# -- reading the run ---------------------------------------------------------------------
def load_summary(run_dir: Path) -> dict[str, Any]:
    path = run_dir / "summary.json"
    if not run_dir.is_dir():
        raise UsageError(f"no run directory {run_dir}")
    import json

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError("no summary.json in the run directory (has the sync finished?)",
                         where=str(path)) from None
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read summary: {exc}", where=str(path)) from None
    if not isinstance(data, dict) or not isinstance(data.get("targets"), list) or not all(
            isinstance(t, dict) and isinstance(t.get("id"), str) for t in data["targets"]):
        raise UsageError("summary is not a skillsync run summary (targets[].id missing)",
                         where=str(path))
    return data


def is_failure(target: Mapping[str, Any]) -> bool:
    """Failed targets; a halted one too when it carries an error (e.g. drift)."""
    status = target.get("status")
    return status == "failed" or (status == "halted" and bool(target.get("error")))


def prefs(target: Mapping[str, Any]) -> tuple[bool, bool, list[str]]:
    """(github_issue, slack, email recipients); defaults as model.Notify."""
    n = target.get("notify") or {}
    email = n.get("email") or []
    return (bool(n.get("github_issue", True)), bool(n.get("slack", False)),
            [str(e) for e in email] if isinstance(email, list) else [str(email)])


def run_url(env: Mapping[str, str]) -> str | None:
    server, repo, run_id = (env.get("GITHUB_SERVER_URL"), env.get("GITHUB_REPOSITORY"),
                            env.get("GITHUB_RUN_ID"))
    if server and repo and run_id:
        return f"{server.rstrip('/')}/{repo}/actions/runs/{run_id}"
    return None


def rollback_doc_url(release: Mapping[str, Any], env: Mapping[str, str]) -> str:
    """The source's docs/sync-rollback.md at the release commit; when the source is not
    on GitHub, the text naming the file, the source and the commit."""
    from skillsync import links

    return links.rollback_doc(release, env) or links.rollback_doc_text(release)


def rollback_command(run: str, target: Mapping[str, Any]) -> str:
    from skillsync import links

    return links.rollback_command(run, [str(target["id"])], dry_run=True)


def next_step(run: str, target: Mapping[str, Any]) -> str:
    """What the owner of a failing target does, per docs/sync-rollback.md: nothing was
    written to it, so it is fixed and synced again, never rolled back."""
    from skillsync import links

    if target.get("status") == "halted":
        return ("nothing was written to this target; decide on the reason above, then "
                "sync again with the option it names")
    return ("nothing was written to this target (no rollback needed); fix the cause, then "
            f"re-sync: {links.rerun_command(run)}")


def _error(target: Mapping[str, Any]) -> str:
    text = str(target.get("error") or target.get("message") or "no error message recorded")
    text = secrets.redact(text.strip())
    return text if len(text) <= _MAX_ERROR else text[:_MAX_ERROR] + " [...]"


# -- rendering ---------------------------------------------------------------------------
def _release_line(ctx: Context) -> str:
    r = ctx.release
    ref = f" ({r['ref']})" if r.get("ref") and r.get("ref") != ctx.version else ""
    commit = f" at {str(r['commit'])[:12]}" if r.get("commit") else ""
    source = f" from {redact_url(str(r['source']))}" if r.get("source") else ""
    return f"Release {ctx.version}{ref}{source}{commit}"


def render_text(ctx: Context, targets: Sequence[Mapping[str, Any]]) -> tuple[str, str]:
    """(subject, plain text): the email, and the Slack fallback text."""
    if targets and all(is_failure(t) for t in targets):
        subject = (f"skillsync: release {ctx.version} failed for {len(targets)} "
                   f"target{'s' if len(targets) != 1 else ''} (run {ctx.run})")
        lines = [subject, "", _release_line(ctx), f"Run: {ctx.run} (status: {ctx.status})"]
        if ctx.run_url:
            lines.append(f"CI run: {ctx.run_url}")
        lines += ["", "Failed targets:"]
        for t in targets:
            lines.append("")
            lines.append(f"* {t['id']} ({t.get('mechanism', '?')}"
                         + (f", owner {t['owner']}" if t.get("owner") else "") + ")")
            lines.append(f"  Error: {_error(t)}")
            lines.append(f"  Next: {next_step(ctx.run, t)}")
            if t.get("fallback"):
                lines.append(f"  Manual fallback bundle: {t['fallback']}")
            if t.get("escalation"):
                lines.append(f"  Escalation: {t['escalation']}")
        lines += ["", f"When to roll back, and when not: {ctx.when_url}"]
    else:
        counts: dict[str, int] = {}
        for t in ctx.targets:
            counts[str(t.get("status"))] = counts.get(str(t.get("status")), 0) + 1
        summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
        subject = f"skillsync: release {ctx.version} run {ctx.run}: {ctx.status} ({summary})"
        lines = [subject, "", _release_line(ctx), f"Run: {ctx.run} (status: {ctx.status})"]
        if ctx.run_url:
            lines.append(f"CI run: {ctx.run_url}")
        lines += ["", "Targets:"]
        for t in targets:
            lines.append(f"* {t['id']}: {t.get('status')}"
                         + (f" - {t['message']}" if t.get("message") else ""))
        written = [t for t in targets if t.get("status") in ("synced", "pending")]
        if written:
            lines += ["", "Should this release be wrong for a target it reached:"]
            lines += [f"  {rollback_command(ctx.run, t)}" for t in written]
            if ctx.workflow_url:
                lines.append(f"  or the rollback workflow: {ctx.workflow_url}")
        lines += ["", f"How to roll back: {ctx.doc_url}"]
    return secrets.redact(subject), secrets.redact("\n".join(lines) + "\n")


def _mrkdwn(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _link(url: str, text: str) -> str:
    if url.startswith(("http://", "https://")):
        return f"<{url}|{_mrkdwn(text)}>"
    return f"`{_mrkdwn(url)}`"


def render_slack(ctx: Context, targets: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """An incoming-webhook payload: Block Kit blocks plus `text` as the fallback."""
    subject, text = render_text(ctx, targets)
    failing = bool(targets) and all(is_failure(t) for t in targets)
    meta = f"*Run* `{_mrkdwn(ctx.run)}` · {_mrkdwn(_release_line(ctx))}"
    if ctx.run_url:
        meta += f" · {_link(ctx.run_url, 'CI run')}"
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": subject[:150]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": meta[:3000]}},
    ]
    for t in list(targets)[:_MAX_LISTED]:
        if failing:
            who = f" · owner {_mrkdwn(str(t['owner']))}" if t.get("owner") else ""
            body = (f"*{_mrkdwn(str(t['id']))}* ({_mrkdwn(str(t.get('mechanism', '?')))}){who}\n"
                    f"```{_mrkdwn(_error(t))}```\n"
                    f"Next: {_mrkdwn(next_step(ctx.run, t))}")
            if t.get("fallback"):
                body += f"\nManual fallback bundle: `{_mrkdwn(str(t['fallback']))}`"
            if t.get("escalation"):
                body += f"\nEscalation: {_mrkdwn(str(t['escalation']))}"
        else:
            body = f"*{_mrkdwn(str(t['id']))}*: {_mrkdwn(str(t.get('status')))}"
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": body[:3000]}})
    if len(targets) > _MAX_LISTED:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text":
                       f"... and {len(targets) - _MAX_LISTED} more (see the run summary)"}]})
    label = "When to roll back, and when not" if failing else "How to roll back"
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text":
                   f"{label}: {_link(ctx.when_url if failing else ctx.doc_url, ROLLBACK_DOC)}"}]})
    payload = {"text": text, "blocks": blocks}
    return secrets.redact_obj(payload)  # type: ignore[return-value]


def marker(target_id: str) -> str:
    return f"<!-- skillsync:target={target_id} -->"


def render_issue(ctx: Context, t: Mapping[str, Any]) -> tuple[str, str]:
    title = f"skillsync: sync to {t['id']} is failing"
    return title, secrets.redact("\n".join([
        marker(str(t["id"])),
        f"Sync of **{t['id']}** ({t.get('mechanism', '?')}) failed in run `{ctx.run}`.",
        "",
        _details(ctx, t),
        "",
        "skillsync comments here when this target fails again and closes this issue "
        "when a later run syncs it.",
        "",
    ]))


def render_issue_comment(ctx: Context, t: Mapping[str, Any]) -> str:
    return secrets.redact(f"Failed again in run `{ctx.run}`.\n\n{_details(ctx, t)}\n")


def render_close_comment(ctx: Context, t: Mapping[str, Any]) -> str:
    return secrets.redact(
        f"Run `{ctx.run}` synced this target ({_release_line(ctx)}; target status: "
        f"{t.get('status')})" + (f", CI run: {ctx.run_url}" if ctx.run_url else "")
        + ". Closing.\n")


def _details(ctx: Context, t: Mapping[str, Any]) -> str:
    lines = [f"- {_release_line(ctx)}", f"- Run: `{ctx.run}`"]
    if ctx.run_url:
        lines.append(f"- CI run: {ctx.run_url}")
    if t.get("owner"):
        lines.append(f"- Owner: {t['owner']}")
    if t.get("escalation"):
        lines.append(f"- Escalation: {t['escalation']}")
    if t.get("fallback"):
        lines.append(f"- Manual fallback bundle: `{t['fallback']}`")
    doc = (f"[{ROLLBACK_DOC}]({ctx.when_url})" if ctx.when_url.startswith("https://")
           else f"`{ctx.doc_url}`")
    lines += ["", "Error:", "", "```", _error(t), "```", "",
              f"Next: {next_step(ctx.run, t)}.", "",
              f"When to roll back, and when not: {doc}."]
    return "\n".join(lines)


def _secret(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name)
    return secrets.register(value) if value else None


# -- channels ----------------------------------------------------------------------------
@dataclass
class Options:
    on_success: bool = False
    dry_run: bool = False
    timeout: float = 15.0
    retries: int = 3
    backoff: float = 0.5
    max_wait: float = 60.0


def _github(ctx: Context, env: Mapping[str, str], opts: Options) -> ChannelResult:
    failing = [t for t in ctx.failed if prefs(t)[0]]
    passing = [t for t in ctx.targets if t.get("status") in SUCCESS_STATES and prefs(t)[0]]
    if not failing and not passing:
        return ChannelResult("github", "nothing-to-send", "no target to open or close an issue for")
    token = _secret(env, "GITHUB_TOKEN")
    repository = env.get("GITHUB_REPOSITORY")
    if not token or not repository:
        missing = [n for n, v in (("GITHUB_TOKEN", token), ("GITHUB_REPOSITORY", repository))
                   if not v]
        return ChannelResult("github", "skipped", f"skipped: {', '.join(missing)} not set")
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


def _chosen(ctx: Context, opts: Options, index: int) -> list[dict[str, Any]]:
    """Targets a Slack (index 1) or email (index 2) message covers."""
    if ctx.failed:
        return [t for t in ctx.failed if prefs(t)[index]]
    if opts.on_success:
        return [t for t in ctx.targets if prefs(t)[index]]
    return []


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


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    user: str | None
    password: str | None
    starttls: bool
    ssl: bool
    sender: str


def smtp_config(env: Mapping[str, str]) -> SmtpConfig | None:
    raw = env.get("SKILLSYNC_SMTP_URL")
    if not raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise UsageError("SKILLSYNC_SMTP_URL must look like smtp://user@host:port[?starttls=1]")
    password = _secret(env, "SKILLSYNC_SMTP_PASSWORD")
    if parts.password:
        # Tolerated, but the password belongs in SKILLSYNC_SMTP_PASSWORD.
        password = password or secrets.register(unquote(parts.password))
    query = parse_qs(parts.query)
    starttls = (query.get("starttls") or ["0"])[0].lower() in ("1", "true", "yes")
    user = unquote(parts.username) if parts.username else None
    sender = env.get("SKILLSYNC_SMTP_FROM") or (user if user and "@" in user
                                                 else "skillsync@localhost")
    try:
        port = parts.port or (465 if parts.scheme == "smtps" else 25)
    except ValueError:
        raise UsageError("SKILLSYNC_SMTP_URL has a bad port") from None
    return SmtpConfig(parts.hostname, port, user, password, starttls, parts.scheme == "smtps",
                      sender)


def _email(ctx: Context, env: Mapping[str, str], opts: Options) -> ChannelResult:
    targets = _chosen(ctx, opts, 2)
    groups: dict[tuple[str, ...], list[str]] = {}  # targets -> recipients
    recipients: dict[str, list[str]] = {}
    for t in targets:
        for rcpt in prefs(t)[2]:
            recipients.setdefault(rcpt, []).append(str(t["id"]))
    for rcpt, target_ids in recipients.items():
        groups.setdefault(tuple(target_ids), []).append(rcpt)
    if not groups:
        why = ("no failed target lists email recipients" if ctx.failed
               else "nothing failed (use --on-success for a summary)")
        return ChannelResult("email", "nothing-to-send", why)
    try:
        cfg = smtp_config(env)
    except UsageError as exc:
        return ChannelResult("email", "failed", str(exc))
    if cfg is None:
        return ChannelResult("email", "skipped", "skipped: SKILLSYNC_SMTP_URL not set")
    by_id = {str(t["id"]): t for t in targets}
    messages: list[tuple[Any, list[str], list[str]]] = []
    from email.message import EmailMessage
    from email.utils import formatdate, make_msgid

    for ids, rcpts in groups.items():
        subject, text = render_text(ctx, [by_id[i] for i in ids])
        msg = EmailMessage()
        msg["Subject"] = subject
        msg["From"] = cfg.sender
        msg["To"] = ", ".join(rcpts)
        msg["Date"] = formatdate(localtime=False)
        msg["Message-ID"] = make_msgid(domain="skillsync")
        msg.set_content(text)
        messages.append((msg, rcpts, list(ids)))
    sent = [{"to": r, "targets": i} for _, r, i in messages]
    if opts.dry_run:
        return ChannelResult("email", "dry-run", f"would send {len(messages)} email(s) via "
                             f"{cfg.host}:{cfg.port}", {"messages": sent})
    try:
        _smtp_send(cfg, [(m, r) for m, r, _ in messages], opts.timeout)
    except Exception as exc:
        return ChannelResult("email", "failed", f"via {cfg.host}:{cfg.port}: "
                             f"{_smtp_error(exc)}", {"messages": sent})
    return ChannelResult("email", "delivered", f"{len(messages)} message(s) sent to "
                         f"{sum(len(r) for _, r, _ in messages)} recipient(s)",
                         {"messages": sent})


def _smtp_send(cfg: SmtpConfig, messages: list[tuple[Any, list[str]]], timeout: float) -> None:
    import smtplib
    import ssl

    context = ssl.create_default_context()
    client: smtplib.SMTP
    if cfg.ssl:
        client = smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=timeout, context=context)
    else:
        client = smtplib.SMTP(cfg.host, cfg.port, timeout=timeout)
    with client:
        client.ehlo()
        if cfg.starttls:
            client.starttls(context=context)
            client.ehlo()
        if cfg.user and cfg.password:
            client.login(cfg.user, cfg.password)
        for msg, rcpts in messages:
            client.send_message(msg, to_addrs=rcpts)


def _smtp_error(exc: Exception) -> str:
    import smtplib

    if isinstance(exc, smtplib.SMTPResponseException):
        detail = exc.smtp_error.decode("utf-8", "replace") if isinstance(
            exc.smtp_error, bytes) else str(exc.smtp_error)
        return secrets.redact(f"{type(exc).__name__}: {exc.smtp_code} {detail}")
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return secrets.redact(f"recipients refused: {', '.join(exc.recipients)}")
    if isinstance(exc, OSError) and exc.strerror:
        return f"{type(exc).__name__}: {exc.strerror}"
    return secrets.redact(f"{type(exc).__name__}: {exc}")


_SENDERS = {"github": _github, "slack": _slack, "email": _email}


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
