"""This repository's own checks, in one list: `nox -s lint` and `invoke lint` run LINT,
`nox -s validate` and `invoke validate` run VALIDATE (issue 14: the task had drifted from
the session). CI runs the nox sessions, so a green `invoke validate` is a green CI job.

Each check is a command line as a developer types it at the repository root; `python` is
the interpreter of the environment that runs the checks (nox's session, invoke's own).
Plain data, importing nothing: the noxfile reads it before anything is installed."""

from __future__ import annotations

Check = tuple[str, ...]

LINT: tuple[Check, ...] = (
    ("ruff", "check", "src", "tests", "noxfile.py", "tasks.py"),
    ("mypy",),
    ("zizmor", "--offline", ".github/workflows"),
    ("actionlint",),
)

VALIDATE: tuple[Check, ...] = (
    # the example release and the target files, through the same gate as a sync
    ("python", "-m", "skillsync.commands.demo", "--validate-only"),
    # generated files that CI fails on when stale
    ("python", "scripts/inventory", "--check"),
    ("python", "scripts/docs", "--check"),
)
