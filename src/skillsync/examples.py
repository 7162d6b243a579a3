"""Skills sources as real git repositories: the bundled example and a large synthetic one.

`examples/source/<tag>/` holds one full snapshot of the example skills repository per
release; `build_example_source` turns them into a history of one commit per release, with
annotated tags. `generate_source` builds a large synthetic source for benchmarks and
manifest tests.

Both write every commit with one `git fast-import` call (thousands of `git add` calls would
be slow) and pin everything that goes into an object id: author, committer and tagger names,
emails and dates are written into the import stream, file modes come from the content
(a file starting with `#!` is 100755, everything else 100644) rather than from the
checkout's permission bits, and git runs without user or system config. So the same
snapshots give the same commit SHAs on any machine. The expected SHAs are also computed in
Python, which makes a rebuild of an existing, correct repository a cheap ref comparison.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from skillsync import git
from skillsync.errors import SkillsyncError, UsageError

EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "examples" / "source"

# Release order is semver order, which is not the lexicographic order of the directory
# names ("v2.0.0" sorts before "v2.0.0-rc.1"), so it is spelled out with each release date.
EXAMPLE_RELEASES: tuple[tuple[str, str], ...] = (
    ("v1.0.0", "2025-03-03T10:00:00"),
    ("v1.1.0", "2025-04-14T10:00:00"),
    ("v2.0.0-rc.1", "2025-06-02T10:00:00"),
    ("v2.0.0", "2025-06-16T10:00:00"),
)
EXAMPLE_TAGS: tuple[str, ...] = tuple(tag for tag, _ in EXAMPLE_RELEASES)
# From v2.0.0-rc.1 on, the example also vendors a plugin pack of 60 small skills,
# generated here rather than kept as 60 snapshot folders: it is what takes a target that
# receives every skill past Claude Code's ~8,000-character skill listing budget, so the
# demo shows that warning (issue 18). Same text every build, so the same SHAs.
PACK_TAGS: tuple[str, ...] = ("v2.0.0-rc.1", "v2.0.0")
PACK_DIR = "plugins/ops-toolbox"

_NAME = "Example Skills Release Bot"
_EMAIL = "releases@example-skills.invalid"
_BRANCH = "refs/heads/main"
# Editor and OS litter that must not change the example's commits if it appears on disk.
_IGNORED = {"__pycache__", ".DS_Store", ".pytest_cache", ".mypy_cache", ".ruff_cache"}

Files = Mapping[str, tuple[str, bytes]]  # repo path -> (git mode, content)


@dataclass(frozen=True)
class Release:
    """One commit of a built history: its full tree, its tag, its date (UTC seconds)."""

    tag: str
    when: int
    files: Files

    @property
    def message(self) -> bytes:
        return f"Release {self.tag}\n".encode()


# --------------------------------------------------------------------------- example


def build_example_source(dest: Path, *, source: Path = EXAMPLES_DIR) -> dict[str, str]:
    """Build the example skills repository at `dest`; return {tag: commit sha}.

    A non-bare repository on `main`, one commit per release, annotated tags. If `dest`
    already holds exactly this history it is left alone; any other content is refused.
    """
    releases = [
        Release(tag, _epoch(date),
                {**read_snapshot(source / tag), **(toolbox_pack() if tag in PACK_TAGS else {})})
        for tag, date in EXAMPLE_RELEASES
    ]
    extra = sorted({p.name for p in source.iterdir() if p.is_dir()} - set(EXAMPLE_TAGS))
    if extra:
        # A snapshot nobody listed would silently not be released.
        raise SkillsyncError(f"snapshots not listed in EXAMPLE_RELEASES: {', '.join(extra)}",
                             where=str(source))
    return materialize(Path(dest), releases, what="the example skills history")


def read_snapshot(root: Path) -> dict[str, tuple[str, bytes]]:
    """The files under `root` as {posix path: (mode, bytes)}; dot-files included."""
    if not root.is_dir():
        raise SkillsyncError("release snapshot directory is missing", where=str(root))
    files: dict[str, tuple[str, bytes]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in _IGNORED)
        for name in sorted(filenames):
            if name in _IGNORED or name.endswith(".pyc"):
                continue
            path = Path(dirpath, name)
            rel = path.relative_to(root).as_posix()
            if path.is_symlink() or not path.is_file():
                raise SkillsyncError("only regular files belong in a snapshot", where=str(path))
            data = path.read_bytes()
            files[rel] = (mode_for(data), data)
    return files


_PACK_VERBS = ("audit", "bump", "check", "clean", "draft", "explain", "format", "lint",
               "migrate", "profile", "review", "scan", "summarise", "tag", "test")
_PACK_NOUNS = ("configs", "dependencies", "docs", "logs")


def toolbox_pack() -> dict[str, tuple[str, bytes]]:
    """The ops-toolbox plugin: one skill per verb and noun, each a valid SKILL.md."""
    files = {f"{PACK_DIR}/.claude-plugin/plugin.json": _text(
        '{\n  "name": "ops-toolbox",\n  "version": "1.0.0",\n'
        '  "description": "Small routine skills for repository chores.",\n'
        '  "author": {"name": "Example Skills"}\n}\n')}
    for verb in _PACK_VERBS:
        for noun in _PACK_NOUNS:
            name = f"{verb}-{noun}"
            files[f"{PACK_DIR}/skills/{name}/SKILL.md"] = _text(
                f"---\nname: {name}\n"
                f"description: {verb.capitalize()} the {noun} of a repository the ops-toolbox "
                f"way, with what to look at first, which commands to run and how to report what "
                f"you found. Use when the user asks to {verb} {noun}.\n"
                "license: Apache-2.0\nmetadata:\n  author: example-skills\n"
                f'  plugin: ops-toolbox\n  version: "1.0.0"\n---\n\n'
                f"# {verb.capitalize()} {noun}\n\n"
                f"1. List the {noun} the repository has, and say which ones you will {verb}.\n"
                f"2. {verb.capitalize()} them one at a time; stop at the first surprise.\n"
                "3. Report what you did in three lines or fewer.\n")
    return files


def mode_for(data: bytes) -> str:
    """Git file mode: scripts (a `#!` line) are executable, the rest are not."""
    return "100755" if data.startswith(b"#!") else "100644"


# --------------------------------------------------------------------------- synthetic

_WORDS = (
    "agent", "skill", "release", "sync", "target", "manifest", "adapter", "version",
    "commit", "branch", "review", "deploy", "script", "asset", "policy", "wave",
    "canary", "rollback", "digest", "lock", "drift", "plan", "apply", "verify",
    "source", "tag", "channel", "owner", "notify", "webhook", "schema", "limit",
)  # fmt: skip


def generate_source(
    dest: Path,
    *,
    skills: int = 200,
    files_per_skill: int = 10,
    binary_bytes: int = 4096,
    releases: int = 3,
    seed: int = 0,
    bare: bool = False,
) -> dict[str, str]:
    """Build a large synthetic skills source at `dest`; return {tag: commit sha}.

    Tags v1.0.0, v1.1.0, ... (`releases` of them). v1.0.0 holds `skills` skills of
    `files_per_skill` files each: SKILL.md, one binary `assets/blob.bin` of `binary_bytes`
    bytes, executable `scripts/tool_N.py` and `references/ref-N.md`. Most skills live in
    `skills/<name>/`; every tenth in `skills/.curated/`, every tenth (offset) in
    `plugins/pack-N/skills/`. Each later release changes about 5% of the skills (SKILL.md
    version bump and one reference), adds one skill, renames one file and deletes one.
    A skill's `metadata.version` is the release that last changed it. Same arguments, same
    SHAs. About 200 x (binary_bytes + 5 KB) in total: `binary_bytes=45_000` gives ~10 MB.
    `bare=True` skips writing the work tree, which dominates the time on slow disks;
    build-manifest and benchmarks read from git objects only.
    """
    for label, value, low in (("skills", skills, 1), ("files_per_skill", files_per_skill, 1),
                              ("releases", releases, 1), ("binary_bytes", binary_bytes, 0)):
        if value < low:
            raise UsageError(f"{label} must be >= {low}, got {value}")
    base = _epoch("2025-01-06T09:00:00")
    tree: dict[str, tuple[str, bytes]] = {
        "README.md": _text("# Synthetic skills source\n\nGenerated by skillsync for benchmarks.\n"),
        ".skillsync.yaml": _text('skills: ["**/SKILL.md"]\ntag_pattern: "v*"\n'),
    }
    for i in range(skills):
        tree.update(_skill_files(i, files_per_skill, binary_bytes, seed, "1.0.0"))
    history = [Release("v1.0.0", base, dict(tree))]
    for r in range(1, releases):
        version = f"1.{r}.0"
        changed = [i for i in range(skills) if _pick(seed, "change", r, i) % 20 == 0]
        changed = changed or [_pick(seed, "change", r) % skills]  # small sources change too
        for i in changed:
            _change_skill(tree, i, r, seed, version)
        tree.update(_skill_files(skills + r - 1, files_per_skill, binary_bytes, seed, version))
        renamed = _skill_with_files(tree, skills, _pick(seed, "rename", r), skip=None)
        if renamed is not None:
            old = _optional_files(tree, renamed)[-1]
            stem, dot, ext = old.rpartition(".")
            tree[f"{stem}-r{r}{dot}{ext}"] = tree.pop(old)
        deleted = _skill_with_files(tree, skills, _pick(seed, "delete", r), skip=renamed)
        if deleted is not None:
            del tree[_optional_files(tree, deleted)[-1]]
        history.append(Release(f"v{version}", base + r * 7 * 86400, dict(tree)))
    return materialize(Path(dest), history, what="this generated history", bare=bare)


def _skill_dir(i: int) -> str:
    name = f"skill-{i:04d}"
    if i % 10 == 9:
        return f"skills/.curated/{name}"
    if i % 10 == 4:
        return f"plugins/pack-{i // 100}/skills/{name}"
    return f"skills/{name}"


def _skill_md(i: int, seed: int, version: str, note: str = "") -> tuple[str, bytes]:
    name = f"skill-{i:04d}"
    words = _prose(f"{seed}:desc:{i}", 14).replace("\n", " ")
    body = _prose(f"{seed}:body:{i}", 60)
    return _text(
        f"---\nname: {name}\n"
        f"description: Synthetic skill number {i} for skillsync benchmarks; {words}.\n"
        f"license: Apache-2.0\nmetadata:\n  author: skillsync-generator\n"
        f'  version: "{version}"\n---\n\n# {name}\n\n{body}\n{note}'
    )


def _skill_files(
    i: int, count: int, binary_bytes: int, seed: int, version: str
) -> dict[str, tuple[str, bytes]]:
    d = _skill_dir(i)
    files = {f"{d}/SKILL.md": _skill_md(i, seed, version)}
    for j in range(1, count):
        key = f"{seed}:{i}:{j}"
        if j == 1 and binary_bytes:
            # A leading NUL makes git (and anyone sniffing) treat it as binary at any size.
            data = (b"\0" + hashlib.shake_256(key.encode()).digest(binary_bytes))[:binary_bytes]
            files[f"{d}/assets/blob.bin"] = ("100644", data)
        elif j % 3 == 2:
            code = f'#!/usr/bin/env python3\n"""Tool {j} of skill {i}."""\n\nWORDS = """\n'
            files[f"{d}/scripts/tool_{j}.py"] = _text(code + _prose(key, 80) + '\n"""\n')
        else:
            files[f"{d}/references/ref-{j}.md"] = _text(f"# Reference {j}\n\n{_prose(key, 90)}\n")
    return files


