"""Mechanisms, one module each behind `Mechanism` (mechanisms.base), one registry.

`REGISTRY` maps a target file's `mechanism:` to its class; adding a mechanism is one
module and one `register()` (the toy mechanism in tests/test_mechanisms.py shows it).
"""

from __future__ import annotations

from skillsync.mechanisms.base import Mechanism
from skillsync.mechanisms.pull_request import PullRequest
from skillsync.mechanisms.push import Push
from skillsync.mechanisms.submodule import Submodule
from skillsync.mechanisms.webhook import Webhook

REGISTRY: dict[str, type[Mechanism]] = {
    cls.name: cls for cls in (Push, PullRequest, Submodule, Webhook)
}


def register(cls: type[Mechanism]) -> type[Mechanism]:
    """Add a mechanism (usable as a class decorator)."""
    REGISTRY[cls.name] = cls
    return cls


def kind(name: str) -> type[Mechanism]:
    """The class of mechanism `name`: its capabilities and work branch, no state."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise ValueError(f"unknown mechanism {name!r}") from None


def get(name: str) -> Mechanism:
    """A fresh mechanism instance for one target (instances hold per-target state)."""
    return kind(name)()
