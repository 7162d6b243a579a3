"""health: check that every enabled target can take a sync now (reachable, branch, auth)."""

from __future__ import annotations

from collections.abc import Sequence

from skillsync import cli
from skillsync.commands import _args
from skillsync.defaults import HEALTH_JOBS as DEFAULT_JOBS
from skillsync.defaults import HEALTH_TIMEOUT as DEFAULT_TIMEOUT

EPILOG = """\
checks per enabled target:
  auth       the variable named by auth.env is set (its value is never printed)
  remote     git ls-remote reaches the repository (with the token when set)
  branch     the branch exists on the remote
  submodule  submodule targets: a submodule sits at submodule.path on the branch
  endpoint   webhook targets: the URL answers HTTP with a status below 500
  forge      targets with forge: the API answers and takes the token (forge,
             forge-token), the token may push and open pull requests
             (forge-permission), and the branch protection that affects a sync
             (protection-reviews, protection-signatures, protection-checks)

One line per target on stderr ("ok   ID ..." or "FAIL ID: why"); a JSON report on
stdout (or -o FILE): [{"target", "healthy", "checks": [{"name", "ok", "message",
"severity"}]}]. A failed check of severity warning or info is a note: the target
stays healthy.

examples:
  %(prog)s
  %(prog)s --only acme-agents docs-portal -o health.json"""


def health(ctx: cli.RunContext, /, *, targets: str | None = None,
           only: Sequence[str] | None = None, jobs: int = DEFAULT_JOBS,
           timeout: float = DEFAULT_TIMEOUT, output: str = "-") -> int:
    """Check every enabled target (of `only`); exit 1 when one is unhealthy."""
    from skillsync import health as checks
    from skillsync.commands._common import load_targets
    from skillsync.targets import select

    chosen = select(load_targets(targets), list(only) if only is not None else None)
    for t in chosen:
        if not t.enabled:
            cli.say(f"skip {t.id}: disabled")
    enabled = [t for t in chosen if t.enabled]
    if not enabled:
        cli.say("no enabled targets to check")
    results = checks.check_all(enabled, jobs=jobs, timeout=timeout)
    width = max((len(r.target.id) for r in results), default=0)
    for r in results:
        cli.say(r.line(width))
    cli.emit_json([r.as_dict() for r in results], output)
    return 0 if all(r.healthy for r in results) else 1


COMMAND = cli.Command(
    health,
    "Check the health of enabled targets: remote reachable, branch present, auth variable"
    " set, submodule path present, webhook endpoint answering. Read-only.", (
        _args.TARGETS,
        cli.opt("--only", nargs="+", metavar="ID", help="check only these target ids"),
        cli.opt("--jobs", type=_args.positive_int, metavar="N",
                help=f"targets checked at once (default: {DEFAULT_JOBS})"),
        cli.opt("--timeout", type=_args.positive_float, metavar="SECONDS",
                help=f"limit for each network call (default: {DEFAULT_TIMEOUT:g})"),
        _args.OUTPUT,
    ), EPILOG)


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main(COMMAND, argv)


if __name__ == "__main__":
    raise SystemExit(main())
