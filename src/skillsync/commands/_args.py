"""The options several commands share, defined once, and the value parsers of options.

Each command declares its own options next to its function; the ones here are the
contract of DESIGN.md ("Common options": `--targets`, `--run-dir`, `-o`) and the sync
options `sync` and `sync-target` both take. Only `skillsync.cli` builds a parser."""

from __future__ import annotations

import argparse
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from skillsync import cli

if TYPE_CHECKING:
    from skillsync.sync import Options

TARGETS = cli.opt(
    "--targets", metavar="DIR",
    help="directory of target YAML files (default: $SKILLSYNC_TARGETS, else ./targets)")
RUN_DIR = cli.opt(
    "--run-dir", metavar="DIR",
    help="run directory (default: $SKILLSYNC_RUN_DIR, else a new .skillsync/runs/<run-id>/)")
OUTPUT = cli.opt("-o", "--output", metavar="FILE", help="write JSON here (default: stdout)")
MANIFEST = cli.opt("--manifest", required=True, metavar="FILE",
                   help="manifest JSON, or - for stdin")
ONLY = cli.opt("--only", nargs="+", metavar="ID", help="only these target ids (globs allowed)")
ALLOW_MAJOR = cli.opt(
    "--allow-major", action="store_true",
    help="let a semver-major release through to targets that did not opt in")


def targets_dir(arg: str | None) -> Path:
    """--targets: the argument, else $SKILLSYNC_TARGETS, else ./targets."""
    return Path(arg if arg is not None else os.environ.get("SKILLSYNC_TARGETS", "targets"))


@dataclass(frozen=True)
class SyncFlags:
    """The sync options as given (field = option: `overwrite_drift` is --overwrite-drift)."""

    dry_run: bool = False
    allow_major: bool = False
    allow_downgrade: bool = False
    overwrite_drift: bool = False
    source: str | None = None
    no_verify: bool = False
    wait: float | None = None

    def options(self, jobs: int | None = None) -> Options:
        """The engine's options (`jobs` None or 0: the default pool size)."""
        from skillsync.sync import DEFAULT_JOBS, Options

        opts = Options(dry_run=self.dry_run, allow_major=self.allow_major,
                       allow_downgrade=self.allow_downgrade, overwrite=self.overwrite_drift,
                       source=self.source, verify=not self.no_verify, jobs=jobs or DEFAULT_JOBS)
        # Not given: Options' own default ($SKILLSYNC_LOCK_WAIT, else 0).
        return opts if self.wait is None else replace(opts, lock_wait=self.wait)


NO_FLAGS = SyncFlags()  # the defaults: a frozen value, safe as a parameter default
SYNC_FLAGS = cli.Bundle("flags", SyncFlags, (
    cli.opt("--dry-run", action="store_true",
            help="plan and log only: no push, no API write, no file changed in any target"),
    ALLOW_MAJOR,
    cli.opt("--allow-downgrade", action="store_true",
            help="sync a release older than the one a target holds (rollback is usually "
                 "what you want)"),
    cli.opt("--overwrite-drift", action="store_true",
            help="overwrite synced files edited downstream (and take over unowned files)"),
    cli.opt("--source", metavar="PATH_OR_URL",
            help="read source files from here (default: the manifest's source.checkout "
                 "while it holds the commit, else its source.repo)"),
    cli.opt("--no-verify", action="store_true",
            help="skip reading each target back after its sync"),
    cli.opt("--wait", type=float, metavar="SECONDS",
            help="wait this long for another run's source or target lock "
                 "(default: $SKILLSYNC_LOCK_WAIT, else stop at once)"),
))


# -- value parsers (argparse `type=`): a bad value is a usage error naming the option ------

def _at_least(text: str, what: str, least: int = 1) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not {what}: {text!r}") from None
    if value < least:
        raise argparse.ArgumentTypeError(f"must be at least {least}")
    return value


def _at_least_one(text: str, what: str) -> int:
    return _at_least(text, what)


def wave_number(text: str) -> int:
    """A wave such as --wave (0: the canary wave)."""
    return _at_least(text, "a wave number", 0)


def positive_int(text: str) -> int:
    """A count such as --jobs."""
    return _at_least_one(text, "a number")


def whole_number(text: str) -> int:
    """A size such as --max-file-bytes."""
    return _at_least_one(text, "a whole number")


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError("must be more than 0")
    return value


def var_name(text: str) -> str:
    """The NAME of an environment variable."""
    if not re.fullmatch(r"[A-Z_][A-Z0-9_]*", text):
        # Never echo the value: a token pasted here by mistake must not reach a log.
        raise argparse.ArgumentTypeError("must be the NAME of an environment variable "
                                         "(uppercase letters, digits, '_'), never a token")
    return text


def channel_list(text: str) -> list[str]:
    """--channels github,slack,email."""
    from skillsync.notify import CHANNELS

    chosen = [c.strip() for c in text.split(",") if c.strip()]
    bad = [c for c in chosen if c not in CHANNELS]
    if bad or not chosen:
        raise argparse.ArgumentTypeError(
            f"unknown channel {', '.join(bad) or '(none)'}; choose from {','.join(CHANNELS)}")
    return chosen


def agent_ids() -> tuple[str, ...]:
    from skillsync.validation.profiles import AGENT_IDS

    return AGENT_IDS


def agent_list(text: str) -> list[str]:
    """--agents claude-code,codex."""
    ids = [part.strip() for part in text.split(",") if part.strip()]
    bad = [i for i in ids if i not in agent_ids()]
    if bad:
        raise argparse.ArgumentTypeError(
            f"unknown agent {', '.join(bad)} (known: {', '.join(agent_ids())})")
    return ids


TOKEN_ENV = cli.opt(
    "--token-env", metavar="NAME", type=var_name,
    help="environment variable with a read-only token for token targets whose own auth.env "
         "variable is unset (e.g. in the dashboard job)")
