"""The pre-sync gate (DESIGN.md, "validate-sync-targets"): nothing is synced
unless the release and the target files pass.

Checks: manifest schema, digest and integrity (every file hash recomputed from
the source commit); the Agent Skills spec for each skill's SKILL.md
(RELIABILITY.md 28); unique skill names; adapter consistency (RELIABILITY.md
31); and the target files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from skillsync import manifest as mf
from skillsync import skills
from skillsync.errors import ConfigError
from skillsync.findings import Finding


def validate(manifest: dict[str, Any] | None, *, source: str | None,
             targets_dir: Path | None) -> list[Finding]:
    """All findings, sorted. `source` defaults to the manifest's source.repo."""
    found: list[Finding] = []
    if manifest is not None:
        found += validate_release(manifest, source=source)
    if targets_dir is not None:
        found += _check_targets(Path(targets_dir))
    return sorted(set(found))


def _check_targets(directory: Path) -> list[Finding]:
    try:
        from skillsync.targets import check_targets
    except ImportError:
        # TODO(targets): skillsync.targets.check_targets is written in parallel;
        # until it lands, target files are not checked here.
        return []
    result: list[Finding] = check_targets(directory)
    return result


def _repo_path(skill_path: str, rel: str) -> str:
    return f"{skill_path}/{rel}" if skill_path else rel


def validate_release(manifest: Any, *, source: str | None) -> list[Finding]:
    """Findings for one manifest against its source."""
    found = mf.check_schema(manifest)
    if found:
        return found  # the checks below rely on the manifest's shape
    found += mf.check_digest(manifest)
    skill_list: list[dict[str, Any]] = manifest["skills"]
    adapter_list: list[dict[str, Any]] = manifest["adapters"]

    skill_mds = {}
    for s in skill_list:
        if any(f["path"] == mf.SKILL_FILE for f in s["files"]):
            skill_mds[s["path"]] = _repo_path(s["path"], mf.SKILL_FILE)
        else:
            found.append(Finding(_repo_path(s["path"], mf.SKILL_FILE), "skill-md-missing",
                                 "error", f"skill '{s['name']}' lists no {mf.SKILL_FILE}"))
    want = set(skill_mds.values()) | {a["path"] for a in adapter_list}
    # The recorded checkout while it holds the commit, else source.repo (issue 13).
    with mf.open_source(source or manifest["source"]) as src:
        integrity, blobs = mf.verify_files(src, manifest, want)
        drift = src.config_drift(manifest["source"]["commit"])
    found += integrity
    if drift:
        found.append(Finding(mf.CONFIG_FILE, "config-uncommitted", "warning", drift))

    # Skill spec, one SKILL.md at a time.
    for s in skill_list:
        path = skill_mds.get(s["path"])
        if path is None or path not in blobs:
            continue
        text = _decode(blobs[path], path, found)
        if text is None:
            continue
        folder = s["path"].rpartition("/")[2] or None
        spec = skills.check_skill(text, path, folder=folder)
        found += spec
        if not any(f.code == "skill-front-matter" for f in spec):
            name = skills.parse_front_matter(text, path).data.get("name")
            if isinstance(name, str) and name != s["name"]:
                found.append(Finding(path, "manifest-skill-name", "error",
                                     f"SKILL.md says name '{name}', the manifest '{s['name']}'"))

    # Unique names: a downstream lands skills by name, so two would overwrite each other.
    by_name: dict[str, list[dict[str, Any]]] = {}
    for s in skill_list:
        by_name.setdefault(s["name"], []).append(s)
    for name, same in by_name.items():
        if len(same) > 1:
            where = ", ".join(_repo_path(s["path"], mf.SKILL_FILE) for s in same)
            msg = f"skill name '{name}' is used {len(same)} times: {where}"
            for s in same:
                found.append(Finding(_repo_path(s["path"], mf.SKILL_FILE), "skill-name-duplicate",
                                     "error", msg))

    found += _check_adapters(skill_list, adapter_list, blobs)
    return found


def _decode(raw: bytes, path: str, found: list[Finding]) -> str | None:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        found.append(Finding(path, "file-not-utf8", "error",
                             f"not UTF-8 text (byte {exc.start})"))
        return None


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
                                     f"adapter {path}: source_path '{a['source_path']}' is not "
                                     "a file of this release"))
            elif skill is not None and a["skill_name"] and a["skill_name"] != skill["name"]:
                found.append(Finding(where("skill_name"), "adapter-skill-mismatch", "error",
                                     f"adapter {path} names skill '{a['skill_name']}' but its "
                                     f"source_path belongs to skill '{skill['name']}'"))
        if skill is None and a["skill_name"]:
            skill = first_by_name.get(a["skill_name"])
            if skill is None and not a["source_path"]:
                found.append(Finding(where("skill_name"), "adapter-skill-missing", "error",
                                     f"adapter {path} is for skill '{a['skill_name']}', which "
                                     "is not in this release"))
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
