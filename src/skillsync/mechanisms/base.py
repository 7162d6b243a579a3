"""The one interface every mechanism implements: its whole lifecycle (issue 14).

A mechanism is one module under `skillsync/mechanisms/` with one class registered in
`skillsync.mechanisms.REGISTRY` (pre-commit's `lang_base.Language` and
`all_languages` are the model). The generic code — sync, snapshot, rollback, the
manual fallback, fleet status, health, inventory, validation — asks the target's
mechanism; nothing outside this package compares a mechanism's name.

  plan / apply / verify        what a sync does (Context -> Plan -> Result)
  work_branch                  where a sync of a version writes, if not the branch
  snapshot                     the target's pre-sync state, for rollback
  rollback                     restore that state (Job -> Outcome)
  holds                        what the target holds now, for fleet status
  fallback_commit              a ready-to-apply change when the target refused us
  after_sync                   bookkeeping once a sync is verified
  capabilities                 repo_based / syncs_files / moves_pointer, for the checks
                               that differ by kind (health, inventory, validation)
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from skillsync.downstream import Counters, TargetRepo
from skillsync.model import RollbackStatus, Status, Target
from skillsync.plan import Plan
from skillsync.runlog import RunDir

# The statuses a sync's result may have (Status minus what only a report can say).
RESULT_STATUSES = tuple(str(s) for s in Status if s is not Status.UNKNOWN)


@dataclass
class Context:
    target: Target
    manifest: dict[str, Any]
    run: RunDir
    source_git_dir: Path | None
    dry_run: bool = False
    overwrite: bool = False
    token: str | None = None
    git_env: dict[str, str] = field(default_factory=dict)
    secret: str | None = None          # webhook HMAC secret
    # git transport work done for this target (ls-remote, clones, fetches, pushes)
    counters: Counters = field(default_factory=Counters)
    wave: int | None = None            # 0 = canary wave: read back in full after its sync

    @property
    def version(self) -> str:
        return str(self.manifest["version"])

    def log(self, step: str, status: str, message: str = "",
            data: dict[str, Any] | None = None, **kw: Any) -> None:
        self.run.log(step, status, message, target=self.target.id, data={**(data or {}), **kw})


@dataclass
class Result:
    target: str
    mechanism: str
    status: Status
    message: str
    error: str | None = None
    commit: str | None = None
    branch: str | None = None
    pull_request: dict[str, Any] | None = None
    changes: dict[str, int] = field(default_factory=lambda: {"add": 0, "modify": 0, "delete": 0})
    data: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.status = Status(self.status)   # a typo is an error here, not a new status

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# Results of a sync that wrote to the target (with a commit and a branch).
WROTE = (Status.SYNCED, Status.PENDING, Status.FAILED, Status.SKIPPED)
SYNC_BRANCH_PREFIX = "skillsync/"


def sync_branch(version: str) -> str:
    """The branch a sync of `version` pushes to when it does not push to the target
    branch itself (pull requests): the one place this name is made."""
    return f"{SYNC_BRANCH_PREFIX}{version}"


def rollback_branch(run_id: str) -> str:
    """The branch a rollback of a merged sync pull request pushes its revert to."""
    return f"{SYNC_BRANCH_PREFIX}rollback-{run_id}"


@dataclass
class Outcome:
    """What a rollback did to one target."""

    target: str
    mechanism: str
    status: RollbackStatus
    message: str
    commit: str | None = None
    verified: bool | None = None
    verification: str | None = None
    pull_request: dict[str, Any] | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.status = RollbackStatus(self.status)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Job:
    """Everything one target's rollback needs."""

    run: RunDir
    target: Target
    manifest: dict[str, Any]
    snap: dict[str, Any] | None
    result: dict[str, Any] | None
    rollback_id: str
    dry_run: bool
    force: bool
    token: str | None = None
    env: dict[str, str] = field(default_factory=dict)

    def out(self, status: RollbackStatus, message: str, **kw: Any) -> Outcome:
        from skillsync.secrets import redact

        return Outcome(self.target.id, self.target.mechanism, RollbackStatus(status),
                       redact(message), **kw)

    # One method a status, so a call says what happened: job.no_op("why").
    def rolled_back(self, message: str, **kw: Any) -> Outcome:
        return self.out(RollbackStatus.ROLLED_BACK, message, **kw)

    def no_op(self, message: str, **kw: Any) -> Outcome:
        return self.out(RollbackStatus.NO_OP, message, **kw)

    def planned(self, message: str, **kw: Any) -> Outcome:
        return self.out(RollbackStatus.PLANNED, message, **kw)

    def pending(self, message: str, **kw: Any) -> Outcome:
        return self.out(RollbackStatus.PENDING, message, **kw)

    def refused(self, message: str, **kw: Any) -> Outcome:
        return self.out(RollbackStatus.REFUSED, message, **kw)

    def failed(self, message: str, **kw: Any) -> Outcome:
        return self.out(RollbackStatus.FAILED, message, **kw)

    def manual(self, message: str, **kw: Any) -> Outcome:
        return self.out(RollbackStatus.MANUAL, message, **kw)

    @property
    def run_id(self) -> str:
        return self.run.run_id


