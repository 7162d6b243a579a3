"""validate-sync-targets: the pre-sync gate over a release manifest and the target files."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from skillsync import cli
from skillsync.errors import EXIT_FAILED, EXIT_OK, ConfigError, UsageError

PROG = "validate-sync-targets"

EPILOG = """\
Checks: the manifest's schema, digest and integrity (every file hash recomputed
from the source commit); the Agent Skills spec of every SKILL.md; unique skill
names; adapter consistency (each adapter's skill exists and its skill_version
matches); the target files. Findings go to stdout as a JSON list, sorted;
a summary goes to stderr. Warnings do not fail the gate.

examples:
  build-manifest --ref v1.1.0 | validate-sync-targets --manifest -
  validate-sync-targets --targets targets/"""


def _parser() -> argparse.ArgumentParser:
    p = cli.parser(PROG, "Validate a release manifest, its skills and adapters, and the target "
                   "files before any sync.", EPILOG)
    p.add_argument("--manifest", metavar="FILE|-",
                   help="manifest from build-manifest ('-' = stdin); omit to check targets only")
    p.add_argument("--source", metavar="PATH_OR_URL",
                   help="where to re-read the files from (default: the manifest's "
                        "source.checkout while it holds the commit, else its source.repo)")
    p.add_argument("--remote", action="store_true",
                   help="also run the target health check (remote reachable, branch, auth "
                        "variable set, submodule path, webhook endpoint) for every enabled target")
    cli.add_targets(p)
    # None = not given: fall back to $SKILLSYNC_TARGETS, then ./targets only if it exists.
    p.set_defaults(targets=None)
    cli.add_output(p)
    return p


def _targets_dir(arg: str | None) -> Path | None:
    explicit = arg or os.environ.get("SKILLSYNC_TARGETS")
    if explicit:
        path = Path(explicit)
        if not path.is_dir():
            raise ConfigError("no such directory", where=explicit)
        return path
    default = Path("targets")
    return default if default.is_dir() else None


def _health_findings(targets: Path | None) -> list[Any]:
    """The health check's failures as findings (one per failed check)."""
    from skillsync.findings import Finding
    from skillsync.health import check_all
    from skillsync.targets import load_targets

    if targets is None:
        raise UsageError("--remote needs a targets directory")
    out = []
    for h in check_all([t for t in load_targets(targets) if t.enabled]):
        out += [Finding(str(h.target.source_file), f"health-{c.name}", "error",
                        f"{h.target.id}: {c.message}")
                for c in h.checks if not c.ok]
    return out


def _body(args: argparse.Namespace) -> int:
    from skillsync.findings import has_errors
    from skillsync.validate import validate

    manifest = cli.read_json(args.manifest, "manifest") if args.manifest else None
    if args.source and args.manifest is None:
        raise UsageError("--source needs --manifest")
    targets = _targets_dir(args.targets)
    if manifest is None and targets is None:
        raise UsageError("nothing to validate: give --manifest FILE|- and/or --targets DIR")
    findings = validate(manifest, source=args.source, targets_dir=targets)
    if args.remote:
        findings += _health_findings(targets)
    cli.emit_json([f.as_dict() for f in findings], args.output)
    for f in findings:
        cli.say(str(f))
    errors = sum(f.severity == "error" for f in findings)
    warnings = len(findings) - errors
    checked = []
    if isinstance(manifest, dict):
        checked.append(f"{len(manifest.get('skills') or [])} skills, "
                       f"{len(manifest.get('adapters') or [])} adapters")
    if targets is not None:
        checked.append(f"targets in {targets}")
    scope = f" ({'; '.join(checked)})" if checked else ""
    cli.say(f"{PROG}: {errors} error(s), {warnings} warning(s){scope}")
    return EXIT_FAILED if has_errors(findings) else EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main_wrapper(_parser, _body, argv)


if __name__ == "__main__":
    raise SystemExit(main())
