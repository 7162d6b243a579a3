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


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory,
                   monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    for key in list(os.environ):
        if key.startswith("GIT_") or key.startswith("SKILLSYNC_") or key.startswith("GITHUB_"):
            monkeypatch.delenv(key, raising=False)
    for key, value in PINNED_ENV.items():
        monkeypatch.setenv(key, value)
    # Default branch name is main in every repo we make.
    (home / ".gitconfig").write_text(
        "[init]\n\tdefaultBranch = main\n[protocol \"file\"]\n\tallow = always\n"
    )


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
