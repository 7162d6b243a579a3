"""Downstream lock: what the last sync wrote into a target (DESIGN.md).

It records, for every file skillsync owns in the target, the sha256 and the
git blob id. The blob id lets drift and no-op detection run on a blob-less
fetch (tree entries carry blob ids), so no file content is downloaded to
decide that nothing needs doing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

LOCK_SCHEMA = "skillsync.lock/v1"
LOCK_NAME = ".skillsync-lock.json"


@dataclass(frozen=True)
class OwnedFile:
    sha256: str
    blob: str
    mode: str = "100644"


@dataclass(frozen=True)
class Lock:
    source: str
    version: str
    commit: str
    manifest_digest: str
    run: str
    files: dict[str, OwnedFile] = field(default_factory=dict)

    def to_json(self) -> str:
        data: dict[str, Any] = {
            "schema": LOCK_SCHEMA,
            "source": self.source,
            "version": self.version,
            "commit": self.commit,
            "manifest_digest": self.manifest_digest,
            "run": self.run,
            "files": {
                p: {"sha256": f.sha256, "blob": f.blob, "mode": f.mode}
                for p, f in sorted(self.files.items())
            },
        }
        return json.dumps(data, indent=2, sort_keys=True) + "\n"


class LockError(ValueError):
    pass


def parse_lock(raw: bytes | str | None) -> Lock | None:
    """Parse a lock file; None when absent. A lock we cannot read is an error:
    guessing would risk deleting files we do not own."""
    if raw is None:
        return None
    try:
        data = json.loads(raw)
        if data.get("schema") != LOCK_SCHEMA:
            raise LockError(f"unknown lock schema {data.get('schema')!r}")
        files = {
            str(p): OwnedFile(str(v["sha256"]), str(v["blob"]), str(v.get("mode", "100644")))
            for p, v in data.get("files", {}).items()
        }
        return Lock(
            source=str(data.get("source", "")),
            version=str(data.get("version", "")),
            commit=str(data.get("commit", "")),
            manifest_digest=str(data.get("manifest_digest", "")),
            run=str(data.get("run", "")),
            files=files,
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise LockError(f"unreadable downstream lock: {exc}") from None
