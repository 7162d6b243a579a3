"""Fixtures for sync-engine tests: a small skills source with three releases and
a fleet of bare downstream repositories, all real git in temporary directories."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

from conftest import git, make_bare_remote, make_repo, write_files


def skill_md(name: str, version: str, extra: str = "") -> str:
    return (f"---\nname: {name}\ndescription: The {name} skill, for tests.\n"
            f"metadata:\n  version: \"{version}\"\n---\n\n# {name}\n{extra}\n")


RELEASES: dict[str, dict[str, str | bytes | None]] = {
    "v1.0.0": {
        "skills/alpha/SKILL.md": skill_md("alpha", "1.0.0"),
        "skills/alpha/scripts/run.sh": "#!/bin/sh\necho alpha\n",
        "skills/beta/SKILL.md": skill_md("beta", "1.0.0"),
        "skills/beta/references/notes.md": "beta notes\n",
        "skills/beta/assets/logo.bin": bytes(range(256)),
    },
    "v1.1.0": {
        "skills/alpha/SKILL.md": skill_md("alpha", "1.1.0", "changed"),
        "skills/beta/references/notes.md": None,          # deleted
        "skills/gamma/SKILL.md": skill_md("gamma", "1.1.0"),
    },
    "v2.0.0": {
        "skills/alpha/SKILL.md": skill_md("alpha", "2.0.0", "breaking"),
    },
}


def make_source(root: Path) -> Path:
    src = make_repo(root / "source")
    for tag, files in RELEASES.items():
        for rel, content in files.items():
            p = src / rel
            if content is None:
                p.unlink()
            else:
                write_files(src, {rel: content})
        (src / "skills/alpha/scripts/run.sh").chmod(0o755)
        git("add", "-A", cwd=src)
        git("commit", "-q", "-m", f"release {tag}", cwd=src)
        git("tag", tag, cwd=src)
    return src


def target_yaml(tid: str, repo: Path | str, mechanism: str = "push", **extra: object) -> str:
    lines = [f"id: {tid}", f"repo: {repo}", f"mechanism: {mechanism}", "branch: main"]
    for key, value in extra.items():
        lines.append(f"{key.replace('__', '-')}: {value}")
    return "\n".join(lines) + "\n"


def repo_state(bare: Path) -> str:
    """A digest of every ref and every object of a repository (for zero-write checks)."""
    refs = subprocess.run(["git", "--git-dir", str(bare), "for-each-ref",
                           "--format=%(refname) %(objectname)"],
                          capture_output=True, text=True, check=True).stdout
    objs = subprocess.run(["git", "--git-dir", str(bare), "cat-file", "--batch-all-objects",
                           "--batch-check"], capture_output=True, text=True, check=True).stdout
    files = sorted(str(p.relative_to(bare)) + str(p.stat().st_size)
                   for p in bare.rglob("*") if p.is_file())
    return hashlib.sha256((refs + objs + "\n".join(files)).encode()).hexdigest()


def downstream(bare: Path, name: str = "main") -> dict[str, bytes]:
    """Every file on `name` of a bare repo, path -> bytes."""
    out = {}
    listing = git("--git-dir", str(bare), "ls-tree", "-r", "--name-only", name)
    for path in listing.splitlines():
        out[path] = subprocess.run(["git", "--git-dir", str(bare), "cat-file", "blob",
                                    f"{name}:{path}"], capture_output=True, check=True).stdout
    return out


def mode_of(bare: Path, path: str, ref: str = "main") -> str:
    return git("--git-dir", str(bare), "ls-tree", ref, "--", path).split()[0]


def add_submodule(bare: Path, source: Path, tag: str) -> None:
    """Commit a submodule at vendor/skills pointing at `source`@`tag` into `bare`."""
    work = bare.parent / f"{bare.stem}.sub"
    git("clone", "-q", str(bare), str(work))
    sha = git("rev-parse", f"{tag}^{{commit}}", cwd=source)
    (work / ".gitmodules").write_text(
        f'[submodule "skills"]\n\tpath = vendor/skills\n\turl = {source}\n')
    git("add", ".gitmodules", cwd=work)
    git("update-index", "--add", "--cacheinfo", f"160000,{sha},vendor/skills", cwd=work)
    git("commit", "-qm", "add skills submodule", cwd=work)
    git("push", "-q", "origin", "main", cwd=work)


__all__ = ["add_submodule", "downstream", "make_bare_remote", "make_source", "mode_of",
           "repo_state", "target_yaml"]
