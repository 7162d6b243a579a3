"""Pieces several commands share: loading the manifest and the targets."""

from __future__ import annotations

from typing import Any

from skillsync import cli
from skillsync.commands._args import targets_dir


def load_manifest(arg: str) -> dict[str, Any]:
    """A manifest file (or stdin): parsed, schema-checked with the JSON path of the
    first failure, path policy and digest checked (skillsync.gate); exit 2 if not."""
    from skillsync.gate import check_manifest

    data = cli.read_json(arg, "manifest")
    return check_manifest(data, "stdin" if arg == "-" else arg)


def load_targets(targets: str | None) -> list[Any]:
    """The target files of --targets (default: $SKILLSYNC_TARGETS, else ./targets)."""
    from skillsync.targets import load_targets as _load

    return _load(targets_dir(targets))
