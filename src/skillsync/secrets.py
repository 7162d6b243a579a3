"""Process-wide secret registry: every value read from a secret variable is
registered here, and every string leaving the process (log lines, errors,
summaries, notifications) passes through `redact` (RELIABILITY.md 15-16).

`redact` also takes what a URL inside the text carries in its userinfo and query
string (skillsync.urls): such a credential was never registered, because it came
from a config value or from git's own message, not from a secret variable."""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping

from skillsync.urls import redact_urls

_lock = threading.Lock()
_secrets: set[str] = set()
MASK = "***"


def register(value: str) -> str:
    """Remember `value` as secret (ignored when too short to be meaningful)."""
    if value and len(value) >= 4:
        with _lock:
            _secrets.add(value)
    return value


def from_env(name: str, env: Mapping[str, str] | None = None) -> str | None:
    """Read a secret from the environment (or `env`) and register it; None when unset
    or empty."""
    value = (os.environ if env is None else env).get(name)
    if not value:
        return None
    return register(value)


def redact(text: str) -> str:
    if not text:
        return text
    with _lock:
        values = sorted(_secrets, key=len, reverse=True)
    for value in values:
        if value in text:
            text = text.replace(value, MASK)
    return redact_urls(text)


def redact_obj(obj: object) -> object:
    """Redact every string inside a JSON-like structure."""
    if isinstance(obj, str):
        return redact(obj)
    if isinstance(obj, dict):
        return {redact(str(k)): redact_obj(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [redact_obj(v) for v in obj]
    return obj