def _optional_files(tree: Mapping[str, object], i: int) -> list[str]:
    """The skill's files other than SKILL.md, sorted (rename/delete candidates)."""
    prefix = _skill_dir(i) + "/"
    return sorted(p for p in tree if p.startswith(prefix) and p != prefix + "SKILL.md")


def _skill_with_files(
    tree: Mapping[str, object], skills: int, start: int, skip: int | None
) -> int | None:
    """The first skill from index `start` (wrapping) that has a file besides SKILL.md."""
    for step in range(skills):
        i = (start + step) % skills
        if i != skip and _optional_files(tree, i):
            return i
    return None


def _change_skill(tree: dict[str, tuple[str, bytes]], i: int, r: int, seed: int,
                  version: str) -> None:
    d = _skill_dir(i)
    if f"{d}/SKILL.md" not in tree:
        return
    tree[f"{d}/SKILL.md"] = _skill_md(i, seed, version, f"\nChanged in v{version}.\n")
    refs = [p for p in _optional_files(tree, i) if p.endswith(".md")]
    if refs:
        mode, data = tree[refs[0]]
        tree[refs[0]] = (mode, data + f"\nRevised in v{version}: {_prose(f'{seed}:{r}:{i}', 12)}\n"
                         .encode())


def _prose(key: str, n: int) -> str:
    stream = hashlib.shake_256(key.encode()).digest(n)
    words = [_WORDS[b % len(_WORDS)] for b in stream]
    return "\n".join(" ".join(words[k : k + 12]) for k in range(0, n, 12))


