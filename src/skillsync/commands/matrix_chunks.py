"""matrix-chunks: split routed targets into GitHub Actions matrices (at most 256 each)."""

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
   "canary": {"include": [...]},           wave 0, one matrix
   "rest": [{"include": [...]}, ...],      later waves, chunks of <= chunk_size
   "chunks": [{"include": [...]}, ...],    every entry, chunks of <= chunk_size
   "not_synced": [{"id", "decision", "reason"}]}
each entry: {"id", "wave", "mechanism", "risk", "auth_env"} (auth_env = the NAME of
the target's credential variable, "" when none).

--github-output FILE appends name=value lines (compact JSON) for job outputs:
  canary, has_canary, rest_0..rest_{N-1}, has_rest_I, matrix_0.., has_matrix_I,
  waves, count                                     (N = --slots)
A fleet that does not fit (canary > chunk size, or more chunks than --slots) is
an error (exit 2) that names the fix; it is never truncated.

examples:
  skillsync-route-targets --manifest m.json --all -o routes.json
  %(prog)s --routes routes.json --github-output "$GITHUB_OUTPUT"
  %(prog)s --ids canary-docs acme-agents --slots 1"""


def matrix_chunks(ctx: cli.RunContext, /, *, routes: str | None = None,
                  ids: Sequence[str] | None = None, targets: str | None = None,
                  chunk_size: int = 256, slots: int = 2, github_output: str | None = None,
                  output: str = "-") -> int:
    """Split the routes file `routes` (or entries for the target ids `ids`) into matrices."""
    from skillsync import matrix
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
    plan = matrix.plan_matrix(entries, fleet, chunk_size=chunk_size, slots=slots)
    if github_output:
        matrix.write_github_outputs(github_output, matrix.github_outputs(plan, slots))
    cli.emit_json(plan.as_dict(), output)
    sizes = ", ".join(str(len(c)) for c in plan.rest) or "none"
    cli.say(f"{plan.total} target(s): canary {len(plan.canary)}, later-wave matrices: {sizes}")
    return 0


COMMAND = cli.Command(matrix_chunks, __doc__ or "", (
    cli.Group((
        cli.opt("--routes", metavar="FILE", help="route-targets JSON, or - for stdin"),
        cli.opt("--ids", nargs="+", metavar="ID", help="these target ids instead of routes"),
    ), required=True),
    _args.TARGETS,
    cli.opt("--chunk-size", type=int, metavar="N",
            help="entries per matrix (default and maximum: 256, GitHub's limit)"),
    cli.opt("--slots", type=int, metavar="N",
            help="matrix jobs the workflow has for the later waves (default: 2)"),
    cli.opt("--github-output", metavar="FILE",
            help="also append job outputs to FILE (pass \"$GITHUB_OUTPUT\")"),
    _args.OUTPUT,
), EPILOG)


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main(COMMAND, argv)


if __name__ == "__main__":
    raise SystemExit(main())
