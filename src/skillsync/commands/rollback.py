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

import argparse
from collections.abc import Sequence

from skillsync import cli

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


def _parser() -> argparse.ArgumentParser:
    p = cli.parser("rollback", __doc__ or "", EPILOG)
    p.add_argument("--run", required=True, metavar="RUN",
                   help="run directory, or run id (looked up in $SKILLSYNC_RUNS, else "
                        ".skillsync/runs)")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--target", action="append", metavar="ID",
                       help="target to roll back (repeat for several)")
    which.add_argument("--all-synced", action="store_true",
                       help="every target the run wrote to (the others are left alone)")
    p.add_argument("--dry-run", action="store_true",
                   help="say what would be done; write nothing anywhere")
    p.add_argument("--force", action="store_true",
                   help="roll back even if the target moved on since the sync: restore only "
                        "the files skillsync owns, leave every other change alone")
    cli.add_targets(p)
    cli.add_output(p)
    return p


def _body(args: argparse.Namespace) -> int:
    from skillsync import rollback
    from skillsync.commands._common import load_targets
    from skillsync.runlog import find_run

    run = find_run(args.run)
    args._run_dir = str(run.path)
    targets = load_targets(args)
    ids = rollback.synced_ids(run) if args.all_synced else list(dict.fromkeys(args.target))
    if not ids:
        cli.say(f"run {run.run_id}: no target was written by this run; nothing to roll back")
    outcomes = rollback.rollback_run(run, targets, ids, dry_run=args.dry_run, force=args.force)
    for o in outcomes:
        cli.say(f"{o.status:12} {o.target}: {o.message}")
        if o.verification:
            cli.say(f"{'':12} {o.verification}")
    cli.emit_json(rollback.summary(run, outcomes, dry_run=args.dry_run, force=args.force),
                  args.output)
    return rollback.exit_code(outcomes)


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main_wrapper(_parser, _body, argv)
