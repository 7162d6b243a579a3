"""Release policy: which targets take a release, and in which wave (DESIGN.md
"Release policy").

Tags are `vMAJOR.MINOR.PATCH[-pre]`, parsed with python-semver. Tag names are
attacker-controlled text (RELIABILITY.md 23): anything that is not an ASCII
semver tag is refused before it reaches git or a shell.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from skillsync.errors import UsageError
from skillsync.model import Target


@dataclass(frozen=True)
class Release:
    tag: str
    version: str
    major: int
    minor: int
    patch: int
    prerelease: str | None

    @property
    def is_prerelease(self) -> bool:
        return self.prerelease is not None


def parse_release(tag: str) -> Release:
    """Parse `v1.2.3[-pre]` (or bare `1.2.3`); UsageError for anything else."""
    import semver

    if not tag or not tag.isascii() or not tag.isprintable():
        raise UsageError(f"not a release tag: {tag!r} (expected vMAJOR.MINOR.PATCH[-pre])")
    text = tag[1:] if tag.startswith("v") else tag
    try:
        v = semver.Version.parse(text)
    except ValueError:
        raise UsageError(
            f"not a release tag: {tag!r} (expected vMAJOR.MINOR.PATCH[-pre])"
        ) from None
    if v.build:
        raise UsageError(f"not a release tag: {tag!r} (build metadata is not allowed)")
    return Release(tag, str(v), v.major, v.minor, v.patch, v.prerelease)


def is_major_bump(release: Release, previous: str | None) -> bool:
    """True when `release` raises the major version over `previous`.

    Without a previous version (first sync, or unknown), an `X.0.0` release
    with X >= 2 counts as major: a downstream that never opted in should not
    silently receive a breaking release.
    """
    if previous:
        try:
            prev = parse_release(previous)
        except UsageError:
            prev = None
        if prev is not None:
            return release.major > prev.major
    return release.major >= 2 and release.minor == 0 and release.patch == 0


def is_downgrade(release: Release, held: str | None) -> bool:
    """True when the target already holds a newer release than `release`."""
    import semver

    if not held:
        return False
    try:
        prev = parse_release(held)
    except UsageError:
        return False
    return bool(semver.Version.parse(release.version) < semver.Version.parse(prev.version))


@dataclass(frozen=True)
class Route:
    id: str
    mechanism: str
    risk: str
    wave: int | None
    decision: str          # sync | halt | skip
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def route(
    release: Release,
    targets: Sequence[Target],
    *,
    allow_major: bool = False,
    previous: str | None = None,
    only: Sequence[str] | None = None,
) -> list[Route]:
    """Decide, for each target, whether it takes `release` and in which wave.

    Waves go by risk tier, lowest first, numbered densely over the tiers that
    actually take the release (so the canary wave is always wave 0). `only` picks the
    targets routed, not the numbering: a CI job syncing part of wave 2 (`sync --only`)
    is in wave 2, verified and recorded as such, not a canary of its own.
    """
    major = is_major_bump(release, previous)
    chosen: list[tuple[Target, str, str]] = []
    for t in targets:
        if not t.enabled:
            chosen.append((t, "skip", "target is disabled"))
        elif release.is_prerelease and t.channel != "prerelease":
            chosen.append((t, "skip", f"pre-release {release.version} goes only to the "
                                      "prerelease channel"))
        elif major and not (t.accept_major or allow_major):
            chosen.append((t, "halt", f"semver-major release {release.version} needs "
                                      "accept_major: true in the target or --allow-major "
                                      "for this run"))
        else:
            chosen.append((t, "sync", "takes this release"))
    tiers = sorted({t.risk_rank for t, d, _ in chosen if d == "sync"})
    if only:
        chosen = [c for c in chosen if any(fnmatch.fnmatchcase(c[0].id, pat) for pat in only)]
    out = []
    for t, decision, reason in chosen:
        wave = tiers.index(t.risk_rank) if decision == "sync" else None
        out.append(Route(t.id, t.mechanism, t.risk, wave, decision, reason))
    out.sort(key=lambda r: (r.wave if r.wave is not None else 99, r.id))
    return out


def waves(routes: Sequence[Route]) -> list[list[str]]:
    """Target ids grouped by wave, in order."""
    n = max((r.wave for r in routes if r.wave is not None), default=-1) + 1
    return [[r.id for r in routes if r.wave == i] for i in range(n)]


def release_version(ref: str, commit: str, *, is_tag: bool) -> str:
    """`v1.2.3` tag -> `1.2.3`; a commit id -> its first 12 hex digits; else the ref."""
    import semver

    name = ref.removeprefix("refs/tags/")
    if is_tag and name[:1] in ("v", "V") and semver.Version.is_valid(name[1:]):
        return name[1:]
    if is_tag and semver.Version.is_valid(name):
        return name
    if re.fullmatch(r"[0-9a-fA-F]{4,40}", ref) and commit.startswith(ref.lower()):
        return commit[:12]
    return ref
