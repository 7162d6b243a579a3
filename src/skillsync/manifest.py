"""The release manifest: what a source commit ships (DESIGN.md, "Manifest", "Finding skills").

The ref is resolved to a commit once; everything after reads that commit's
objects (`ls-tree`, one long-lived `cat-file --batch`), never a working tree,
so a dirty checkout or a tag moved mid-run cannot change the result
(RELIABILITY.md 9). Blobs are hashed in chunks as they stream out of git, and
blobs over the size limit are never read (RELIABILITY.md 29). Symlinks and
gitlinks are listed in `skipped`, never followed (RELIABILITY.md 26).
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import subprocess
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

from skillsync import git, paths, skills
from skillsync.errors import ConfigError, GitError, ReleaseRefused, SourceError, UsageError
from skillsync.findings import Finding
from skillsync.urls import redact_url, redact_urls, url_secrets

SCHEMA_ID = "skillsync.manifest/v1"
DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024
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
MODE_SYMLINK = "120000"
MODE_GITLINK = "160000"
REGULAR_MODES = ("100644", "100755")
# No auto-gc/maintenance in a throw-away clone: it may detach and outlive the temp dir.
_NO_GC = ("-c", "gc.auto=0", "-c", "maintenance.auto=false")
_HEAD_BYTES = 256 * 1024  # front matter must end within this many bytes
_CHUNK = 1 << 20


# --------------------------------------------------------------------------- source access


@dataclass(frozen=True)
class Entry:
    """One `git ls-tree -r -l` row."""

    mode: str
    type: str
    blob: str
    size: int | None  # None for gitlinks
    path: str
    utf8: bool = True


def _detail(exc: GitError) -> str:
    return redact_urls(exc.reason)  # no userinfo or query credential in messages


class BlobReader:
    """One long-lived `git cat-file --batch`, read as a stream.

    TODO(lead): this is the one subprocess outside git.py; it belongs there as
    `git.cat_file_batch(git_dir)` (git.run cannot stream).
    """

    def __init__(self, git_dir: Path, label: str) -> None:
        self._label = label
        self._err = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the process
        self._proc = subprocess.Popen(
            ["git", *git._NET_OPTS, "cat-file", "--batch"],
            cwd=git_dir, env=git.clean_env(),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._err,
        )
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._in: IO[bytes] = self._proc.stdin
        self._out: IO[bytes] = self._proc.stdout

    def __enter__(self) -> BlobReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        with suppress(OSError):
            self._in.close()
        try:
            self._proc.wait(timeout=git.DEFAULT_TIMEOUT)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._out.close()
        self._err.close()

    def _fail(self, what: str) -> SourceError:
        self._err.seek(0)
        err = self._err.read().decode("utf-8", "replace").strip().splitlines()
        tail = f": {err[-1]}" if err else ""
        return SourceError(f"{what}{tail}", where=self._label)

    def stream(self, oid: str, sink: IO[bytes] | None = None, *, keep: int = 0
               ) -> tuple[int, str, bytes]:
        """Read blob `oid`: (size, sha256 hex, its first `keep` bytes); copy it to `sink`."""
        try:
            self._in.write(oid.encode("ascii") + b"\n")
            self._in.flush()
        except BrokenPipeError:
            raise self._fail("git cat-file stopped") from None
        return self._receive(oid, sink, keep)

    def stream_many(self, oids: list[str], *, keep: int = 0
                    ) -> Iterator[tuple[str, int, str, bytes]]:
        """(oid, size, sha256, head) for each of `oids`, in order. The requests are
        written by a thread while we read, so git never waits for a round trip."""
        data = "".join(f"{oid}\n" for oid in oids).encode("ascii")

        def feed() -> None:
            with suppress(OSError):  # git died: the reading side reports it
                self._in.write(data)
                self._in.flush()

        writer = threading.Thread(target=feed, name="cat-file-feed", daemon=True)
        writer.start()
        done = 0
        try:
            for oid in oids:
                size, sha, head = self._receive(oid, None, keep)
                done += 1
                yield oid, size, sha, head
        finally:
            if done < len(oids):
                self._proc.kill()  # abandoned mid-batch: unblock the writer; reader is spent
            writer.join()

    def _receive(self, oid: str, sink: IO[bytes] | None, keep: int) -> tuple[int, str, bytes]:
        header = self._out.readline()
        if not header:
            raise self._fail("git cat-file stopped")
        parts = header.split()
        if len(parts) != 3 or parts[1] != b"blob":
            raise self._fail(f"object {oid} is missing or not a file")
        remaining = int(parts[2])
        digest = hashlib.sha256()
        head = bytearray()
        while remaining:
            chunk = self._out.read(min(_CHUNK, remaining))
            if not chunk:
                raise self._fail(f"short read of object {oid}")
            digest.update(chunk)
            if len(head) < keep:
                head += chunk[: keep - len(head)]
            if sink is not None:
                sink.write(chunk)
            remaining -= len(chunk)
        self._out.read(1)  # the LF after each object
        return int(parts[2]), digest.hexdigest(), bytes(head)

    def read(self, oid: str) -> bytes:
        """A whole blob in memory (for small files: front matter, config)."""
        return self.stream(oid, keep=1 << 62)[2]


@dataclass
class Source:
    """An opened skills source: a local repository, or a temporary partial clone of a URL."""

    git_dir: Path
    repo: str            # what the manifest records as source.repo: the public origin
    cloned: bool = False
    # A local source: the path exactly as given (source.checkout; later steps read from it
    # while it holds the commit, issue 13), and its work tree when it has one.
    checkout: str | None = None
    work_tree: Path | None = None
    _prefetched: set[str] = field(default_factory=set)

    def record(self) -> dict[str, str]:
        """Where the manifest says it came from (`source.repo`, and `source.checkout`)."""
        return {"repo": self.repo, **({"checkout": self.checkout} if self.checkout else {})}

    def config_drift(self, commit: str) -> str | None:
        """Why the work tree's .skillsync.yaml is not the one the manifest used (the pinned
        commit's), or None: an edit that is not committed changes nothing, so say so."""
        if self.work_tree is None:
            return None
        path = self.work_tree / CONFIG_FILE
        try:
            here: bytes | None = path.read_bytes() if path.is_file() else None
        except OSError:
            here = None
        proc = git.run(["cat-file", "blob", f"{commit}:{CONFIG_FILE}"], self.git_dir, check=False)
        there = proc.stdout if proc.returncode == 0 else None
        if here == there:
            return None
        what = ("is not in" if there is None else "is deleted from the work tree but is in"
                if here is None else "in the work tree differs from the one in")
        return (f"{CONFIG_FILE} {what} commit {commit[:12]}, which is what the release is "
                "built from: commit the change for it to take effect")

    def resolve(self, ref: str) -> tuple[str, str]:
        """(commit, tree) for `ref`, resolved once (RELIABILITY.md 9, 23)."""
        if (not ref or ref.startswith("-")
                or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in ref)):
            raise SourceError(f"invalid ref {ref!r}", where=self.repo)
        proc = git.run(
            ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"],
            self.git_dir, check=False)
        commit = proc.stdout.decode("ascii", "replace").strip()
        if proc.returncode != 0 or not git.SHA_RE.match(commit):
            raise SourceError(f"unknown ref '{ref}': no such tag, branch or commit",
                              where=self.repo)
        tree = git.out(["rev-parse", "--verify", f"{commit}^{{tree}}"], self.git_dir)
        return commit, tree

    def has_commit(self, sha: str) -> bool:
        return bool(git.SHA_RE.match(sha)) and git.has_commit(self.git_dir, sha)

    def is_tag(self, name: str) -> bool:
        proc = git.run(["show-ref", "--verify", "--quiet", f"refs/tags/{name}"], self.git_dir,
                       check=False)
        return proc.returncode == 0

    def prefetch(self, commit: str) -> None:
        """Fetch the commit's missing blobs in one request (a partial clone would
        otherwise fetch them one by one as cat-file asks)."""
        if not self.cloned or commit in self._prefetched:
            return
        # --no-object-names: the listing would otherwise carry paths, newline-framed.
        listing = git.out(["rev-list", "--objects", "--no-object-names", "--no-walk",
                           "--missing=print", commit], self.git_dir)
        missing = [ln[1:].split()[0] for ln in listing.splitlines() if ln.startswith("?")]
        if missing:
            try:
                git.run([*_NO_GC, "-c", "fetch.negotiationAlgorithm=noop", "fetch", "origin",
                         "--no-tags",
                         "--no-write-fetch-head", "--recurse-submodules=no",
                         "--filter=blob:none", "--stdin"],
                        self.git_dir, input=("\n".join(missing) + "\n").encode())
            except GitError as exc:
                raise SourceError(f"cannot fetch files: {_detail(exc)}", where=self.repo) from None
        self._prefetched.add(commit)

    def ls_tree(self, commit: str) -> list[Entry]:
        raw = git.run(["ls-tree", "-r", "-z", "--full-tree", "-l", commit], self.git_dir).stdout
        entries = []
        for rec in raw.split(b"\0"):
            if not rec:
                continue
            meta, _, path_b = rec.partition(b"\t")
            mode, typ, oid, size = meta.decode("ascii").split()
            try:
                path, utf8 = path_b.decode("utf-8"), True
            except UnicodeDecodeError:
                path, utf8 = path_b.decode("utf-8", "backslashreplace"), False
            entries.append(Entry(mode, typ, oid, None if size == "-" else int(size), path, utf8))
        return entries

    def reader(self) -> BlobReader:
        return BlobReader(self.git_dir, self.repo)


