"""report: the per-target summary of a run directory (JSON or Markdown)."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from typing import Any

from skillsync import cli

EPILOG = """\
Writes RUN_DIR/summary.json and RUN_DIR/summary.md, and prints the chosen format.
Every routed target without a result (the run was killed, or its job lost) is listed:
"not attempted", or "unknown" when its branch is at a commit of this run (checked
read-only against RUN_DIR/plans/ID.json, with the target files from --targets).
Exit status follows the run: 1 if a target failed, was not attempted or is unknown
(re-run those with `scripts/sync --rerun-failed RUN`), 3 if halted. A run directory
file that is not what skillsync writes is exit 2, naming the file and JSON path.

examples:
  %(prog)s .skillsync/runs/RUN_ID --format md >> "$GITHUB_STEP_SUMMARY"
  jq -r 'select(.status=="failed") | "\\(.target): \\(.message)"' RUN_DIR/log.jsonl"""


def _parser() -> argparse.ArgumentParser:
    p = cli.parser("report", __doc__ or "", EPILOG)
    p.add_argument("run", metavar="RUN",
                   help="run directory, or run id (looked up in $SKILLSYNC_RUNS, else "
                        ".skillsync/runs; the demo's: .skillsync/demo/runs)")
    p.add_argument("--format", choices=("json", "md"), default="json")
    p.add_argument("--targets", metavar="DIR", default=None,
                   help="target files, read only when a routed target has no result "
                        "(default: $SKILLSYNC_TARGETS, else ./targets if it exists)")
    cli.add_output(p)
    return p


def _targets(args: argparse.Namespace) -> list[Any] | None:
    """The target files to check unfinished targets with; None when there are none."""
    from pathlib import Path

    from skillsync.targets import load_targets

    chosen = args.targets or os.environ.get("SKILLSYNC_TARGETS")
    if not chosen:
        if not Path("targets").is_dir():
            return None
        chosen = "targets"
    return load_targets(Path(chosen))


def _body(args: argparse.Namespace) -> int:
    from skillsync import report
    from skillsync.errors import EXIT_FAILED, EXIT_HALTED, EXIT_OK
    from skillsync.runlog import find_run

    run = find_run(args.run)
    targets = _targets(args) if report.lacking(run) else None
    summary = report.write_summary(run, targets)
    if args.format == "md":
        cli.emit_text(report.markdown(summary), args.output)
    else:
        cli.emit_json(summary, args.output)
    return {"failed": EXIT_FAILED, "halted": EXIT_HALTED}.get(summary["status"], EXIT_OK)


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main_wrapper(_parser, _body, argv)
