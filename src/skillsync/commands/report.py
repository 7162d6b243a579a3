"""report: the per-target summary of a run directory (JSON or Markdown)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from skillsync import cli

EPILOG = """\
Writes RUN_DIR/summary.json and RUN_DIR/summary.md, and prints the chosen format.
Exit status follows the run: 1 if a target failed or was not attempted, 3 if halted.

examples:
  %(prog)s .skillsync/runs/RUN_ID --format md >> "$GITHUB_STEP_SUMMARY"
  jq -r 'select(.status=="failed") | "\\(.target): \\(.message)"' RUN_DIR/log.jsonl"""


def _parser() -> argparse.ArgumentParser:
    p = cli.parser("report", __doc__ or "", EPILOG)
    p.add_argument("run", metavar="RUN",
                   help="run directory, or run id (looked up in $SKILLSYNC_RUNS, else "
                        ".skillsync/runs; the demo's: .skillsync/demo/runs)")
    p.add_argument("--format", choices=("json", "md"), default="json")
    cli.add_output(p)
    return p


def _body(args: argparse.Namespace) -> int:
    from skillsync import report
    from skillsync.errors import EXIT_FAILED, EXIT_HALTED, EXIT_OK
    from skillsync.fsutil import atomic_write
    from skillsync.runlog import find_run

    run = find_run(args.run)
    summary = report.write_summary(run)
    if args.format == "md":
        text = report.markdown(summary)
        if args.output in ("-", ""):
            print(text, end="")
        else:
            atomic_write(args.output, text)
    else:
        cli.emit_json(summary, args.output)
    return {"failed": EXIT_FAILED, "halted": EXIT_HALTED}.get(summary["status"], EXIT_OK)


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main_wrapper(_parser, _body, argv)