@contextmanager
def open_source(source: str | Mapping[str, Any]) -> Iterator[Source]:
    """Open a local repository (work tree or bare) or clone a URL into a temporary
    directory (bare, blob-less; removed on exit). SourceError when unreadable.

    Given a manifest's `source` mapping, opens where it says the commit is: its checkout
    while that holds the commit, else its repo (skillsync.source.locate)."""
    if not isinstance(source, str):
        from skillsync.source import locate

        source = locate(source)
    if not source:
        raise UsageError("the source is empty")
    if git.is_local(source):
        yield _open_local(source)
        return
    label = redact_url(source)
    if label != source:
        from skillsync.secrets import register

        for value in url_secrets(source):
            register(value)
    with tempfile.TemporaryDirectory(prefix="skillsync-source-") as tmp:
        dest = Path(tmp) / "source.git"
        try:
            git.run([*_NO_GC, "clone", "--bare", "--filter=blob:none", "--quiet", "--", source,
                     str(dest)])
        except GitError as exc:
            raise SourceError(f"cannot clone: {_detail(exc)}", where=label) from None
        yield Source(dest, label, cloned=True)


def _open_local(source: str) -> Source:
    p = Path(source).expanduser()
    if not p.exists():
        raise SourceError("no such directory", where=source)
    if not p.is_dir():
        raise SourceError("not a directory", where=source)
    p = p.resolve()
    proc = git.run(["rev-parse", "--is-bare-repository", "--absolute-git-dir"], p, check=False)
    if proc.returncode != 0:
        raise SourceError("not a git repository", where=str(p))
    bare, git_dir = proc.stdout.decode().split("\n")[:2]
    if Path(git_dir) != p:
        top = git.out(["rev-parse", "--show-toplevel"], p) if bare == "false" else git_dir
        if Path(top) != p:
            raise SourceError(f"not a git repository (it is inside {top}; give that path)",
                              where=str(p))
    origin = git.run(["config", "--get", "remote.origin.url"], p, check=False)
    url = origin.stdout.decode("utf-8", "replace").strip()
    return Source(p, redact_url(url) if origin.returncode == 0 and url else str(p),
                  checkout=source, work_tree=p if bare == "false" else None)


