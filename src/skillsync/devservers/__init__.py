"""Loopback stand-ins for the services skillsync talks to: a GitHub-compatible
REST API, a Slack/webhook receiver and an SMTP server. They live in the package,
not in tests/, because the demo and the benchmarks start them too. They bind to
127.0.0.1 only.

    from skillsync.devservers import FakeGitHub, WebhookReceiver, SmtpServer
    with FakeGitHub(token="t") as gh, WebhookReceiver(secret="s") as hook:
        ...  # gh.url, hook.url; gh.requests / hook.deliveries for assertions

`python -m skillsync.devservers --github 8788 --webhook 8789` runs them in the
foreground until SIGTERM/SIGINT (or --max-seconds).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from skillsync.devservers.github import FakeGitHub
    from skillsync.devservers.receivers import SmtpServer, WebhookReceiver

__all__ = ["FakeGitHub", "SmtpServer", "WebhookReceiver"]


def __getattr__(name: str) -> Any:
    # Lazy: `python -m skillsync.devservers --help` should not import aiosmtpd.
    if name == "FakeGitHub":
        from skillsync.devservers.github import FakeGitHub

        return FakeGitHub
    if name in ("WebhookReceiver", "SmtpServer"):
        from skillsync.devservers import receivers

        return getattr(receivers, name)
    raise AttributeError(name)
