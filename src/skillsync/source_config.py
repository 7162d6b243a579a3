"""`.skillsync.yaml`: the small config a source keeps at its root (DESIGN.md "Finding
skills"), read from the pinned commit like everything else in a release."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from skillsync.errors import ConfigError

CONFIG_FILE = ".skillsync.yaml"
CONFIG_KEYS = frozenset({"skills", "adapters", "tag_pattern", "notify", "agents"})
SKILL_FILE = "SKILL.md"
# Adapter packs ship Markdown under many names and a few suffixes (Cursor: .mdc).
MARKDOWN_SUFFIXES = (".md", ".mdc", ".markdown")
# Directories never searched for skills or adapters: git internals and vendored
# dependencies (a vendored package may ship its own SKILL.md; it is not ours to
# release). Files inside them still belong to a skill that contains them.
EXCLUDED_DIRS = frozenset({
    ".git", "node_modules", "bower_components", "jspm_packages", "vendor", "vendored",
    "third_party", "third-party", "thirdparty", "3rdparty", "external", "site-packages",
    ".venv", "venv", "__pycache__",
})


def _excluded(path: str) -> bool:
    return not EXCLUDED_DIRS.isdisjoint(path.split("/")[:-1])


def _is_markdown(path: str) -> bool:
    return _is_markdown_name(path.rpartition("/")[2])


def _is_markdown_name(name: str) -> bool:
    return name == SKILL_FILE or name.lower().endswith(MARKDOWN_SUFFIXES)


@dataclass(frozen=True)
class SourceConfig:
    """`.skillsync.yaml` at the source root: globs that narrow or widen discovery.

    skills:   globs over skill directory paths ("." = repository root) or their
              SKILL.md paths. Only matching directories holding a SKILL.md are
              skills; a glob may reach into an otherwise excluded (vendored) directory.
    adapters: globs over file paths. Only matching files with `adapter_metadata`
              are adapters, whatever their suffix or directory.
    agents:   validation profiles for targets that name none (issue 18).

    The glob lists are read in order, like .gitignore: a glob starting with `!` excludes what
    it matches, and the last glob that matches a path decides (`\\!` starts a glob with a
    literal `!`). A path no glob matches is left out when the list has a glob without `!`
    (the list names what to take); a list of `!` globs only takes its matches away from
    the defaults (issue 13: `"!skills/claude-api"` used to be a glob matching nothing).
    """

    skills: tuple[str, ...] | None = None
    adapters: tuple[str, ...] | None = None
    agents: tuple[str, ...] | None = None

    def skill_dir_ok(self, d: str) -> bool | None:
        """True/False when globs decide, None when the defaults do. A glob may name the
        directory (`skills/*`) or its SKILL.md (`**/SKILL.md`)."""
        if self.skills is None:
            return None
        skill_md = f"{d}/{SKILL_FILE}" if d else SKILL_FILE
        verdict = _decide(self.skills, d or ".", skill_md)
        if verdict is None:
            return _only_exclusions(self.skills) and not _excluded(skill_md)
        return verdict

    def adapter_ok(self, path: str) -> bool | None:
        if self.adapters is None:
            return None
        verdict = _decide(self.adapters, path)
        if verdict is None:
            return (_only_exclusions(self.adapters) and _is_markdown(path)
                    and not _excluded(path))
        return verdict


def parse_config(text: str) -> SourceConfig:
    from skillsync import yamlsafe

    doc = yamlsafe.load(text, CONFIG_FILE)
    data = doc.data
    if data is None:
        return SourceConfig()
    if not isinstance(data, dict):
        raise ConfigError("must be a mapping", where=doc.where())
    for key in data:
        if key not in CONFIG_KEYS:
            raise ConfigError(f"unknown key '{key}' (known: {', '.join(sorted(CONFIG_KEYS))})",
                              where=doc.where((key,)))
    globs: dict[str, tuple[str, ...] | None] = {}
    for key in ("skills", "adapters"):
        value = data.get(key)
        if value is None:
            globs[key] = None
            continue
        if not isinstance(value, list) or not all(
                isinstance(g, str) and g.removeprefix("!") for g in value):
            raise ConfigError(f"'{key}' must be a list of glob strings (a `!` before a glob "
                              "excludes what it matches)", where=doc.where((key,)))
        globs[key] = tuple(value)
    agents = data.get("agents")
    if agents is not None:
        from skillsync.paths import show
        from skillsync.validation.profiles import AGENT_IDS

        if not isinstance(agents, list) or not all(isinstance(a, str) for a in agents):
            raise ConfigError("'agents' must be a list of agent ids", where=doc.where(("agents",)))
        for i, agent in enumerate(agents):
            if agent not in AGENT_IDS:
                raise ConfigError(f"unknown agent '{show(agent)}' (known: {', '.join(AGENT_IDS)})",
                                  where=doc.where(("agents", i)))
    return SourceConfig(skills=globs["skills"], adapters=globs["adapters"],
                        agents=tuple(agents) if agents is not None else None)


@functools.lru_cache(maxsize=256)
def glob_regex(pattern: str) -> re.Pattern[str]:
    """A path glob: `*` and `?` stay inside one component, `**` spans any number."""
    parts = pattern.strip("/").split("/") or ["."]
    out = []
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if part == "**":
            out.append(".*" if last else "(?:[^/]+/)*")
            continue
        rx = "".join(
            "[^/]*" if c == "*" else "[^/]" if c == "?" else re.escape(c) for c in part
        )
        out.append(rx if last else rx + "/")
    return re.compile("".join(out) + r"\Z")


def _decide(globs: Iterable[str], *paths: str) -> bool | None:
    """The last glob matching any of `paths` decides: True to take, False for a `!` glob;
    None when no glob matches."""
    verdict = None
    for g in globs:
        negated = g.startswith("!")
        pattern = g[1:] if negated else g.removeprefix("\\")
        if any(glob_regex(pattern).match(p) for p in paths):
            verdict = not negated
    return verdict


def _only_exclusions(globs: Iterable[str]) -> bool:
    return all(g.startswith("!") for g in globs)
