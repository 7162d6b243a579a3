"""Values that flow between steps: targets as loaded from targets/*.yaml.

`skillsync.targets` loads and validates the files; everything else uses these
frozen values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

MECHANISMS = ("pull-request", "push", "submodule", "webhook")
# Rollout tiers, first to last: each is a wave that starts only after the one before it
# succeeded. `canary`: a target to break first (alone, before any other); a fleet without
# one starts with `low` (then its lowest tier is the canary wave).
RISKS = ("canary", "low", "medium", "high")


class Decision(StrEnum):
    """What a plan decided for a target."""

    UPDATE = "update"
    NO_OP = "no-op"
    SKIP = "skip"
    HALT = "halt"


class Status(StrEnum):
    """A target's result in a run (results/<id>.json, the summary, the log)."""

    SYNCED = "synced"
    NO_OP = "no-op"
    PLANNED = "planned"            # dry run: what it would do
    SKIPPED = "skipped"
    HALTED = "halted"              # by release policy, or drift
    FAILED = "failed"
    NOT_ATTEMPTED = "not-attempted"
    # The release waits on a pull request: pushed and not merged yet (a re-run finds it
    # open), or pushed and the pull request not opened yet (no forge). Fleet status says
    # `pending-pr` for the same state (docs/sync-rollback.md, "Statuses").
    PENDING = "pending"
    UNKNOWN = "unknown"            # a killed run left no result; the target may have ours


class RollbackStatus(StrEnum):
    """What a rollback did to a target (rollbacks/<id>.json)."""

    ROLLED_BACK = "rolled-back"
    NO_OP = "no-op"
    PLANNED = "planned"
    PENDING = "pending"
    REFUSED = "refused"            # the target moved on since; --force to go on
    FAILED = "failed"
    MANUAL = "manual"              # a person must act (an endpoint without a payload copy)
CHANNELS = ("stable", "prerelease")


@dataclass(frozen=True)
class Auth:
    method: str = "none"       # none | token | hmac | github-app
    env: str | None = None     # NAME of the environment variable holding the secret
    # github-app only: NAMES of the variables with the App's id and private key (PEM
    # text); None = SKILLSYNC_GITHUB_APP_ID / SKILLSYNC_GITHUB_APP_PRIVATE_KEY (ghapp).
    app_id_env: str | None = None
    key_env: str | None = None


SIGNING_METHODS = ("ssh", "gpg", "api")


@dataclass(frozen=True)
class Signing:
    """How sync commits are signed (issue 16): `ssh` / `gpg` with a private key read from
    the variable named `key_env` (never the key itself), or `api`: GitHub creates the
    commit through its API and signs it."""

    method: str                # ssh | gpg | api
    key_env: str | None = None


@dataclass(frozen=True)
class Notify:
    github_issue: bool = True
    slack: bool = False
    email: tuple[str, ...] = ()


@dataclass(frozen=True)
class Submodule:
    path: str                  # path of the submodule inside the target repo
    via: str = "push"          # push | pull-request: how the pointer commit lands


@dataclass(frozen=True)
class Forge:
    """Where the pull request is opened (GitHub or GitHub Enterprise)."""

    api_url: str = "https://api.github.com"
    repository: str = ""       # owner/name


@dataclass(frozen=True)
class Target:
    id: str
    mechanism: str
    source_file: Path
    repo: str | None = None            # absolute local path or URL (None for webhook)
    branch: str = "main"
    skills: tuple[str, ...] = ("*",)   # names or fnmatch globs
    # adapter id -> directory (relative to repo root) where that adapter's files land,
    # as <dir>/<skill-name>/<file name>. A plain list in YAML maps each id to
    # <dest>/<skill>/adapters/<id>/ (the "" value).
    adapters: tuple[tuple[str, str], ...] = ()
    dest: str = ".agents/skills"
    risk: str = "low"
    channel: str = "stable"
    accept_major: bool = False
    auth: Auth = field(default_factory=Auth)
    notify: Notify = field(default_factory=Notify)
    owner: str = ""
    escalation: str = ""
    enabled: bool = True
    labels: tuple[str, ...] = ()
    url: str | None = None             # webhook endpoint
    submodule: Submodule | None = None
    forge: Forge | None = None         # pull-request targets (and submodule via pull-request)
    # Agents that consume this target's skills (validation profiles, issue 18);
    # None = not said: the source's default from .skillsync.yaml applies.
    agents: tuple[str, ...] | None = None
    signing: Signing | None = None     # None: commits are not signed
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def risk_rank(self) -> int:
        return RISKS.index(self.risk)

    @property
    def lock_path(self) -> str:
        """Downstream lock file, inside the repository."""
        return f"{self.dest}/.skillsync-lock.json"
