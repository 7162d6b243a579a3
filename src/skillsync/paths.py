"""The one path policy (issue 12, DESIGN.md "Trust boundary").

Every path that comes from outside our trust — a release path, a skill name used as
a folder, an adapter path, a target's `dest`, a manifest entry, a downstream lock
entry — passes `problem()` before it reaches git or a write, at manifest build time
and again at plan time. `show()` is how any message prints such a path: printable
escapes, never raw control bytes, so a newline in a name cannot forge a log line,
a summary row or a plumbing record.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# Longest path (in UTF-8 bytes) and longest component we accept. git itself has no
# limit, but Windows (260 characters without long-path support) and most
# filesystems (255 bytes per name) do, and a downstream may be checked out there.
MAX_PATH_BYTES = 1024
MAX_COMPONENT_BYTES = 255

# Names Windows reserves in any directory, with or without an extension: a
# downstream checked out on Windows cannot hold them.
_WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)),
     *(f"lpt{i}" for i in range(1, 10))}
)


def show(text: str) -> str:
    """`text` with every control character, backslash and non-printable character
    escaped (\\n, \\t, \\x7f, \\u200b, ...): safe inside one line of any message."""
    out = []
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif ch.isprintable() and ch != "\x7f":
            out.append(ch)
        else:
            out.append(ch.encode("unicode_escape").decode("ascii"))
    return "".join(out)


# C0, DEL and C1: one regex search instead of a Python test per character (a
# 2,000-file manifest is checked on every read of it, issue 17).
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def problem(path: str, *, what: str = "path") -> str | None:
    """Why `path` may not be used as a relative path inside a repository, or None.

    A path may only be relative POSIX, NFC-normalised, free of control characters
    (C0, DEL, C1), backslashes and empty, `.` or `..` components, free of any `.git`
    component in any letter case (including the spellings git itself refuses:
    `.git.`, `.git ` and the 8.3 name `git~1`), and within the length limits.
    """
    if not isinstance(path, str) or path == "":
        return f"{what} is empty"
    if _CONTROL.search(path):
        return f"{what} contains a control character"
    if "\\" in path:
        return f"{what} contains a backslash"
    if path.startswith("/"):
        return f"{what} is absolute"
    if not unicodedata.is_normalized("NFC", path):
        return f"{what} is not NFC-normalised"
    if len(path.encode("utf-8", "surrogateescape")) > MAX_PATH_BYTES:
        return f"{what} is longer than {MAX_PATH_BYTES} bytes"
    # Cheap screens first (a release checks every path twice): no component can name
    # .git unless the whole path holds the letters, none can be too long in bytes when it
    # is short in characters (four bytes a character at most).
    low = path.lower()
    maybe_git = ".git" in low or "git~1" in low
    for part in path.split("/"):
        if part in ("", ".", ".."):
            label = {"": "an empty", ".": "a '.'", "..": "a '..'"}[part]
            return f"{what} has {label} component"
        if maybe_git and _is_git_dir(part):
            return f"{what} names .git"
        if (len(part) * 4 > MAX_COMPONENT_BYTES
                and len(part.encode("utf-8", "surrogateescape")) > MAX_COMPONENT_BYTES):
            return f"{what} has a component longer than {MAX_COMPONENT_BYTES} bytes"
    return None


def name_problem(name: str, *, what: str = "skill name") -> str | None:
    """Why `name` may not be used as one folder name (a skill name lands as
    `<dest>/<name>/`), or None: the path policy, and no `/` at all."""
    if isinstance(name, str) and "/" in name:
        return f"{what} contains '/'"
    return problem(name, what=what)


def _is_git_dir(part: str) -> bool:
    # git's verify_dotfile/is_ntfs_dotgit: ".git" in any case, with trailing dots or
    # spaces (NTFS drops them), and the short name "git~1".
    low = part.lower().rstrip(". ")
    return low in (".git", "git~1")


def portability_problem(part: str) -> str | None:
    """Why one component cannot exist on a Windows checkout (a warning, not a refusal)."""
    stem = part.split(".", 1)[0].lower()
    if stem in _WINDOWS_RESERVED:
        return f"'{show(part)}' is a reserved name on Windows"
    if any(ch in '<>:"|?*' for ch in part):
        return f"'{show(part)}' holds a character Windows does not allow in names"
    if part.endswith((".", " ")):
        return f"'{show(part)}' ends in a dot or space, which Windows drops"
    return None


def fold(path: str) -> str:
    """The key under which two paths collide on a case-insensitive,
    normalisation-insensitive filesystem (macOS APFS/HFS+, Windows NTFS)."""
    if path.isascii():
        return path.lower()  # the same key: ASCII is its own NFD/NFC, casefold() is lower()
    return unicodedata.normalize("NFC", unicodedata.normalize("NFD", path).casefold())


def collisions(paths: Iterable[str]) -> list[tuple[str, str]]:
    """Pairs of distinct paths (and of a file with a directory) that would land on
    the same name on a case- or normalisation-insensitive filesystem."""
    seen: dict[str, str] = {}
    out: list[tuple[str, str]] = []
    for p in sorted(set(paths)):
        # An ASCII path folds character by character: its prefixes' keys are slices of
        # its own key (a release has thousands of paths, each with several prefixes).
        folded = p.lower() if p.isascii() else None
        # every directory prefix occupies its name too: a file `A` and `a/x` collide
        end = p.find("/")
        while True:
            prefix = p if end < 0 else p[:end]
            key = fold(prefix) if folded is None else folded if end < 0 else folded[:end]
            other = seen.get(key)
            if other is None:
                seen[key] = prefix
            elif other != prefix:
                out.append((other, prefix))
                break
            if end < 0:
                break
            end = p.find("/", end + 1)
    return sorted(set(out))


def inside(path: str, directory: str) -> bool:
    """True when `path` is `directory` itself or below it (both policy-clean)."""
    return path == directory or path.startswith(directory.rstrip("/") + "/")
