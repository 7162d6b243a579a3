"""notify: tell the owners of failed targets (GitHub issue, Slack, email)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from skillsync import cli

PROG = "notify"

EPILOG = """\
Reads RUN_DIR/summary.json. Sends only when a target failed, unless --on-success.
GitHub issues: one open issue per failing target in $GITHUB_REPOSITORY (label
skillsync-failure), commented on when it fails again and closed when a later
run syncs the target; run notify after every run so the close step happens
(a success run sends no Slack or email without --on-success).

environment (a channel whose variables are absent is skipped with a note):
  github  GITHUB_TOKEN, GITHUB_REPOSITORY, GITHUB_API_URL (default api.github.com)
  slack   SKILLSYNC_SLACK_WEBHOOK_URL
  email   SKILLSYNC_SMTP_URL=smtp://user@host:port[?starttls=1] (smtps:// for TLS),
          SKILLSYNC_SMTP_PASSWORD, SKILLSYNC_SMTP_FROM; recipients from the targets'
          notify.email
  links   GITHUB_SERVER_URL, GITHUB_REPOSITORY, GITHUB_RUN_ID (CI run link), GITHUB_SHA

Prints one JSON result per channel on stdout; each delivery is logged to
RUN_DIR/log.jsonl. Exit 1 when any channel failed to deliver.

examples:
  notify .skillsync/runs/20260101T000000Z-abc123
  notify "$RUN_DIR" --channels slack,email --dry-run"""


def _channels(text: str) -> list[str]:
    from skillsync.notify import CHANNELS

    chosen = [c.strip() for c in text.split(",") if c.strip()]
    bad = [c for c in chosen if c not in CHANNELS]
    if bad or not chosen:
        raise argparse.ArgumentTypeError(
            f"unknown channel {', '.join(bad) or '(none)'}; choose from {','.join(CHANNELS)}")
    return chosen


def _parser() -> argparse.ArgumentParser:
    p = cli.parser(PROG, "Notify the owners of failed targets of a run.", EPILOG)
    p.add_argument("run_dir", metavar="RUN_DIR", help="the run directory (holds summary.json)")
    p.add_argument("--on-success", action="store_true",
                   help="also send a summary to Slack/email when nothing failed")
    p.add_argument("--channels", type=_channels, default=["github", "slack", "email"],
                   metavar="LIST", help="comma-separated subset of github,slack,email "
                                        "(default: all)")
    p.add_argument("--dry-run", action="store_true",
                   help="show what would be sent; contact no service")
    cli.add_output(p)
    return p


def _body(args: argparse.Namespace) -> int:
    from skillsync.notify import notify

    args._run_dir = args.run_dir
    report = notify(args.run_dir, channels=args.channels, on_success=args.on_success,
                    dry_run=args.dry_run)
    cli.emit_json(report.as_dict(), args.output)
    for r in report.results:
        cli.say(f"{PROG}: {r.channel} {r.status}: {r.message}")
    return 0 if report.ok else 1


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main_wrapper(_parser, _body, argv)


if __name__ == "__main__":
    raise SystemExit(main())