# --------------------------------------------------------------------------- source config


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


# --------------------------------------------------------------------------- building


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


def build_manifest(source: str, ref: str, *, max_file_bytes: int = DEFAULT_MAX_FILE_BYTES
                   ) -> dict[str, Any]:
    """The manifest of `source` at `ref` (see PREAMBLE/DESIGN for the contract)."""
    if max_file_bytes < 1:
        raise UsageError("--max-file-bytes must be a positive number of bytes")
    with open_source(source) as src:
        commit, tree = src.resolve(ref)
        src.prefetch(commit)
        version = release_version(ref, commit, is_tag=src.is_tag(ref.removeprefix("refs/tags/")))
        return _build(src, ref, commit, tree, version, max_file_bytes)


# A skill at the repository root shares the root with everything else the repo
# holds (.github/, targets/, noxfile.py, ...): only the Agent Skills layout is
# the skill's own, or every downstream would receive the whole repository.
ROOT_SKILL_PARTS = ("SKILL.md", "scripts", "references", "assets", "LICENSE", "LICENSE.txt",
                    "LICENSE.md")


def _root_skill_file(path: str) -> bool:
    return path.split("/", 1)[0] in ROOT_SKILL_PARTS


def _dir_of(path: str) -> str:
    return path.rpartition("/")[0]


def _excluded(path: str) -> bool:
    return any(part in EXCLUDED_DIRS for part in path.split("/")[:-1])


def _is_markdown(path: str) -> bool:
    name = path.rpartition("/")[2]
    return name == SKILL_FILE or name.lower().endswith(MARKDOWN_SUFFIXES)


@dataclass
class _Blob:
    size: int
    sha256: str
    head: bytes


def _front_matter(path: str, blob: _Blob, *, need: bool) -> skills.FrontMatter | None:
    """Parsed front matter, or None (none, malformed, or not worth parsing)."""
    if not skills.starts_with_fence(blob.head):
        return None
    if not need and skills.ADAPTER_KEY.encode() not in blob.head:
        return None  # cheap: only files mentioning adapter_metadata can be adapters
    try:
        return skills.parse_front_matter(blob.head.decode("utf-8", "replace"), path)
    except ConfigError:
        return None


