"""Pre-sync snapshot of a target: what rollback restores and verifies against.

Recorded before any write, into RUN_DIR/snapshots/<id>.json:

- the branch head (and the pull-request work branch `skillsync/<version>`, if any);
- the downstream lock as it was;
- `files`: mode and blob id of every file under `dest`, under the directories
  the release would write to, and of every file the lock owns (blob ids are
  enough to restore and to prove byte-identity, so no blob is downloaded);
- the submodule pointer (submodule targets);
- the open sync pull request, through the forge when the target has one and a
  token (anything the forge says wrong is recorded, not fatal);
- webhook targets: the previous release's payload, when the local cache has it
  (sync stores each delivered payload there).

Cheap: one ls-remote and one shallow, blob-less fetch (none at all when the
sync engine hands over the scratch repository it planned with).
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from skillsync.downstream import TargetRepo
from skillsync.model import Decision, Target
from skillsync.runlog import RunDir, utcnow

SNAPSHOT_SCHEMA = "skillsync.snapshot/v1"


def prefixes(paths: Iterable[str]) -> list[str]:
    """The fewest directories covering `paths` (files at the root count as themselves)."""
    dirs = sorted({posixpath.dirname(p) or p for p in paths if p})
    out: list[str] = []
    for d in dirs:
        if not any(d == o or d.startswith(o + "/") for o in out):
            out.append(d)
    return out


def scope_for(target: Target, manifest: Mapping[str, Any] | None,
              owned: Iterable[str]) -> list[str]:
    """Directories a sync may touch: dest, where the release lands, what the lock owns."""
    from skillsync.plan import desired_files

    paths = [f"{target.dest}/x", *owned]
    if manifest is not None:
        paths += list(desired_files(manifest, target))
    return prefixes(paths)


def entries(tree: Mapping[str, tuple[str, str]]) -> dict[str, dict[str, str]]:
    return {p: {"mode": m, "blob": b} for p, (m, b) in sorted(tree.items())}


def take(target: Target, manifest: Mapping[str, Any], *, run_id: str,
         env: Mapping[str, str] | None = None, token: str | None = None,
         repo: TargetRepo | None = None, heads: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The snapshot of one target (read only), by its mechanism. `repo`: a scratch
    repository to reuse."""
    from skillsync import mechanisms

    base: dict[str, Any] = {
        "schema": SNAPSHOT_SCHEMA, "target": target.id, "mechanism": target.mechanism,
        "taken": utcnow(), "run": run_id,
        "release": {"version": manifest.get("version"), "ref": manifest["source"].get("ref"),
                    "commit": manifest["source"].get("commit"), "digest": manifest.get("digest")},
    }
    return mechanisms.get(target.mechanism).snapshot(
        target, manifest, base, env=dict(env or {}), token=token, repo=repo, heads=heads)


# -- run directory ---------------------------------------------------------------------------
def path_of(run: RunDir, target_id: str) -> Path:
    return run.snapshot_path(target_id)


def load(run: RunDir, target_id: str) -> dict[str, Any] | None:
    """The snapshot of `target_id` in `run`, checked against schemas/snapshot.schema.json
    and the path policy (skillsync.artifacts); None when there is none."""
    from skillsync import artifacts

    return artifacts.snapshot(run, target_id)


def save(run: RunDir, snap: Mapping[str, Any]) -> Path:
    return run.write(f"snapshots/{snap['target']}.json", dict(snap))


def written_by(repo: TargetRepo, run_id: str, commits: Sequence[str | None]) -> bool:
    """True when one of `commits` is a sync commit of run `run_id` (so the state is no
    longer pre-sync: a re-run within one run directory keeps its first snapshot)."""
    for sha in commits:
        if sha:
            tr = repo.trailers(sha)
            if tr.get("Skillsync-Run") == run_id and "Skillsync-Rollback-Of" not in tr:
                return True
    return False


def snapshot_targets(manifest: Mapping[str, Any], targets: Sequence[Target], run: RunDir, *,
                     only: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Snapshot every target routed for this release (scripts/snapshot)."""
    from skillsync import policy
    from skillsync.credentials import credentials_for

    release = policy.parse_release(str(manifest["source"]["ref"]))
    routes = policy.route(release, targets, allow_major=True, only=only)
    by_id = {t.id: t for t in targets}
    out = []
    for r in routes:
        if r.decision == Decision.SKIP:
            continue
        t = by_id[r.id]
        try:
            cred = credentials_for(t, mint=True, read_only=True)   # a snapshot only reads
            snap = take(t, manifest, run_id=run.run_id, env=cred.git_env, token=cred.token)
        except Exception as exc:
            from skillsync.secrets import redact

            snap = {"schema": SNAPSHOT_SCHEMA, "target": t.id, "mechanism": t.mechanism,
                    "taken": utcnow(), "run": run.run_id, "complete": False,
                    "error": redact(str(exc))}
        save(run, snap)
        run.log("snapshot", "ok" if snap.get("complete") else "failed",
                snap.get("error") or f"head {str(snap.get('head') or '-')[:12]}", target=t.id)
        out.append(snap)
    return out
