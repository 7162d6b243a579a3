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
    from skillsync.commands import sync as cmd

    argv: list[str] = []
    if rerun_failed:
        argv += ["--rerun-failed", rerun_failed]
    else:
        source, ref = _source_and_ref(source, ref)
        argv += ["--source", source, "--ref", ref]
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


@task(help={"ref": "release tag (default: the source's newest stable release tag)",
            "source": "skills source repository (default: the demo source)"})
def manifest(c: Context, ref: str = "", source: str = "") -> None:
    """Print the release manifest (scripts/build-manifest)."""
    from skillsync.commands import build_manifest as cmd

    source, ref = _source_and_ref(source, ref)
    _call(cmd.main, ["--source", source, "--ref", ref])


@task
def validate(c: Context) -> None:
    """Validate the demo release, the target files, the inventory and the generated docs
    (what nox -s validate runs)."""
    from skillsync.commands import demo, docs, inventory

    _call(demo.main, ["--validate-only"])
    _call(inventory.main, ["--check"])
    _call(docs.main, ["--check"])


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


@task(help={"run": "run id or run directory (e.g. .skillsync/demo/runs/7-major)"})
def report(c: Context, run: str) -> None:
    """Print a run's summary as Markdown (scripts/report; a run id is looked up in
    $SKILLSYNC_RUNS, else .skillsync/runs: the demo's are in .skillsync/demo/runs)."""
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
