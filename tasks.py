"""invoke tasks: `invoke --list`. Each is a thin call into the library's commands
(the same `main` functions as scripts/), so nothing is implemented twice."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from invoke import Context, Exit, task

sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))


def _call(main: object, argv: Sequence[str]) -> None:
    code = main(list(argv))  # type: ignore[operator]
    if code != 0:
        raise Exit(code=code)


@task(help={"ref": "release tag (default: newest tag of the demo source)",
            "source": "skills source repository (default: the demo source)",
            "dry_run": "plan and log only; write nothing anywhere",
            "only": "comma-separated target ids",
            "allow_major": "let a semver-major release through",
            "rerun_failed": "run id or dir: re-sync only its failed targets",
            "targets": "targets directory", "run_dir": "run directory"})
def sync(c: Context, ref: str = "", source: str = "", dry_run: bool = False, only: str = "",
         allow_major: bool = False, rerun_failed: str = "", targets: str = "",
         run_dir: str = "") -> None:
    """Sync a release to every routed target (scripts/sync)."""
    from skillsync.commands import sync as cmd

    argv: list[str] = []
    if rerun_failed:
        argv += ["--rerun-failed", rerun_failed]
    else:
        if not source:
            from skillsync.commands.demo import demo_source

            source = str(demo_source())
        argv += ["--source", source, "--ref", ref or "v1.1.0"]
    if dry_run:
        argv.append("--dry-run")
    if allow_major:
        argv.append("--allow-major")
    if only:
        argv += ["--only", *only.split(",")]
    if targets:
        argv += ["--targets", targets]
    if run_dir:
        argv += ["--run-dir", run_dir]
    _call(cmd.main, argv)


@task(help={"ref": "release tag", "source": "skills source repository"})
def manifest(c: Context, ref: str = "v1.1.0", source: str = "") -> None:
    """Print the release manifest (scripts/build-manifest)."""
    from skillsync.commands import build_manifest as cmd

    if not source:
        from skillsync.commands.demo import demo_source

        source = str(demo_source())
    _call(cmd.main, ["--source", source, "--ref", ref])


@task
def validate(c: Context) -> None:
    """Validate the demo release, the target files and the inventory (nox -s validate)."""
    from skillsync.commands import demo, inventory

    _call(demo.main, ["--validate-only"])
    _call(inventory.main, ["--check"])


@task
def inventory(c: Context) -> None:
    """Regenerate docs/downstream-inventory.md from targets/."""
    from skillsync.commands import inventory as cmd

    _call(cmd.main, [])


@task
def demo(c: Context) -> None:
    """Run the whole pipeline on the bundled demo fleet."""
    from skillsync.commands import demo as cmd

    _call(cmd.main, [])


@task(help={"run": "run id or run directory"})
def report(c: Context, run: str) -> None:
    """Print a run's summary as Markdown (scripts/report)."""
    from skillsync.commands import report as cmd

    _call(cmd.main, [run, "--format", "md"])


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
    from skillsync.commands import rollback as cmd

    argv = ["--run", run]
    for tid in filter(None, target.split(",")):
        argv += ["--target", tid]
    if all_synced:
        argv.append("--all-synced")
    if dry_run:
        argv.append("--dry-run")
    if force:
        argv.append("--force")
    if targets:
        argv += ["--targets", targets]
    _call(cmd.main, argv)


@task(help={"source": "skills source (default: the demo source)", "fmt": "table | json | md",
            "only": "comma-separated target ids", "targets": "targets directory",
            "runs": "directory of run directories"})
def status(c: Context, source: str = "", fmt: str = "table", only: str = "", targets: str = "",
           runs: str = "") -> None:
    """What every downstream holds: release, drift, open sync PR, last result."""
    from skillsync.commands import fleet_status as cmd

    if not source:
        from skillsync.commands.demo import SCRATCH, demo_source

        source = str(demo_source())
        runs = runs or str(SCRATCH / "runs")
    argv = ["--source", source, "--format", fmt]
    if only:
        argv += ["--only", *only.split(",")]
    if targets:
        argv += ["--targets", targets]
    if runs:
        argv += ["--runs", runs]
    _call(cmd.main, argv)


@task(help={"repo": "the skills repository to adopt skillsync in",
            "pin": "skillsync version or git URL@tag the workflows install",
            "dry_run": "say what would be written"})
def init(c: Context, repo: str, pin: str = "", dry_run: bool = False) -> None:
    """Adopt skillsync in another skills repository (scripts/init)."""
    from skillsync.commands import init as cmd

    argv = ["--repo", repo]
    if pin:
        argv += ["--pin", pin]
    if dry_run:
        argv.append("--dry-run")
    _call(cmd.main, argv)
