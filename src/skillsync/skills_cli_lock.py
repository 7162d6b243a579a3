"""`skills-lock.json`: the project lock of the `skills` CLI (npm `skills`, vercel-labs/skills).

Downstreams that install skills with `npx skills add owner/repo` keep this file at the
repository root. When skillsync syncs a skill into such a target, the skill's entry must
read as if the CLI had written it, so `skills update` / `skills experimental_install`
keep working. Checked against `skills` 1.7.4 (`dist/cli.mjs`: `writeLocalLock`,
`computeSkillFolderHash`, `projectLockEntry`); golden data in tests/data/skills_lock/.

computedHash (`computeSkillFolderHash`): walk the skill folder recursively; skip
directories named `.git` or `node_modules` at any depth; take regular files only (no
symlinks, to files or directories); path relative to the skill folder with `/`
separators; sort by `a.localeCompare(b)` -- ICU root collation, *not* code-point order
(`scripts/x` < `SKILL.md`, `_` < `-` < `.`); then sha256 over, for each file in that
order, the UTF-8 path immediately followed by the raw content bytes (no separator, no
length, no mode); lowercase hex digest, no prefix.

File: `JSON.stringify({version, skills}, null, 2) + "\\n"`, `version` 1, `skills` keyed by
skill name and sorted by UTF-16 code units; entry keys in the order `source`,
`sourceUrl`, `ref`, `sourceType`, `skillPath`, `computedHash` (absent ones omitted).
The global lock (`~/.agents/.skill-lock.json` or `$XDG_STATE_HOME/skills/`, version 3,
`skillFolderHash` = GitHub tree SHA) is a different file and out of scope.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from skillsync.errors import TargetError

LOCK_FILE = "skills-lock.json"
LOCK_VERSION = 1
CLI_VERSION_CHECKED = "1.7.4"
# Directory names `collectFiles` never descends into, at any depth.
SKIPPED_DIRS = frozenset({".git", "node_modules"})
# The entry fields skillsync writes, in the order `projectLockEntry` builds them.
MANAGED_FIELDS = ("source", "sourceUrl", "ref", "sourceType", "skillPath", "computedHash")

# ---------------------------------------------------------------------------------------
# Collation. The CLI sorts paths with String.prototype.localeCompare, i.e. ICU's root
# collation (the same under LANG=C, C.UTF-8, en_US and most locales; da/nb tailor it).
# The stdlib has no UCA tables, so this models the part file names use: exact for
# printable ASCII, tab/newline, Latin letters that NFD-decompose to an ASCII letter plus
# marks U+0300..U+0362, and those marks themselves (verified on 600 names against node
# 22.23 / ICU 78.3, tests/data/skills_lock/collation.json). Other characters get a
# best-effort weight (symbols before digits, other letters after z) and may differ.

# Non-ignorable ASCII punctuation and symbols in ICU root primary order (then digits,
# then letters). Controls other than \t\n\v\f\r, and DEL, are completely ignorable.
_ASCII_SYMBOLS = "\t\n\x0b\x0c\r _-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$"
_DIGIT_BASE = 2_000_000
_LETTER_BASE = 3_000_000
_OTHER_LETTER_BASE = 4_000_000
_SYMBOL_FALLBACK_BASE = 1_000
_PRIMARY: dict[str, int] = {c: i + 1 for i, c in enumerate(_ASCII_SYMBOLS)}
_PRIMARY.update({str(d): _DIGIT_BASE + d for d in range(10)})
for _i, _c in enumerate("abcdefghijklmnopqrstuvwxyz"):
    _PRIMARY[_c] = _PRIMARY[_c.upper()] = _LETTER_BASE + _i

# Secondary order of combining marks U+0300..U+0362 in ICU root (after NFD, so the
# singletons U+0340/0341/0343/0344 never occur); marks in one string weigh the same.
_MARK_ORDER = (
    "332", "313", "314", "301", "300", "306", "302", "30c", "30a", "342",
    "308", "30b", "303", "307", "338", "327", "328", "304",
    "30d 30e 312 315 31a 33d 33e 33f 346 34a 34b 34c 350 351 352 357 35b 35d 35e",
    "316 317 318 319 31c 31d 31e 31f 320 329 32a 32b 32c 32f 333 33a"
    " 33b 33c 347 348 349 34d 34e 353 354 355 356 359 35a 35c 35f 362",
    "336 337", "335", "305", "309", "30f", "310", "311", "31b", "321", "322",
    "323", "324", "325", "326", "32d", "32e", "330", "331", "334", "339",
    "345", "358", "360", "361",
)
_SECONDARY: dict[str, int] = {
    chr(int(cp, 16)): 100 + rank
    for rank, group in enumerate(_MARK_ORDER)
    for cp in group.split()
}
_COMMON = 1
_UPPER = 2
_IGNORABLE = frozenset({chr(c) for c in (*range(0x01, 0x09), *range(0x0E, 0x20), 0x7F, 0x34F)})

CollationKey = tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...], str]


def collation_key(text: str) -> CollationKey:
    """Sort key ordering strings as node's `a.localeCompare(b)` does (see above).

    Three UCA levels (base letters, then accents, then case with lower first), compared
    over the whole string level by level. The last element breaks ties the CLI leaves
    to chance (strings ICU calls equal, e.g. NFC and NFD spellings of one name).
    """
    primary: list[int] = []
    secondary: list[int] = []
    tertiary: list[int] = []
    for ch in unicodedata.normalize("NFD", text):
        if ch in _IGNORABLE:
            continue
        mark = _SECONDARY.get(ch)
        if mark is None and unicodedata.combining(ch):
            mark = 10_000 + ord(ch)
        if mark is not None:
            secondary.append(mark)
            tertiary.append(_COMMON)
            continue
        weight = _PRIMARY.get(ch)
        if weight is None:
            weight = _fallback_primary(ch)
            if weight is None:
                continue
        primary.append(weight)
        secondary.append(_COMMON)
        tertiary.append(_UPPER if ch.isupper() else _COMMON)
    return tuple(primary), tuple(secondary), tuple(tertiary), text


def collation_is_exact(text: str) -> bool:
    """True when `collation_key` is known to order `text` exactly as ICU does."""
    return all(
        ch in _PRIMARY or ch in _SECONDARY or ch in _IGNORABLE
        for ch in unicodedata.normalize("NFD", text)
    )


def _fallback_primary(ch: str) -> int | None:
    category = unicodedata.category(ch)
    if category in ("Cc", "Cf"):
        return None
    if category == "Nd":
        return _DIGIT_BASE + unicodedata.decimal(ch)
    if category[0] in "PSZ":
        return _SYMBOL_FALLBACK_BASE + ord(ch)
    return _OTHER_LETTER_BASE + ord(ch)


# ---------------------------------------------------------------------------------------
# computedHash


def _js_utf8(text: str) -> bytes:
    """UTF-8 as node's `hash.update(string)` encodes it: lone surrogates (from
    surrogateescape'd file names) become U+FFFD instead of raising."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        fixed = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
        return fixed.encode("utf-8")


