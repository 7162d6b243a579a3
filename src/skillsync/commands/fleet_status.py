"""fleet-status: which release every downstream holds, read from the downstream itself."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from skillsync import cli

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


def _parser() -> argparse.ArgumentParser:
    from skillsync.defaults import STATUS_JOBS as DEFAULT_JOBS

    p = cli.parser(PROG, "Report, for every target, the release it holds, how far behind it "
                   "is, drift, the open sync pull request and the last run's result.",
                   STATUS_HELP)
    cli.add_targets(p)
    p.add_argument("--source", metavar="PATH_OR_URL", default=None,
                   help="skills source whose semver tags are the releases "
                        "(default: $SKILLSYNC_SOURCE, else . when it is a git repository)")
    p.add_argument("--runs", metavar="DIR", default=None,
                   help="directory of run directories (default: $SKILLSYNC_RUNS, "
                        "else .skillsync/runs)")
    p.add_argument("--only", nargs="+", metavar="ID", help="only these target ids")
    p.add_argument("--format", choices=("json", "table", "md"), default=None,
                   help="output format (default: table on a terminal, else json)")
    p.add_argument("--jobs", type=cli.positive_int, default=DEFAULT_JOBS, metavar="N",
                   help=f"targets read at once (default: {DEFAULT_JOBS})")
    p.add_argument("--no-cache", action="store_true",
                   help="re-read every target even if its branch head did not move")
    add_token_env(p)
    cli.add_output(p)
    return p


def _var_name(text: str) -> str:
    import re

    if not re.fullmatch(r"[A-Z_][A-Z0-9_]*", text):
        # Never echo the value: a token pasted here by mistake must not reach a log.
        raise argparse.ArgumentTypeError("must be the NAME of an environment variable "
                                         "(uppercase letters, digits, '_'), never a token")
    return text


def add_token_env(p: argparse.ArgumentParser) -> None:
    p.add_argument("--token-env", metavar="NAME", default=None, type=_var_name,
                   help="environment variable with a read-only token for token targets whose "
                        "own auth.env variable is unset (e.g. in the dashboard job)")


def default_source(arg: str | None) -> str | None:
    """--source, else $SKILLSYNC_SOURCE, else . when it is a git repository."""
    chosen = arg or os.environ.get("SKILLSYNC_SOURCE")
    if chosen:
        return chosen
    from skillsync import git

    inside = git.run(["rev-parse", "--git-dir"], ".", check=False)
    return "." if inside.returncode == 0 else None


def collect(args: argparse.Namespace) -> dict[str, object]:
    """The status document for the parsed arguments (shared with `dashboard`)."""
    from skillsync import status
    from skillsync.targets import load_targets, select

    targets = select(load_targets(Path(args.targets)), args.only)
    opts = status.Options(source=default_source(args.source),
                          runs=status.runs_dir(args.runs), jobs=args.jobs,
                          use_cache=not args.no_cache, fallback_token_env=args.token_env)
    return status.fleet_status(targets, opts)


def _body(args: argparse.Namespace) -> int:
    from skillsync import status

    doc = collect(args)
    to_stdout = args.output in ("-", "")
    fmt = args.format or ("table" if to_stdout and sys.stdout.isatty() else "json")
    if fmt == "json":
        cli.emit_json(doc, args.output)
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
            cli.emit_text(text, args.output)
    if fmt != "table" or not to_stdout:
        cli.say(f"{PROG}: {status.summary_line(doc)}")
    return status.exit_code(doc)


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main_wrapper(_parser, _body, argv)


if __name__ == "__main__":
    raise SystemExit(main())
