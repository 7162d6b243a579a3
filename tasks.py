"""invoke tasks: `invoke --list`. Each is a thin call into the library's commands (the
typed functions behind scripts/, through the same error handler), so nothing is
implemented twice; `lint` and `validate` run the check lists nox runs (skillsync.checks)."""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from invoke import Context, Exit, task

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "src"))


def _call(command: Callable[..., int], **kwargs: Any) -> None:
    """Run a command function as its script would (exit codes, one-line errors)."""
    from skillsync import cli

    code = cli.call(command, **kwargs)
    if code != 0:
        raise Exit(code=code)


def _checks(c: Context, checks: Sequence[Sequence[str]]) -> None:
    """Run each check command at the repository root; stop at the first that fails,
    with its exit code. `python` is this interpreter, and it imports this checkout."""
    env = {"PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "src"),
                                                       os.environ.get("PYTHONPATH")]))}
    with c.cd(str(ROOT)):
        for check in checks:
            argv = [sys.executable if word == "python" else word for word in check]
            result = c.run(shlex.join(argv), env=env, warn=True, pty=False)
            if result is None or result.failed:
                raise Exit(code=result.exited if result is not None else 1)


def _source_and_ref(source: str, ref: str) -> tuple[str, str]:
    """The demo source unless one is given; the source's newest stable release tag
    unless a ref is given (what a maintainer syncing "the release" means)."""
    if not source:
        from skillsync.commands.demo import demo_source

        source = str(demo_source())
    if not ref:
        from skillsync.status import source_releases

        releases = source_releases(source)
        newest = releases.newest("stable")
        if newest is None:
            raise Exit(f"no release tag in {source}"
                       + (f": {releases.error}" if releases.error else "") + "; give --ref",
                       code=2)
        ref = newest.tag
    return source, ref


@task(help={"ref": "release tag (default: the source's newest stable release tag; for the "
                   "demo source, v2.0.0)",
            "source": "skills source repository (default: the demo source, "
                      ".skillsync/demo/source, built from examples/ if absent)",
            "dry_run": "plan and log only; write nothing in any target",
            "only": "comma-separated target ids",
            "allow_major": "let a semver-major release through",
            "rerun_failed": "run id or dir: re-sync only its failed targets",
            "targets": "targets directory (default: $SKILLSYNC_TARGETS, else ./targets)",
            "run_dir": "run directory (default: a new .skillsync/runs/<run-id>/)"})
def sync(c: Context, ref: str = "", source: str = "", dry_run: bool = False, only: str = "",
         allow_major: bool = False, rerun_failed: str = "", targets: str = "",
         run_dir: str = "") -> None:
    """Sync a release to every routed target (scripts/sync): a table on a terminal,
    JSON when piped; exits 3 when release policy halts a target."""
    from skillsync.commands._args import SyncFlags
    from skillsync.commands.sync import sync as cmd

    if not rerun_failed:
        source, ref = _source_and_ref(source, ref)
    _call(cmd, rerun_failed=rerun_failed or None, ref=None if rerun_failed else ref,
          only=only.split(",") if only else None, targets=targets or None,
          run_dir=run_dir or None,
          flags=SyncFlags(dry_run=dry_run, allow_major=allow_major,
                          source=None if rerun_failed else source))


@task(help={"ref": "release tag (default: the source's newest stable release tag)",
            "source": "skills source repository (default: the demo source)"})
def manifest(c: Context, ref: str = "", source: str = "") -> None:
    """Print the release manifest (scripts/build-manifest)."""
    from skillsync.commands.build_manifest import build_manifest as cmd

    source, ref = _source_and_ref(source, ref)
    _call(cmd, source=source, ref=ref)


@task
def validate(c: Context) -> None:
    """Validate the demo release, the target files, the inventory and the generated docs
    (the commands nox -s validate runs)."""
    from skillsync.checks import VALIDATE

    _checks(c, VALIDATE)


@task
def lint(c: Context) -> None:
    """ruff, mypy (strict) and the workflow linters (what nox -s lint runs).

    Needs the lint extra: pip install -e '.[lint]'."""
    from skillsync.checks import LINT

    _checks(c, LINT)


@task
def inventory(c: Context) -> None:
    """Regenerate docs/downstream-inventory.md from targets/."""
    from skillsync.commands.inventory import inventory as cmd

    _call(cmd)


@task
def demo(c: Context) -> None:
    """Run the whole pipeline on the bundled demo fleet."""
    from skillsync.commands.demo import demo as cmd

    _call(cmd)


@task(help={"run": "run id or run directory (e.g. .skillsync/demo/runs/7-major)"})
def report(c: Context, run: str) -> None:
    """Print a run's summary as Markdown (scripts/report; a run id is looked up in
    $SKILLSYNC_RUNS, else .skillsync/runs: the demo's are in .skillsync/demo/runs)."""
    from skillsync.commands.report import report as cmd

    _call(cmd, run=run, fmt="md")


@task
def test(c: Context) -> None:
    """Run the test suite through nox."""
    c.run("nox -s tests", pty=False)


@task(help={"run": "run id or run directory", "target": "comma-separated target ids",
            "all_synced": "every target the run synced", "dry_run": "say what would change",
            "force": "even if the target moved on since the sync", "targets": "targets dir"})
def rollback(c: Context, run: str, target: str = "", all_synced: bool = False,
             dry_run: bool = False, force: bool = False, targets: str = "") -> None:
    """Return targets to their pre-sync snapshot (scripts/rollback)."""
    from skillsync.commands.rollback import rollback as cmd

    _call(cmd, run=run, target=[t for t in target.split(",") if t] or None,
          all_synced=all_synced, dry_run=dry_run, force=force, targets=targets or None)


@task(help={"source": "skills source (default: the demo source)", "fmt": "table | json | md",
            "only": "comma-separated target ids", "targets": "targets directory",
            "runs": "directory of run directories"})
def status(c: Context, source: str = "", fmt: str = "table", only: str = "", targets: str = "",
           runs: str = "") -> None:
    """What every downstream holds: release, drift, open sync PR, last result."""
    from skillsync.commands.fleet_status import fleet_status as cmd

    if not source:
        from skillsync.commands.demo import SCRATCH, demo_source

        source = str(demo_source())
        runs = runs or str(SCRATCH / "runs")
    _call(cmd, source=source, fmt=fmt, only=only.split(",") if only else None,
          targets=targets or None, runs=runs or None)


@task(help={"repo": "the skills repository to adopt skillsync in",
            "pin": "skillsync version or git URL@tag the workflows install",
            "dry_run": "say what would be written"})
def init(c: Context, repo: str, pin: str = "", dry_run: bool = False) -> None:
    """Adopt skillsync in another skills repository (scripts/init)."""
    from skillsync.commands.init import init as cmd

    _call(cmd, repo=repo, pin=pin or None, dry_run=dry_run)
