"""snapshot: record the pre-sync state of routed targets into RUN_DIR/snapshots/<id>.json.

Branch head, downstream lock, mode and blob id of every file under dest and of
every file the lock owns, the submodule pointer, the open sync pull request
(with a forge and a token), a webhook's previous payload (when cached). Read
only: one ls-remote and one shallow, blob-less fetch per target. `sync` takes
the same snapshot itself right before its first write; this script is for
pipelines that want the record as a separate step."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from skillsync import cli

EPILOG = """\
output: the snapshots as a JSON list (also RUN_DIR/snapshots/<id>.json).
exit 1 when a target could not be read (its snapshot says why, with complete: false).

examples:
  %(prog)s --manifest manifest.json --run-dir .skillsync/runs/RUN
  %(prog)s --target acme-agents --manifest manifest.json"""


def _parser() -> argparse.ArgumentParser:
    p = cli.parser("snapshot", __doc__ or "", EPILOG)
    p.add_argument("--target", action="append", metavar="ID",
                   help="target id (repeat for several; default: every routed target)")
    p.add_argument("--manifest", required=True, metavar="FILE",
                   help="manifest JSON, or - for stdin")
    cli.add_targets(p)
    cli.add_run_dir(p)
    cli.add_output(p)
    return p


def _body(args: argparse.Namespace) -> int:
    from skillsync.commands._common import load_manifest, load_targets
    from skillsync.runlog import run_dir_for
    from skillsync.snapshot import snapshot_targets
    from skillsync.targets import select

    manifest = load_manifest(args.manifest)
    targets = load_targets(args)
    if args.target:
        targets = select(targets, args.target)
    run = run_dir_for(args.run_dir)
    args._run_dir = str(run.path)
    if not run.manifest_path.exists():
        run.write("manifest.json", manifest)
    snaps = snapshot_targets(manifest, targets, run)
    for s in snaps:
        state = (f"head {str(s.get('head') or 'none')[:12]}, {len(s.get('files') or {})} file(s)"
                 if s.get("complete") else f"FAILED: {s.get('error')}")
        cli.say(f"snapshot {s['target']}: {state}  ({run.snapshot_path(s['target'])})")
    cli.emit_json(snaps, args.output)
    return 0 if all(s.get("complete") for s in snaps) else 1


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main_wrapper(_parser, _body, argv)
