"""report: the per-target summary of a run directory (JSON or Markdown)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from skillsync import cli
from skillsync.commands import _args

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


def _targets(targets: str | None) -> list[Any] | None:
    """The target files to check unfinished targets with; None when there are none."""
    from pathlib import Path

    from skillsync.targets import load_targets

    chosen = targets or os.environ.get("SKILLSYNC_TARGETS")
    if not chosen:
        if not Path("targets").is_dir():
            return None
        chosen = "targets"
    return load_targets(Path(chosen))


def report(ctx: cli.RunContext, /, *, run: str, fmt: str = "json", targets: str | None = None,
           output: str = "-") -> int:
    """Summarize run `run` (writes its summary files): exit 1 failed, 3 halted."""
    from skillsync import report as reports
    from skillsync.errors import EXIT_FAILED, EXIT_HALTED, EXIT_OK
    from skillsync.runlog import find_run

    rd = find_run(run)
    fleet = _targets(targets) if reports.lacking(rd) else None
    summary = reports.write_summary(rd, fleet)
    if fmt == "md":
        cli.emit_text(reports.markdown(summary), output)
    else:
        cli.emit_json(summary, output)
    return {"failed": EXIT_FAILED, "halted": EXIT_HALTED}.get(summary["status"], EXIT_OK)


COMMAND = cli.Command(report, __doc__ or "", (
    cli.opt("run", metavar="RUN",
            help="run directory, or run id (looked up in $SKILLSYNC_RUNS, else "
                 ".skillsync/runs; the demo's: .skillsync/demo/runs)"),
    cli.opt("--format", dest="fmt", choices=("json", "md")),
    cli.opt("--targets", metavar="DIR",
            help="target files, read only when a routed target has no result "
                 "(default: $SKILLSYNC_TARGETS, else ./targets if it exists)"),
    _args.OUTPUT,
), EPILOG)


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main(COMMAND, argv)
