"""The one store for what skillsync keeps between runs (pre-commit's `Store` is the
model): the no-op answers per target, what fleet status read at a branch head, the
payload a webhook last received, and blob-less copies of URL sources. Callers ask
it by kind and key; nobody else builds a cache path.

It lives in `$SKILLSYNC_CACHE`, else `$XDG_CACHE_HOME/skillsync`, else
`~/.cache/skillsync`. Everything in it can be lost at any time: it only ever saves
work (a fetch, an ls-tree), it never decides what is synced on its own — a cached
no-op is only believed when the branch head is the one it recorded.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path
from typing import Any

KINDS = ("targets", "status", "sources")


def cache_dir() -> Path:
    base = os.environ.get("SKILLSYNC_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "skillsync"
    )
    return Path(base)


def _path(kind: str, key: str) -> Path:
    assert kind in KINDS, kind
    return cache_dir() / kind / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.json"


def read_cache(key: str, *, kind: str = "targets") -> dict[str, Any] | None:
    """The record under `key`, or None (absent, unreadable or not an object)."""
    try:
        data = json.loads(_path(kind, key).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def write_cache(key: str, data: dict[str, Any], *, kind: str = "targets") -> None:
    from skillsync.fsutil import write_json

    with contextlib.suppress(OSError):  # an unwritable cache only costs work next time
        write_json(_path(kind, key), data)


def source_dir(url: str) -> Path:
    """Where the blob-less copy of the source at `url` is kept."""
    return cache_dir() / "sources" / f"{hashlib.sha256(url.encode()).hexdigest()[:24]}.git"
