"""`init`: adopt skillsync in another skills repository (issue 9).

Writes a starter `.skillsync.yaml`, `targets/` with one disabled example per mechanism
(each naming the JSON Schema an editor validates it against), a copy of that schema,
the sync and rollback workflows, a small `noxfile.py`, and `.skillsync/.gitignore`.

Decisions, and why:
- The schema is *copied* into `schemas/target.schema.json`: the `$schema=` comment of a
  target file must name a path or URL an editor can open; a path inside a virtualenv is
  machine-specific and a URL needs a published, versioned location. The copy is tracked
  like every other file, so a later `init` refreshes it while the adopter has not edited it.
- The workflows are skillsync's own (`.github/workflows/`, shipped in the package as
  `skillsync/workflows/`), rewritten to install a pinned skillsync (`skillsync==<the
  version running init>`, or `--pin SPEC`, e.g. `skillsync @ git+https://…@v0.1.0`) and
  to call the `skillsync-<name>` console commands instead of `scripts/<name>`. Installing
  a pinned package keeps the adopter's CI reproducible and free of copied code.
- Idempotent and respectful: `.skillsync/init-manifest.json` records the sha256 of every
  file written. A file is (re)written only when it is absent and never was written, or
  when it still holds exactly what init wrote last time; a file the adopter changed,
  removed, or had before init is skipped and reported. A second `init` changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from skillsync import git
from skillsync.errors import ConfigError, SkillsyncError, UsageError

INIT_MANIFEST = ".skillsync/init-manifest.json"
INIT_SCHEMA = "skillsync.init-manifest/v1"
RESULT_SCHEMA = "skillsync.init/v1"
WORKFLOWS = ("sync-downstream.yml", "rollback.yml")
INVENTORY = "docs/downstream-inventory.md"
SCHEMA_PATH = "schemas/target.schema.json"
# What `nox -s validate` runs in an adopted repository; tests run the same list.
VALIDATE_STEPS: tuple[tuple[str, ...], ...] = (
    ("skillsync-build-manifest", "--source", ".", "--ref", "HEAD", "-o", "{manifest}"),
    ("skillsync-validate-sync-targets", "--manifest", "{manifest}", "--targets", "targets"),
    ("skillsync-inventory", "--check"),
)
# A pip requirement that is safe inside a YAML `run:` line and a Python string literal.
_PIN_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._\-=<>!~@+:/#,\[\]]*$")
_SCRIPT_RE = re.compile(r"(?<![\w./-])scripts/([a-z][a-z0-9-]*)(?![\w.-])")
_INSTALL_RE = re.compile(r"^(?P<head>[ \t]*(?:-[ \t]+)?(?:run:[ \t]*)?python3? -m pip install\b"
                         r"[^\n]*?)[ \t]+(?:-e[ \t]+)?\.(?:\[[^\]\n]*\])?[ \t]*$", re.M)


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
    pin: str
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
                "pin": self.pin, "dry_run": self.dry_run,
                "files": [asdict(f) for f in self.files], "counts": counts}


# -- where things come from ----------------------------------------------------------------


def installed_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("skillsync")
    except PackageNotFoundError:
        return "0.0.0"


def default_pin(version: str) -> str:
    return f"skillsync=={version}"


def check_pin(pin: str) -> str:
    pin = pin.strip()
    if not pin or not _PIN_RE.match(pin) or len(pin) > 300:
        raise UsageError(f"--pin: not a plain pip requirement: {pin!r} "
                         "(e.g. skillsync==0.1.0 or 'skillsync @ git+https://host/org/skillsync@v0.1.0')")
    return pin


def _package_file(*parts: str) -> Path | None:
    """A data file of the installed package (`skillsync/<parts>`), else of the checkout."""
    from importlib.resources import files

    res = files("skillsync").joinpath(*parts)
    if res.is_file():
        return Path(str(res))
    here = Path(__file__).resolve().parents[2]   # a source checkout: src/skillsync/..
    alt = {"workflows": here / ".github" / "workflows", "schemas": here / "schemas"}.get(parts[0])
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


def workflow(name: str, pin: str, version: str) -> str:
    """skillsync's own workflow, rewritten for an adopter: pinned install, console commands."""
    text = _read_package("workflows", name)
    text, installs = _INSTALL_RE.subn(lambda m: f'{m["head"]} "{pin}"', text)
    if installs == 0:
        raise SkillsyncError(f"workflow template {name}: no `pip install .` step to pin "
                             "(template changed; adopt.workflow needs updating)")
    text = _SCRIPT_RE.sub(lambda m: f"skillsync-{m[1]}", text)
    header = (
        f"# Written by `skillsync-init` (skillsync {version}) from skillsync's own workflow.\n"
        f"# It installs {pin} and calls the skillsync-* console commands.\n"
        "# Edit freely: init never overwrites a file you changed "
        f"(hashes in {INIT_MANIFEST}).\n"
    )
    return header + text


