"""matrix-chunks: split routed targets into GitHub Actions matrices (at most 256 jobs each)."""

from __future__ import annotations

from collections.abc import Sequence

from skillsync import cli
from skillsync.commands import _args

EPILOG = """\
input: the output of route-targets (a list, with or without --all, or the
{"include": [...]} of --matrix); only targets with decision "sync" go into a matrix.
--ids instead builds entries for the named targets (the rollback workflow).

output (JSON on stdout or -o FILE):
  {"schema", "chunk_size", "total", "waves": [[id, ...], ...],
   "wave_jobs": [{"wave", "include": [job, ...]}, ...],   one matrix per wave
   "canary": {"include": [...]},           wave 0, one matrix
   "rest": [{"include": [...]}, ...],      later waves, chunks of <= chunk_size
   "chunks": [{"include": [...]}, ...],    every entry, chunks of <= chunk_size
   "not_synced": [{"id", "decision", "reason"}]}
each entry: {"id", "wave", "mechanism", "risk", "auth_env"} (auth_env = the NAME of
the target's credential variable, "" when none); each job: {"wave", "chunk", "ids",
"count", "name", "environment", "auth_env", "rate_share"}: a target with a per-target
secret alone in its environment skillsync-ID, the others pooled in chunks
(environment skillsync-fleet), at most 256 jobs a wave.

--github-output FILE appends name=value lines (compact JSON) for job outputs:
  --waves:  wave_0..wave_3, has_wave_I, count, jobs       (the wave layout: no cap)
  else:     canary, has_canary, rest_0..rest_{N-1}, has_rest_I, matrix_0..,
            has_matrix_I, waves, count                   (N = --slots)
A fleet that does not fit (slot layout: canary > chunk size, or more chunks than
--slots; wave layout: more than 256 per-target secrets in one wave) is an error
(exit 2) that names the fix; it is never truncated.

--newer-than REF checks instead whether release REF is superseded: it prints
{"ref", "superseded_by"} (the newest release tag of --source that is newer, a stable
release counting only newer stable ones; null when none) and, with --github-output,
superseded=TAG (empty when REF is the newest). Exit 0 either way.

examples:
  skillsync-route-targets --manifest m.json --all -o routes.json
  %(prog)s --routes routes.json --waves --github-output "$GITHUB_OUTPUT"
  %(prog)s --ids canary-docs acme-agents --slots 1
  %(prog)s --newer-than v1.2.0 --source ."""


def matrix_chunks(ctx: cli.RunContext, /, *, routes: str | None = None,
                  ids: Sequence[str] | None = None, newer_than: str | None = None,
                  source: str = ".", targets: str | None = None, chunk_size: int = 256,
                  slots: int = 2, waves: bool = False, github_output: str | None = None,
                  output: str = "-") -> int:
    """Split the routes file `routes` (or entries for the target ids `ids`) into matrices,
    or say whether release `newer_than` is superseded by a newer tag of `source`."""
    from skillsync import matrix

    if newer_than is not None:
        return _superseded(newer_than, source, github_output, output)
    from skillsync.commands._common import load_targets
    from skillsync.targets import select

    fleet = load_targets(targets)
    if ids is not None:
        chosen = select(fleet, list(ids))
        entries = [{"id": t.id, "mechanism": t.mechanism, "risk": t.risk, "wave": 0,
                    "decision": "sync"} for t in chosen]
    else:
        assert routes is not None  # the group is required: cli checks it
        where = "stdin" if routes == "-" else routes
        entries = matrix.routes_from_json(cli.read_json(routes, "routes"), where)
    plan = matrix.plan_matrix(entries, fleet, chunk_size=chunk_size,
                              slots=None if waves else slots)
    if github_output:
        values = matrix.wave_outputs(plan) if waves else matrix.github_outputs(plan, slots)
        matrix.write_github_outputs(github_output, values)
    cli.emit_json(plan.as_dict(), output)
    if waves:
        sizes = ", ".join(f"wave {w}: {len(ids)} target(s) in {len(plan.wave_jobs[w])} job(s)"
                          for w, ids in enumerate(plan.waves)) or "no wave"
    else:
        sizes = (f"canary {len(plan.canary)}, later-wave matrices: "
                 + (", ".join(str(len(c)) for c in plan.rest) or "none"))
    cli.say(f"{plan.total} target(s): {sizes}")
    return 0


def _superseded(ref: str, source: str, github_output: str | None, output: str) -> int:
    from skillsync import matrix
    from skillsync.policy import parse_release

    parse_release(ref)   # attacker text: refused before git sees anything
    newer = matrix.newer_release(ref, matrix.source_tags(source))
    if github_output:
        matrix.write_github_outputs(github_output, {"superseded": newer or ""})
    cli.emit_json({"ref": ref, "superseded_by": newer}, output)
    cli.say(f"release {ref} is superseded by {newer}: nothing to sync" if newer
            else f"release {ref} is the newest release of its channel")
    return 0


COMMAND = cli.Command(matrix_chunks, __doc__ or "", (
    cli.Group((
        cli.opt("--routes", metavar="FILE", help="route-targets JSON, or - for stdin"),
        cli.opt("--ids", nargs="+", metavar="ID", help="these target ids instead of routes"),
        cli.opt("--newer-than", metavar="REF",
                help="only check whether release REF is superseded by a newer tag"),
    ), required=True),
    cli.opt("--source", metavar="DIR",
            help="with --newer-than: the git checkout whose tags count (default: .)"),
    _args.TARGETS,
    cli.opt("--chunk-size", type=int, metavar="N",
            help="entries per matrix (default and maximum: 256, GitHub's limit)"),
    cli.opt("--waves", action="store_true",
            help="the wave layout: one matrix of chunked jobs per wave, no cap on targets"),
    cli.opt("--slots", type=int, metavar="N",
            help="slot layout: matrix jobs the workflow has for the later waves (default: 2)"),
    cli.opt("--github-output", metavar="FILE",
            help="also append job outputs to FILE (pass \"$GITHUB_OUTPUT\")"),
    _args.OUTPUT,
), EPILOG)


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main(COMMAND, argv)


if __name__ == "__main__":
    raise SystemExit(main())
