"""merge-runs: merge the run directories of CI matrix jobs into one run directory."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from skillsync import cli

EPILOG = """\
Each PART is a run directory, or a folder of run directories (the layout
actions/download-artifact gives a pattern download; one matching artifact lands
directly in the folder, and that works too). Files new to RUN_DIR are copied,
identical ones skipped, log lines merged in time order; two parts disagreeing on
a file is an error (exit 2) naming it, and so is a file that is not what skillsync
writes (checked before anything of its part is copied). Then every target in
RUN_DIR/routes.json (or matrix.json) without a result gets one: halted or skipped
(from its route), not attempted (its job never ran or never finished), or unknown
(its branch is at a commit of this run, read with the target's credentials, or it
could not be read though the run had planned to write to it).

output: {"run", "parts", "files", "events", "completed": [ids]} on stdout, or with
--annotations one GitHub workflow command per failed / not-attempted / unknown (::error::)
and halted (::warning::) target.

examples:
  %(prog)s --into "$RUN_DIR" "$RUNNER_TEMP/parts"
  %(prog)s --into .skillsync/runs/ci-123 parts/* --annotations"""


def _parser() -> argparse.ArgumentParser:
    p = cli.parser("merge-runs", __doc__ or "", EPILOG)
    p.add_argument("parts", nargs="*", metavar="PART", help="run directories to merge in")
    p.add_argument("--into", required=True, metavar="RUN_DIR", help="the merged run directory")
    cli.add_targets(p)
    p.add_argument("--annotations", action="store_true",
                   help="print GitHub ::error:: / ::warning:: lines instead of JSON")
    cli.add_output(p)
    return p


def _body(args: argparse.Namespace) -> int:
    from skillsync import matrix, report
    from skillsync.runlog import RunDir
    from skillsync.targets import load_targets

    targets = load_targets(Path(args.targets))
    merged = matrix.merge_run_dirs(args.into, args.parts)
    args._run_dir = args.into
    merged.completed = matrix.complete_results(RunDir(args.into), targets)
    cli.say(f"merged {merged.parts} part(s) into {args.into}: {merged.files} file(s), "
            f"{merged.events} log event(s); no result, recorded now: "
            f"{', '.join(merged.completed) or 'none'}")
    if args.annotations:
        lines = matrix.workflow_annotations(report.summarize(RunDir(args.into)))
        cli.emit_text("".join(line + "\n" for line in lines), args.output)
    else:
        cli.emit_json(merged.as_dict(), args.output)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main_wrapper(_parser, _body, argv)


if __name__ == "__main__":
    raise SystemExit(main())
