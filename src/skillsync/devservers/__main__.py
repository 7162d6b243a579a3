"""python -m skillsync.devservers: run the loopback servers in the foreground (demo)."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
from collections.abc import Sequence
from typing import Any


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m skillsync.devservers",
        description="Run the loopback GitHub API, webhook receiver and SMTP server on "
                    "127.0.0.1 until SIGTERM/SIGINT. Prints their URLs as JSON on stdout.",
        epilog="The fake GitHub accepts only the token in $SKILLSYNC_DEV_GITHUB_TOKEN when it "
               "is set (any token otherwise). GET /_state on each HTTP server dumps its state.")
    p.add_argument("--github", type=int, metavar="PORT", help="fake GitHub REST API port")
    p.add_argument("--webhook", type=int, metavar="PORT", help="Slack/webhook receiver port")
    p.add_argument("--smtp", type=int, metavar="PORT", help="SMTP server port")
    p.add_argument("--webhook-secret-env", metavar="VAR",
                   help="verify webhook HMAC signatures with the secret in this variable "
                        "(except under /services/, where Slack-style posts land)")
    p.add_argument("--max-seconds", type=float, default=3600.0,
                   help="stop by itself after this long (default: 3600)")
    args = p.parse_args(argv)
    if args.github is None and args.webhook is None and args.smtp is None:
        p.error("name at least one of --github, --webhook, --smtp")

    from skillsync.devservers.github import FakeGitHub
    from skillsync.devservers.receivers import SmtpServer, WebhookReceiver

    started: list[Any] = []
    urls: dict[str, str] = {}
    try:
        smtp = None
        if args.smtp is not None:
            smtp = SmtpServer(port=args.smtp).start()
            started.append(smtp)
            urls["smtp"] = smtp.url
        if args.github is not None:
            gh = FakeGitHub(token=os.environ.get("SKILLSYNC_DEV_GITHUB_TOKEN") or None,
                            port=args.github).start()
            started.append(gh)
            urls["github"] = gh.url
        if args.webhook is not None:
            secret = os.environ.get(args.webhook_secret_env) if args.webhook_secret_env else None
            hook = WebhookReceiver(secret, port=args.webhook, unsigned_prefixes=("/services/",),
                                   extra_state=smtp.state if smtp else None).start()
            started.append(hook)
            urls["webhook"] = hook.url
    except OSError as exc:
        for server in reversed(started):
            server.stop()
        print(f"devservers: error: cannot start: {exc.strerror or exc}", file=sys.stderr)
        return 2

    done = threading.Event()

    def _stop(signum: int, frame: Any) -> None:
        done.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    print(json.dumps(urls, sort_keys=True), flush=True)
    try:
        done.wait(args.max_seconds)
    finally:
        for server in reversed(started):
            server.stop()
    print("devservers: stopped", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
