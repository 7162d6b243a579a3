"""`docs/downstream-inventory.md`, generated from the target files.

The inventory is what an on-call person opens first: who owns a downstream, how it
receives releases, which variable holds its credential. It is generated (never edited
by hand) and CI fails when it is stale, so it cannot drift from `targets/`.
Output is deterministic: rows sorted by id, no timestamps, no machine-specific paths
(repos are shown as written in the target file, not resolved).
"""

from __future__ import annotations

from collections.abc import Sequence

from skillsync import defaults
from skillsync.errors import EXIT_FAILED, SkillsyncError
from skillsync.model import Target
from skillsync.urls import redact_url

DEFAULT_OUTPUT = defaults.INVENTORY_FILE

BANNER = (
    "<!-- GENERATED FILE - DO NOT EDIT. Made by scripts/inventory from targets/*.yaml;\n"
    "     edit the target files, then run scripts/inventory. CI runs"
    " `scripts/inventory --check`. -->"
)

COLUMNS = (
    "id", "mechanism", "repo / url", "branch", "dest", "skills", "auth", "risk", "channel",
    "accept major", "enabled", "owner", "escalation",
)


class StaleError(SkillsyncError):
    """The committed inventory differs from what the target files generate."""

    exit_code = EXIT_FAILED


def render(targets: Sequence[Target]) -> str:
    """The inventory Markdown for `targets` (same targets => same bytes)."""
    rows = sorted(targets, key=lambda t: t.id)
    enabled = sum(1 for t in rows if t.enabled)
    lines = [
        BANNER,
        "",
        "# Downstream inventory",
        "",
        f"{len(rows)} target{'s' if len(rows) != 1 else ''} ({enabled} enabled),"
        " one per file in `targets/`. Risk tiers go in waves, each after the one before it"
        " succeeded: `canary`, `low`, `medium`, `high` (the first tier present is the canary"
        " wave). The auth column names the environment variable that holds"
        " the credential; the secret itself lives only in the CI secret store.",
        "",
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "|".join("---" for _ in COLUMNS) + "|",
    ]
    lines.extend("| " + " | ".join(_cell(c) for c in _row(t)) + " |" for t in rows)
    lines.append("")
    return "\n".join(lines)


def check(text: str, existing: str | None, where: str) -> None:
    """Raise StaleError when `existing` (None = missing file) is not `text`."""
    if existing is None:
        raise StaleError("missing; stale: run scripts/inventory", where=where)
    if existing != text:
        raise StaleError("stale: run scripts/inventory", where=where)


def _row(t: Target) -> list[str]:
    from skillsync import mechanisms

    is_webhook = not mechanisms.of(t).repo_based
    mechanism = t.mechanism
    if t.submodule is not None:
        mechanism += f" (`{t.submodule.path}`, via {t.submodule.via})"
    elif t.forge is not None and t.forge.repository:
        mechanism += f" ({t.forge.repository})"
    if is_webhook:
        where = redact_url(t.url or "")
    else:
        where = str(t.extra.get("repo_as_written") or t.repo or "")
    auth = t.auth.method if not t.auth.env else f"{t.auth.method} (`{t.auth.env}`)"
    adapters = ", ".join(a for a, _ in t.adapters)
    skills = ", ".join(f"`{s}`" for s in t.skills)
    if adapters:
        skills += f"; adapters: {adapters}"
    return [
        f"`{t.id}`",
        mechanism,
        f"`{where}`" if where else "",
        "" if is_webhook else f"`{t.branch}`",
        "" if is_webhook or t.submodule is not None else f"`{t.dest}`",
        skills,
        auth,
        t.risk,
        t.channel,
        "yes" if t.accept_major else "no",
        "yes" if t.enabled else "**no**",
        t.owner,
        t.escalation,
    ]


def _cell(text: str) -> str:
    """One Markdown table cell: no line breaks, pipes escaped."""
    return " ".join(text.split()).replace("|", "\\|")
