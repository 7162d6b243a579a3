"""health: check that every enabled target can take a sync now (reachable, branch, auth)."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from skillsync import cli

EPILOG = """\
checks per enabled target:
  auth       the variable named by auth.env is set (its value is never printed)
  remote     git ls-remote reaches the repository (with the token when set)
  branch     the branch exists on the remote
  submodule  submodule targets: a submodule sits at submodule.path on the branch
  endpoint   webhook targets: the URL answers HTTP with a status below 500

One line per target on stderr ("ok   ID ..." or "FAIL ID: why"); a JSON report on
stdout (or -o FILE): [{"target", "healthy", "checks": [{"name", "ok", "message"}]}].

examples:
  %(prog)s
  %(prog)s --only acme-agents docs-portal -o health.json"""


def _parser() -> argparse.ArgumentParser:
    from skillsync.defaults import HEALTH_JOBS as DEFAULT_JOBS
    from skillsync.defaults import HEALTH_TIMEOUT as DEFAULT_TIMEOUT

    p = cli.parser(
        "health",
        "Check the health of enabled targets: remote reachable, branch present, auth variable"
        " set, submodule path present, webhook endpoint answering. Read-only.",
        EPILOG,
    )
    cli.add_targets(p)
    p.add_argument("--only", nargs="+", metavar="ID", help="check only these target ids")
    p.add_argument("--jobs", type=cli.positive_int, default=DEFAULT_JOBS, metavar="N",
                   help=f"targets checked at once (default: {DEFAULT_JOBS})")
    p.add_argument("--timeout", type=_positive_float, default=DEFAULT_TIMEOUT, metavar="SECONDS",
                   help=f"limit for each network call (default: {DEFAULT_TIMEOUT:g})")
    cli.add_output(p)
    return p


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return value


def _body(args: argparse.Namespace) -> int:
    from skillsync import health, targets

    chosen = targets.select(targets.load_targets(Path(args.targets)), args.only)
    for t in chosen:
        if not t.enabled:
            cli.say(f"skip {t.id}: disabled")
    enabled = [t for t in chosen if t.enabled]
    if not enabled:
        cli.say("no enabled targets to check")
    results = health.check_all(enabled, jobs=args.jobs, timeout=args.timeout)
    width = max((len(r.target.id) for r in results), default=0)
    for r in results:
        cli.say(r.line(width))
    cli.emit_json([r.as_dict() for r in results], args.output)
    return 0 if all(r.healthy for r in results) else 1


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main_wrapper(_parser, _body, argv)


if __name__ == "__main__":
    raise SystemExit(main())
