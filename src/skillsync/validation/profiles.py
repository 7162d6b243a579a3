"""Validation profiles: what each consuming agent does with a skill (issue 18).

A target names its consumers (`agents: [claude-code, codex]` in its target file), a
source may name a default in `.skillsync.yaml`; each named profile adds its checks on
top of the Agent Skills spec (profile `agentskills`, always on). Every rule cites its
source in docs/validation.md; the numbers below are the ones those sources give.

Per-skill rules live here (`check_skill`); the whole-set rules (listing budget, where
the agent looks for skills, collisions) in `skillsync.validation.wholeset`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from skillsync import skills
from skillsync.findings import Finding
from skillsync.paths import show


@dataclass(frozen=True)
class SkillDoc:
    """One released skill as the checks see it."""

    name: str                  # the manifest's name (the folder it lands in downstream)
    path: str                  # repo path of its SKILL.md
    fm: skills.FrontMatter
    body: str                  # the Markdown after the front matter

    def where(self, *key: str | int) -> str:
        return self.fm.where(*key)

    def text(self, key: str) -> str | None:
        return skills.text_of(self.fm.data.get(key))

    @property
    def body_lines(self) -> int:
        return len(self.body.splitlines())


@dataclass(frozen=True)
class Profile:
    id: str
    agent: str                                 # who consumes: "Claude Code"
    sources: tuple[str, ...]                   # where the rules come from (docs/validation.md)
    # Directories, relative to a checkout's root (or any directory below it), where the
    # agent looks for `<name>/SKILL.md`; () = no fixed place (the spec, a publisher).
    skill_dirs: tuple[str, ...] = ()
    listing_budget: int | None = None          # characters for the whole skill listing
    listing_cap: int | None = None             # per-skill cut-off of the listed text
    listing_fields: tuple[str, ...] = ("description",)
    requires_ascii_names: bool = False
    extra_fields: frozenset[str] = frozenset()  # front matter it reads beyond the spec
    rules: Callable[[SkillDoc, Profile], list[Finding]] | None = field(
        default=None, compare=False)

    def listed_text(self, doc: SkillDoc) -> str:
        parts = [t for t in (doc.text(k) for k in self.listing_fields) if t]
        return " ".join(parts)

    def listing_cost(self, name: str, text: str) -> int:
        """Characters one skill takes in the listing: its name and its listed text
        (cut at the per-skill cap), as `- name: text` without the punctuation."""
        if self.listing_cap is not None:
            text = text[: self.listing_cap]
        return len(name) + len(text)


# --------------------------------------------------------------------------- rules


def _true(value: object) -> bool:
    return value is True or (isinstance(value, skills.Scalar)
                             and value.reads_as == "the boolean True")


def in_listing(profile: Profile, data: dict[str, Any]) -> bool:
    """Whether the agent lists the skill for the model at all."""
    # Claude Code: `disable-model-invocation: true` keeps a skill out of the listing.
    return not (profile.id == "claude-code" and _true(data.get("disable-model-invocation")))


def _claude_code(doc: SkillDoc, p: Profile) -> list[Finding]:
    out: list[Finding] = []
    when = doc.fm.data.get("when_to_use")
    if "when_to_use" in doc.fm.data and not isinstance(when, str):
        out.append(Finding(doc.where("when_to_use"), "claude-code-when-to-use", "warning",
                           "claude-code: when_to_use should be a string; "
                           f"it is {skills.kind_of(when)}"))
    text = p.listed_text(doc)
    assert p.listing_cap is not None
    if in_listing(p, doc.fm.data) and len(text) > p.listing_cap:
        key = "when_to_use" if isinstance(when, str) else "description"
        out.append(Finding(doc.where(key), "claude-code-listing-cut", "warning",
                           f"claude-code: description + when_to_use are {len(text):,} "
                           f"characters; Claude Code's skill listing cuts them at "
                           f"{p.listing_cap:,}, so the model never sees the rest"))
    return out


def _codex(doc: SkillDoc, p: Profile) -> list[Finding]:
    meta = doc.fm.data.get("metadata")
    short = skills.text_of(meta.get("short-description")) if isinstance(meta, dict) else None
    if short is not None and len(" ".join(short.split())) > CODEX_MAX_SHORT_DESCRIPTION:
        return [Finding(doc.where("metadata", "short-description"), "codex-short-description",
                        "error", f"codex: metadata.short-description is longer than "
                        f"{CODEX_MAX_SHORT_DESCRIPTION} characters; Codex refuses to load "
                        "the skill")]
    return []


_GH_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$")


def _gh_skill(doc: SkillDoc, p: Profile) -> list[Finding]:
    out: list[Finding] = []
    data = doc.fm.data
    name = data.get("name")
    if (isinstance(name, str) and not skills.name_problems(name)
            and not (_GH_NAME.match(name) and "--" not in name)):
        out.append(Finding(doc.where("name"), "gh-skill-name", "error",
                           f"gh-skill: name '{show(name)}' must be ASCII (a-z, 0-9 and '-'): "
                           "gh skill publish rejects other names"))
    if isinstance(data.get("allowed-tools"), list):
        out.append(Finding(doc.where("allowed-tools"), "gh-skill-allowed-tools", "error",
                           "gh-skill: allowed-tools must be a space-separated string, not a "
                           "list: gh skill publish rejects a list"))
    meta = data.get("metadata")
    if isinstance(meta, dict):
        keys = [k for k in meta if str(k).startswith("github-")]  # file order: first line
        if keys:
            out.append(Finding(doc.where("metadata", keys[0]), "gh-skill-install-metadata",
                               "error", f"gh-skill: install metadata {', '.join(sorted(keys))} "
                               "must be stripped before publishing (gh skill publish --fix)"))
    desc = doc.text("description")
    if desc is not None and len(desc) <= skills.DESCRIPTION_MAX < len(desc.encode()):
        out.append(Finding(doc.where("description"), "gh-skill-description-bytes", "warning",
                           f"gh-skill: description is {len(desc.encode()):,} bytes of UTF-8; "
                           "gh skill publish counts bytes and warns above 1,024"))
    if "license" not in data:
        out.append(Finding(doc.where(), "gh-skill-license", "warning",
                           "gh-skill: no license field (gh skill publish recommends one)"))
    if doc.body_lines > BODY_MAX_LINES:
        out.append(Finding(f"{doc.path}:{doc.fm.body_line}", "gh-skill-body-lines", "warning",
                           f"gh-skill: the body is {doc.body_lines:,} lines; gh skill publish "
                           f"warns above {BODY_MAX_LINES}"))
    return out


# --------------------------------------------------------------------------- the registry

BODY_MAX_LINES = 500           # agentskills.io specification, "Progressive disclosure"
BODY_MAX_TOKENS = 5000         # same section: "< 5000 tokens recommended"
CODEX_MAX_SHORT_DESCRIPTION = 1024   # codex-rs core/src/skills/loader.rs
CODEX_MAX_DIRS = 2000          # codex-rs loader.rs MAX_SKILLS_DIRS_PER_ROOT
# Claude Code: budget = context tokens (200,000 by default) x 4 characters x 1%
# (skillListingBudgetFraction), per anthropics/claude-code#64606; 1,536 per skill.
CLAUDE_CODE_BUDGET = 200_000 * 4 // 100
CLAUDE_CODE_CAP = 1536
# Codex: "capped at roughly 2% of the model's context window, or 8,000 characters when
# the context window is unknown" (developers.openai.com/codex/skills).
CODEX_BUDGET = 8000

PROFILES: dict[str, Profile] = {p.id: p for p in (
    Profile("agentskills", "the Agent Skills specification",
            ("https://agentskills.io/specification",
             "https://github.com/agentskills/agentskills/tree/main/skills-ref")),
    Profile("claude-code", "Claude Code",
            ("https://code.claude.com/docs/en/skills",
             "https://github.com/anthropics/claude-code/issues/64606"),
            skill_dirs=(".claude/skills",),
            listing_budget=CLAUDE_CODE_BUDGET, listing_cap=CLAUDE_CODE_CAP,
            listing_fields=("description", "when_to_use"),
            extra_fields=frozenset({
                "when_to_use", "argument-hint", "disable-model-invocation", "user-invocable",
                "model", "effort", "context", "agent", "hooks", "paths", "shell"}),
            rules=_claude_code),
    Profile("codex", "OpenAI Codex",
            ("https://developers.openai.com/codex/skills",
             "https://github.com/openai/codex/blob/main/codex-rs/core/src/skills/loader.rs"),
            skill_dirs=(".agents/skills", ".codex/skills"),
            listing_budget=CODEX_BUDGET, rules=_codex),
    Profile("gh-skill", "GitHub CLI `gh skill`",
            ("https://cli.github.com/manual/gh_skill_publish",
             "https://github.com/cli/cli/blob/trunk/internal/skills/discovery/discovery.go"),
            requires_ascii_names=True, rules=_gh_skill),
    Profile("opencode", "OpenCode",
            ("https://opencode.ai/docs/skills/",),
            skill_dirs=(".opencode/skills", ".claude/skills", ".agents/skills")),
)}
AGENT_IDS = tuple(sorted(PROFILES))
BASE = "agentskills"


def resolve(ids: Iterable[str]) -> list[Profile]:
    """The profiles for `ids` (unknown ids are refused where they are read)."""
    return [PROFILES[i] for i in dict.fromkeys(ids) if i in PROFILES]


def unknown(ids: Sequence[object]) -> list[str]:
    return [str(i) for i in ids if i not in PROFILES]


def check_skill(doc: SkillDoc, profile: Profile) -> list[Finding]:
    """The profile's own per-skill rules (the spec's are in `skills.check_fields`)."""
    return profile.rules(doc, profile) if profile.rules else []