def compute_hash(files: Iterable[tuple[str, bytes]]) -> str:
    """The CLI's `computedHash` of a skill folder.

    `files` are (path relative to the skill folder, content); `\\` in a path is taken as
    a separator, as the CLI does. Pass the files the CLI would see: regular files only,
    nothing under a `.git` or `node_modules` directory (`folder_files` does that).
    """
    entries = [(p.replace("\\", "/"), c) for p, c in files]
    entries.sort(key=lambda e: collation_key(e[0]))
    digest = hashlib.sha256()
    for path, content in entries:
        digest.update(_js_utf8(path))
        digest.update(content)
    return digest.hexdigest()


def folder_files(folder: str | os.PathLike[str]) -> Iterator[tuple[str, bytes]]:
    """(relative path, content) of the files `computeSkillFolderHash` reads in `folder`."""
    root = Path(folder)
    stack = [root]
    while stack:
        current = stack.pop()
        for entry in os.scandir(current):
            # Dirent semantics: a symlink is neither a file nor a directory.
            if entry.is_dir(follow_symlinks=False):
                if entry.name not in SKIPPED_DIRS:
                    stack.append(Path(entry.path))
            elif entry.is_file(follow_symlinks=False):
                rel = Path(entry.path).relative_to(root).as_posix()
                yield rel, Path(entry.path).read_bytes()


