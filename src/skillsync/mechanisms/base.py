"""The one interface every mechanism implements: plan / apply / verify
(snapshot and rollback live in skillsync.rollback and use `open_repo`)."""

from __future__ import annotations

import abc
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from skillsync.downstream import Counters
from skillsync.model import Target
from skillsync.plan import Plan
from skillsync.runlog import RunDir

RESULT_STATUSES = (
    "synced", "no-op", "planned", "skipped", "halted", "failed", "not-attempted", "pending",
)


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
    status: str
    message: str
    error: str | None = None
    commit: str | None = None
    branch: str | None = None
    pull_request: dict[str, Any] | None = None
    changes: dict[str, int] = field(default_factory=lambda: {"add": 0, "modify": 0, "delete": 0})
    data: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class Mechanism(abc.ABC):
    name: str = ""

    @abc.abstractmethod
    def plan(self, ctx: Context) -> Plan:
        """Read the target (never write) and decide what to do."""

    @abc.abstractmethod
    def apply(self, ctx: Context, plan: Plan) -> Result:
        """Carry out an `update` plan."""

    def verify(self, ctx: Context) -> list[str]:
        """Problems found when reading the target fresh after a sync ([] = as released)."""
        return []

    def close(self) -> None:  # noqa: B027 - optional hook, most mechanisms hold nothing
        """Release temporary resources."""


def commit_message(ctx: Context, summary: str, body: str = "") -> str:
    """Sync commit message with the trailers a later run looks for (DESIGN.md)."""
    src = ctx.manifest["source"]
    lines = [summary, ""]
    if body:
        lines += [body, ""]
    lines += [
        f"Skillsync-Source: {src['repo']}",
        f"Skillsync-Commit: {src['commit']}",
        f"Skillsync-Version: {ctx.version}",
        f"Skillsync-Run: {ctx.run.run_id}",
    ]
    return "\n".join(lines) + "\n"
