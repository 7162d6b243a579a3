"""sync-target: sync ONE target (plan, then apply unless --dry-run).

CI runs one per matrix job against a shared manifest and run directory;
`report` merges the results afterwards."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from skillsync import cli
from skillsync.commands import _args
from skillsync.commands._args import NO_FLAGS, SyncFlags, targets_dir
from skillsync.commands._common import load_manifest
from skillsync.errors import EXIT_FAILED, EXIT_HALTED, EXIT_OK
from skillsync.model import Decision, Status, Target

EPILOG = """\
output: the target's result as JSON (status synced | no-op | planned | skipped |
halted | failed | pending); the plan is in RUN_DIR/plans/ID.json, the log in RUN_DIR/log.jsonl.

example:
  %(prog)s --target canary-docs --manifest manifest.json --dry-run"""


def sync_target(ctx: cli.RunContext, /, *, target: str, manifest: str,
                targets: str | None = None, run_dir: str | None = None,
                flags: SyncFlags = NO_FLAGS, output: str = "-",
                wave: int | None = None) -> int:
    """Sync the one target `target` to the release of `manifest`."""
    from skillsync import policy
    from skillsync.targets import load_one

    doc = load_manifest(manifest)
    chosen = load_one(targets_dir(targets), target)
    route = policy.route(policy.parse_release(str(doc["source"]["ref"])), [chosen],
                         allow_major=flags.allow_major)[0]
    if route.decision == "sync":
        _read_ahead(chosen, doc)

    from skillsync.gate import gate
    from skillsync.runlog import run_dir_for
    from skillsync.source import LazySource
    from skillsync.sync import sync_one, target_meta

    run = run_dir_for(run_dir)
    ctx.attach(run.path)
    if not run.manifest_path.exists():
        run.write("manifest.json", doc)
    # One target in this process: the full validation waits for a decided write.
    label = "stdin" if manifest == "-" else manifest
    opts = replace(flags.options(), gate_before_write=True, gate_label=label)
    gate(doc, run, opts.gate, opts.gate_before_write, opts.source, label,
         checked=True)  # load_manifest's check_manifest
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
        result = sync_one(chosen, doc, run, source_dir, opts,
                          wave=route.wave if wave is None else wave)
    cli.emit_json(result.as_dict(), output)
    cli.say(f"{result.status:9} {chosen.id}: {result.message}  (run dir {run.path})")
    if result.status == Status.FAILED:
        return EXIT_FAILED
    return EXIT_HALTED if result.status == Status.HALTED else EXIT_OK


def _read_ahead(target: Target, manifest: dict[str, Any]) -> None:
    """The target's branch heads, asked for now (the mechanism says which): the round
    trip overlaps the imports and checks before planning needs them. Not for a GitHub
    App target, whose token is minted later, inside the sync (an unauthenticated read
    would only be refused)."""
    from skillsync import mechanisms
    from skillsync.credentials import credentials_for

    cred = credentials_for(target)
    if target.auth.method == "none" or cred.git_env:
        mechanisms.of(target).read_ahead(target, manifest, cred.git_env)


COMMAND = cli.Command(sync_target, __doc__ or "", (
    cli.opt("--target", required=True, metavar="ID", help="target id"),
    cli.opt("--wave", type=_args.wave_number, metavar="N",
            help="the fleet's wave this job runs in (the plan's routes.json; default 0): "
                 "a later wave is verified by the push's own report, the canary wave "
                 "read back in full, and the result records it"),
    _args.MANIFEST,
    _args.TARGETS,
    _args.RUN_DIR,
    _args.SYNC_FLAGS,
    _args.OUTPUT,
), EPILOG)


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main(COMMAND, argv)
