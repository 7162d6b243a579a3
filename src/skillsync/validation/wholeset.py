"""Whole-set checks: what one target will hold after the sync (issue 18).

A target ends up with its own skills plus ours. Per agent profile it names, that set
must fit the agent's listing budget ("claude-code: 61 skills, 9,412 of ~8,000
characters"), sit where the agent looks for skills, and hold no two skills that land on
one folder: ours against its local ones (also on a case- or normalisation-insensitive
checkout), and ours against a skill another source installed (`skills-lock.json`).

The target's own tree is read only with `--remote` (`read_state`), read-only, through a
blob-less shallow clone (`downstream.TargetRepo`); without it the checks cover what this
release sends, and say so.
"""

from __future__ import annotations

import posixpath
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from skillsync import paths
from skillsync.errors import ConfigError
from skillsync.findings import Finding
from skillsync.model import Target
from skillsync.paths import show
from skillsync.validation.profiles import CODEX_MAX_DIRS, Profile, SkillDoc, in_listing

MAX_LOCAL_SKILLS = 500   # SKILL.md files read from one target (bounded work per target)
SKILL_FILE = "SKILL.md"


@dataclass(frozen=True)
class LocalSkill:
    folder: str                    # repo path of its directory, e.g. .claude/skills/notes
    name: str                      # front matter name (else the folder's name)
    listed: dict[str, str] = field(default_factory=dict)   # description, when_to_use
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class TargetState:
    """What the target holds now, as far as the checks need it."""

    local: list[LocalSkill] = field(default_factory=list)
    links: dict[str, str] = field(default_factory=dict)      # symlink path -> its target
    installed: dict[str, tuple[str, str]] = field(default_factory=dict)  # skills-lock.json
    truncated: bool = False


# --------------------------------------------------------------------------- reading


def read_state(target: Target, profiles: Sequence[Profile]) -> TargetState:
    """The target's own skills under `dest` and the profiles' directories, its symlinks
    there, and its `skills-lock.json` entries. Raises SkillsyncError when unreadable."""
    from skillsync import skills
    from skillsync import skills_cli_lock as skills_lock
    from skillsync.downstream import TargetRepo

    assert target.repo is not None
    from skillsync.credentials import credentials_for

    env = dict(credentials_for(target, mint=True, read_only=True).git_env)
    state = TargetState()
    with TargetRepo(target.repo, env) as repo:
        head = repo.heads([target.branch]).get(target.branch)
        if head is None:
            return state  # a branch the sync will create: nothing of its own yet
        repo.open([target.branch])
        roots = sorted({target.dest, *(d for p in profiles for d in p.skill_dirs)})
        tree = repo.tree(head, [*roots, skills_lock.LOCK_FILE])
        lock = repo.read_lock(head, target.lock_path)
        owned = set(lock.files) if lock else set()
        for path, (mode, _blob) in sorted(tree.items()):
            if mode == "120000":
                raw = repo.blob(head, path)
                if raw is not None:
                    state.links[path] = raw.decode("utf-8", "replace")
        for root in roots:
            for path in sorted(tree):
                folder, _, leaf = path.rpartition("/")
                if leaf != SKILL_FILE or posixpath.dirname(folder) != root or path in owned:
                    continue
                if len(state.local) >= MAX_LOCAL_SKILLS:
                    state.truncated = True
                    break
                raw = repo.blob(head, path) or b""
                data: dict[str, Any] = {}
                try:
                    data = skills.parse_front_matter(raw.decode("utf-8", "replace"),
                                                     path).data
                except ConfigError:  # their SKILL.md: listed by its folder's name
                    data = {}
                name = skills.text_of(data.get("name")) or posixpath.basename(folder)
                listed = {k: t for k in ("description", "when_to_use")
                          if (t := skills.text_of(data.get(k)))}
                state.local.append(LocalSkill(folder, name, listed, data))
        if skills_lock.LOCK_FILE in tree:
            raw = repo.blob(head, skills_lock.LOCK_FILE) or b""
            lock_data = skills_lock.parse(raw.decode("utf-8", "replace"))
            for name, entry in lock_data["skills"].items():
                state.installed[str(name)] = (str(entry.get("source", "")),
                                              str(entry.get("sourceType", "")))
    return state


# --------------------------------------------------------------------------- checks


@dataclass(frozen=True)
class Ours:
    """One skill of this release as it lands in the target."""

    name: str
    folder: str                   # repo path where it lands ("" when not file-synced)
    doc: SkillDoc | None
    description: str              # the manifest's, when there is no parsed SKILL.md
    source: tuple[str, str] = ("", "")   # what skills-lock.json would record for it


def check_target(target: Target, where: str, profiles: Sequence[Profile],
                 ours: Sequence[Ours], state: TargetState | None,
                 landing: Sequence[str] = ()) -> list[Finding]:
    """Findings for one target. `where` is its file (and line); `landing` the repo paths
    every release file takes in it (for the directory count)."""
    out: list[Finding] = []
    from skillsync import mechanisms

    file_synced = mechanisms.of(target).syncs_files
    if state is not None:
        out += _collisions(target, where, ours, state)
    for p in profiles:
        if p.listing_budget is not None:
            out += _budget(target, where, p, ours, state)
        if file_synced and p.skill_dirs:
            out += _discovery(target, where, p, state)
        if file_synced and p.id == "gh-skill":
            out += _gh_layout(target, where)
        if file_synced and p.id == "codex":
            dirs = {d for f in landing for d in _dirs_below(f, target.dest)}
            if len(dirs) > CODEX_MAX_DIRS:
                out.append(Finding(where, "target-codex-dirs", "warning",
                                   f"{target.id}: codex: {target.dest} would hold "
                                   f"{len(dirs):,} directories; Codex scans at most "
                                   f"{CODEX_MAX_DIRS:,} per skills root and skips the rest"))
    return out


