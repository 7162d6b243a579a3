"""The repositories a workflow run reads, for the emulator: a git repository made from files
(standing in for one on GitHub), skillsync's repository as this checkout is now, and the
adopter's workflows exactly as `skillsync-init` writes them."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
ORIGIN = "https://github.invalid/acme/skills.git"   # a checkout's origin, unreachable here
REPOSITORY = "acme/skills"                          # github.repository of the emulated runs


def load(path: Path) -> dict[str, Any]:
    """A workflow or action file; YAML 1.1 reads the key `on` as True: put it back."""
    data = yaml.safe_load(path.read_text())
    if True in data:
        data["on"] = data.pop(True)
    return data


def git(*args: str, cwd: Path | str | None = None) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False,
                          timeout=120)
    if proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {proc.stderr}")
    return proc.stdout.strip()


def make_repository(path: Path, files: Mapping[str, Path | str]) -> tuple[Path, str]:
    """A git repository at `path` holding `files` (repository path -> source file or text),
    committed once; returns (path, commit). Stands in for a repository on GitHub."""
    path.mkdir(parents=True)
    git("init", "-q", "-b", "main", str(path))
    for rel, src in files.items():
        dest = path / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(src, Path):
            shutil.copy2(src, dest)
        else:
            dest.write_text(src)
    git("add", "-A", cwd=path)
    git("commit", "-q", "-m", "release", cwd=path)
    return path, git("rev-parse", "HEAD", cwd=path)


def skillsync_repository(path: Path) -> tuple[Path, str]:
    """A stand-in for skillsync's repository on GitHub: the composite action, its lock and
    the reusable workflows of this checkout (as they are now), committed once."""
    files: dict[str, Path | str] = {"action.yml": ROOT / "action.yml",
                                    "requirements/action.txt": ROOT / "requirements/action.txt"}
    for wf in sorted((ROOT / ".github" / "workflows").glob("*.yml")):
        files[f".github/workflows/{wf.name}"] = wf
    return make_repository(path, files)


def skillsync_identity() -> str:
    from skillsync.pins import identity

    return identity(None).repository


def adopter_workflow(dest: Path, name: str, sha: str, tag: str = "v0.1.0") -> Path:
    """The workflow `name` exactly as `skillsync-init` writes it, pinned to `sha`."""
    from skillsync import adopt, pins

    pin = pins.Pin(pins.identity(None), sha, tag)
    dest.mkdir(parents=True, exist_ok=True)
    path = dest / name
    path.write_text(adopt.workflow(name, pin, adopt.installed_version()))
    return path
