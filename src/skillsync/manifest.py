"""The release manifest: what a source commit ships (DESIGN.md, "Manifest", "Finding skills").

The ref is resolved to a commit once; everything after reads that commit's
objects (`ls-tree`, one `cat-file --batch` for the ref, the config and every
blob), never a working tree, so a dirty checkout or a tag moved mid-run cannot
change the result (RELIABILITY.md 9). Blobs are hashed as they stream out of
git, each read once, and blobs over the size limit are never read
(RELIABILITY.md 29). Symlinks and
gitlinks are listed in `skipped`, never followed (RELIABILITY.md 26).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import PurePosixPath
from typing import Any

from skillsync import skills
from skillsync.errors import ConfigError, ReleaseRefused, UsageError
from skillsync.git import BlobStream

# What used to live here: the source reader, its config and the integrity checks (one
# module each since issue 14), importable from here as before.
from skillsync.integrity import (
    SCHEMA_ID,
    check_digest,
    check_identity,
    check_policy,
    check_schema,
    compute_digest,
    verify_files,
    verify_manifest,
)
from skillsync.policy import release_version
from skillsync.source import Entry, Source, open_source
from skillsync.source_config import (
    CONFIG_FILE,
    CONFIG_KEYS,
    SKILL_FILE,
    SourceConfig,
    _excluded,
    _is_markdown_name,
    glob_regex,
    parse_config,
)

DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024
MODE_SYMLINK = "120000"
MODE_GITLINK = "160000"
REGULAR_MODES = ("100644", "100755")
_HEAD_BYTES = 256 * 1024  # front matter must end within this many bytes


def build_manifest(source: str, ref: str, *, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
                   ) -> dict[str, Any]:
    """The manifest of `source` at `ref` (see PREAMBLE/DESIGN for the contract)."""
    if max_file_bytes < 1:
        raise UsageError("--max-file-bytes must be a positive number of bytes")
    # One cat-file process answers the ref, the config and every blob (issue 17).
    with open_source(source) as src, src.reader() as reader:
        src.check_ref(ref)
        is_tag = src.is_tag(ref.removeprefix("refs/tags/"))  # while cat-file starts up
        commit, tree = src.resolve(ref, reader)
        src.prefetch(commit)
        version = release_version(ref, commit, is_tag=is_tag)
        return _build(src, reader, ref, commit, tree, version, max_file_bytes)


# A skill at the repository root shares the root with everything else the repo
# holds (.github/, targets/, noxfile.py, ...): only the Agent Skills layout is
# the skill's own, or every downstream would receive the whole repository.
ROOT_SKILL_PARTS = ("SKILL.md", "scripts", "references", "assets", "LICENSE", "LICENSE.txt",
                    "LICENSE.md")


def _root_skill_file(path: str) -> bool:
    return path.split("/", 1)[0] in ROOT_SKILL_PARTS


def _dir_of(path: str) -> str:
    return path.rpartition("/")[0]


def _owners(paths: Iterable[str], skill_dirs: set[str]) -> dict[str, str | None]:
    """For each path, the skill directory it belongs to: the nearest of `skill_dirs`
    above it (the root only for the Agent Skills layout), or None. Worked out once per
    directory: a release has thousands of files in hundreds of directories."""
    nearest: dict[str, str | None] = {}
    out: dict[str, str | None] = {}
    for path in paths:
        d = _dir_of(path)
        if d not in nearest:
            walked = []
            while d not in nearest and d not in skill_dirs and d:
                walked.append(d)
                d = _dir_of(d)
            found = nearest.get(d, d if d in skill_dirs else None)
            for w in walked:
                nearest[w] = found
            d = _dir_of(path)
            nearest.setdefault(d, found)
        owner = nearest[d]
        out[path] = None if owner == "" and not _root_skill_file(path) else owner
    return out


def _front_matter(path: str, head: bytes, *, need: bool) -> skills.FrontMatter | None:
    """Parsed front matter, or None (none, malformed, or not worth parsing)."""
    if not skills.starts_with_fence(head):
        return None
    if not need and skills.ADAPTER_KEY.encode() not in head:
        return None  # cheap: only files mentioning adapter_metadata can be adapters
    try:
        return skills.parse_front_matter(head.decode("utf-8", "replace"), path)
    except ConfigError:
        return None


def _build(src: Source, reader: BlobStream, ref: str, commit: str, tree: str, version: str,
           limit: int) -> dict[str, Any]:
    entries = src.ls_tree(commit)
    skipped: list[dict[str, str]] = []
    regular: dict[str, Entry] = {}
    for e in entries:
        reason = (
            "non-utf8-path" if not e.utf8
            else "symlink" if e.mode == MODE_SYMLINK
            else "submodule" if e.mode == MODE_GITLINK or e.type == "commit"
            else "unsupported" if e.type != "blob" or e.mode not in REGULAR_MODES
            else "too-large" if (e.size or 0) > limit
            else None
        )
        if reason:
            skipped.append({"path": e.path, "reason": reason})
        else:
            regular[e.path] = e

    config = SourceConfig()
    if CONFIG_FILE in regular:
        text = reader.read(regular[CONFIG_FILE].blob).decode("utf-8", "replace")
        config = parse_config(text)
    elif any(s["path"] == CONFIG_FILE for s in skipped):
        raise ConfigError("must be a regular file (not a symlink, submodule or huge file)",
                          where=CONFIG_FILE)

    # 1. Markdown that may be a skill or an adapter (its head is parsed as it arrives),
    # and the directories that are skills unless their SKILL.md turns out to be an
    # adapter: front matter can only take a directory away, so their files are a superset
    # of what the skills hold, and one pass over the stream reads all the manifest needs.
    dir_verdicts: dict[str, bool | None] = {}

    def dir_ok(d: str) -> bool | None:
        if d not in dir_verdicts:
            dir_verdicts[d] = config.skill_dir_ok(d)
        return dir_verdicts[d]

    candidates: list[str] = []
    maybe_skills: set[str] = set()
    for path in regular:
        d, _, base = path.rpartition("/")
        is_skill_md = base == SKILL_FILE
        by_default = _is_markdown_name(base) and not _excluded(path)
        if by_default or config.adapter_ok(path) or (is_skill_md and dir_ok(d)):
            candidates.append(path)
            if is_skill_md:
                decided = dir_ok(d)
                if decided if decided is not None else not _excluded(path):
                    maybe_skills.add(d)
    files_of = [p for p in regular if p != CONFIG_FILE]
    owners = _owners(files_of, maybe_skills)

    # 2. One stream, each blob once: candidates keep their head, the rest of a skill's
    # files are hashed only.
    keep: dict[str, int] = {}
    heads: dict[str, list[str]] = {}
    for path in candidates:
        oid = regular[path].blob
        keep[oid] = _HEAD_BYTES
        heads.setdefault(oid, []).append(path)
    for path in files_of:
        if owners[path] is not None:
            keep.setdefault(regular[path].blob, 0)
    blobs: dict[str, tuple[int, str]] = {}
    front: dict[str, skills.FrontMatter | None] = {}
    for oid, size, sha, head in reader.stream_each(list(keep.items()), last=True):
        blobs[oid] = (size, sha)
        for path in heads.get(oid, ()):
            # parsed while git goes on writing the next blobs into the pipe
            front[path] = _front_matter(path, head, need=path.rpartition("/")[2] == SKILL_FILE)

    # 3. Adapters: front matter with adapter_metadata (config may narrow/widen).
    adapters = {
        p for p, fm in front.items()
        if fm is not None and skills.ADAPTER_KEY in fm.data
        and (config.adapter_ok(p) if config.adapters is not None else not _excluded(p))
    }
    # 4. Skills: directories holding a SKILL.md that is not an adapter.
    skill_dirs: set[str] = set()
    for p, fm in front.items():
        if p.rpartition("/")[2] != SKILL_FILE:
            continue
        if fm is not None and skills.ADAPTER_KEY in fm.data:
            continue  # an adapter (or a file the config left out); never a skill
        d = _dir_of(p)
        decided = dir_ok(d)
        if decided if decided is not None else not _excluded(p):
            skill_dirs.add(d)

    # 5. Files of each skill: every regular blob below it, minus deeper skills and adapters.
    if skill_dirs != maybe_skills:
        owners = _owners(files_of, skill_dirs)
    files: dict[str, list[tuple[str, Entry]]] = {d: [] for d in skill_dirs}
    for path in files_of:
        owner = owners[path]
        if owner is not None and path not in adapters:
            files[owner].append((path[len(owner) + 1:] if owner else path, regular[path]))

    skill_list = []
    for d in sorted(skill_dirs):
        skill_md = f"{d}/{SKILL_FILE}" if d else SKILL_FILE
        fm = front.get(skill_md)
        data = fm.data if fm is not None else {}
        folder = d.rpartition("/")[2] or _repo_name(src.repo)
        name = data.get("name")
        meta = data.get("metadata")
        skill_version = (
            (skills.text_of(meta.get("version")) if isinstance(meta, dict) else None)
            or skills.text_of(data.get("version"))
            or version
        )
        entries_out = []
        for rel, e in sorted(files[d]):  # rel paths are unique within a skill
            size, sha = blobs[e.blob]
            entries_out.append({"path": rel, "size": size, "mode": e.mode,
                                "sha256": sha, "blob": e.blob})
        skill_list.append({
            "name": name if isinstance(name, str) and name else folder,
            "version": skill_version,
            "path": d,
            "description": skills.text_of(data.get("description")) or "",
            "files": entries_out,
        })

    adapter_list = []
    for p in sorted(adapters):
        fm = front[p]
        assert fm is not None
        am = skills.adapter_meta(fm)
        e = regular[p]
        size, sha = blobs[e.blob]
        adapter_list.append({
            "path": p,
            "adapter_id": am.adapter_id or _adapter_id(p),
            "skill_name": am.skill_name,
            "skill_version": am.skill_version,
            "source_path": am.source_path,
            "size": size, "mode": e.mode, "sha256": sha, "blob": e.blob,
        })

    skill_list.sort(key=lambda s: (s["name"], s["path"]))
    manifest: dict[str, Any] = {
        "schema": SCHEMA_ID,
        "source": {**src.record(), "ref": ref, "commit": commit, "tree": tree},
        "version": version,
        "skills": skill_list,
        "adapters": adapter_list,
        "skipped": sorted(skipped, key=lambda s: s["path"]),
        "limits": {"max_file_bytes": limit},
    }
    manifest["digest"] = compute_digest(manifest)
    refuse_unsafe(manifest)
    return manifest


def refuse_unsafe(manifest: dict[str, Any]) -> None:
    """ReleaseRefused naming the first unsafe path when `manifest` breaks the path
    policy (a release whose content could write outside `dest` is never built)."""
    found = check_policy(manifest)
    if found:
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        raise ReleaseRefused(f"release refused: {found[0].path}: {found[0].message}{more}")


def _repo_name(repo: str) -> str:
    name = repo.rstrip("/").rpartition("/")[2].rpartition(":")[2]
    return name.removesuffix(".git") or "skill"


def _adapter_id(path: str) -> str:
    """After `adapters/` in the path, else the parent directory, else the file's stem."""
    parts = path.split("/")
    dirs = parts[:-1]
    if "adapters" in dirs:
        i = dirs.index("adapters")
        if i + 1 < len(dirs):
            return dirs[i + 1]
    if dirs:
        return dirs[-1]
    return PurePosixPath(parts[-1]).stem.lower()


# --------------------------------------------------------------------------- verification




__all__ = [
    "CONFIG_FILE", "CONFIG_KEYS", "DEFAULT_MAX_FILE_BYTES", "SCHEMA_ID", "SKILL_FILE", "Entry",
    "Source", "SourceConfig", "build_manifest", "check_digest", "check_identity",
    "check_policy", "check_schema", "compute_digest", "glob_regex", "open_source",
    "parse_config", "refuse_unsafe", "release_version", "verify_files", "verify_manifest",
]