def _pick(*parts: object) -> int:
    return int.from_bytes(hashlib.sha256(":".join(map(str, parts)).encode()).digest()[:8], "big")


def _text(s: str) -> tuple[str, bytes]:
    data = s.encode()
    return mode_for(data), data


# --------------------------------------------------------------------------- building


def materialize(
    dest: Path, releases: list[Release], *, what: str, bare: bool = False
) -> dict[str, str]:
    """Make `dest` a repository holding exactly `releases`; return {tag: commit}.

    Built in a temporary sibling directory and renamed into place, so an interrupted build
    leaves nothing at `dest`. An existing `dest` with exactly these refs is kept as is.
    """
    expected, commits = expected_refs(releases)
    if dest.exists() or dest.is_symlink():
        if not dest.is_dir() or dest.is_symlink():
            raise UsageError("exists and is not a plain directory", where=str(dest))
        if any(dest.iterdir()):
            if _refs(dest, bare) == expected:
                return commits
            raise UsageError(
                f"exists and does not hold {what}; remove it or choose another directory",
                where=str(dest),
            )
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent))
    try:
        env = _env()
        git.run(["init", "-q", *(["--bare"] if bare else []), "-b", "main", str(tmp)], env=env)
        git_dir = tmp if bare else tmp / ".git"
        git.run(["fast-import", "--quiet", "--done", "--date-format=raw"], tmp,
                env=_env(git_dir), input=_stream(releases))
        if not bare:
            git.run(["reset", "-q", "--hard", _BRANCH], tmp, env=env)
        got = _refs(tmp, bare)
        if got != expected:  # our object hashing and git disagree: a bug, not bad input
            raise SkillsyncError(f"built refs {got} differ from the computed {expected}")
        if dest.exists():
            dest.rmdir()
        tmp.rename(dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return commits


def _env(git_dir: Path | None = None) -> dict[str, str]:
    """Environment for every git call here: no user/system config, pinned identity
    (fast-import takes identities from the stream; these pin anything else)."""
    when = "@1735689600 +0000"
    env = {
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_AUTHOR_NAME": _NAME,
        "GIT_AUTHOR_EMAIL": _EMAIL,
        "GIT_AUTHOR_DATE": when,
        "GIT_COMMITTER_NAME": _NAME,
        "GIT_COMMITTER_EMAIL": _EMAIL,
        "GIT_COMMITTER_DATE": when,
    }
    if git_dir is not None:
        env["GIT_DIR"] = str(git_dir)  # never fall through to an enclosing repository
    return env


def _refs(repo: Path, bare: bool) -> dict[str, str] | None:
    """All refs of the repository at `repo` (bare or not, as asked), or None if none is."""
    git_dir = repo if bare else repo / ".git"
    if not (git_dir / "HEAD").is_file():
        return None
    proc = git.run(["for-each-ref", "--format=%(refname) %(objectname)"], repo,
                   env=_env(git_dir), check=False)
    if proc.returncode != 0:
        return None
    pairs = (line.split(" ", 1) for line in proc.stdout.decode().splitlines())
    return {name: sha for name, sha in pairs}


def _stream(releases: Iterable[Release]) -> bytes:
    """A fast-import stream: each distinct blob once, then per release a full-tree commit
    (`deleteall` + every file) and an annotated tag."""
    out: list[bytes] = []
    marks: dict[bytes, int] = {}  # blob id -> mark
    commit_marks: list[int] = []
    for rel in releases:
        for _, data in rel.files.values():
            oid = _oid("blob", data)
            if oid not in marks:
                marks[oid] = len(marks) + 1
                out += [b"blob\nmark :%d\ndata %d\n" % (marks[oid], len(data)), data, b"\n"]
    mark = len(marks)
    for rel in releases:
        mark += 1
        who = f"{_NAME} <{_EMAIL}> {rel.when} +0000".encode()
        out.append(b"commit %s\nmark :%d\n" % (_BRANCH.encode(), mark))
        out.append(b"author %s\ncommitter %s\n" % (who, who))
        out.append(b"data %d\n%s" % (len(rel.message), rel.message))
        if commit_marks:
            out.append(b"from :%d\n" % commit_marks[-1])
        out.append(b"deleteall\n")
        for path in sorted(rel.files):
            mode, data = rel.files[path]
            out.append(b"M %s :%d %s\n" % (mode.encode(), marks[_oid("blob", data)], _path(path)))
        out.append(b"\n")
        commit_marks.append(mark)
        out.append(b"tag %s\nfrom :%d\ntagger %s\n" % (rel.tag.encode(), mark, who))
        out.append(b"data %d\n%s\n" % (len(rel.message), rel.message))
    out.append(b"done\n")
    return b"".join(out)


def _path(path: str) -> bytes:
    raw = path.encode()
    # fast-import would need C-style quoting for these; our trees never contain them.
    if not raw or raw.startswith(b'"') or any(c in raw for c in b"\n\r\0") or raw.startswith(b"/"):
        raise SkillsyncError(f"unsupported path in a snapshot: {path!r}")
    return raw


# --------------------------------------------------------------------------- object ids


def expected_refs(releases: list[Release]) -> tuple[dict[str, str], dict[str, str]]:
    """({ref: object id}, {tag: commit id}) that git will produce for `releases`.

    Computed from git's object format (`<type> <size>\\0<body>`, SHA-1), so an existing
    repository can be checked without rebuilding it.
    """
    refs: dict[str, str] = {}
    commits: dict[str, str] = {}
    parent: str | None = None
    for rel in releases:
        who = f"{_NAME} <{_EMAIL}> {rel.when} +0000"
        head = f"tree {_tree_id(rel.files)}\n" + (f"parent {parent}\n" if parent else "")
        body = f"{head}author {who}\ncommitter {who}\n\n".encode() + rel.message
        parent = _oid("commit", body).hex()
        commits[rel.tag] = parent
        tag = f"object {parent}\ntype commit\ntag {rel.tag}\ntagger {who}\n\n".encode()
        refs[f"refs/tags/{rel.tag}"] = _oid("tag", tag + rel.message).hex()
    if parent:
        refs[_BRANCH] = parent
    return refs, commits


def _oid(kind: str, body: bytes) -> bytes:
    return hashlib.sha1(b"%s %d\0" % (kind.encode(), len(body)) + body).digest()  # noqa: S324


def _tree_id(files: Files) -> str:
    root: dict[str, object] = {}
    for path, (mode, data) in files.items():
        *dirs, name = path.split("/")
        node = root
        for d in dirs:
            child = node.setdefault(d, {})
            assert isinstance(child, dict)
            node = child
        node[name] = (mode, _oid("blob", data))
    return _write_tree(root).hex()


def _write_tree(node: Mapping[str, object]) -> bytes:
    entries: list[tuple[bytes, bytes]] = []
    for name, value in node.items():
        raw = name.encode()
        if isinstance(value, dict):
            # git orders a directory as if its name ended with "/".
            entries.append((raw + b"/", b"40000 " + raw + b"\0" + _write_tree(value)))
        else:
            assert isinstance(value, tuple)
            mode, oid = value
            entries.append((raw, mode.encode() + b" " + raw + b"\0" + oid))
    return _oid("tree", b"".join(entry for _, entry in sorted(entries)))


def _epoch(iso_utc: str) -> int:
    return int(datetime.fromisoformat(iso_utc).replace(tzinfo=UTC).timestamp())
