"""Plans: for one target, the exact operations and the decision (DESIGN.md "Plan").

Pure functions over the manifest, the target config and the target's current
state (branch head, tree entries, downstream lock). No I/O here, so a plan is
the same whether it comes from a dry run or precedes a live sync.
"""

from __future__ import annotations

import fnmatch
import posixpath
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from skillsync import paths
from skillsync.downstream_lock import Lock, OwnedFile
from skillsync.errors import ConfigError, ReleaseRefused, TargetError
from skillsync.model import Decision, Target

PLAN_SCHEMA = "skillsync.plan/v1"


@dataclass(frozen=True)
class DesiredFile:
    path: str       # path in the target repository
    sha256: str
    blob: str
    mode: str
    size: int
    origin: str     # "skill:<name>" or "adapter:<id>:<skill>"


@dataclass(frozen=True)
class Operation:
    op: str                    # add | modify | delete
    path: str
    sha256: str | None = None  # new content (None for delete)
    blob: str | None = None
    mode: str | None = None
    old_blob: str | None = None


@dataclass
class Plan:
    target: str
    mechanism: str
    decision: Decision
    reason: str
    version: str
    commit: str
    branch: str | None = None   # branch the change is based on
    base_head: str | None = None
    work_branch: str | None = None  # where our commit goes (pull request branch)
    operations: list[Operation] = field(default_factory=list)
    drift: list[str] = field(default_factory=list)
    pointer: dict[str, str | None] | None = None
    previous_version: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.decision = Decision(self.decision)

    def counts(self) -> dict[str, int]:
        c = {"add": 0, "modify": 0, "delete": 0}
        for op in self.operations:
            if op.op in c:
                c[op.op] += 1
        return c

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["schema"] = PLAN_SCHEMA
        d["counts"] = self.counts()
        return d


def selected_skills(manifest: Mapping[str, Any], target: Target) -> list[dict[str, Any]]:
    return [
        s
        for s in manifest["skills"]
        if any(fnmatch.fnmatchcase(s["name"], pat) for pat in target.skills)
    ]


def placement_key(target: Target) -> str:
    """What decides which files land where in `target` (not where the repository is):
    recorded in each sync commit's trailers, so a later run can tell from the head
    commit alone that the branch holds this release placed this way."""
    import hashlib

    text = "\0".join([target.mechanism, target.dest, ",".join(target.skills),
                      repr(sorted(target.adapters))])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def write_dirs(target: Target) -> tuple[str, ...]:
    """Where release files may land in `target`: its `dest` and the directories its
    adapters are placed in (both from the target file, checked by the path policy)."""
    return tuple(sorted({target.dest, *(d for _, d in target.adapters if d)}))


def write_roots(target: Target) -> tuple[str, ...]:
    """Everything a sync of `target` may change: `write_dirs` plus the files skillsync
    owns by name. The commit builder refuses a commit that touches anything else
    (downstream.TargetRepo.build_commit)."""
    from skillsync.skills_cli_lock import LOCK_FILE

    return tuple(sorted({*write_dirs(target), LOCK_FILE}))


def within(path: str, roots: tuple[str, ...]) -> bool:
    return any(paths.inside(path, r) for r in roots)


def desired_files(manifest: Mapping[str, Any], target: Target) -> dict[str, DesiredFile]:
    """Where every file of the release lands in this target.

    The path policy applies again here, to whatever manifest we were handed: each
    landed path must be policy-clean and inside the target's write roots, so a
    tampered manifest cannot aim a write anywhere else (issue 12)."""
    out: dict[str, DesiredFile] = {}
    roots = write_dirs(target)
    folded: dict[str, str] = {}

    def put(path: str, f: Mapping[str, Any], origin: str) -> None:
        problem = paths.problem(path)
        if problem or not within(path, roots) or path == target.lock_path:
            raise ReleaseRefused(
                f"{origin} would land on '{paths.show(path)}', "
                + (problem or f"outside {paths.show(target.dest)}")
                + "; refusing this manifest")
        if str(f.get("mode")) not in ("100644", "100755"):
            raise ReleaseRefused(f"{origin}: '{paths.show(path)}' has mode "
                                 f"{paths.show(str(f.get('mode')))}; only regular files are synced")
        key = paths.fold(path)
        if folded.setdefault(key, path) != path:
            raise ReleaseRefused(
                f"'{paths.show(path)}' and '{paths.show(folded[key])}' collide on a case- or "
                "normalisation-insensitive filesystem")
        if path in out and out[path].blob != f["blob"]:
            raise ConfigError(
                f"{origin} and {out[path].origin} both land on {paths.show(path)}",
                where=str(target.source_file),
            )
        out[path] = DesiredFile(path, f["sha256"], f["blob"], f["mode"], int(f["size"]), origin)

    def part(name: str, what: str) -> str:
        problem = paths.name_problem(name, what=what)
        if problem:
            raise ReleaseRefused(f"{problem}: '{paths.show(name)}'; refusing this manifest")
        return name

    skills = selected_skills(manifest, target)
    names = {s["name"] for s in skills}
    for s in skills:
        name = part(s["name"], "skill name")
        for f in s["files"]:
            put(f"{target.dest}/{name}/{f['path']}", f, f"skill:{paths.show(name)}")
    wanted = dict(target.adapters)
    for a in manifest.get("adapters", []):
        aid, skill = a["adapter_id"], a["skill_name"]
        if aid not in wanted or skill not in names:
            continue
        base = wanted[aid] or f"{target.dest}/{skill}/adapters/{part(aid, 'adapter id')}"
        sub = f"/{skill}" if wanted[aid] else ""
        put(f"{base}{sub}/{part(posixpath.basename(a['path']), 'adapter file name')}", a,
            f"adapter:{paths.show(aid)}:{paths.show(skill)}")
    return out


