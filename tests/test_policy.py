"""Release policy: tag parsing (hostile text refused) and the routing table."""

from __future__ import annotations

from pathlib import Path

import pytest

from skillsync.errors import UsageError
from skillsync.model import Target
from skillsync.policy import is_major_bump, parse_release, route, waves


def T(tid: str, *, risk: str = "low", channel: str = "stable", accept_major: bool = False,
      enabled: bool = True) -> Target:
    return Target(id=tid, mechanism="push", source_file=Path(f"{tid}.yaml"), repo="/x",
                  risk=risk, channel=channel, accept_major=accept_major, enabled=enabled)


@pytest.mark.parametrize("tag", [
    "v1.0.0$(id)", "-v1", "v1.0", "1.0.0.0", "v１.0.0", "v1.0.0\n", "v1.0.0+build.1", "",
    "v01.0.0", "vv1.0.0", "v1.0.0 ", "v1.0.0;rm -rf /", "v1.0.0-rc.1$(touch pwned)",
])
def test_hostile_or_malformed_tags_are_refused(tag: str) -> None:
    with pytest.raises(UsageError, match="not a release tag"):
        parse_release(tag)


@pytest.mark.parametrize(("tag", "version", "pre"), [
    ("v1.2.3", "1.2.3", None), ("2.0.0-rc.1", "2.0.0-rc.1", "rc.1"), ("v0.1.0", "0.1.0", None),
])
def test_release_tags_parse(tag: str, version: str, pre: str | None) -> None:
    r = parse_release(tag)
    assert (r.version, r.prerelease) == (version, pre)


@pytest.mark.parametrize(("tag", "previous", "major"), [
    ("v2.0.0", "1.4.0", True), ("v2.1.0", "1.4.0", True), ("v1.5.0", "1.4.0", False),
    ("v2.0.0", None, True), ("v1.0.0", None, False), ("v2.3.0", None, False),
    ("v3.0.0-rc.1", "2.9.0", True), ("v2.0.1", "2.0.0", False),
])
def test_major_bump(tag: str, previous: str | None, major: bool) -> None:
    assert is_major_bump(parse_release(tag), previous) is major


FLEET = [
    T("canary", risk="low"),
    T("mid", risk="medium"),
    T("risky", risk="high", accept_major=True),
    T("beta", risk="low", channel="prerelease", accept_major=True),
    T("off", enabled=False),
]

# release, allow_major -> {target: (decision, wave)}
TABLE = [
    ("v1.1.0", False, {"canary": ("sync", 0), "mid": ("sync", 1), "risky": ("sync", 2),
                       "beta": ("sync", 0), "off": ("skip", None)}),
    ("v2.0.0-rc.1", False, {"canary": ("skip", None), "mid": ("skip", None),
                            "risky": ("skip", None), "beta": ("sync", 0), "off": ("skip", None)}),
    ("v2.0.0", False, {"canary": ("halt", None), "mid": ("halt", None), "risky": ("sync", 1),
                       "beta": ("sync", 0), "off": ("skip", None)}),
    ("v2.0.0", True, {"canary": ("sync", 0), "mid": ("sync", 1), "risky": ("sync", 2),
                      "beta": ("sync", 0), "off": ("skip", None)}),
]


@pytest.mark.parametrize(("tag", "allow", "expected"), TABLE)
def test_routing_table(tag: str, allow: bool, expected: dict[str, tuple[str, int | None]]) -> None:
    routes = route(parse_release(tag), FLEET, allow_major=allow)
    assert {r.id: (r.decision, r.wave) for r in routes} == expected


def test_waves_are_dense_and_lowest_risk_first() -> None:
    fleet = [T("a", risk="high"), T("b", risk="medium"), T("c", risk="high")]
    routes = route(parse_release("v1.0.1"), fleet)
    assert waves(routes) == [["b"], ["a", "c"]]


def test_only_narrows_with_globs() -> None:
    routes = route(parse_release("v1.1.0"), FLEET, only=["can*", "mid"])
    assert sorted(r.id for r in routes) == ["canary", "mid"]


def test_only_keeps_the_fleets_wave_numbers() -> None:
    # A CI job syncing part of a later wave (`sync --only`) is in that wave: verified by the
    # push's report and recorded as such, not a canary of its own.
    fleet = [T("a", risk="low"), T("b", risk="medium"), T("c", risk="high")]
    routes = route(parse_release("v1.0.1"), fleet, only=["c"])
    assert [(r.id, r.wave) for r in routes] == [("c", 2)]
    assert waves(routes) == [[], [], ["c"]]
