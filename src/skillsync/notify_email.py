"""Failure email over SMTP (SKILLSYNC_SMTP_URL=smtp://user@host:port[?starttls=1],
password in SKILLSYNC_SMTP_PASSWORD): plain text, to the targets' notify.email. One
channel of skillsync.notify."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from skillsync import secrets
from skillsync.errors import UsageError
from skillsync.notify_text import (
    ChannelResult,
    Context,
    Options,
    _chosen,
    _secret,
    prefs,
    render_text,
)


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
