"""sync-target: sync ONE target (plan, then apply unless --dry-run).

CI runs one per matrix job against a shared manifest and run directory;
`report` merges the results afterwards."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from skillsync import cli
from skillsync.commands import _args
from skillsync.commands._args import NO_FLAGS, SyncFlags, targets_dir
from skillsync.commands._common import load_manifest
from skillsync.errors import EXIT_FAILED, EXIT_HALTED, EXIT_OK
from skillsync.model import Decision, Status

EPILOG = """\
output: the target's result as JSON (status synced | no-op | planned | skipped |
halted | failed | pending); the plan is in RUN_DIR/plans/ID.json, the log in RUN_DIR/log.jsonl.

example:
  %(prog)s --target canary-docs --manifest manifest.json --dry-run"""


def sync_target(ctx: cli.RunContext, /, *, target: str, manifest: str,
                targets: str | None = None, run_dir: str | None = None,
                flags: SyncFlags = NO_FLAGS, output: str = "-") -> int:
    """Sync the one target `target` to the release of `manifest`."""
    from skillsync import policy
    from skillsync.gate import gate
    from skillsync.runlog import run_dir_for
    from skillsync.source import LazySource
    from skillsync.sync import release_of, sync_one, target_meta
    from skillsync.targets import load_one

    doc = load_manifest(manifest)
    chosen = load_one(targets_dir(targets), target)
    run = run_dir_for(run_dir)
    ctx.attach(run.path)
    if not run.manifest_path.exists():
        run.write("manifest.json", doc)
    # One target in this process: the full validation waits for a decided write.
    label = "stdin" if manifest == "-" else manifest
    opts = replace(flags.options(), gate_before_write=True, gate_label=label)
    gate(doc, run, opts.gate, opts.gate_before_write, opts.source, label)
    route = policy.route(release_of(doc), [chosen], allow_major=opts.allow_major)[0]
    if route.decision != "sync":
        from skillsync.mechanisms.base import Result

        status = Status.HALTED if route.decision == Decision.HALT else Status.SKIPPED
        result = Result(chosen.id, chosen.mechanism, status, route.reason)
        result.data.update(dry_run=opts.dry_run, meta=target_meta(chosen))
        run.write(f"results/{chosen.id}.json", result.as_dict())
        run.log("result", status, route.reason, target=chosen.id)
    else:
        src = doc["source"]
        source_dir = LazySource(src, opts.source)   # opened only when a write needs it
        result = sync_one(chosen, doc, run, source_dir, opts, wave=route.wave)
    cli.emit_json(result.as_dict(), output)
    cli.say(f"{result.status:9} {chosen.id}: {result.message}  (run dir {run.path})")
    if result.status == Status.FAILED:
        return EXIT_FAILED
    return EXIT_HALTED if result.status == Status.HALTED else EXIT_OK


COMMAND = cli.Command(sync_target, __doc__ or "", (
    cli.opt("--target", required=True, metavar="ID", help="target id"),
    _args.MANIFEST,
    _args.TARGETS,
    _args.RUN_DIR,
    _args.SYNC_FLAGS,
    _args.OUTPUT,
), EPILOG)


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main(COMMAND, argv)