def hash_folder(folder: str | os.PathLike[str]) -> str:
    """`computedHash` of a skill folder on disk."""
    return compute_hash(folder_files(folder))


# ---------------------------------------------------------------------------------------
# Entries


def _strip_credentials(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and "@" in parts.netloc:
        return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))
    return url


_GITHUB_URL = re.compile(r"^https?://github\.com/([^/]+)/([^/]+?)(?:\.git)?/?$")
_GITLAB_URL = re.compile(r"^https?://gitlab\.com/(.+?/[^/]+?)(?:\.git)?/?$")
_SHORTHAND = re.compile(r"^(?:github:)?([^/:.][^/:]*)/([^/:]+?)(?:\.git)?$")


@dataclass(frozen=True)
class SkillLockEntry:
    """One skill's entry in `skills-lock.json`, as `projectLockEntry` builds it.

    `name` is the lock key (the SKILL.md `name`); the other fields keep the CLI's JSON
    names in snake case. Use `for_release` to map a skillsync release onto them.
    """

    name: str
    source: str
    source_type: str
    computed_hash: str
    ref: str | None = None
    source_url: str | None = None
    skill_path: str | None = None

    @classmethod
    def for_release(
        cls, name: str, repo: str, ref: str | None, skill_dir: str, computed_hash: str
    ) -> SkillLockEntry:
        """The entry `npx skills add <repo>#<ref>` would write for the skill at `skill_dir`.

        `repo` is the manifest's `source.repo`, `ref` its release tag (`source.ref`),
        `skill_dir` the skill's `path` in the source repository ("" = repository root).
        Mapping, following the CLI's `parseSource` / `getLockSource`:

        - `https://github.com/o/r[.git]`, `github:o/r`, `o/r` -> sourceType `github`,
          source `o/r`, no sourceUrl (the CLI clones `https://github.com/o/r.git`).
        - `https://gitlab.com/g/r[.git]` -> `gitlab`, source = sourceUrl =
          `https://gitlab.com/g/r.git`.
        - any other URL (`git@host:o/r.git`, `ssh://`, `https://host/r.git`, `file://`)
          -> `git`, source = sourceUrl = the URL (credentials stripped).
        - a filesystem path -> `local`, source = the absolute path; the CLI records no
          ref and no skillPath for local sources and `skills update` skips them.

        Otherwise `ref` = the release tag, so `skills update` stays on the release until
        skillsync moves it, and `skillPath` = `<skill_dir>/SKILL.md` from the repository
        root. GH_HOST (GitHub Enterprise) is not modelled: such hosts map to `git`.
        """
        dir_ = skill_dir.strip("/")
        skill_path = f"{dir_}/SKILL.md" if dir_ else "SKILL.md"
        if _is_local(repo):
            return cls(name, os.path.abspath(repo), "local", computed_hash)
        url = _strip_credentials(repo)
        match = _GITHUB_URL.match(url) or _SHORTHAND.match(url)
        if match:
            return cls(
                name, f"{match[1]}/{match[2]}", "github", computed_hash, ref, None, skill_path
            )
        match = _GITLAB_URL.match(url)
        if match:
            gitlab = f"https://gitlab.com/{match[1]}.git"
            return cls(name, gitlab, "gitlab", computed_hash, ref, gitlab, skill_path)
        return cls(name, url, "git", computed_hash, ref, url, skill_path)

    def to_json(self) -> dict[str, str]:
        """The entry object, keys in the CLI's order, absent fields omitted."""
        values = {
            "source": self.source,
            "sourceUrl": self.source_url,
            "ref": self.ref,
            "sourceType": self.source_type,
            "skillPath": self.skill_path,
            "computedHash": self.computed_hash,
        }
        return {k: v for k, v in values.items() if v is not None}


