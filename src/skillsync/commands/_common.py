"""Pieces several commands share: loading the manifest and targets, run dirs."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from skillsync import cli


def load_manifest(arg: str) -> dict[str, Any]:
    """A manifest file (or stdin): parsed, schema-checked with the JSON path of the
    first failure, path policy and digest checked (skillsync.gate); exit 2 if not."""
    from skillsync.gate import check_manifest

    data = cli.read_json(arg, "manifest")
    return check_manifest(data, "stdin" if arg == "-" else arg)


def load_targets(args: argparse.Namespace) -> list[Any]:
    from skillsync.targets import load_targets as _load

    return _load(Path(args.targets))


def add_sync_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--dry-run", action="store_true",
                   help="plan and log only: no push, no API write, no file changed in any target")
    p.add_argument("--allow-major", action="store_true",
                   help="let a semver-major release through to targets that did not opt in")
    p.add_argument("--allow-downgrade", action="store_true",
                   help="sync a release older than the one a target holds (rollback is usually "
                        "what you want)")
    p.add_argument("--overwrite-drift", action="store_true",
                   help="overwrite synced files edited downstream (and take over unowned files)")
    p.add_argument("--source", metavar="PATH_OR_URL",
                   help="read source files from here (default: the manifest's source.checkout "
                        "while it holds the commit, else its source.repo)")
    p.add_argument("--no-verify", action="store_true",
                   help="skip reading each target back after its sync")
    p.add_argument("--wait", type=float, default=None, metavar="SECONDS",
                   help="wait this long for another run's source or target lock "
                        "(default: $SKILLSYNC_LOCK_WAIT, else stop at once)")


def options(args: argparse.Namespace, **kw: Any) -> Any:
    from skillsync.sync import DEFAULT_JOBS, Options

    if args.wait is not None:
        kw["lock_wait"] = args.wait
    return Options(dry_run=args.dry_run, allow_major=args.allow_major,
                   allow_downgrade=args.allow_downgrade,
                   overwrite=args.overwrite_drift, source=args.source,
                   verify=not args.no_verify, jobs=getattr(args, "jobs", DEFAULT_JOBS) or
                   DEFAULT_JOBS, **kw)
