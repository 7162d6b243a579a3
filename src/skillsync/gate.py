"""The validation gate on every path to a write (issue 12).

A manifest is a file that travels between CI jobs; whoever hands one to `sync`,
`sync-target` or `invoke sync` may have edited it. Before any target is touched it
is checked twice over:

- `check_manifest` (cheap, no git): the JSON Schema with the JSON path of the
  failure, the path policy, and the digest recomputed. Every command that reads a
  manifest applies it (commands._common.load_manifest).
- `require_valid` (reads the source at the pinned commit): everything
  validate-sync-targets checks — every file's blob, size and sha256 re-read from
  the commit, the Agent Skills spec, adapters — plus the identity of the release
  (its version is its ref's, a tag still points at its commit).

Either failure raises ReleaseRefused (exit 2) naming the file and the first
finding; nothing is written anywhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from skillsync import paths
from skillsync.errors import ReleaseRefused
from skillsync.findings import Finding


def _refuse(label: str, findings: Sequence[Finding], what: str) -> ReleaseRefused:
    first = findings[0]
    more = f" (and {len(findings) - 1} more finding(s))" if len(findings) > 1 else ""
    return ReleaseRefused(f"{what}: {first.path}: {first.message}{more}",
                          where=paths.show(label))


def check_manifest(manifest: Any, label: str) -> dict[str, Any]:
    """`manifest` when it is a well-formed, untampered-looking manifest; else
    ReleaseRefused naming `label` (the file) and the JSON path."""
    from skillsync import manifest as mf

    if not isinstance(manifest, dict) or manifest.get("schema") != mf.SCHEMA_ID:
        raise ReleaseRefused(f"not a skillsync manifest (expected schema {mf.SCHEMA_ID})",
                             where=paths.show(label))
    found = mf.check_schema(manifest)
    if found:
        raise _refuse(label, found, "manifest does not match its schema")
    found = mf.check_policy(manifest) + mf.check_digest(manifest)
    if found:
        raise _refuse(label, found, "manifest refused")
    return manifest


def require_valid(manifest: dict[str, Any], source: str, label: str = "manifest") -> None:
    """ReleaseRefused unless the release passes the whole pre-sync validation."""
    from skillsync.validate import validate_release

    errors = [f for f in validate_release(manifest, source=source) if f.severity == "error"]
    if errors:
        raise _refuse(label, sorted(errors), "the release failed validation; nothing synced")