def _is_local(repo: str) -> bool:
    # The CLI's isLocalPath, plus `~` which a shell would have expanded for it.
    return (
        os.path.isabs(repo)
        or repo.startswith(("./", "../", "~"))
        or repo in (".", "..")
        or re.match(r"^[a-zA-Z]:[/\\]", repo) is not None
    )


# ---------------------------------------------------------------------------------------
# The lock file


def parse(text: str, where: str = LOCK_FILE) -> dict[str, Any]:
    """Parse `skills-lock.json` text. A file we cannot read is an error, not an empty
    lock: the CLI would silently start over and drop every other entry."""
    try:
        lock = json.loads(text)
    except ValueError as exc:
        raise TargetError(f"not valid JSON ({exc})", where=where) from None
    _check(lock, where)
    return dict(lock)


def _check(lock: Any, where: str) -> None:
    if not isinstance(lock, dict):
        raise TargetError("not a JSON object", where=where)
    version = lock.get("version")
    if type(version) is not int:
        raise TargetError("'version' is missing or not a number", where=where)
    if version != LOCK_VERSION:
        raise TargetError(
            f"version {version} is not supported (skillsync writes version {LOCK_VERSION}, "
            f"as skills {CLI_VERSION_CHECKED} does)",
            where=where,
        )
    skills = lock.get("skills")
    if not isinstance(skills, dict) or not all(isinstance(e, dict) for e in skills.values()):
        raise TargetError("'skills' is missing or not an object of objects", where=where)


def _utf16_key(name: str) -> bytes:
    # JS's default Array.prototype.sort compares UTF-16 code units.
    return name.encode("utf-16-be", "surrogatepass")


def update_lock(
    lock: Mapping[str, Any] | None, entries: Sequence[SkillLockEntry], where: str = LOCK_FILE
) -> dict[str, Any]:
    """Return `lock` with `entries` added or replaced; the input is not modified.

    Entries of other skills are kept as they are. An updated entry gets the managed
    fields from `entries`; its other fields (e.g. `subagents`) are kept after them when
    the entry still names the same source and sourceType, and dropped otherwise (a
    different source owns the skill now, as when the CLI re-adds it). Skills are sorted
    as `writeLocalLock` sorts them; top-level keys other than `version` and `skills`
    (the CLI drops them) are kept after those two.
    """
    if lock is None:
        lock = {"version": LOCK_VERSION, "skills": {}}
    _check(lock, where)
    skills: dict[str, Any] = dict(lock["skills"])
    for entry in entries:
        fresh: dict[str, Any] = dict(entry.to_json())
        old = skills.get(entry.name)
        if old is not None and (old.get("source"), old.get("sourceType")) == (
            entry.source,
            entry.source_type,
        ):
            fresh.update({k: v for k, v in old.items() if k not in MANAGED_FIELDS})
        skills[entry.name] = fresh
    out: dict[str, Any] = {
        "version": lock["version"],
        "skills": {k: skills[k] for k in sorted(skills, key=_utf16_key)},
    }
    out.update({k: v for k, v in lock.items() if k not in out})
    return out


def _is_array_index(key: str) -> bool:
    return re.fullmatch(r"0|[1-9][0-9]*", key) is not None and int(key) < 2**32 - 1


def _js_value(value: Any) -> Any:
    """Reshape parsed JSON the way a JSON.parse / JSON.stringify round trip would."""
    if isinstance(value, dict):
        # JS objects list array-index keys first, ascending, then the rest in order.
        index = sorted((k for k in value if _is_array_index(k)), key=int)
        rest = [k for k in value if not _is_array_index(k)]
        return {k: _js_value(value[k]) for k in index + rest}
    if isinstance(value, list):
        return [_js_value(v) for v in value]
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return int(value)
    return value


def render(lock: Mapping[str, Any]) -> str:
    """Serialize as `JSON.stringify(lock, null, 2) + "\\n"`: same bytes as the CLI for
    the same content (raw UTF-8, two-space indent, `": "`, trailing newline)."""
    return json.dumps(_js_value(dict(lock)), indent=2, ensure_ascii=False) + "\n"
