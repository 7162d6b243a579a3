"""Mechanisms, one module each behind `Mechanism` (plan / apply / verify)."""

from __future__ import annotations

from skillsync.mechanisms.base import Mechanism


def get(name: str) -> Mechanism:
    """A fresh mechanism instance for one target (instances hold per-target state)."""
    if name == "push":
        from skillsync.mechanisms.push import Push

        return Push()
    if name == "pull-request":
        from skillsync.mechanisms.pull_request import PullRequest

        return PullRequest()
    if name == "submodule":
        from skillsync.mechanisms.submodule import Submodule

        return Submodule()
    if name == "webhook":
        from skillsync.mechanisms.webhook import Webhook

        return Webhook()
    raise ValueError(f"unknown mechanism {name!r}")
