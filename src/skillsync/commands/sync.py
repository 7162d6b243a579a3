"""sync: build (or read) the manifest, route, and sync every routed target in waves."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from skillsync import cli
from skillsync.commands import _args
from skillsync.commands._args import NO_FLAGS, SyncFlags
from skillsync.commands._common import load_manifest, load_targets
from skillsync.secrets import redact

EPILOG = """\
output: the run summary as JSON on stdout, or -o FILE (also RUN_DIR/summary.json and
summary.md); on a terminal, a table instead (--format json for the JSON). While it runs,
each target's line goes to stderr as the target finishes: under a live progress line
on a terminal, in one ::group:: per wave in GitHub Actions, plain when piped.

examples:
  %(prog)s --source ../skills --ref v2.3.0 --dry-run
  %(prog)s --manifest manifest.json --only canary-docs
  %(prog)s --rerun-failed RUN     (only the targets that failed, were not attempted or
                                  are unknown: the run was killed before their result)"""


def table(summary: dict[str, Any]) -> str:
    """The run summary as an aligned text table, for a person at a terminal."""
    from skillsync.paths import show

    rows = [("TARGET", "WAVE", "STATUS", "CHANGES", "DETAILS")]
    for t in summary["targets"]:
        c = t["changes"]
        rows.append((show(t["id"]), "" if t["wave"] is None else str(t["wave"]), t["status"],
                     f"+{c.get('add', 0)} ~{c.get('modify', 0)} -{c.get('delete', 0)}",
                     show(t["error"] or t["message"])))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    out = ["  ".join(f"{cell:{w}}" for cell, w in zip(r[:4], widths, strict=True)) + "  " + r[4]
           for r in rows]
    return redact("\n".join(out) + "\n")


def sync(ctx: cli.RunContext, /, *, manifest: str | None = None, ref: str | None = None,
         rerun_failed: str | None = None, only: Sequence[str] | None = None,
         jobs: int | None = None, targets: str | None = None, run_dir: str | None = None,
         flags: SyncFlags = NO_FLAGS, output: str = "-", fmt: str = "auto") -> int:
    """Sync a release (from `manifest`, from `ref` at `flags.source`, or the failed
    targets of run `rerun_failed`) to every routed target; the run's exit code."""
    from skillsync import policy, report
    from skillsync.errors import UsageError
    from skillsync.progress import Progress
    from skillsync.runlog import find_run, run_dir_for
    from skillsync.sync import exit_code, release_of, run_sync

    chosen = list(only) if only is not None else None
    if rerun_failed:
        from skillsync import artifacts
        from skillsync.paths import show

        # Every file of the earlier run is checked on the way in (skillsync.artifacts);
        # its routed targets without a result count as not attempted or unknown, and
        # are re-synced too: the engine's no-op detection leaves one already at our
        # commit as it is (RELIABILITY 39).
        prev = find_run(rerun_failed)
        if artifacts.manifest(prev) is None:
            raise UsageError(f"{show(str(prev.path))}: no manifest.json; not a sync run directory")
        doc = load_manifest(str(prev.manifest_path))
        summary = report.summarize(prev)
        chosen = [t["id"] for t in summary["targets"] if t["status"] in report.FAILING]
        if not chosen:
            cli.say(f"run {prev.run_id}: no failed, not-attempted or unknown targets; "
                    "nothing to do")
            cli.emit_json(summary, output)
            return 0
    elif manifest:
        doc = load_manifest(manifest)
    elif ref:
        if not flags.source:
            raise UsageError("--ref needs --source")
        from skillsync.manifest import build_manifest
        from skillsync.policy import parse_release

        parse_release(ref)  # refuse hostile tag text before git sees it
        doc = build_manifest(flags.source, ref)
    else:
        raise UsageError("give --manifest FILE, --ref TAG (with --source) or --rerun-failed RUN")
    fleet = load_targets(targets)
    run = run_dir_for(run_dir)
    ctx.attach(run.path)
    cli.say(f"run {run.run_id}: {doc['source']['ref']} ({doc['source']['commit'][:12]})"
            + (" — dry run" if flags.dry_run else "") + f"  [{run.path}]")
    label = ("stdin" if manifest == "-" else manifest) if manifest else "manifest"
    opts = flags.options(jobs)
    routes = policy.route(release_of(doc), fleet, allow_major=opts.allow_major, only=chosen)
    total = len(routes)
    if opts.dry_run:   # what the GitHub budget means for a live run, before anything starts
        from skillsync import pacing

        routed = {r.id for r in routes if r.decision == "sync"}
        cli.say(pacing.forecast([t for t in fleet if t.id in routed]))
    with Progress(total) as progress:
        results = run_sync(doc, fleet, run, opts, only=chosen, on_result=progress.result,
                           label=label)
    summary = report.write_summary(run)
    counts = ", ".join(f"{v} {k}" for k, v in summary["counts"].items()) or "no targets"
    cli.say(f"run {run.run_id}: {summary['status']} ({counts}); summary in {run.path}")
    if fmt == "table" or (fmt == "auto" and output in ("-", "") and _isatty(sys.stdout)):
        sys.stdout.write(table(summary))
        sys.stdout.flush()
    else:
        cli.emit_json(summary, output)
    return exit_code(results)


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


COMMAND = cli.Command(sync, __doc__ or "", (
    cli.Group((
        cli.opt("--manifest", metavar="FILE", help="manifest JSON, or - for stdin"),
        cli.opt("--ref", help="release tag to build the manifest from (with --source)"),
        cli.opt("--rerun-failed", metavar="RUN",
                help="re-sync only the failed / not-attempted / unknown targets of RUN (a "
                     "run directory, or an id in $SKILLSYNC_RUNS, else .skillsync/runs), "
                     "same commit"),
    )),
    _args.ONLY,
    cli.opt("--jobs", type=int, metavar="N",
            help="targets synced at once within a wave (default 4)"),
    _args.TARGETS,
    _args.RUN_DIR,
    _args.SYNC_FLAGS,
    _args.OUTPUT,
    cli.opt("--format", dest="fmt", choices=("auto", "json", "table"),
            help="stdout: auto (a table on a terminal, else JSON), json or table"),
), EPILOG)


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main(COMMAND, argv)
