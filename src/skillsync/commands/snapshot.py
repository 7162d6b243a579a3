"""snapshot: record the pre-sync state of routed targets into RUN_DIR/snapshots/<id>.json.

Branch head, downstream lock, mode and blob id of every file under dest and of
every file the lock owns, the submodule pointer, the open sync pull request
(with a forge and a token), a webhook's previous payload (when cached). Read
only: one ls-remote and one shallow, blob-less fetch per target. `sync` takes
the same snapshot itself right before its first write; this script is for
pipelines that want the record as a separate step."""

from __future__ import annotations

from collections.abc import Sequence

from skillsync import cli
from skillsync.commands import _args

EPILOG = """\
output: the snapshots as a JSON list (also RUN_DIR/snapshots/<id>.json).
exit 1 when a target could not be read (its snapshot says why, with complete: false).

examples:
  %(prog)s --manifest manifest.json --run-dir .skillsync/runs/RUN
  %(prog)s --target acme-agents --manifest manifest.json"""


def snapshot(ctx: cli.RunContext, /, *, manifest: str, target: Sequence[str] | None = None,
             targets: str | None = None, run_dir: str | None = None, output: str = "-") -> int:
    """Snapshot the targets `target` (default: every routed target) into the run dir."""
    from skillsync.commands._common import load_manifest, load_targets
    from skillsync.runlog import run_dir_for
    from skillsync.snapshot import snapshot_targets
    from skillsync.targets import select

    doc = load_manifest(manifest)
    chosen = load_targets(targets)
    if target:
        chosen = select(chosen, list(target))
    run = run_dir_for(run_dir)
    ctx.attach(run.path)
    if not run.manifest_path.exists():
        run.write("manifest.json", doc)
    snaps = snapshot_targets(doc, chosen, run)
    for s in snaps:
        state = (f"head {str(s.get('head') or 'none')[:12]}, {len(s.get('files') or {})} file(s)"
                 if s.get("complete") else f"FAILED: {s.get('error')}")
        cli.say(f"snapshot {s['target']}: {state}  ({run.snapshot_path(s['target'])})")
    cli.emit_json(snaps, output)
    return 0 if all(s.get("complete") for s in snaps) else 1


COMMAND = cli.Command(snapshot, __doc__ or "", (
    cli.opt("--target", action="append", metavar="ID",
            help="target id (repeat for several; default: every routed target)"),
    _args.MANIFEST,
    _args.TARGETS,
    _args.RUN_DIR,
    _args.OUTPUT,
), EPILOG)


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main(COMMAND, argv)
