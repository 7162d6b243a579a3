"""`init`: adopt skillsync in another skills repository (issues 9 and 13).

Writes a starter `.skillsync.yaml`, `targets/` with one disabled example per mechanism
(each naming the JSON Schema an editor validates it against), a copy of that schema,
three short workflows, a Dependabot config, a small `noxfile.py`, and `.skillsync/.gitignore`.

Decisions, and why:
- The workflows are callers, not copies (issue 13). `sync-downstream.yml` and `rollback.yml`
  call skillsync's reusable workflows, `skillsync-validate.yml` uses its composite action,
  each pinned by full commit SHA with the release tag in a comment
  (`uses: OWNER/NAME/.github/workflows/sync-downstream.yml@<sha> # v0.2.0`): the adopter's
  CI runs exactly that commit, installed from skillsync's repository with hash-checked
  dependencies, never a package name an index may not serve or someone else may register.
  Dependabot (`.github/dependabot.yml`, ecosystem github-actions) proposes the next SHA;
  the noxfile reads the pin from the sync workflow, so one pin serves both. Which commit:
  skillsync.pins (--pin, else the commit pip installed this skillsync from).
- The schema is *copied* into `schemas/target.schema.json`: the `$schema=` comment of a
  target file must name a path or URL an editor can open; a path inside a virtualenv is
  machine-specific and a URL needs a published, versioned location. The copy is tracked
  like every other file, so a later `init` refreshes it while the adopter has not edited it.
- Idempotent and respectful: `.skillsync/init-manifest.json` records the sha256 of every
  file written. A file is (re)written only when it is absent and never was written, or
  when it still holds exactly what init wrote last time; a file the adopter changed,
  removed, or had before init is skipped and reported. A second `init` changes nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from skillsync import git

# VALIDATE_STEPS: what `nox -s validate` and skillsync-validate.yml run (re-exported).
from skillsync.adopt_templates import (
    DEPENDABOT_CONFIG,
    EXAMPLE_TARGETS,
    GITIGNORE,
    SOURCE_CONFIG,
    example_target,
    noxfile,
)
from skillsync.adopt_templates import VALIDATE_STEPS as VALIDATE_STEPS
from skillsync.errors import ConfigError, SkillsyncError, UsageError
from skillsync.pins import Pin

INIT_MANIFEST = ".skillsync/init-manifest.json"
INIT_SCHEMA = "skillsync.init-manifest/v1"
RESULT_SCHEMA = "skillsync.init/v1"
# The adopter's workflows: templates in skillsync/workflows/ (package data).
WORKFLOWS = ("sync-downstream.yml", "rollback.yml", "skillsync-validate.yml")
DEPENDABOT = ".github/dependabot.yml"
INVENTORY = "docs/downstream-inventory.md"
SCHEMA_PATH = "schemas/target.schema.json"
# The tokens a workflow template holds where the pin goes.
_TOKENS = ("__SKILLSYNC_REPOSITORY__", "__SKILLSYNC_SHA__", "__SKILLSYNC_TAG__")


@dataclass(frozen=True)
class Planned:
    path: str                 # relative to the repository root, POSIX
    content: bytes


@dataclass
class FileAction:
    path: str
    action: str               # created | updated | unchanged | skipped
    reason: str = ""


@dataclass
class Result:
    repo: str
    version: str
    pin: Pin
    dry_run: bool
    files: list[FileAction] = field(default_factory=list)

    @property
    def skipped(self) -> list[FileAction]:
        return [f for f in self.files if f.action == "skipped"]

    def as_dict(self) -> dict[str, Any]:
        counts: dict[str, int] = {}
        for f in self.files:
            counts[f.action] = counts.get(f.action, 0) + 1
        return {"schema": RESULT_SCHEMA, "repo": self.repo, "skillsync": self.version,
                "pin": self.pin.as_dict(), "dry_run": self.dry_run,
                "files": [asdict(f) for f in self.files], "counts": counts}


# -- where things come from ----------------------------------------------------------------


def installed_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("skillsync")
    except PackageNotFoundError:
        return "0.0.0"


def _package_file(*parts: str) -> Path | None:
    """A data file of the installed package (`skillsync/<parts>`), else of the checkout."""
    from importlib.resources import files

    res = files("skillsync").joinpath(*parts)
    if res.is_file():
        return Path(str(res))
    here = Path(__file__).resolve().parents[2]   # a source checkout: src/skillsync/..
    alt = {"schemas": here / "schemas"}.get(parts[0])
    if alt is not None and (alt.joinpath(*parts[1:])).is_file():
        return alt.joinpath(*parts[1:])
    return None


def _read_package(*parts: str) -> str:
    p = _package_file(*parts)
    if p is None:
        raise SkillsyncError(f"the installed skillsync lacks skillsync/{'/'.join(parts)} "
                             "(a broken install? reinstall skillsync)")
    return p.read_text(encoding="utf-8")


# -- the files ---------------------------------------------------------------------------------


def workflow(name: str, pin: Pin, version: str) -> str:
    """The adopter's workflow `name`: skillsync's template with the pin filled in."""
    text = _read_package("workflows", name)
    if not all(token in text for token in _TOKENS):
        raise SkillsyncError(f"workflow template {name}: it pins no skillsync (template "
                             "changed; adopt.workflow needs updating)")
    for token, value in zip(_TOKENS, (pin.identity.repository, pin.sha, pin.tag), strict=True):
        text = text.replace(token, value)
    header = (
        f"# Written by `skillsync-init` (skillsync {version}). Edit freely: init never "
        f"overwrites\n# a file you changed (hashes in {INIT_MANIFEST}).\n"
    )
    return header + text


def planned_files(pin: Pin, version: str) -> list[Planned]:
    """Everything init writes, in the order it reports them."""
    files = [Planned(".skillsync.yaml", SOURCE_CONFIG.encode())]
    for mech in EXAMPLE_TARGETS:
        files.append(Planned(f"targets/example-{mech}.yaml", example_target(mech).encode()))
    files.append(Planned(SCHEMA_PATH, _read_package("schemas", "target.schema.json").encode()))
    for name in WORKFLOWS:
        files.append(Planned(f".github/workflows/{name}", workflow(name, pin, version).encode()))
    files.append(Planned(DEPENDABOT, DEPENDABOT_CONFIG.format(
        repository=pin.identity.repository).encode()))
    files.append(Planned("noxfile.py", noxfile(pin, version).encode()))
    files.append(Planned(".skillsync/.gitignore", GITIGNORE.encode()))
    return files


# -- adopting ------------------------------------------------------------------------------------


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def repo_root(arg: str | None) -> Path:
    """--repo DIR, else the work tree around the current directory."""
    where = Path(arg) if arg else Path.cwd()
    if not where.is_dir():
        raise UsageError(f"--repo: {'not a directory' if where.exists() else 'not found'}: "
                         f"{where}")
    proc = git.run(["rev-parse", "--show-toplevel"], where, check=False)
    if proc.returncode != 0:
        raise UsageError(f"{where}: not inside a git work tree (run `git init` first)")
    top = Path(proc.stdout.decode("utf-8", "replace").strip())
    if arg and top.resolve() != where.resolve():
        raise UsageError(f"{where}: is inside the repository {top}; give that path")
    if (top / "src" / "skillsync" / "adopt.py").is_file():
        raise UsageError(f"{top}: is skillsync's own repository; run init in a skills repository")
    return top


def read_init_manifest(root: Path) -> dict[str, Any]:
    p = root / INIT_MANIFEST
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise ConfigError(f"unreadable ({exc}); fix or delete it", where=str(p)) from None
    if not isinstance(data, dict) or data.get("schema") != INIT_SCHEMA or \
            not isinstance(data.get("files"), dict):
        raise ConfigError(f"not a {INIT_SCHEMA} file; fix or delete it", where=str(p))
    return data


def _decide(root: Path, f: Planned, recorded: dict[str, str]) -> FileAction:
    path = root / f.path
    if path.is_symlink() or (path.exists() and not path.is_file()):
        return FileAction(f.path, "skipped", "exists and is not a regular file")
    new = sha256(f.content)
    if not path.exists():
        if f.path in recorded:
            return FileAction(f.path, "skipped", "you removed it after init wrote it "
                              f"(delete its entry in {INIT_MANIFEST} to get it back)")
        return FileAction(f.path, "created")
    current = sha256(path.read_bytes())
    if current == new:
        return FileAction(f.path, "unchanged")
    if recorded.get(f.path) == current:
        return FileAction(f.path, "updated")
    if f.path in recorded:
        return FileAction(f.path, "skipped", "you changed it since init wrote it")
    return FileAction(f.path, "skipped", "it existed before init and differs from the template")


def adopt(root: Path, *, pin: str | None = None, skillsync_repo: str | None = None,
          resolve_in: str | None = None, dry_run: bool = False,
          version: str | None = None) -> Result:
    """Write (or plan, with `dry_run`) the adoption files into the repository at `root`."""
    from skillsync import pins
    from skillsync.fsutil import atomic_write, dumps

    version = version or installed_version()
    previous = read_init_manifest(root)
    recorded: dict[str, str] = {str(k): str(v) for k, v in previous.get("files", {}).items()}
    last = previous.get("pin") if isinstance(previous.get("pin"), dict) else None
    ident = pins.identity(skillsync_repo if skillsync_repo is not None
                          else (str(last["repository"]) if last and pin is None
                                and isinstance(last.get("repository"), str) else None))
    chosen = pins.resolve(pin, ident=ident, version=version, previous=last, resolve_in=resolve_in)
    result = Result(str(root), version, chosen, dry_run)
    planned = planned_files(chosen, version)
    for f in planned:
        result.files.append(_decide(root, f, recorded))
    by_path = {f.path: f for f in planned}
    if not dry_run:
        for act in result.files:
            if act.action in ("created", "updated"):
                atomic_write(root / act.path, by_path[act.path].content)
    _inventory(root, result, dry_run)

    # What init now stands behind: files it wrote or found identical. Skipped files keep
    # their old entry, so a file the adopter changed stays "changed" on every later run.
    files = dict(recorded)
    for act in result.files:
        if act.action in ("created", "updated", "unchanged") and act.path in by_path:
            files[act.path] = sha256(by_path[act.path].content)
    manifest = {"schema": INIT_SCHEMA, "skillsync": version, "pin": chosen.as_dict(),
                "files": dict(sorted(files.items()))}
    text = dumps(manifest)
    mpath = root / INIT_MANIFEST
    old = mpath.read_text(encoding="utf-8") if mpath.is_file() else None
    if old != text:
        result.files.append(FileAction(INIT_MANIFEST, "updated" if old else "created"))
        if not dry_run:
            atomic_write(mpath, text)
    else:
        result.files.append(FileAction(INIT_MANIFEST, "unchanged"))
    return result


def _inventory(root: Path, result: Result, dry_run: bool) -> None:
    """docs/downstream-inventory.md, which the workflow checks: created when absent only
    (it is generated from targets/, so the adopter regenerates it, not init)."""
    path = root / INVENTORY
    if path.exists():
        return
    if dry_run:
        result.files.append(FileAction(INVENTORY, "created", "generated from targets/"))
        return
    from skillsync import inventory
    from skillsync.fsutil import atomic_write
    from skillsync.targets import load_targets

    try:
        text = inventory.render(load_targets(root / "targets"))
    except SkillsyncError as exc:
        result.files.append(FileAction(INVENTORY, "skipped", f"targets/ does not load: {exc}"))
        return
    atomic_write(path, text)
    result.files.append(FileAction(INVENTORY, "created", "generated from targets/"))


def next_steps(result: Result) -> Sequence[str]:
    pin = result.pin
    return ["next steps (docs/adopting.md in skillsync):",
            "  1. git add -A && git commit -m 'Adopt skillsync'",
            "  2. nox -s validate          (or run the skillsync-* commands it lists)",
            "  3. describe a real downstream in targets/<id>.yaml (copy an example), then "
            "skillsync-inventory",
            "  4. git tag v0.1.0 && nox -s sync -- v0.1.0     (a dry run)",
            f"the workflows run {pin.identity.repository} at {pin.sha[:12]} ({pin.tag}); "
            "Dependabot keeps that pin current"]
