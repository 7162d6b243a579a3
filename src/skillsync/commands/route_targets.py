"""route-targets: which targets take a release, and in which wave."""

from __future__ import annotations

from collections.abc import Sequence

from skillsync import cli
from skillsync.commands import _args
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


def route_targets(ctx: cli.RunContext, /, *, manifest: str, targets: str | None = None,
                  only: Sequence[str] | None = None, allow_major: bool = False,
                  previous: str | None = None, include_all: bool = False, matrix: bool = False,
                  output: str = "-") -> int:
    """Route the release of `manifest`: exit 3 when a target halts."""
    from skillsync import policy
    from skillsync.targets import select

    doc = load_manifest(manifest)
    release = policy.parse_release(str(doc["source"]["ref"]))
    fleet = load_targets(targets)
    chosen = list(only) if only is not None else None
    if chosen:
        select(fleet, [o for o in chosen if not any(c in o for c in "*?[")])
    routes = policy.route(release, fleet, allow_major=allow_major,
                          previous=previous, only=chosen)
    for r in routes:
        if r.decision != "sync":
            cli.say(f"{r.decision:5} {r.id}: {r.reason}")
    shown = [r.as_dict() for r in routes if include_all or r.decision == "sync"]
    cli.emit_json({"include": shown} if matrix else shown, output)
    waves = policy.waves(routes)
    cli.say(f"{release.tag}: {sum(len(w) for w in waves)} target(s) in {len(waves)} wave(s)")
    return EXIT_HALTED if any(r.decision == "halt" for r in routes) else EXIT_OK


COMMAND = cli.Command(route_targets, __doc__ or "", (
    _args.MANIFEST,
    _args.TARGETS,
    _args.ONLY,
    _args.ALLOW_MAJOR,
    cli.opt("--previous", metavar="VERSION",
            help="the release before this one (decides what counts as a major bump)"),
    cli.opt("--all", dest="include_all", action="store_true",
            help="include halted and skipped targets"),
    cli.opt("--matrix", action="store_true",
            help='GitHub Actions matrix form: {"include": [...]} of routed targets'),
    _args.OUTPUT,
), EPILOG)


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main(COMMAND, argv)
