"""merge-runs: merge the run directories of CI matrix jobs into one run directory."""

from __future__ import annotations

from collections.abc import Sequence

from skillsync import cli
from skillsync.commands import _args

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


def merge_runs(ctx: cli.RunContext, /, *, into: str, parts: Sequence[str] = (),
               targets: str | None = None, annotations: bool = False, output: str = "-") -> int:
    """Merge the run directories `parts` into `into`, then complete its results."""
    from skillsync import fanin, report
    from skillsync.commands._common import load_targets
    from skillsync.runlog import RunDir

    fleet = load_targets(targets)
    merged = fanin.merge_run_dirs(into, list(parts))
    ctx.attach(into)
    merged.completed = fanin.complete_results(RunDir(into), fleet)
    cli.say(f"merged {merged.parts} part(s) into {into}: {merged.files} file(s), "
            f"{merged.events} log event(s); no result, recorded now: "
            f"{', '.join(merged.completed) or 'none'}")
    if annotations:
        lines = fanin.workflow_annotations(report.summarize(RunDir(into)))
        cli.emit_text("".join(line + "\n" for line in lines), output)
    else:
        cli.emit_json(merged.as_dict(), output)
    return 0


COMMAND = cli.Command(merge_runs, __doc__ or "", (
    cli.opt("parts", nargs="*", metavar="PART", help="run directories to merge in"),
    cli.opt("--into", required=True, metavar="RUN_DIR", help="the merged run directory"),
    _args.TARGETS,
    cli.opt("--annotations", action="store_true",
            help="print GitHub ::error:: / ::warning:: lines instead of JSON"),
    _args.OUTPUT,
), EPILOG)


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main(COMMAND, argv)


if __name__ == "__main__":
    raise SystemExit(main())
