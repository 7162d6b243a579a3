"""Is a manifest the release it says it is? Its schema, the path policy, its digest,
its identity (version and tag) and every file re-read from the pinned commit. Used by
the validation gate (validate, gate) and by build-manifest's own refusal."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from skillsync import git, paths
from skillsync.findings import Finding
from skillsync.policy import release_version

if TYPE_CHECKING:
    from skillsync.source import Source

# The manifest format's name and version (schemas/manifest.schema.json: schema).
SCHEMA_ID = "skillsync.manifest/v1"


def compute_digest(manifest: dict[str, Any]) -> str:
    """sha256 over canonical JSON (sorted keys, no spaces, ASCII) of the content fields."""
    core = {
        "commit": manifest["source"]["commit"],
        "version": manifest["version"],
        "skills": manifest["skills"],
        "adapters": manifest["adapters"],
    }
    raw = json.dumps(core, sort_keys=True, separators=(",", ":")).encode("ascii")
    return "sha256:" + hashlib.sha256(raw).hexdigest()


_SCHEMA_SEEN: dict[str, list[Finding]] = {}


def content_key(manifest: object) -> str | None:
    """A cheap key for "this exact manifest" (a hash of its canonical JSON), or None
    when it is not JSON at all."""
    try:
        raw = json.dumps(manifest, sort_keys=True, separators=(",", ":"))
    except (TypeError, ValueError):
        return None
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def check_schema(manifest: object, *, key: str | None = None) -> list[Finding]:
    """Findings for every place `manifest` breaks schemas/manifest.schema.json.

    Remembered per content: one sync-target checked the same 2,000-file manifest three
    times (load, gate, validation), ~0.12 s each (benchmarks, issue 17)."""
    key = key or content_key(manifest)
    if key is not None and key in _SCHEMA_SEEN:
        return list(_SCHEMA_SEEN[key])
    found = _check_schema(manifest)
    if key is not None:
        if len(_SCHEMA_SEEN) > 16:
            _SCHEMA_SEEN.clear()
        _SCHEMA_SEEN[key] = found
    return list(found)


def _check_schema(manifest: object) -> list[Finding]:
    from skillsync.jsonschemas import surely_valid
    from skillsync.jsonschemas import validator as compiled

    if surely_valid("manifest.schema.json", manifest):
        return []
    validator = compiled("manifest.schema.json")
    out = []
    for err in sorted(validator.iter_errors(manifest), key=lambda e: list(map(str, e.path))):
        pointer = "/".join(str(p) for p in err.absolute_path)
        msg = err.message if len(err.message) <= 200 else err.message[:197] + "..."
        out.append(Finding(f"manifest#/{pointer}" if pointer else "manifest",
                           "manifest-schema", "error", msg))
    return out


# Longest version string we carry into trailers, branch names and messages.
MAX_VERSION_CHARS = 128


def check_policy(manifest: dict[str, Any]) -> list[Finding]:
    """The path policy (skillsync.paths) over everything a schema-valid manifest would
    make us write: skill names used as folders, skill and file paths, adapter paths,
    where they land by default, and names that collide on a case- or
    normalisation-insensitive filesystem (macOS, Windows downstreams). Checked when
    the manifest is built and again whenever one is read (issue 12)."""
    out: list[Finding] = []

    def bad(where: str, code: str, message: str) -> None:
        out.append(Finding(paths.show(where), code, "error", message))

    version = manifest["version"]
    if (len(version) > MAX_VERSION_CHARS or any(c.isspace() or not c.isprintable()
                                                for c in version)
            or "/" in version or ".." in version or version.startswith("-")):
        bad("manifest#/version", "version-unsafe",
            f"version '{paths.show(version)}' is not a plain version string")
    landed: list[str] = []
    for i, s in enumerate(manifest["skills"]):
        name, base = s["name"], s["path"]
        problem = paths.name_problem(name)
        if problem:
            bad(f"manifest#/skills/{i}/name", "skill-name-unsafe",
                f"'{paths.show(name)}': {problem}")
        if base and (problem := paths.problem(base, what="skill path")):
            bad(base, "path-unsafe", problem)
        for f in s["files"]:
            repo_path = f"{base}/{f['path']}" if base else f["path"]
            if problem := paths.problem(f["path"]):
                bad(repo_path, "path-unsafe", problem)
            else:
                landed.append(f"{name}/{f['path']}")
    for a in manifest["adapters"]:
        if problem := paths.problem(a["path"], what="adapter path"):
            bad(a["path"], "path-unsafe", problem)
        elif problem := paths.name_problem(a["adapter_id"], what="adapter id"):
            bad(a["path"], "adapter-id-unsafe", f"'{paths.show(a['adapter_id'])}': {problem}")
        elif a["skill_name"] and not paths.name_problem(a["skill_name"]):
            # the default placement (a target may place adapters elsewhere: checked at plan)
            landed.append(f"{a['skill_name']}/adapters/{a['adapter_id']}/"
                          + a["path"].rpartition("/")[2])
    for first, second in paths.collisions(landed):
        bad(second, "path-collision",
            f"'{paths.show(second)}' and '{paths.show(first)}' are the same name on a case- or "
            "normalisation-insensitive filesystem (macOS, Windows)")
    return out


def check_identity(src: Source, manifest: dict[str, Any]) -> list[Finding]:
    """The manifest is the release it says it is: its version is the one its ref
    gives, and a tag ref still points at its commit (another release's commit
    relabelled, or a tag moved since, is refused)."""
    s = manifest["source"]
    ref, commit = s["ref"], s["commit"]
    name = ref.removeprefix("refs/tags/")
    is_tag = bool(name) and not name.startswith("-") and src.is_tag(name)
    out = []
    want = release_version(ref, commit, is_tag=is_tag)
    if manifest["version"] != want:
        out.append(Finding("manifest#/version", "manifest-version-mismatch", "error",
                           f"version '{paths.show(manifest['version'])}' is not the version of "
                           f"ref '{paths.show(ref)}' ('{paths.show(want)}')"))
    if is_tag:
        proc = git.run(["rev-parse", "--verify", "--quiet", "--end-of-options",
                        f"refs/tags/{name}^{{commit}}"], src.git_dir, check=False)
        now = proc.stdout.decode("ascii", "replace").strip()
        if now != commit:
            out.append(Finding("manifest#/source/commit", "manifest-ref-mismatch", "error",
                               f"tag {paths.show(name)} points at {now[:12] or 'nothing'}, "
                               f"not the manifest's commit {commit[:12]}"))
    return out


def check_digest(manifest: dict[str, Any]) -> list[Finding]:
    want = compute_digest(manifest)
    if manifest.get("digest") == want:
        return []
    return [Finding("manifest#/digest", "manifest-digest", "error",
                    f"digest {manifest.get('digest')} does not match the content ({want})")]


def verify_files(src: Source, manifest: dict[str, Any], want: Iterable[str] = ()
                 ) -> tuple[list[Finding], dict[str, bytes]]:
    """Recompute every listed file from the source commit; return findings and the
    bytes of the repo paths in `want` (for the spec checks, read in the same pass)."""
    commit = manifest["source"]["commit"]
    if not src.has_commit(commit):
        return [Finding("manifest#/source/commit", "manifest-commit-unknown", "error",
                        f"commit {commit} is not in the source {src.repo}")], {}
    src.prefetch(commit)
    out: list[Finding] = []
    tree = git.out(["rev-parse", "--verify", f"{commit}^{{tree}}"], src.git_dir)
    if tree != manifest["source"]["tree"]:
        out.append(Finding("manifest#/source/tree", "manifest-tree-mismatch", "error",
                           f"commit {commit[:12]} has tree {tree}, the manifest says "
                           f"{manifest['source']['tree']}"))
    actual = {e.path: e for e in src.ls_tree(commit)}
    listed: list[tuple[str, dict[str, Any]]] = []
    for s in manifest["skills"]:
        for f in s["files"]:
            listed.append((f"{s['path']}/{f['path']}" if s["path"] else f["path"], f))
    listed.extend((a["path"], a) for a in manifest["adapters"])
    keep = set(want)
    texts: dict[str, bytes] = {}
    seen: dict[str, tuple[int, str]] = {}
    # Whole files in memory only up to the manifest's own limit (a hostile manifest
    # could point `want` at anything); larger ones are only hashed.
    limit = int(manifest["limits"]["max_file_bytes"])
    kept_blobs = {actual[p].blob for p in keep if p in actual and actual[p].type == "blob"
                  and (actual[p].size or 0) <= limit}
    other_blobs = {actual[p].blob for p, _ in listed if p in actual and actual[p].type == "blob"}
    whole: dict[str, bytes] = {}
    with src.reader() as reader:
        for oid, size, sha, head in reader.stream_many(sorted(kept_blobs), keep=1 << 62):
            seen[oid], whole[oid] = (size, sha), head
        for oid, size, sha, _ in reader.stream_many(sorted(other_blobs - kept_blobs)):
            seen[oid] = (size, sha)
    for path, f in sorted(listed, key=lambda item: item[0]):
        e = actual.get(path)
        if e is None or e.type != "blob":
            out.append(Finding(path, "manifest-file-missing", "error", "listed in the "
                               f"manifest but not a file in commit {commit[:12]}"))
            continue
        if e.mode != f["mode"] or e.blob != f["blob"]:
            out.append(Finding(path, "manifest-file-mismatch", "error",
                               f"commit {commit[:12]} has mode {e.mode} blob {e.blob}, the "
                               f"manifest says mode {f['mode']} blob {f['blob']}"))
        if path in keep and e.blob in whole:
            texts[path] = whole[e.blob]
        got = seen[e.blob]
        if got != (f["size"], f["sha256"]):
            out.append(Finding(path, "manifest-file-hash", "error",
                               f"size/sha256 in the manifest ({f['size']}, {f['sha256'][:12]}) "
                               f"differ from the commit's ({got[0]}, {got[1][:12]})"))
    return out, texts


def verify_manifest(manifest: dict[str, Any], source: str) -> list[Finding]:
    """Manifest integrity: schema, path policy, digest, identity (version and tag), and
    every file hash recomputed from `source`."""
    found = check_schema(manifest)
    if found:
        return found
    found = check_policy(manifest) + check_digest(manifest)
    from skillsync.source import open_source

    with open_source(source) as src:
        found += verify_files(src, manifest)[0]
        if not any(f.code == "manifest-commit-unknown" for f in found):
            found += check_identity(src, manifest)
    return sorted(found)
