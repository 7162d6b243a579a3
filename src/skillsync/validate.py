"""The pre-sync gate (DESIGN.md, "validate-sync-targets"): nothing is synced
unless the release and the target files pass.

Checks, in order: manifest schema, digest and integrity (every file hash recomputed
from the source commit); files the release dropped from a skill (symlinks, files over
the size limit, unreadable names, submodules: warnings, issue 12); the Agent Skills
spec for each SKILL.md (RELIABILITY.md 28) and its body (broken and deep references,
length); unique and safe skill names; adapter consistency (RELIABILITY.md 31); the
target files; then, per agent profile and per target, what the agents will make of the
whole set a target holds after the sync (issue 18; `skillsync.validation`).
docs/validation.md lists every rule with its source.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from skillsync import defaults, mechanisms, paths, skills
from skillsync import manifest as mf
from skillsync.errors import ConfigError, SkillsyncError
from skillsync.findings import Finding, has_errors
from skillsync.model import Target
from skillsync.paths import show
from skillsync.validation import body, profiles, wholeset
from skillsync.validation.profiles import Profile, SkillDoc

MAX_REFERENCED_MD = 256 * 1024  # Markdown read whole for the reference-depth check


@dataclass
class Release:
    """What the release checks learned, for the profile and whole-set checks."""

    manifest: dict[str, Any]
    findings: list[Finding] = field(default_factory=list)
    docs: dict[str, SkillDoc] = field(default_factory=dict)   # skill path -> its SKILL.md
    config: mf.SourceConfig = field(default_factory=mf.SourceConfig)


def validate(manifest: dict[str, Any] | None, *, source: str | None,
             targets_dir: Path | None, remote: bool = False,
             agents: Sequence[str] | None = None) -> list[Finding]:
    """All findings, sorted. `source` defaults to the manifest's source.repo. `agents`:
    profiles to apply to the whole release (default: the source's `.skillsync.yaml`).
    `remote`: also read each target's tree for the whole-set checks."""
    found: list[Finding] = []
    release = check_release(manifest, source=source) if manifest is not None else None
    if release is not None:
        found += release.findings
    fleet: list[Target] | None = None
    if targets_dir is not None:
        target_findings = _check_targets(Path(targets_dir))
        found += target_findings
        if release is not None and release.docs and not has_errors(target_findings):
            from skillsync.targets import load_targets

            fleet = [t for t in load_targets(Path(targets_dir)) if t.enabled]
    if release is not None and release.docs:
        found += _profile_findings(release, fleet, agents)
        if fleet:
            found += _whole_set(release, fleet, remote)
    return sorted(set(found))


def validate_release(manifest: Any, *, source: str | None) -> list[Finding]:
    """Findings for one manifest against its source."""
    return check_release(manifest, source=source).findings


def _check_targets(directory: Path) -> list[Finding]:
    from skillsync.targets import check_targets

    return check_targets(directory)


def _repo_path(skill_path: str, rel: str) -> str:
    return f"{skill_path}/{rel}" if skill_path else rel


# --------------------------------------------------------------------------- the release


def check_release(manifest: Any, *, source: str | None) -> Release:
    found = mf.check_schema(manifest)
    if found:
        return Release(manifest if isinstance(manifest, dict) else {}, found)
    release = Release(manifest, mf.check_policy(manifest) + mf.check_digest(manifest))
    found = release.findings
    skill_list: list[dict[str, Any]] = manifest["skills"]
    adapter_list: list[dict[str, Any]] = manifest["adapters"]

    skill_mds = {}
    for s in skill_list:
        if any(f["path"] == mf.SKILL_FILE for f in s["files"]):
            skill_mds[s["path"]] = _repo_path(s["path"], mf.SKILL_FILE)
        else:
            found.append(Finding(_repo_path(s["path"], mf.SKILL_FILE), "skill-md-missing",
                                 "error", f"skill '{show(s['name'])}' lists no {mf.SKILL_FILE}"))
    markdown = {_repo_path(s["path"], f["path"]) for s in skill_list for f in s["files"]
                if f["path"].lower().endswith(".md") and f["size"] <= MAX_REFERENCED_MD}
    want = set(skill_mds.values()) | {a["path"] for a in adapter_list} | markdown
    # The recorded checkout while it holds the commit, else source.repo (issue 13).
    with mf.open_source(source or manifest["source"]) as src:
        integrity, blobs = mf.verify_files(src, manifest, want)
        drift = src.config_drift(manifest["source"]["commit"])
        if drift:
            found.append(Finding(mf.CONFIG_FILE, "config-uncommitted", "warning", drift))
        if not any(f.code == "manifest-commit-unknown" for f in integrity):
            integrity += mf.check_identity(src, manifest)
        found += integrity
        commit = manifest["source"]["commit"]
        entries = src.ls_tree(commit) if src.has_commit(commit) else []
        by_path = {e.path: e for e in entries}
        config_entry = by_path.get(mf.CONFIG_FILE)
        if config_entry is not None and config_entry.type == "blob":
            with src.reader() as reader:
                raw = reader.read(config_entry.blob)
            try:
                release.config = mf.parse_config(raw.decode("utf-8", "replace"))
            except ConfigError as exc:
                found.append(Finding(exc.where or mf.CONFIG_FILE, "source-config", "error",
                                     exc.message))
    dropped = _dropped(manifest, entries, release.config, found)

    for s in skill_list:
        path = skill_mds.get(s["path"])
        if path is None or path not in blobs:
            continue
        text = _decode(blobs[path], path, found)
        if text is None:
            continue
        try:
            fm = skills.parse_front_matter(text, path)
        except ConfigError as exc:
            found.append(Finding(exc.where or path, "skill-front-matter", "error", exc.message))
            continue
        folder = s["path"].rpartition("/")[2] or None
        found += skills.check_fields(fm, path, folder=folder)
        name = fm.data.get("name")
        if isinstance(name, str) and name != s["name"]:
            found.append(Finding(path, "manifest-skill-name", "error",
                                 f"SKILL.md says name '{show(name)}', the manifest "
                                 f"'{show(s['name'])}'"))
        doc = SkillDoc(s["name"], path, fm, skills.body_of(text, fm))
        release.docs[s["path"]] = doc
        texts = {}
        for f in s["files"]:
            repo_path = _repo_path(s["path"], f["path"])
            if repo_path in markdown and repo_path in blobs and f["path"] != mf.SKILL_FILE:
                texts[f["path"]] = blobs[repo_path].decode("utf-8", "replace")
        found += body.check_body(doc, {f["path"] for f in s["files"]},
                                 dropped.get(s["path"], {}), texts)

    # Unique names: a downstream lands skills by name, so two would overwrite each other.
    by_name: dict[str, list[dict[str, Any]]] = {}
    for s in skill_list:
        by_name.setdefault(s["name"], []).append(s)
    for name, same in by_name.items():
        if len(same) > 1:
            where = ", ".join(_repo_path(s["path"], mf.SKILL_FILE) for s in same)
            msg = f"skill name '{show(name)}' is used {len(same)} times: {where}"
            for s in same:
                found.append(Finding(_repo_path(s["path"], mf.SKILL_FILE), "skill-name-duplicate",
                                     "error", msg))

    found += _check_adapters(skill_list, adapter_list, blobs)
    return release


_WHY = {
    "symlink": "a symlink, which a release never follows",
    "submodule": "a submodule, whose files are not part of the release",
    "non-utf8-path": "its name is not UTF-8",
}


def _dropped(manifest: dict[str, Any], entries: list[mf.Entry], config: mf.SourceConfig,
             found: list[Finding]) -> dict[str, dict[str, str]]:
    """Files of the commit inside a skill (or where adapters live) that the release left
    out, as warnings (issue 12). Recomputed from the commit's tree, not taken from the
    manifest's `skipped` list, which its digest does not cover. Returns, per skill path,
    {path inside the skill: reason} for the body checks."""
    limit = int(manifest["limits"]["max_file_bytes"])
    skill_dirs = sorted((s["path"] for s in manifest["skills"]), key=len, reverse=True)
    names = {s["path"]: s["name"] for s in manifest["skills"]}
    adapter_dirs = {a["path"].rpartition("/")[0] for a in manifest["adapters"]}
    listed = {_repo_path(s["path"], f["path"]) for s in manifest["skills"] for f in s["files"]}
    listed |= {a["path"] for a in manifest["adapters"]} | {mf.CONFIG_FILE}
    out: dict[str, dict[str, str]] = {}
    for e in entries:
        if not e.utf8:
            why = _WHY["non-utf8-path"]
        elif e.mode == mf.MODE_SYMLINK:
            why = _WHY["symlink"]
        elif e.mode == mf.MODE_GITLINK or e.type == "commit":
            why = _WHY["submodule"]
        elif e.type != "blob" or e.mode not in mf.REGULAR_MODES:
            why = f"not a regular file (mode {e.mode})"
        elif (e.size or 0) > limit:
            why = f"{e.size:,} bytes, over the {limit:,}-byte limit (--max-file-bytes)"
        else:
            why = ""
        owner = next((d for d in skill_dirs if (paths.inside(e.path, d) and e.path != d) or (
            d == "" and e.path.split("/", 1)[0] in mf.ROOT_SKILL_PARTS)), None)
        if not why:
            # build-manifest lists every regular file of a skill under the limit: one
            # missing means the manifest (whose digest it recomputed) left it out.
            if owner is not None and e.path not in listed:
                found.append(Finding(show(e.path), "manifest-file-unlisted", "error",
                                     f"a file of skill '{show(names[owner])}' in commit "
                                     f"{manifest['source']['commit'][:12]} that the manifest "
                                     "does not list"))
            continue
        if owner is not None:
            rel = e.path[len(owner) + 1:] if owner else e.path
            out.setdefault(owner, {})[rel] = why
            found.append(Finding(show(e.path), "skill-file-dropped", "warning",
                                 f"dropped from skill '{show(names[owner])}': {why}; the "
                                 "downstream copy of the skill will not have this file"))
        elif e.path.rpartition("/")[0] in adapter_dirs or config.adapter_ok(e.path):
            found.append(Finding(show(e.path), "adapter-file-dropped", "warning",
                                 f"dropped from the release: {why}; if it is an adapter, no "
                                 "target receives it"))
    return out


def _decode(raw: bytes, path: str, found: list[Finding]) -> str | None:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        found.append(Finding(path, "file-not-utf8", "error",
                             f"not UTF-8 text (byte {exc.start})"))
        return None


# --------------------------------------------------------------------------- profiles


def _target_profiles(t: Target, release: Release) -> list[Profile]:
    ids = t.agents if t.agents is not None else (release.config.agents or ())
    return [p for p in profiles.resolve(ids) if p.id != profiles.BASE]


def _profile_findings(release: Release, fleet: list[Target] | None,
                      agents: Sequence[str] | None) -> list[Finding]:
    """Each profile's per-skill rules, once per skill: for the whole release (`agents`,
    else the source's default when no targets are checked), and for the skills each
    target that names the profile receives."""
    from skillsync.plan import selected_skills

    wide = agents if agents is not None else (
        release.config.agents or () if fleet is None else ())
    receivers: dict[str, dict[str, list[str]]] = {}   # profile -> skill path -> target ids
    for p in profiles.resolve(wide):
        receivers[p.id] = {path: [] for path in release.docs}
    for t in fleet or []:
        # a pointer target takes the whole release; a file target its selection
        chosen = (release.manifest["skills"] if mechanisms.of(t).moves_pointer
                  else selected_skills(release.manifest, t))
        for p in _target_profiles(t, release):
            per_skill = receivers.setdefault(p.id, {})
            for s in chosen:
                # [] marks a skill the profile already covers release-wide: no target list
                if s["path"] in release.docs and per_skill.get(s["path"]) != []:
                    per_skill.setdefault(s["path"], []).append(t.id)
    out: list[Finding] = []
    for pid, per_skill in receivers.items():
        for path, targets in per_skill.items():
            for f in profiles.check_skill(release.docs[path], profiles.PROFILES[pid]):
                if targets:
                    shown = ", ".join(targets[:5]) + (f" +{len(targets) - 5}" if
                                                      len(targets) > 5 else "")
                    f = Finding(f.path, f.code, f.severity, f"{f.message} (for {shown})")
                out.append(f)
    return out


def _whole_set(release: Release, fleet: list[Target], remote: bool) -> list[Finding]:
    from skillsync import secrets
    from skillsync.plan import desired_files, selected_skills
    from skillsync.skills_cli_lock import SkillLockEntry

    m = release.manifest
    src = m["source"]
    jobs = [(t, _target_profiles(t, release)) for t in fleet]
    states: dict[str, wholeset.TargetState | Exception | None] = {}
    readable = [(t, ps) for t, ps in jobs
                if remote and t.repo and mechanisms.of(t).syncs_files]
    if readable:
        def read(job: tuple[Target, list[Profile]]) -> wholeset.TargetState | Exception:
            try:
                return wholeset.read_state(*job)
            except SkillsyncError as exc:  # one unreadable target must not hide the others
                return exc
        with ThreadPoolExecutor(max_workers=defaults.HEALTH_JOBS) as pool:
            for (t, _), got in zip(readable, pool.map(read, readable), strict=True):
                states[t.id] = got
    out: list[Finding] = []
    for t, ps in jobs:
        where = wholeset.where_in(t)
        state = states.get(t.id)
        if isinstance(state, Exception):
            reason = secrets.redact(show(str(state)))
            out.append(Finding(where, "target-tree-unread", "warning",
                               f"{t.id}: could not read its tree ({reason}); its own skills "
                               "were not checked"))
            state = None
        if not ps and state is None:
            continue
        chosen = m["skills"] if mechanisms.of(t).moves_pointer else selected_skills(m, t)
        ours = []
        for s in chosen:
            lock = SkillLockEntry.for_release(s["name"], src["repo"], src["ref"], s["path"], "")
            ours.append(wholeset.Ours(s["name"], wholeset.landing_folder(t, s["name"]),
                                      release.docs.get(s["path"]), s.get("description", ""),
                                      (lock.source, lock.source_type)))
        landing: list[str] = []
        if mechanisms.of(t).syncs_files:
            try:
                landing = list(desired_files(m, t))
            except ConfigError as exc:
                out.append(Finding(where, "target-landing-collision", "error",
                                   f"{t.id}: {exc.message}"))
        out += wholeset.check_target(t, where, ps, ours, state, landing)
    return out


# --------------------------------------------------------------------------- adapters


def _check_adapters(skill_list: list[dict[str, Any]], adapter_list: list[dict[str, Any]],
                    blobs: dict[str, bytes]) -> list[Finding]:
    found: list[Finding] = []
    first_by_name: dict[str, dict[str, Any]] = {}
    for s in skill_list:
        first_by_name.setdefault(s["name"], s)
    owner_of: dict[str, dict[str, Any]] = {}
    for s in skill_list:
        for f in s["files"]:
            owner_of[_repo_path(s["path"], f["path"])] = s
    adapter_paths = {a["path"] for a in adapter_list}

    for a in adapter_list:
        path = a["path"]
        fm: skills.FrontMatter | None = None
        if path in blobs:
            text = _decode(blobs[path], path, found)
            if text is not None:
                try:
                    fm = skills.parse_front_matter(text, path)
                except ConfigError as exc:
                    found.append(Finding(exc.where or path, "adapter-front-matter", "error",
                                         exc.message))
        if fm is not None:
            found += skills.check_adapter(fm, path)

        def where(*key: str, _fm: skills.FrontMatter | None = fm, _path: str = path) -> str:
            return _fm.where(skills.ADAPTER_KEY, *key) if _fm is not None else _path

        skill = None
        if a["source_path"]:
            skill = owner_of.get(a["source_path"])
            if skill is None and a["source_path"] not in adapter_paths:
                found.append(Finding(where("source_path"), "adapter-source-missing", "error",
                                     f"adapter {path}: source_path '{show(a['source_path'])}' "
                                     "is not a file of this release"))
            elif skill is not None and a["skill_name"] and a["skill_name"] != skill["name"]:
                found.append(Finding(where("skill_name"), "adapter-skill-mismatch", "error",
                                     f"adapter {path} names skill '{show(a['skill_name'])}' but "
                                     f"its source_path belongs to skill '{show(skill['name'])}'"))
        if skill is None and a["skill_name"]:
            skill = first_by_name.get(a["skill_name"])
            if skill is None and not a["source_path"]:
                found.append(Finding(where("skill_name"), "adapter-skill-missing", "error",
                                     f"adapter {path} is for skill '{show(a['skill_name'])}', "
                                     "which is not in this release"))
        if skill is None:
            continue
        declared = a["skill_version"]
        if declared is None:
            if fm is None:  # check_adapter reports it with a line when it could parse
                found.append(Finding(path, "adapter-version-missing", "error",
                                     f"adapter {path} declares no skill_version"))
        elif declared != skill["version"]:
            found.append(Finding(
                where("skill_version"), "adapter-stale", "error",
                f"adapter {path} is for {skill['name']} {declared}, but the release has "
                f"{skill['name']} {skill['version']}; regenerate the adapter or fix its "
                "adapter_metadata.skill_version"))
    return found
