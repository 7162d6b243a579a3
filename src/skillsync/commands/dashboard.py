"""dashboard: keep one issue in the source repository up to date with the fleet status."""

from __future__ import annotations

import os
from collections.abc import Sequence

from skillsync import cli
from skillsync.commands import _args
from skillsync.commands.fleet_status import JOBS, ONLY, collect
from skillsync.defaults import STATUS_JOBS as DEFAULT_JOBS

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


def dashboard(ctx: cli.RunContext, /, *, status: str | None = None, targets: str | None = None,
              source: str | None = None, runs: str | None = None,
              only: Sequence[str] | None = None, jobs: int = DEFAULT_JOBS,
              no_cache: bool = False, token_env: str | None = None, dry_run: bool = False,
              output: str = "-") -> int:
    """Publish the fleet-status file `status` (default: the fleet read now) as one issue."""
    from skillsync import dashboard as board
    from skillsync import status as fleet
    from skillsync.errors import UsageError

    if status:
        doc = cli.read_json(status, "fleet status")
        if not isinstance(doc, dict) or doc.get("schema") != fleet.STATUS_SCHEMA:
            src = "stdin" if status == "-" else status
            raise UsageError(f"{src}: not a fleet-status document "
                             f"(expected schema {fleet.STATUS_SCHEMA})")
    else:
        doc = collect(targets=targets, source=source, runs=runs, only=only, jobs=jobs,
                      no_cache=no_cache, token_env=token_env)
    body = board.render(fleet.markdown(doc))
    token, repository, api_url, missing = board.from_env(os.environ)
    if missing:
        outcome = board.Outcome("skipped", message=f"skipped: {', '.join(missing)} not set")
    else:
        from skillsync.forge import GitHub

        assert repository is not None
        # The variable's name, not a secret.
        with GitHub(api_url, token, token_env="GITHUB_TOKEN") as gh:  # noqa: S106
            outcome = board.publish(gh, repository, body, dry_run=dry_run)
    cli.say(f"{PROG}: {outcome.message}" + (f" ({outcome.url})" if outcome.url else ""))
    cli.emit_json(outcome.as_dict(), output)
    return 0


COMMAND = cli.Command(dashboard, "Publish the fleet status as one issue in the source "
                      "repository (created once, edited afterwards, never duplicated).", (
    cli.opt("--status", metavar="FILE",
            help="fleet-status JSON to publish ('-' = stdin); default: read the fleet now"),
    _args.TARGETS,
    cli.opt("--source", metavar="PATH_OR_URL",
            help="skills source (default: $SKILLSYNC_SOURCE, else .)"),
    cli.opt("--runs", metavar="DIR",
            help="run directories (default: $SKILLSYNC_RUNS, else .skillsync/runs)"),
    ONLY,
    JOBS,
    cli.opt("--no-cache", action="store_true", help="re-read every target"),
    _args.TOKEN_ENV,
    cli.opt("--dry-run", action="store_true",
            help="find the issue and say what would change; write nothing"),
    _args.OUTPUT,
), EPILOG)


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main(COMMAND, argv)


if __name__ == "__main__":
    raise SystemExit(main())
