"""sync-target: sync ONE target (plan, then apply unless --dry-run).

CI runs one per matrix job against a shared manifest and run directory;
`report` merges the results afterwards."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from skillsync import cli
from skillsync.commands._common import add_sync_options, load_manifest, load_targets, options
from skillsync.errors import EXIT_FAILED, EXIT_HALTED, EXIT_OK

EPILOG = """\
output: the target's result as JSON (status synced | no-op | planned | skipped |
halted | failed | pending); the plan is in RUN_DIR/plans/ID.json, the log in RUN_DIR/log.jsonl.

example:
  %(prog)s --target canary-docs --manifest manifest.json --dry-run"""


def _parser() -> argparse.ArgumentParser:
    p = cli.parser("sync-target", __doc__ or "", EPILOG)
    p.add_argument("--target", required=True, metavar="ID", help="target id")
    p.add_argument("--manifest", required=True, metavar="FILE",
                   help="manifest JSON, or - for stdin")
    cli.add_targets(p)
    cli.add_run_dir(p)
    add_sync_options(p)
    cli.add_output(p)
    return p


def _body(args: argparse.Namespace) -> int:
    from skillsync import policy
    from skillsync.runlog import run_dir_for
    from skillsync.source import locate, open_source
    from skillsync.sync import gate, release_of, sync_one, target_meta
    from skillsync.targets import select

    manifest = load_manifest(args.manifest)
    target = select(load_targets(args), [args.target])[0]
    run = run_dir_for(args.run_dir)
    args._run_dir = str(run.path)
    if not run.manifest_path.exists():
        run.write("manifest.json", manifest)
    opts = options(args)
    gate(manifest, run, opts, "stdin" if args.manifest == "-" else args.manifest)
    route = policy.route(release_of(manifest), [target], allow_major=opts.allow_major)[0]
    if route.decision != "sync":
        from skillsync.mechanisms.base import Result

        status = "halted" if route.decision == "halt" else "skipped"
        result = Result(target.id, target.mechanism, status, route.reason)
        result.data.update(dry_run=opts.dry_run, meta=target_meta(target))
        run.write(f"results/{target.id}.json", result.as_dict())
        run.log("result", status, route.reason, target=target.id)
    else:
        src = manifest["source"]
        source_dir = open_source(locate(src, opts.source), src["commit"])
        result = sync_one(target, manifest, run, source_dir, opts, wave=route.wave)
    cli.emit_json(result.as_dict(), args.output)
    cli.say(f"{result.status:9} {target.id}: {result.message}  (run dir {run.path})")
    if result.status in ("failed",):
        return EXIT_FAILED
    return EXIT_HALTED if result.status == "halted" else EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main_wrapper(_parser, _body, argv)
