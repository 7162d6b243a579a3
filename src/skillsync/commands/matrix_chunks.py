"""matrix-chunks: split routed targets into GitHub Actions matrices (at most 256 each)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from skillsync import cli

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


def _parser() -> argparse.ArgumentParser:
    p = cli.parser("matrix-chunks", __doc__ or "", EPILOG)
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--routes", metavar="FILE", help="route-targets JSON, or - for stdin")
    src.add_argument("--ids", nargs="+", metavar="ID", help="these target ids instead of routes")
    cli.add_targets(p)
    p.add_argument("--chunk-size", type=int, default=256, metavar="N",
                   help="entries per matrix (default and maximum: 256, GitHub's limit)")
    p.add_argument("--slots", type=int, default=2, metavar="N",
                   help="matrix jobs the workflow has for the later waves (default: 2)")
    p.add_argument("--github-output", metavar="FILE",
                   help="also append job outputs to FILE (pass \"$GITHUB_OUTPUT\")")
    cli.add_output(p)
    return p


def _body(args: argparse.Namespace) -> int:
    from skillsync import matrix
    from skillsync.targets import load_targets, select

    targets = load_targets(Path(args.targets))
    if args.ids:
        chosen = select(targets, args.ids)
        routes = [{"id": t.id, "mechanism": t.mechanism, "risk": t.risk, "wave": 0,
                   "decision": "sync"} for t in chosen]
    else:
        where = "stdin" if args.routes == "-" else args.routes
        routes = matrix.routes_from_json(cli.read_json(args.routes, "routes"), where)
    plan = matrix.plan_matrix(routes, targets, chunk_size=args.chunk_size, slots=args.slots)
    if args.github_output:
        matrix.write_github_outputs(args.github_output, matrix.github_outputs(plan, args.slots))
    cli.emit_json(plan.as_dict(), args.output)
    sizes = ", ".join(str(len(c)) for c in plan.rest) or "none"
    cli.say(f"{plan.total} target(s): canary {len(plan.canary)}, later-wave matrices: {sizes}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main_wrapper(_parser, _body, argv)


if __name__ == "__main__":
    raise SystemExit(main())
