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
from the source commit); files a skill lost in the release (symlinks, files over
the size limit, unreadable names, submodules); the Agent Skills spec of every
SKILL.md and its body (references the release does not ship, references more
than one level deep, length); unique skill names; adapter consistency (each
adapter's skill exists and its skill_version matches); the target files; and,
per agent a target names in `agents:` (or the source's default in
.skillsync.yaml), that agent's rules on the whole set the target will hold
after the sync: listing budget, per-skill cut-offs, where the agent looks for
skills, name collisions. docs/validation.md lists every rule and its source.

Findings go to stdout (or -o) as a JSON list, sorted, or as SARIF 2.1.0 for
GitHub code scanning; a summary goes to stderr. Severities: error fails the
gate; warning fails it only with --strict; info never does.

exit codes: 0 passed, 1 an error (or a warning with --strict), 2 usage or
configuration error (bad manifest JSON, unknown --agents id, missing source).

examples:
  build-manifest --ref v1.1.0 | validate-sync-targets --manifest -
  validate-sync-targets --manifest m.json --targets targets/ --strict
  validate-sync-targets --manifest m.json --agents claude-code --format sarif -o v.sarif
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
                        "variable set, submodule path, webhook endpoint) for every enabled "
                        "target, and read each git target's tree (read-only) so the "
                        "whole-set checks include its own skills")
    p.add_argument("--strict", action="store_true",
                   help="warnings become errors (exit 1): for CI gates")
    p.add_argument("--agents", metavar="ID[,ID...]", type=_agent_list,
                   help="apply these agent profiles to every skill of the release "
                        f"({', '.join(_agent_ids())}; default: the source's .skillsync.yaml)")
    p.add_argument("--format", choices=("json", "sarif"), default="json",
                   help="output format (default: json; sarif: SARIF 2.1.0 for GitHub code "
                        "scanning)")
    cli.add_targets(p)
    # None = not given: fall back to $SKILLSYNC_TARGETS, then ./targets only if it exists.
    p.set_defaults(targets=None)
    cli.add_output(p)
    return p


def _agent_ids() -> tuple[str, ...]:
    from skillsync.validation.profiles import AGENT_IDS

    return AGENT_IDS


def _agent_list(text: str) -> list[str]:
    ids = [part.strip() for part in text.split(",") if part.strip()]
    bad = [i for i in ids if i not in _agent_ids()]
    if bad:
        raise argparse.ArgumentTypeError(
            f"unknown agent {', '.join(bad)} (known: {', '.join(_agent_ids())})")
    return ids


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
    from skillsync.findings import counts, has_errors, strict
    from skillsync.validate import validate

    manifest = cli.read_json(args.manifest, "manifest") if args.manifest else None
    if args.source and args.manifest is None:
        raise UsageError("--source needs --manifest")
    if args.agents is not None and args.manifest is None:
        raise UsageError("--agents needs --manifest")
    targets = _targets_dir(args.targets)
    if manifest is None and targets is None:
        raise UsageError("nothing to validate: give --manifest FILE|- and/or --targets DIR")
    findings = validate(manifest, source=args.source, targets_dir=targets, remote=args.remote,
                        agents=args.agents)
    if args.remote:
        findings += _health_findings(targets)
    promoted = 0
    if args.strict:
        promoted = counts(findings)["warning"]
        findings = strict(findings)
    if args.format == "sarif":
        from skillsync.validation.rules import DESCRIPTIONS
        from skillsync.validation.sarif import to_sarif

        manifest_file = args.manifest if args.manifest not in (None, "-") else None
        cli.emit_json(to_sarif(findings, manifest_file=manifest_file,
                               descriptions=DESCRIPTIONS), args.output)
    else:
        cli.emit_json([f.as_dict() for f in findings], args.output)
    for f in findings:
        cli.say(str(f))
    n = counts(findings)
    checked = []
    if isinstance(manifest, dict):
        checked.append(f"{len(manifest.get('skills') or [])} skills, "
                       f"{len(manifest.get('adapters') or [])} adapters")
    if targets is not None:
        checked.append(f"targets in {targets}")
    scope = f" ({'; '.join(checked)})" if checked else ""
    made = f" ({promoted} of them warnings made errors by --strict)" if promoted else ""
    cli.say(f"{PROG}: {n['error']} error(s){made}, {n['warning']} warning(s), "
            f"{n['info']} info{scope}")
    return EXIT_FAILED if has_errors(findings) else EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main_wrapper(_parser, _body, argv)


if __name__ == "__main__":
    raise SystemExit(main())
