"""route-targets: which targets take a release, and in which wave."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from skillsync import cli
from skillsync.commands._common import load_manifest, load_targets
from skillsync.errors import EXIT_HALTED, EXIT_OK

EPILOG = """\
output: a JSON list, one entry per target that takes the release:
  {"id", "mechanism", "risk", "wave", "decision": "sync", "reason"}
with --all, halted and skipped targets too (decision "halt" / "skip").

examples:
  skillsync-build-manifest --source . --ref v2.3.0 \\
    | %(prog)s --manifest - | jq -r '.[].id'
  %(prog)s --manifest manifest.json --only 'canary-*' --allow-major"""


def _parser() -> argparse.ArgumentParser:
    p = cli.parser("route-targets", __doc__ or "", EPILOG)
    p.add_argument("--manifest", required=True, metavar="FILE",
                   help="manifest JSON, or - for stdin")
    cli.add_targets(p)
    p.add_argument("--only", nargs="+", metavar="ID", help="only these target ids (globs allowed)")
    p.add_argument("--allow-major", action="store_true",
                   help="let a semver-major release through to targets that did not opt in")
    p.add_argument("--previous", metavar="VERSION",
                   help="the release before this one (decides what counts as a major bump)")
    p.add_argument("--all", action="store_true", help="include halted and skipped targets")
    p.add_argument("--matrix", action="store_true",
                   help='GitHub Actions matrix form: {"include": [...]} of routed targets')
    cli.add_output(p)
    return p


def _body(args: argparse.Namespace) -> int:
    from skillsync import policy
    from skillsync.targets import select

    manifest = load_manifest(args.manifest)
    release = policy.parse_release(str(manifest["source"]["ref"]))
    targets = load_targets(args)
    if args.only:
        select(targets, [o for o in args.only if not any(c in o for c in "*?[")])
    routes = policy.route(release, targets, allow_major=args.allow_major,
                          previous=args.previous, only=args.only)
    for r in routes:
        if r.decision != "sync":
            cli.say(f"{r.decision:5} {r.id}: {r.reason}")
    shown = [r.as_dict() for r in routes if args.all or r.decision == "sync"]
    cli.emit_json({"include": shown} if args.matrix else shown, args.output)
    waves = policy.waves(routes)
    cli.say(f"{release.tag}: {sum(len(w) for w in waves)} target(s) in {len(waves)} wave(s)")
    return EXIT_HALTED if any(r.decision == "halt" for r in routes) else EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main_wrapper(_parser, _body, argv)
