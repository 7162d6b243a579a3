"""skillsync's checklist: `nox -l` lists the sessions, `nox -s NAME` runs one.

CI runs exactly these sessions, so a green laptop means a green CI.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nox

# The check lists are shared with tasks.py (skillsync/checks.py is plain data).
sys.path.insert(0, str(Path(__file__).resolve().parent / "src"))
from skillsync.checks import LINT, VALIDATE

nox.options.sessions = ["lint", "validate", "tests"]
nox.options.reuse_existing_virtualenvs = True


@nox.session
def tests(session: nox.Session) -> None:
    """Run the test suite (real git repositories and loopback servers)."""
    session.install("-e", ".[test]")
    session.run("pytest", *(session.posargs or ["-q"]))


@nox.session
def lint(session: nox.Session) -> None:
    """ruff, mypy (strict) and the workflow linters."""
    session.install("-e", ".[lint]")
    for check in LINT:
        session.run(*check)


@nox.session
def validate(session: nox.Session) -> None:
    """Validate the example release and the target files; fail on stale generated docs."""
    session.install("-e", ".")
    for check in VALIDATE:
        session.run(*check)


@nox.session
def demo(session: nox.Session) -> None:
    """Run the pipeline on the bundled demo fleet into .skillsync/demo/ (loopback only)."""
    session.install("-e", ".[demo]")
    session.run("python", "-m", "skillsync.commands.demo", *session.posargs)


@nox.session(default=False)
def fuzz(session: nox.Session) -> None:
    """Long property-based run of the trust-boundary tests (hostile names, tampered files)."""
    session.install("-e", ".[test]")
    session.env["HYPOTHESIS_PROFILE"] = "fuzz"
    session.run("pytest", "-q", "tests/test_fuzz_trust.py", "--hypothesis-show-statistics",
                *session.posargs)


@nox.session(default=False)
def bench(session: nox.Session) -> None:
    """Benchmarks: fleet sync vs the git floor and a naive baseline (ratios, one run)."""
    session.install("-e", ".[test]")
    # The instrument first, at a tiny size (structure and counters, no timing).
    session.run("pytest", "-q", "tests/test_bench_smoke.py", env={"SKILLSYNC_BENCH_SMOKE": "1"})
    session.run("python", "benchmarks/bench.py", *session.posargs)