@dataclass
class Holding:
    """What a target holds now (fleet status): the branch head, the release it holds
    (version and/or source commit), synced files changed downstream, the other
    branches skillsync may have pushed (sync branches), and whether it came from cache."""

    head: str | None = None
    version: str | None = None
    commit: str | None = None
    drift: list[str] = field(default_factory=list)
    note: str = ""
    branches: dict[str, str] = field(default_factory=dict)
    cached: bool = False


@dataclass(frozen=True)
class StatusQuery:
    """How fleet status asks a mechanism what a target holds."""

    target: Target
    token: str | None
    git_env: Mapping[str, str]
    timeout: float
    use_cache: bool = True
    delivered: Any = None        # the last delivery the run directories record (webhooks)


class Mechanism(abc.ABC):
    name: ClassVar[str] = ""
    # What kind of downstream this is, for the checks that differ by kind.
    repo_based: ClassVar[bool] = True     # a git repository (a webhook is an endpoint)
    syncs_files: ClassVar[bool] = False   # the release's files land under `dest`
    moves_pointer: ClassVar[bool] = False  # a submodule pointer moves to the release

    @classmethod
    def work_branch(cls, target: Target, version: str) -> str | None:
        """The branch a sync of `version` writes to when it is not the target branch."""
        return None

    @classmethod
    def read_ahead(cls, target: Target, manifest: Mapping[str, Any],
                   git_env: Mapping[str, str]) -> None:
        """Start reading what planning a sync of `manifest` asks the target first (its
        branch heads, one ls-remote), so a job that syncs one target overlaps that round
        trip with its own start-up (issue 17). Nothing is written; an answer nobody
        takes is dropped at exit."""
        if cls.repo_based and target.repo:
            work = cls.work_branch(target, str(manifest["version"]))
            TargetRepo.heads_ahead(target.repo, git_env,
                                   [target.branch] + ([work] if work else []))

    @classmethod
    def opens_pull_requests(cls, target: Target) -> bool:
        """A sync of `target` proposes its change as a pull request (on its work branch)
        instead of writing the target branch itself."""
        return cls.work_branch(target, "0.0.0") is not None

    @abc.abstractmethod
    def plan(self, ctx: Context) -> Plan:
        """Read the target (never write) and decide what to do."""

    @abc.abstractmethod
    def apply(self, ctx: Context, plan: Plan) -> Result:
        """Carry out an `update` plan."""

    def verify(self, ctx: Context) -> list[str]:
        """Problems found when reading the target fresh after a sync ([] = as released)."""
        return []

    def after_sync(self, ctx: Context, result: Result) -> None:  # noqa: B027 - optional
        """Bookkeeping once a sync is verified (e.g. what a webhook rollback re-sends)."""

    @abc.abstractmethod
    def snapshot(self, target: Target, manifest: Mapping[str, Any], base: dict[str, Any], *,
                 env: Mapping[str, str], token: str | None, repo: TargetRepo | None,
                 heads: Mapping[str, str] | None) -> dict[str, Any]:
        """The target's pre-sync state (read only), on top of `base` (schema, run, ...)."""

    @abc.abstractmethod
    def rollback(self, job: Job) -> Outcome:
        """Restore the snapshot in `job` (job.dry_run: decide only, write nothing)."""

    @abc.abstractmethod
    def holds(self, query: StatusQuery) -> Holding:
        """What the target holds now (read only); SkillsyncError when unreadable."""

    def fallback_commit(self, ctx: Context, plan: Plan | None) -> str | None:
        """A commit holding this release for the manual fallback bundle (in `self.repo`),
        or None."""
        return None

    def fallback_payload(self, ctx: Context) -> dict[str, Any] | None:
        """The exact body for the manual fallback of an endpoint, or None."""
        return None

    def close(self) -> None:  # noqa: B027 - optional hook, most mechanisms hold nothing
        """Release temporary resources."""


def commit_message(ctx: Context, summary: str, body: str = "") -> str:
    """Sync commit message with the trailers a later run looks for (DESIGN.md)."""
    src = ctx.manifest["source"]
    lines = [summary, ""]
    if body:
        lines += [body, ""]
    from skillsync.plan import placement_key

    lines += [
        f"Skillsync-Source: {src['repo']}",
        f"Skillsync-Commit: {src['commit']}",
        f"Skillsync-Version: {ctx.version}",
        f"Skillsync-Run: {ctx.run.run_id}",
        # With these two a later run knows from the head commit alone that the branch
        # holds exactly this release, placed this way (a cold no-op reads no blob).
        f"Skillsync-Digest: {ctx.manifest['digest']}",
        f"Skillsync-Placement: {placement_key(ctx.target)}",
    ]
    return "\n".join(lines) + "\n"
