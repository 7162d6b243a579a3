"""validate-sync-targets: the pre-sync gate over a release manifest and the target files."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from skillsync import cli
from skillsync.commands import _args
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
        out += [Finding(str(h.target.source_file), f"health-{c.name}", c.severity,
                        f"{h.target.id}: {c.message}")
                for c in h.checks if not c.ok]
    return out


def validate_sync_targets(ctx: cli.RunContext, /, *, manifest: str | None = None,
                          source: str | None = None, remote: bool = False, strict: bool = False,
                          agents: Sequence[str] | None = None, fmt: str = "json",
                          targets: str | None = None, output: str = "-") -> int:
    """Run the pre-sync gate over `manifest` and/or the target files; exit 1 on an error."""
    from skillsync.findings import counts, has_errors
    from skillsync.findings import strict as promote
    from skillsync.validate import validate

    doc = cli.read_json(manifest, "manifest") if manifest else None
    if source and manifest is None:
        raise UsageError("--source needs --manifest")
    if agents is not None and manifest is None:
        raise UsageError("--agents needs --manifest")
    where = _targets_dir(targets)
    if doc is None and where is None:
        raise UsageError("nothing to validate: give --manifest FILE|- and/or --targets DIR")
    findings = validate(doc, source=source, targets_dir=where, remote=remote,
                        agents=list(agents) if agents is not None else None)
    if remote:
        findings += _health_findings(where)
    promoted = 0
    if strict:
        promoted = counts(findings)["warning"]
        findings = promote(findings)
    if fmt == "sarif":
        from skillsync.validation.rules import DESCRIPTIONS
        from skillsync.validation.sarif import to_sarif

        manifest_file = manifest if manifest not in (None, "-") else None
        cli.emit_json(to_sarif(findings, manifest_file=manifest_file,
                               descriptions=DESCRIPTIONS), output)
    else:
        cli.emit_json([f.as_dict() for f in findings], output)
    for f in findings:
        cli.say(str(f))
    n = counts(findings)
    checked = []
    if isinstance(doc, dict):
        checked.append(f"{len(doc.get('skills') or [])} skills, "
                       f"{len(doc.get('adapters') or [])} adapters")
    if where is not None:
        checked.append(f"targets in {where}")
    scope = f" ({'; '.join(checked)})" if checked else ""
    made = f" ({promoted} of them warnings made errors by --strict)" if promoted else ""
    cli.say(f"{PROG}: {n['error']} error(s){made}, {n['warning']} warning(s), "
            f"{n['info']} info{scope}")
    return EXIT_FAILED if has_errors(findings) else EXIT_OK


COMMAND = cli.Command(validate_sync_targets, "Validate a release manifest, its skills and "
                      "adapters, and the target files before any sync.", (
    cli.opt("--manifest", metavar="FILE|-",
            help="manifest from build-manifest ('-' = stdin); omit to check targets only"),
    cli.opt("--source", metavar="PATH_OR_URL",
            help="where to re-read the files from (default: the manifest's "
                 "source.checkout while it holds the commit, else its source.repo)"),
    cli.opt("--remote", action="store_true",
            help="also run the target health check (remote reachable, branch, auth "
                 "variable set, submodule path, webhook endpoint; for forge targets the "
                 "API, the token and its permissions, the branch protection) for every "
                 "enabled "
                 "target, and read each git target's tree (read-only) so the "
                 "whole-set checks include its own skills"),
    cli.opt("--strict", action="store_true",
            help="warnings become errors (exit 1): for CI gates"),
    cli.opt("--agents", metavar="ID[,ID...]", type=_args.agent_list,
            help="apply these agent profiles to every skill of the release "
                 f"({', '.join(_args.agent_ids())}; default: the source's .skillsync.yaml)"),
    cli.opt("--format", dest="fmt", choices=("json", "sarif"),
            help="output format (default: json; sarif: SARIF 2.1.0 for GitHub code "
                 "scanning)"),
    # Not given: $SKILLSYNC_TARGETS, then ./targets only if it exists (_targets_dir).
    _args.TARGETS,
    _args.OUTPUT,
), EPILOG)


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main(COMMAND, argv)


if __name__ == "__main__":
    raise SystemExit(main())
