"""rollback: return targets to the snapshot taken before a run wrote to them.

History is never rewritten: push and submodule targets get a new commit that
restores the snapshot; an unmerged sync pull request is closed and its branch
deleted; a merged one gets a revert pull request; a webhook gets the previous
release again. After writing, the target is read back and compared with the
snapshot (blob ids), and the verification line is printed. Roll back only a target
the run wrote to, when the release is wrong for it: a failed target was not changed
(re-sync it with `sync --rerun-failed RUN`). How and when, per mechanism:
docs/sync-rollback.md (in the skillsync repository; in CI, the rollback workflow,
.github/workflows/rollback.yml, runs this for one target per job)."""

from __future__ import annotations

from collections.abc import Sequence

from skillsync import cli
from skillsync.commands import _args

EPILOG = """\
statuses: rolled-back | pending (revert pull request opened, merge it) | no-op
(nothing of this run left to undo: rolling back twice is a no-op) | planned (--dry-run)
| refused (the target moved on since the sync: look, then --force) | failed |
manual (a webhook without the previous payload: its owner must act).
Exit 0 when every target is rolled-back, pending, no-op or planned; else 1.

examples:
  %(prog)s --run 20260101T120000Z-ab12cd --target acme-agents --dry-run
  %(prog)s --run .skillsync/runs/20260101T120000Z-ab12cd --all-synced
  %(prog)s --run RUN --target acme-agents --force   (target moved on: owned files only)"""


def rollback(ctx: cli.RunContext, /, *, run: str, target: Sequence[str] | None = None,
             all_synced: bool = False, dry_run: bool = False, force: bool = False,
             targets: str | None = None, output: str = "-") -> int:
    """Roll back the targets `target` (or, `all_synced`, every target run `run` wrote to)."""
    from skillsync import rollback as rb
    from skillsync.commands._common import load_targets
    from skillsync.runlog import find_run

    rd = find_run(run)
    ctx.attach(rd.path)
    fleet = load_targets(targets)
    ids = rb.synced_ids(rd) if all_synced else list(dict.fromkeys(target or ()))
    if not ids:
        cli.say(f"run {rd.run_id}: no target was written by this run; nothing to roll back")
    outcomes = rb.rollback_run(rd, fleet, ids, dry_run=dry_run, force=force)
    for o in outcomes:
        cli.say(f"{o.status:12} {o.target}: {o.message}")
        if o.verification:
            cli.say(f"{'':12} {o.verification}")
    cli.emit_json(rb.summary(rd, outcomes, dry_run=dry_run, force=force), output)
    return rb.exit_code(outcomes)


COMMAND = cli.Command(rollback, __doc__ or "", (
    cli.opt("--run", required=True, metavar="RUN",
            help="run directory, or run id (looked up in $SKILLSYNC_RUNS, else "
                 ".skillsync/runs)"),
    cli.Group((
        cli.opt("--target", action="append", metavar="ID",
                help="target to roll back (repeat for several)"),
        cli.opt("--all-synced", action="store_true",
                help="every target the run wrote to (the others are left alone)"),
    ), required=True),
    cli.opt("--dry-run", action="store_true",
            help="say what would be done; write nothing anywhere"),
    cli.opt("--force", action="store_true",
            help="roll back even if the target moved on since the sync: restore only "
                 "the files skillsync owns, leave every other change alone"),
    _args.TARGETS,
    _args.OUTPUT,
), EPILOG)


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main(COMMAND, argv)
