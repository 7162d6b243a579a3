"""fleet-status: which release every downstream holds, read from the downstream itself."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from skillsync import cli
from skillsync.commands import _args
from skillsync.defaults import STATUS_JOBS as DEFAULT_JOBS

PROG = "fleet-status"
STATUS_HELP = """\
statuses (first match wins):
  disabled      enabled: false in the target file (not read)
  unreachable   the remote, branch, lock or submodule could not be read (reason given)
  drifted       synced files changed downstream since the last sync (files listed)
  pending-pr    a skillsync/<version> pull request (or branch, without a forge) awaits merge
  never-synced  no downstream lock on the branch (webhook: no delivery in the run dirs)
  behind        holds an older release than the newest on its channel
  current       holds the newest release on its channel

Per target: ls-remote, then a shallow blob-less fetch and the lock blob only (never a
full clone; nothing is written to any target). Pull requests come from the forge API
when the target has `forge:` and its token variable is set. "behind" counts the
source's semver tags (git ls-remote --tags) on the target's channel that are newer
than the release it holds. The last run comes from the newest run directory with
results/<id>.json under --runs.

output: JSON (schema skillsync.fleet-status/v1) unless stdout is a terminal (table).
Exit 1 when a target is unreachable; being behind is not a failure.

examples:
  %(prog)s --source . --format table
  %(prog)s --format md >> "$GITHUB_STEP_SUMMARY"
  %(prog)s | jq -r '.targets[] | select(.status=="behind") | .id'"""


def default_source(arg: str | None) -> str | None:
    """--source, else $SKILLSYNC_SOURCE, else . when it is a git repository."""
    chosen = arg or os.environ.get("SKILLSYNC_SOURCE")
    if chosen:
        return chosen
    from skillsync import git

    inside = git.run(["rev-parse", "--git-dir"], ".", check=False)
    return "." if inside.returncode == 0 else None


def collect(*, targets: str | None = None, source: str | None = None, runs: str | None = None,
            only: Sequence[str] | None = None, jobs: int = DEFAULT_JOBS, no_cache: bool = False,
            token_env: str | None = None) -> dict[str, object]:
    """The status document (shared with `dashboard`)."""
    from skillsync import status
    from skillsync.commands._common import load_targets
    from skillsync.targets import select

    fleet = select(load_targets(targets), list(only) if only is not None else None)
    opts = status.Options(source=default_source(source), runs=status.runs_dir(runs), jobs=jobs,
                          use_cache=not no_cache, fallback_token_env=token_env)
    return status.fleet_status(fleet, opts)


def fleet_status(ctx: cli.RunContext, /, *, targets: str | None = None,
                 source: str | None = None, runs: str | None = None,
                 only: Sequence[str] | None = None, fmt: str | None = None,
                 jobs: int = DEFAULT_JOBS, no_cache: bool = False, token_env: str | None = None,
                 output: str = "-") -> int:
    """Report what every target holds; exit 1 when a target is unreachable."""
    from skillsync import status

    doc = collect(targets=targets, source=source, runs=runs, only=only, jobs=jobs,
                  no_cache=no_cache, token_env=token_env)
    to_stdout = output in ("-", "")
    fmt = fmt or ("table" if to_stdout and sys.stdout.isatty() else "json")
    if fmt == "json":
        cli.emit_json(doc, output)
    else:
        if fmt == "md":
            text = status.markdown(doc)
        else:
            width = os.get_terminal_size().columns if to_stdout and sys.stdout.isatty() else 160
            text = status.table(doc, width)
        from skillsync.secrets import redact

        text = redact(text)
        if to_stdout:
            sys.stdout.write(text)
            sys.stdout.flush()
        else:
            cli.emit_text(text, output)
    if fmt != "table" or not to_stdout:
        cli.say(f"{PROG}: {status.summary_line(doc)}")
    return status.exit_code(doc)


# Shared with `dashboard`, which reads the fleet the same way.
ONLY = cli.opt("--only", nargs="+", metavar="ID", help="only these target ids")
JOBS = cli.opt("--jobs", type=_args.positive_int, metavar="N",
               help=f"targets read at once (default: {DEFAULT_JOBS})")

COMMAND = cli.Command(fleet_status, "Report, for every target, the release it holds, how far "
                      "behind it is, drift, the open sync pull request and the last run's "
                      "result.", (
    _args.TARGETS,
    cli.opt("--source", metavar="PATH_OR_URL",
            help="skills source whose semver tags are the releases "
                 "(default: $SKILLSYNC_SOURCE, else . when it is a git repository)"),
    cli.opt("--runs", metavar="DIR",
            help="directory of run directories (default: $SKILLSYNC_RUNS, "
                 "else .skillsync/runs)"),
    ONLY,
    cli.opt("--format", dest="fmt", choices=("json", "table", "md"),
            help="output format (default: table on a terminal, else json)"),
    JOBS,
    cli.opt("--no-cache", action="store_true",
            help="re-read every target even if its branch head did not move"),
    _args.TOKEN_ENV,
    _args.OUTPUT,
), STATUS_HELP)


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main(COMMAND, argv)


if __name__ == "__main__":
    raise SystemExit(main())
