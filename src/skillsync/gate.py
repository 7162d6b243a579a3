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

import threading
from collections.abc import Sequence
from typing import Any

from skillsync import paths
from skillsync.errors import GateRefused, ReleaseRefused, SkillsyncError
from skillsync.findings import Finding
from skillsync.runlog import RunDir


def _refuse(label: str, findings: Sequence[Finding], what: str) -> ReleaseRefused:
    first = findings[0]
    more = f" (and {len(findings) - 1} more finding(s))" if len(findings) > 1 else ""
    return ReleaseRefused(f"{what}: {first.path}: {first.message}{more}",
                          where=paths.show(label))


def check_manifest(manifest: Any, label: str) -> dict[str, Any]:
    """`manifest` when it is a well-formed, untampered-looking manifest; else
    ReleaseRefused naming `label` (the file) and the JSON path."""
    from skillsync import integrity as mf  # not manifest: its build half costs imports

    if not isinstance(manifest, dict) or manifest.get("schema") != mf.SCHEMA_ID:
        raise ReleaseRefused(f"not a skillsync manifest (expected schema {mf.SCHEMA_ID})",
                             where=paths.show(label))
    # One process checks the same manifest more than once (the command that reads it,
    # then the gate of the run): a passed check is remembered by content, not by object.
    key = mf.content_key(manifest)
    if key is not None and key in _PASSED:
        return manifest
    found = mf.check_schema(manifest, key=key)
    if found:
        raise _refuse(label, found, "manifest does not match its schema")
    found = mf.check_policy(manifest) + mf.check_digest(manifest)
    if found:
        raise _refuse(label, found, "manifest refused")
    if key is not None:
        if len(_PASSED) > 16:
            _PASSED.clear()
        _PASSED.add(key)
    return manifest


_PASSED: set[str] = set()


def require_valid(manifest: dict[str, Any], source: str, label: str = "manifest") -> None:
    """ReleaseRefused unless the release passes the whole pre-sync validation."""
    from skillsync.validate import validate_release

    errors = [f for f in validate_release(manifest, source=source) if f.severity == "error"]
    if errors:
        raise _refuse(label, sorted(errors), "the release failed validation; nothing synced")


def gate(manifest: dict[str, Any], run: RunDir, enabled: bool, before_write: bool,
         source: str | None, label: str = "manifest") -> None:
    """The pre-sync validation on the manifest a run uses, before any target is read or
    written (ReleaseRefused, exit 2, when it fails). With `before_write` only the cheap
    checks run here, the rest before the first write (`full_gate`): one sync-target
    process syncs one target, and a no-op must not pay for a pass over the release."""
    if not enabled:
        return
    try:
        check_manifest(manifest, label)
    except SkillsyncError as exc:
        run.log("gate", "failed", str(exc))
        raise
    if not before_write:
        full_gate(manifest, run, source, label)


_GATED: dict[tuple[str, str, str], SkillsyncError | None] = {}
_GATE_LOCK = threading.Lock()


def full_gate(manifest: dict[str, Any], run: RunDir, override: str | None,
              label: str = "manifest") -> None:
    """The whole pre-sync validation, once per run and release (the workers of one run
    share it; another run checks again: a tag may have moved in between). GateRefused
    when it fails: the sync engine lets that through, so nothing anywhere is written."""
    from skillsync.source import locate

    source = locate(manifest["source"], override)  # the checkout, else source.repo
    key = (str(run.path), str(manifest.get("digest")), source)
    with _GATE_LOCK:
        if key not in _GATED:
            try:
                require_valid(manifest, source, label)
            except SkillsyncError as exc:
                _GATED[key] = exc
                run.log("gate", "failed", str(exc))
            else:
                _GATED[key] = None
                run.log("gate", "ok", "the release passed the pre-sync validation")
        refused = _GATED[key]
    if refused is not None:
        raise GateRefused(refused.message, where=refused.where)
