"""Shared fixtures: real git repositories in temporary directories.

Like pre-commit's testing fixtures: identities and dates are pinned so commits
are reproducible, $HOME points at an empty directory so no user config leaks
in, and only the `file` protocol (plus loopback http for server tests) is allowed.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"

PINNED_ENV = {
    "GIT_AUTHOR_NAME": "Test Author",
    "GIT_AUTHOR_EMAIL": "author@example.invalid",
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z",
    "GIT_COMMITTER_NAME": "Test Committer",
    "GIT_COMMITTER_EMAIL": "committer@example.invalid",
    "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_ALLOW_PROTOCOL": "file:http",
}


GITCONFIG = "[init]\n\tdefaultBranch = main\n[protocol \"file\"]\n\tallow = always\n"


def isolate(mp: pytest.MonkeyPatch, home: Path) -> Path:
    """Make `home` the whole user environment: no inherited GIT_*/SKILLSYNC_*/GITHUB_*
    variable, pinned identities and dates, no system git config, and a global git
    config that is a file of ours (so a fresh machine with no identity, or a laptop
    with a rich ~/.gitconfig, behaves the same). Returns the global config file."""
    home.mkdir(parents=True, exist_ok=True)
    for key in list(os.environ):
        if key.startswith(("GIT_", "SKILLSYNC_", "GITHUB_")):
            mp.delenv(key, raising=False)
    mp.setenv("HOME", str(home))
    mp.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    mp.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    for key, value in PINNED_ENV.items():
        mp.setenv(key, value)
    gitconfig = home / ".gitconfig"
    gitconfig.write_text(GITCONFIG)
    mp.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
    return gitconfig


# Written by tools around the suite, not by it: caches of pytest, nox, pip, mypy, ruff,
# and .git (worktrees of this checkout share its object store).
_TOOL_DIRS = (".git", ".nox", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".venv", "__pycache__",
              ".egg-info", ".hypothesis")


def _footprint(root: Path, depth: int) -> set[str]:
    """Paths under `root` (to `depth` levels), minus the tools' own caches."""
    out: set[str] = set()
    if not root.is_dir():
        return out
    for p in root.glob("/".join(["*"] * depth)) if depth else []:
        rel = str(p.relative_to(root))
        if not any(part in _TOOL_DIRS or part.endswith(".egg-info") for part in rel.split("/")):
            out.add(rel)
    return out


def _footprints(home: Path) -> dict[str, set[str]]:
    return {"checkout": _footprint(ROOT, 1) | _footprint(ROOT, 2) | _footprint(ROOT, 3),
            "home": _footprint(home, 1) | _footprint(home / ".cache", 1)
            | _footprint(home / ".config", 1)}


@pytest.fixture(scope="session", autouse=True)
def _isolated_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The same isolation for session- and module-scoped fixtures, which run before
    any function-scoped fixture (a module fixture that commits needs an identity).
    At the end, the suite must have written nothing in the checkout or the real HOME
    (issue 12: everything lives in temporary directories)."""
    real_home = Path(os.environ.get("HOME", "/nonexistent"))
    before = _footprints(real_home)
    with pytest.MonkeyPatch.context() as mp:
        isolate(mp, tmp_path_factory.mktemp("session-home"))
        yield
    after = _footprints(real_home)
    leaked = {k: sorted(after[k] - before[k]) for k in after if after[k] - before[k]}
    assert not leaked, f"the test suite wrote outside its temporary directories: {leaked}"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory,
                   monkeypatch: pytest.MonkeyPatch) -> None:
    isolate(monkeypatch, tmp_path_factory.mktemp("home"))


def git(*args: str, cwd: Path | str | None = None) -> str:
    """Run git in a test (the test's pinned environment applies)."""
    proc = subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {proc.stderr}")
    return proc.stdout.strip()


def make_repo(path: Path, files: dict[str, str | bytes] | None = None, *,
              message: str = "init") -> Path:
    """A non-bare repository at `path` with `files` committed on main."""
    path.mkdir(parents=True, exist_ok=True)
    git("init", "-q", "-b", "main", str(path))
    if files:
        write_files(path, files)
        git("add", "-A", cwd=path)
        git("commit", "-q", "-m", message, cwd=path)
    return path


def write_files(root: Path, files: dict[str, str | bytes]) -> None:
    for rel, content in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content)


def make_bare_remote(tmp: Path, name: str, files: dict[str, str | bytes] | None = None) -> Path:
    """A bare repository with one commit on main (made through a scratch clone)."""
    work = make_repo(tmp / f"{name}.work", files or {"README.md": f"# {name}\n"})
    bare = tmp / f"{name}.git"
    git("clone", "-q", "--bare", str(work), str(bare))
    return bare


def run_script(name: str, *args: str, input: str | None = None, cwd: Path | None = None,
               env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run scripts/<name> as a user would, with a fresh interpreter."""
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    return subprocess.run(
        [str(SCRIPTS / name), *args],
        input=input, capture_output=True, text=True, cwd=cwd, env=full_env, check=False,
        timeout=300,
    )


@pytest.fixture
def tmp(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path


@pytest.fixture
def configs(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The .git/config of every scratch repository (sync's and the fallback's), read
    just before it is removed: the canary tests look for a token there."""
    from skillsync.downstream import TargetRepo

    seen: list[str] = []
    real_close = TargetRepo.close

    def close(self: TargetRepo) -> None:
        if self.git_dir is not None and (self.git_dir / "config").exists():
            seen.append((self.git_dir / "config").read_text())
        real_close(self)

    monkeypatch.setattr(TargetRepo, "close", close)
    return seen
