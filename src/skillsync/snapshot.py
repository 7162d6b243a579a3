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

from skillsync.downstream import TargetRepo, read_cache
from skillsync.model import Target
from skillsync.runlog import RunDir, utcnow

SNAPSHOT_SCHEMA = "skillsync.snapshot/v1"


def work_branch_of(target: Target, version: str) -> str | None:
    """The branch a sync of `version` writes to when it is not the target branch."""
    if target.mechanism == "pull-request" or (
        target.mechanism == "submodule" and target.submodule is not None
        and target.submodule.via == "pull-request"
    ):
        return f"skillsync/{version}"
    return None


def webhook_cache_key(target: Target) -> str:
    return f"webhook-payload\0{target.id}\0{target.url}"


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
    """The snapshot of one target (read only). `repo`: a scratch repository to reuse."""
    base: dict[str, Any] = {
        "schema": SNAPSHOT_SCHEMA, "target": target.id, "mechanism": target.mechanism,
        "taken": utcnow(), "run": run_id,
        "release": {"version": manifest.get("version"), "ref": manifest["source"].get("ref"),
                    "commit": manifest["source"].get("commit"), "digest": manifest.get("digest")},
    }
    if target.mechanism == "webhook":
        return {**base, **_webhook(target)}
    from skillsync.urls import redact_url

    assert target.repo is not None
    version = str(manifest["version"])
    work = work_branch_of(target, version)
    own = repo is None
    repo = repo or TargetRepo(target.repo, dict(env or {}), None)
    try:
        wanted = [target.branch] + ([work] if work else [])
        now = dict(heads) if heads is not None else repo.heads(wanted)
        head, work_head = now.get(target.branch), now.get(work) if work else None
        if repo.git_dir is None:
            repo.open([b for b in wanted if b in now])
        else:
            repo.fetch_commits([s for s in (head, work_head) if s])
        lock = repo.read_lock(head, target.lock_path) if head else None
        owned = sorted(lock.files) if lock else []
        scope = scope_for(target, manifest if target.mechanism != "submodule" else None, owned)
        snap: dict[str, Any] = {
            **base, "repo": redact_url(target.repo), "branch": target.branch,
            "dest": target.dest, "lock_path": target.lock_path, "head": head,
            "work_branch": work, "work_head": work_head,
            "lock": _lock_dict(lock), "owned": owned, "scope": scope,
            "files": entries(repo.tree(head, scope)) if head else {},
            "work_files": entries(repo.tree(work_head, scope)) if work_head else None,
            "submodule": None, "pull_request": None,
        }
        if target.submodule is not None and head:
            path = target.submodule.path
            entry = repo.tree(head, [path]).get(path)
            snap["submodule"] = {"path": path, "commit": entry[1] if entry else None}
            if work_head:
                wentry = repo.tree(work_head, [path]).get(path)
                snap["submodule"]["work_commit"] = wentry[1] if wentry else None
        if work and work_head:
            # No sync branch on the remote means no open pull request can have it as
            # head (GitHub closes a PR whose head branch is deleted): no API call.
            snap["pull_request"], err = _open_pull_request(target, work, token)
            if err:
                snap["pull_request_error"] = err
        snap["complete"] = True
        return snap
    finally:
        if own:
            repo.close()


def _lock_dict(lock: Any) -> dict[str, Any] | None:
    if lock is None:
        return None
    import json

    return dict(json.loads(lock.to_json()))


def _open_pull_request(target: Target, work: str,
                       token: str | None) -> tuple[dict[str, Any] | None, str | None]:
    if target.forge is None or not target.forge.repository or not token:
        return None, None
    try:
        from skillsync import forge
    except ImportError:   # the forge client is optional for snapshots
        return None, "forge client not available"
    try:
        client = forge.GitHub(target.forge.api_url, token, token_env=target.auth.env)
        try:
            pr = client.find_pull_request(target.forge.repository, work)
        finally:
            client.close()
    except Exception as exc:
        from skillsync.secrets import redact

        return None, redact(str(exc))
    if pr is None:
        return None, None
    return {"number": pr.get("number"), "url": pr.get("html_url"), "state": pr.get("state"),
            "head_sha": (pr.get("head") or {}).get("sha")}, None


def _webhook(target: Target) -> dict[str, Any]:
    cached = read_cache(webhook_cache_key(target)) or {}
    prev = cached.get("payload")
    return {"url_set": bool(target.url), "webhook": {
        "previous": prev, "previous_run": cached.get("run"),
        "previous_version": (prev or {}).get("release", {}).get("version"),
        "previous_digest": cached.get("digest")}, "complete": True}


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
        if r.decision == "skip":
            continue
        t = by_id[r.id]
        cred = credentials_for(t)
        try:
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