def _dirs_below(path: str, root: str) -> list[str]:
    out = []
    d = posixpath.dirname(path)
    while d and paths.inside(d, root) and d != root:
        out.append(d)
        d = posixpath.dirname(d)
    return out


def _key(name: str) -> str:
    return paths.fold(unicodedata.normalize("NFKC", name))


def _collisions(target: Target, where: str, ours: Sequence[Ours],
                state: TargetState) -> list[Finding]:
    out: list[Finding] = []
    local_by_folder = {paths.fold(s.folder): s for s in state.local}
    for s in ours:
        if s.folder:
            other = local_by_folder.get(paths.fold(s.folder))
            if other is not None:
                same = "" if other.folder == s.folder else " (the same folder on a case- or " \
                    "normalisation-insensitive checkout)"
                out.append(Finding(where, "target-skill-collision", "error",
                                   f"{target.id}: skill '{show(s.name)}' of this release would "
                                   f"land on {show(other.folder)}, which holds the target's "
                                   f"own skill '{show(other.name)}'{same}"))
        installed = state.installed.get(s.name)
        if installed is not None and s.source != ("", "") and installed != s.source:
            out.append(Finding(where, "target-skill-two-sources", "error",
                               f"{target.id}: skill '{show(s.name)}' is also installed from "
                               f"{show(installed[0])} ({installed[1]}, skills-lock.json); "
                               "skillsync and `skills update` would overwrite each other"))
    return out


def _budget(target: Target, where: str, p: Profile, ours: Sequence[Ours],
            state: TargetState | None) -> list[Finding]:
    assert p.listing_budget is not None
    names: set[str] = set()
    total = 0
    count_ours = 0
    for s in ours:
        data = s.doc.fm.data if s.doc else {}
        if not in_listing(p, data):
            continue
        text = p.listed_text(s.doc) if s.doc else s.description
        total += p.listing_cost(s.name, text)
        names.add(_key(s.name))
        count_ours += 1
    count_theirs = 0
    if state is not None:
        dirs = set(p.skill_dirs) | {target.dest}
        for local in state.local:
            if posixpath.dirname(local.folder) not in dirs or _key(local.name) in names:
                continue
            if not in_listing(p, local.data):
                continue
            text = " ".join(local.listed[k] for k in p.listing_fields if k in local.listed)
            total += p.listing_cost(local.name, text)
            names.add(_key(local.name))
            count_theirs += 1
    if total <= p.listing_budget:
        return []
    scope = (f"{count_ours} from this release, {count_theirs} of its own" if state is not None
             else "this release's only; --remote adds the target's own")
    return [Finding(where, "target-listing-budget", "warning",
                    f"{target.id}: {p.id}: {count_ours + count_theirs} skills, {total:,} of "
                    f"~{p.listing_budget:,} characters ({scope}); past the budget "
                    f"{p.agent} lists skills by name only, so the model cannot tell when "
                    "to use them")]


def _discovery(target: Target, where: str, p: Profile,
               state: TargetState | None) -> list[Finding]:
    dest = target.dest
    if any(dest == d or dest.endswith("/" + d) for d in p.skill_dirs):
        return []
    if state is not None:
        for d in p.skill_dirs:
            link = state.links.get(d)
            if link is not None and posixpath.normpath(
                    posixpath.join(posixpath.dirname(d), link)) == dest:
                return []
    hint = "" if state is not None else " (give --remote to see whether one is linked to it)"
    return [Finding(where, "target-agent-dir", "warning",
                    f"{target.id}: {p.id}: {p.agent} does not look for skills in {show(dest)}; "
                    f"it reads {', '.join(p.skill_dirs)}: set dest to one of them or link "
                    f"one to it{hint}")]


def _gh_layout(target: Target, where: str) -> list[Finding]:
    parts = target.dest.split("/")
    ok = not any(part.startswith(".") for part in parts) and (
        parts == ["skills"] or (len(parts) == 2 and parts[0] == "skills")
        or (len(parts) == 3 and parts[0] == "plugins" and parts[2] == "skills"))
    if ok:
        return []
    return [Finding(where, "target-gh-skill-layout", "warning",
                    f"{target.id}: gh-skill: gh skill finds skills only in skills/*, "
                    "skills/<scope>/*, */ at the root and plugins/<scope>/skills/*, and skips "
                    f"hidden directories; {show(target.dest)} is none of them")]


def landing_folder(target: Target, name: str) -> str:
    from skillsync import mechanisms

    if mechanisms.of(target).syncs_files:
        return posixpath.join(target.dest, name)
    return ""


def where_in(target: Target, keys: Sequence[str] = ("agents", "dest", "id")) -> str:
    """`file:line` of the first of `keys` the target file sets (for annotations)."""
    from skillsync import yamlsafe

    file = str(target.source_file)
    try:
        doc = yamlsafe.load(target.source_file.read_text(encoding="utf-8"), file)
    except (OSError, UnicodeDecodeError, ConfigError):  # loaded a moment ago; a nicety
        return file
    data: Mapping[str, Any] = doc.data if isinstance(doc.data, dict) else {}
    for key in keys:
        if key in data:
            return doc.where((key,))
    return doc.where()