SOURCE_CONFIG = """\
# skillsync: how this skills repository is read (written by `skillsync-init`; edit freely).
#
# Without `skills` or `adapters`, every directory holding a SKILL.md is a skill (hidden
# directories included; .git and vendored dependency folders not) and every Markdown file
# whose front matter has `adapter_metadata` is an adapter of the skill it names.
# Narrow or widen that with globs (`*` stays within one directory, `**` spans any number):
#
# skills:                  # skill directories ("." is the repository root)
#   - "skills/*"
#   - "plugins/*/skills/*"
# adapters:                # adapter files
#   - "adapters/**"
#
# Releases are git tags vMAJOR.MINOR.PATCH[-pre]; each one is synced to targets/*.yaml.
"""

_TARGET_HEAD = """\
# yaml-language-server: $schema=../schemas/target.schema.json
# An example target written by `skillsync-init`: {what}
# To use it: copy it to targets/<id>.yaml, set `id` to that file name, fill in the
# repository, remove `enabled: false`, then run `skillsync-inventory`.
"""

EXAMPLE_TARGETS: dict[str, tuple[str, str]] = {
    "pull-request": (
        "each release arrives as a pull request\n# from branch skillsync/<version>, opened "
        "or updated through the forge API (never a duplicate).",
        """\
id: example-pull-request
repo: https://github.com/your-org/your-agents.git   # or a local path / file:// URL
branch: main
mechanism: pull-request
forge: {api_url: "https://api.github.com", repository: your-org/your-agents}
skills: ["*"]                  # skill names or globs, e.g. ["pdf-*"]
adapters: [claude, gemini]     # adapter ids; or a mapping id -> directory in the repo
dest: .agents/skills           # where the skills land inside the downstream
risk: medium                   # low goes first (the canary wave); medium and high follow
channel: stable                # stable | prerelease (also takes vX.Y.Z-rc.N tags)
accept_major: false            # a semver-major release halts here unless the run allows it
auth: {method: token, env: YOUR_AGENTS_SYNC_TOKEN}   # the variable's NAME, never the token
labels: [skills-sync]          # added to the pull request
notify: {github_issue: true, slack: false}
owner: "@your-org/agents-maintainers"
escalation: "#agents-oncall"
enabled: false                 # an example: remove this line once the target is real
"""),
    "push": (
        "each release is committed and pushed\n# fast-forward only to the branch "
        "(never forced); for repositories you own.",
        """\
id: example-push
repo: https://github.com/your-org/your-tools.git
branch: main
mechanism: push
skills: ["*"]
dest: tools/skills
risk: low                      # the canary: synced first, the rest wait for it
channel: stable
accept_major: false
auth: {method: token, env: YOUR_TOOLS_SYNC_TOKEN}
notify: {github_issue: true, email: [tools-team@example.invalid]}
owner: "@your-org/tools"
escalation: "tools-team@example.invalid"
enabled: false                 # an example: remove this line once the target is real
"""),
    "submodule": (
        "a monorepo that vendors this repository\n# as a git submodule; each release "
        "moves the pointer to the release commit.",
        """\
id: example-submodule
repo: https://github.com/your-org/your-monorepo.git
branch: main
mechanism: submodule
submodule: {path: vendor/skills, via: pull-request}   # via: push | pull-request
forge: {api_url: "https://api.github.com", repository: your-org/your-monorepo}
risk: high
channel: stable
accept_major: true             # this downstream takes major releases without a halt
auth: {method: token, env: YOUR_MONOREPO_SYNC_TOKEN}
notify: {github_issue: true, slack: true}
owner: "@your-org/monorepo-maintainers"
escalation: "#monorepo-oncall"
enabled: false                 # an example: remove this line once the target is real
"""),
    "webhook": (
        "each release's manifest is POSTed to\n# an HTTP endpoint, signed with "
        "HMAC-SHA256 (header X-Skillsync-Signature-256).",
        """\
id: example-webhook
mechanism: webhook
url: "https://docs.example.invalid/skills/hook"
skills: ["*"]
risk: medium
channel: stable
accept_major: false
auth: {method: hmac, env: YOUR_PORTAL_HMAC_SECRET}   # the variable's NAME, never the secret
notify: {github_issue: true}
owner: "@your-org/docs"
escalation: "docs@example.invalid"
enabled: false                 # an example: remove this line once the target is real
"""),
}