def check_owned(lock: Lock | None, target: Target) -> None:
    """A downstream lock is downstream content: every path it claims must be one we
    could have written. A lock naming a path outside the write roots (say README.md,
    or .github/workflows/x.yml) would make us delete or overwrite it."""
    if lock is None:
        return
    roots = write_roots(target)
    for p in sorted(lock.files):
        problem = paths.problem(p)
        if problem or not within(p, roots):
            raise TargetError(
                f"{target.lock_path} claims '{paths.show(p)}', "
                + (problem or f"outside {paths.show(target.dest)}")
                + "; refusing to trust this lock (fix or remove it in the target)")


def new_lock(manifest: Mapping[str, Any], desired: Mapping[str, DesiredFile], run_id: str) -> Lock:
    src = manifest["source"]
    return Lock(
        source=src["repo"],
        version=manifest["version"],
        commit=src["commit"],
        manifest_digest=manifest["digest"],
        run=run_id,
        files={p: OwnedFile(d.sha256, d.blob, d.mode) for p, d in desired.items()},
    )


def file_plan(
    manifest: Mapping[str, Any],
    target: Target,
    *,
    head: str | None,
    tree: Mapping[str, tuple[str, str]],
    lock: Lock | None,
    overwrite: bool = False,
    desired: Mapping[str, DesiredFile] | None = None,
) -> Plan:
    """The file operations that take `tree` (the target branch at `head`) to the release.

    Deletions only touch files the previous sync wrote (the lock says which);
    a synced file changed downstream since (drift), or a file skillsync never
    owned standing where a release file would land, halts the target unless
    `overwrite` is set.
    """
    desired = desired if desired is not None else desired_files(manifest, target)
    check_owned(lock, target)
    src = manifest["source"]
    plan = Plan(
        target=target.id,
        mechanism=target.mechanism,
        decision=Decision.UPDATE,
        reason="",
        version=manifest["version"],
        commit=src["commit"],
        branch=target.branch,
        base_head=head,
        previous_version=lock.version if lock else None,
    )
    owned = lock.files if lock else {}
    drift = sorted(
        p for p, f in owned.items() if tree.get(p, ("", None))[1] != f.blob
    )
    unowned = sorted(
        p for p, d in desired.items()
        if p in tree and p not in owned and tree[p][1] != d.blob
    )
    for path, d in sorted(desired.items()):
        cur = tree.get(path)
        if cur is None:
            plan.operations.append(Operation("add", path, d.sha256, d.blob, d.mode))
        elif cur[1] != d.blob or cur[0] != d.mode:
            plan.operations.append(Operation("modify", path, d.sha256, d.blob, d.mode, cur[1]))
    for path in sorted(set(owned) - set(desired)):
        cur = tree.get(path)
        if cur is not None:
            plan.operations.append(Operation("delete", path, old_blob=cur[1]))
    plan.drift = drift
    if (drift or unowned) and not overwrite:
        plan.decision = Decision.HALT
        parts = []
        if drift:
            parts.append(f"{len(drift)} synced file(s) changed downstream since the last sync: "
                         + ", ".join(drift[:10]) + (" …" if len(drift) > 10 else ""))
        if unowned:
            parts.append(f"{len(unowned)} file(s) skillsync does not own would be overwritten: "
                         + ", ".join(unowned[:10]) + (" …" if len(unowned) > 10 else ""))
        plan.reason = "; ".join(parts) + " (re-run with --overwrite-drift to take them over)"
        plan.data["unowned"] = unowned
        return plan
    if lock and lock.manifest_digest == manifest["digest"] and not plan.operations:
        plan.decision = Decision.NO_OP
        plan.reason = f"already at {lock.version} ({lock.commit[:12]})"
        return plan
    if not desired:
        plan.decision = Decision.SKIP
        plan.reason = "no skill of this release matches the target's `skills` selection"
        return plan
    n = plan.counts()
    # A verb phrase: it is printed as "dry run: would <reason>" and "applying <reason>".
    files = ", ".join(f"{verb} {n[verb]}" for verb in ("add", "modify", "delete") if n[verb])
    plan.reason = (
        (f"update {lock.version} -> {manifest['version']}" if lock
         else f"install {manifest['version']} (first sync)")
        + (f": {files} file(s)" if files else ": no file changes")
    )
    return plan