def _build(src: Source, ref: str, commit: str, tree: str, version: str, limit: int
           ) -> dict[str, Any]:
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

    cache: dict[str, _Blob] = {}
    with src.reader() as reader:

        def read_all(paths: Iterable[str], keep: int = 0) -> None:
            todo = sorted({regular[p].blob for p in paths} - cache.keys())
            for oid, size, sha, head in reader.stream_many(todo, keep=keep):
                cache[oid] = _Blob(size, sha, head)

        def load(path: str) -> _Blob:
            return cache[regular[path].blob]

        config = SourceConfig()
        if CONFIG_FILE in regular:
            text = reader.read(regular[CONFIG_FILE].blob).decode("utf-8", "replace")
            config = parse_config(text)
        elif any(s["path"] == CONFIG_FILE for s in skipped):
            raise ConfigError("must be a regular file (not a symlink, submodule or huge file)",
                              where=CONFIG_FILE)

        # 1. Markdown that may be a skill or an adapter: read its head (and hash it).
        candidates = []
        for path in sorted(regular):
            is_skill_md = path.rpartition("/")[2] == SKILL_FILE
            by_default = _is_markdown(path) and not _excluded(path)
            by_glob = bool(config.adapter_ok(path)) or (
                is_skill_md and bool(config.skill_dir_ok(_dir_of(path))))
            if by_default or by_glob:
                candidates.append(path)
        read_all(candidates, _HEAD_BYTES)
        front: dict[str, skills.FrontMatter | None] = {
            path: _front_matter(path, load(path),
                                need=path.rpartition("/")[2] == SKILL_FILE)
            for path in candidates
        }

        # 2. Adapters: front matter with adapter_metadata (config may narrow/widen).
        adapters = {
            p for p, fm in front.items()
            if fm is not None and skills.ADAPTER_KEY in fm.data
            and (config.adapter_ok(p) if config.adapters is not None else not _excluded(p))
        }
        # 3. Skills: directories holding a SKILL.md that is not an adapter.
        skill_dirs: set[str] = set()
        for p, fm in front.items():
            if p.rpartition("/")[2] != SKILL_FILE:
                continue
            if fm is not None and skills.ADAPTER_KEY in fm.data:
                continue  # an adapter (or a file the config left out); never a skill
            d = _dir_of(p)
            decided = config.skill_dir_ok(d)
            if decided if decided is not None else not _excluded(p):
                skill_dirs.add(d)

        # 4. Files of each skill: every regular blob below it, minus deeper skills and adapters.
        files: dict[str, list[tuple[str, Entry]]] = {d: [] for d in skill_dirs}
        for path, e in regular.items():
            if path in adapters or path == CONFIG_FILE:
                continue
            d = _dir_of(path)
            while True:
                if d in skill_dirs:
                    if not d and not _root_skill_file(path):
                        break
                    files[d].append((path[len(d) + 1:] if d else path, e))
                    break
                if not d:
                    break
                d = _dir_of(d)

        read_all([e.path for d in skill_dirs for _, e in files[d]])
        read_all(adapters)
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
            for rel, e in sorted(files[d], key=lambda item: item[0]):
                b = load(e.path)
                entries_out.append({"path": rel, "size": b.size, "mode": e.mode,
                                    "sha256": b.sha256, "blob": e.blob})
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
            e, b = regular[p], load(p)
            adapter_list.append({
                "path": p,
                "adapter_id": am.adapter_id or _adapter_id(p),
                "skill_name": am.skill_name,
                "skill_version": am.skill_version,
                "source_path": am.source_path,
                "size": b.size, "mode": e.mode, "sha256": b.sha256, "blob": e.blob,
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


def _schema() -> dict[str, Any]:
    from importlib.resources import files

    text = (files("skillsync") / "schemas" / "manifest.schema.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def _inline_refs(node: Any, defs: dict[str, Any]) -> Any:
    """Replace local `{"$ref": "#/$defs/x"}` by the definition: jsonschema's reference
    lookups cost ~6x the rest on a 2,000-file manifest (measured), and ours are acyclic."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            rest = {k: v for k, v in node.items() if k != "$ref"}
            return {**_inline_refs(defs[ref.removeprefix("#/$defs/")], defs),
                    **_inline_refs(rest, defs)}
        return {k: _inline_refs(v, defs) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline_refs(v, defs) for v in node]
    return node


def check_schema(manifest: object) -> list[Finding]:
    """Findings for every place `manifest` breaks schemas/manifest.schema.json."""
    import jsonschema

    schema = _schema()
    validator = jsonschema.Draft202012Validator(_inline_refs(schema, schema.get("$defs", {})))
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
    with open_source(source) as src:
        found += verify_files(src, manifest)[0]
        if not any(f.code == "manifest-commit-unknown" for f in found):
            found += check_identity(src, manifest)
    return sorted(found)
