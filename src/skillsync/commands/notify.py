"""notify: tell the owners of failed targets (GitHub issue, Slack, email)."""

from __future__ import annotations

from collections.abc import Sequence

from skillsync import cli
from skillsync.commands import _args

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

--failure STEP --message-file FILE instead reports a pipeline that failed before any
target was synced (the validate or plan job): no RUN_DIR, the error is FILE's text
(escaped, redacted, cut). GitHub: one open issue per STEP (label skillsync-failure),
commented on when it fails again; Slack: the error; email: skipped (no target owners).

examples:
  notify .skillsync/runs/20260101T000000Z-abc123
  notify "$RUN_DIR" --channels slack,email --dry-run
  notify --failure validate --message-file why.log --channels github,slack"""


def notify(ctx: cli.RunContext, /, *, run_dir: str | None = None, on_success: bool = False,
           channels: Sequence[str] | None = None, dry_run: bool = False,
           failure: str | None = None, message_file: str | None = None,
           output: str = "-") -> int:
    """Notify about run directory `run_dir` (or the pipeline step `failure` that failed
    with the error in `message_file`) on `channels` (default: all); exit 1 when a
    channel failed to deliver."""
    from skillsync.errors import UsageError
    from skillsync.notify import CHANNELS
    from skillsync.notify import notify as send

    chosen = list(CHANNELS if channels is None else channels)
    if failure is not None or message_file is not None:
        if failure is None or message_file is None or run_dir is not None:
            raise UsageError("--failure STEP needs --message-file FILE and no RUN_DIR")
        from skillsync.notify_pipeline import notify_failure

        report = notify_failure(failure, message_file, channels=chosen, dry_run=dry_run)
    else:
        if run_dir is None:
            raise UsageError("give RUN_DIR, or --failure STEP --message-file FILE")
        ctx.attach(run_dir)
        report = send(run_dir, channels=chosen, on_success=on_success, dry_run=dry_run)
    cli.emit_json(report.as_dict(), output)
    for r in report.results:
        cli.say(f"{PROG}: {r.channel} {r.status}: {r.message}")
    return 0 if report.ok else 1


COMMAND = cli.Command(notify, "Notify the owners of failed targets of a run.", (
    cli.Group((
        cli.opt("run_dir", metavar="RUN_DIR", nargs="?",
                help="the run directory (holds summary.json)"),
        cli.opt("--failure", metavar="STEP",
                help="report pipeline step STEP (validate, plan) failed; no RUN_DIR"),
    ), required=True),
    cli.opt("--on-success", action="store_true",
            help="also send a summary to Slack/email when nothing failed"),
    cli.opt("--channels", type=_args.channel_list, metavar="LIST",
            help="comma-separated subset of github,slack,email (default: all)"),
    cli.opt("--dry-run", action="store_true",
            help="show what would be sent; contact no service"),
    cli.opt("--message-file", metavar="FILE", help="with --failure: the step's error output"),
    _args.OUTPUT,
), EPILOG)


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main(COMMAND, argv)


if __name__ == "__main__":
    raise SystemExit(main())