def example_target(mechanism: str) -> str:
    what, body = EXAMPLE_TARGETS[mechanism]
    return _TARGET_HEAD.format(what=what) + body


def noxfile(pin: str, version: str) -> str:
    steps = ",\n".join(
        "        (" + ", ".join(json.dumps(a) for a in step) + ")" for step in VALIDATE_STEPS)
    return f'''\
"""skillsync wiring for this skills repository (written by `skillsync-init` {version}).

`nox -s validate` checks the skills at HEAD (Agent Skills spec, adapters), the target files
and the inventory; `nox -s sync -- v1.2.0` dry-runs that release against every target
(`nox -s sync -- v1.2.0 --live` really syncs); `nox -s status` shows what every target holds.
Edit freely: `skillsync-init` never overwrites a file you changed.
"""

from __future__ import annotations

import nox

SKILLSYNC = "{pin}"  # the skillsync these sessions install (same pin as the workflows)
nox.options.sessions = ["validate"]


@nox.session
def validate(session: nox.Session) -> None:
    """Validate the skills at HEAD, the target files and the inventory."""
    session.install(SKILLSYNC)
    manifest = f"{{session.create_tmp()}}/manifest.json"
    for step in (
{steps},
    ):
        session.run(*(arg.format(manifest=manifest) for arg in step))


@nox.session
def sync(session: nox.Session) -> None:
    """Sync a release: nox -s sync -- vX.Y.Z [--live] (a dry run unless --live)."""
    if not session.posargs:
        session.error("name the release tag: nox -s sync -- v1.2.0 [--live]")
    ref, *rest = session.posargs
    session.install(SKILLSYNC)
    args = ["skillsync-sync", "--source", ".", "--ref", ref, "--targets", "targets"]
    if "--live" not in rest:
        args.append("--dry-run")
    session.run(*args, *(a for a in rest if a != "--live"))


@nox.session
def status(session: nox.Session) -> None:
    """What every target holds: release, releases behind, drift, open pull request."""
    session.install(SKILLSYNC)
    session.run("skillsync-fleet-status", "--source", ".", "--format", "table",
                *session.posargs)
'''


GITIGNORE = """\
# skillsync scratch space: run directories stay out of git; the init manifest is committed
# so that `skillsync-init` can tell files it wrote from files you changed.
*
!.gitignore
!init-manifest.json
"""


def planned_files(pin: str, version: str) -> list[Planned]:
    """Everything init writes, in the order it reports them."""
    files = [Planned(".skillsync.yaml", SOURCE_CONFIG.encode())]
    for mech in EXAMPLE_TARGETS:
        files.append(Planned(f"targets/example-{mech}.yaml", example_target(mech).encode()))
    files.append(Planned(SCHEMA_PATH, _read_package("schemas", "target.schema.json").encode()))
    for name in WORKFLOWS:
        files.append(Planned(f".github/workflows/{name}", workflow(name, pin, version).encode()))
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


def choose_pin(pin: str | None, previous: dict[str, Any], version: str) -> str:
    """--pin, else the pin of the last init when it was a custom one, else this version."""
    if pin:
        return check_pin(pin)
    last = previous.get("pin")
    if isinstance(last, str) and last and not last.startswith("skillsync=="):
        return check_pin(last)
    return default_pin(version)


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


def adopt(root: Path, *, pin: str | None = None, dry_run: bool = False,
          version: str | None = None) -> Result:
    """Write (or plan, with `dry_run`) the adoption files into the repository at `root`."""
    from skillsync.fsutil import atomic_write, dumps

    version = version or installed_version()
    previous = read_init_manifest(root)
    recorded: dict[str, str] = {str(k): str(v) for k, v in previous.get("files", {}).items()}
    pin = choose_pin(pin, previous, version)
    result = Result(str(root), version, pin, dry_run)
    planned = planned_files(pin, version)
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
    manifest = {"schema": INIT_SCHEMA, "skillsync": version, "pin": pin,
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
    lines = ["next steps (docs/adopting.md in skillsync):",
             "  1. git add -A && git commit -m 'Adopt skillsync'",
             "  2. nox -s validate          (or run the skillsync-* commands it lists)",
             "  3. describe a real downstream in targets/<id>.yaml (copy an example), then "
             "skillsync-inventory",
             "  4. git tag v0.1.0 && nox -s sync -- v0.1.0     (a dry run)"]
    return lines
