"""dashboard: keep one issue in the source repository up to date with the fleet status."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence

from skillsync import cli

PROG = "dashboard"
EPILOG = """\
The issue is found by a hidden marker (<!-- skillsync:fleet-dashboard -->) and the label
skillsync-dashboard: created once, edited only when the fleet's Markdown changed, reopened
if someone closed it, never duplicated (a stray duplicate is closed). GitHub pins issues
only through GraphQL, which skillsync does not speak: pin it once by hand in the web UI.

environment: GITHUB_TOKEN (issues: write), GITHUB_REPOSITORY (owner/name), GITHUB_API_URL
(default https://api.github.com). Without the first two the dashboard is skipped with a
note (exit 0), as notification channels are.

output: JSON {"action", "number", "url", "message", ...} on stdout (or -o FILE).

examples:
  skillsync-fleet-status -o status.json; skillsync-dashboard --status status.json
  skillsync-dashboard --source . --targets targets --dry-run"""


def _parser() -> argparse.ArgumentParser:
    from skillsync.commands.fleet_status import add_token_env
    from skillsync.defaults import STATUS_JOBS as DEFAULT_JOBS

    p = cli.parser(PROG, "Publish the fleet status as one issue in the source repository "
                   "(created once, edited afterwards, never duplicated).", EPILOG)
    p.add_argument("--status", metavar="FILE",
                   help="fleet-status JSON to publish ('-' = stdin); default: read the fleet now")
    cli.add_targets(p)
    p.add_argument("--source", metavar="PATH_OR_URL", default=None,
                   help="skills source (default: $SKILLSYNC_SOURCE, else .)")
    p.add_argument("--runs", metavar="DIR", default=None,
                   help="run directories (default: $SKILLSYNC_RUNS, else .skillsync/runs)")
    p.add_argument("--only", nargs="+", metavar="ID", help="only these target ids")
    p.add_argument("--jobs", type=cli.positive_int, default=DEFAULT_JOBS, metavar="N",
                   help=f"targets read at once (default: {DEFAULT_JOBS})")
    p.add_argument("--no-cache", action="store_true", help="re-read every target")
    add_token_env(p)
    p.add_argument("--dry-run", action="store_true",
                   help="find the issue and say what would change; write nothing")
    cli.add_output(p)
    return p


def _body(args: argparse.Namespace) -> int:
    from skillsync import dashboard, status
    from skillsync.errors import UsageError

    if args.status:
        doc = cli.read_json(args.status, "fleet status")
        if not isinstance(doc, dict) or doc.get("schema") != status.STATUS_SCHEMA:
            src = "stdin" if args.status == "-" else args.status
            raise UsageError(f"{src}: not a fleet-status document "
                             f"(expected schema {status.STATUS_SCHEMA})")
    else:
        from skillsync.commands.fleet_status import collect

        doc = collect(args)
    body = dashboard.render(status.markdown(doc))
    token, repository, api_url, missing = dashboard.from_env(os.environ)
    if missing:
        outcome = dashboard.Outcome("skipped", message=f"skipped: {', '.join(missing)} not set")
    else:
        from skillsync.forge import GitHub

        assert repository is not None
        # The variable's name, not a secret.
        with GitHub(api_url, token, token_env="GITHUB_TOKEN") as gh:  # noqa: S106
            outcome = dashboard.publish(gh, repository, body, dry_run=args.dry_run)
    cli.say(f"{PROG}: {outcome.message}" + (f" ({outcome.url})" if outcome.url else ""))
    cli.emit_json(outcome.as_dict(), args.output)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main_wrapper(_parser, _body, argv)


if __name__ == "__main__":
    raise SystemExit(main())
