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
# What `nox -s validate` and skillsync-validate.yml run in an adopted repository; tests
# run the same list and check the workflow template runs it too.
VALIDATE_STEPS: tuple[tuple[str, ...], ...] = (
    ("skillsync-build-manifest", "--source", ".", "--ref", "HEAD", "-o", "{manifest}"),
    ("skillsync-validate-sync-targets", "--manifest", "{manifest}", "--targets", "targets"),
    ("skillsync-inventory", "--check"),
)
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


DEPENDABOT_CONFIG = """\
# Written by `skillsync-init`: keeps the commit pins in .github/workflows current, skillsync's
# among them. Dependabot reads the release tag in the comment after each SHA and proposes
# the newer release's SHA, one pull request for all skillsync pins.
version: 2
updates:
  - package-ecosystem: github-actions
    directory: /
    schedule:
      interval: weekly
    cooldown:
      default-days: 7 # a release gets a week to be yanked before a pin moves to it
    groups:
      skillsync:
        patterns: ["{repository}*"]
"""


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
#   - "!skills/experimental-*"   # `!` leaves out what it matches
# adapters:                # adapter files
#   - "adapters/**"
#
# Each list is read in order, like .gitignore: the last glob matching a path decides. A list
# of `!` globs only takes its matches away from the defaults. The config is read from the
# release commit: an edit takes effect once committed (validate warns until then).
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


def noxfile(pin: Pin, version: str) -> str:
    steps = ",\n".join(
        "        (" + ", ".join(json.dumps(a) for a in step) + ")" for step in VALIDATE_STEPS)
    return f'''\
"""skillsync wiring for this skills repository (written by `skillsync-init` {version}).

`nox -s validate` checks the skills at HEAD (Agent Skills spec, adapters), the target files
and the inventory; `nox -s sync -- v1.2.0` dry-runs that release against every target
(`nox -s sync -- v1.2.0 --live` really syncs); `nox -s status` shows what every target holds.

Each session installs the skillsync that .github/workflows/sync-downstream.yml pins (one pin,
which Dependabot keeps current), with hash-checked dependencies. With skillsync installed
already, `nox --no-venv --no-install -s validate` uses that one instead.
Edit freely: `skillsync-init` never overwrites a file you changed.
"""

from __future__ import annotations

import re
from pathlib import Path

import nox

nox.options.sessions = ["validate"]
SERVER = "{pin.identity.server}"
PINNED_BY = Path(".github/workflows/sync-downstream.yml")
_PIN = re.compile(r"^\\s*uses:\\s*([\\w.-]+/[\\w.-]+)/\\.github/workflows/"
                  r"sync-downstream\\.yml@([0-9a-f]{{40}})\\b", re.M)


def install_skillsync(session: nox.Session) -> None:
    """skillsync at the commit the sync workflow pins, its dependencies from its hashed lock."""
    try:
        found = _PIN.search(PINNED_BY.read_text(encoding="utf-8"))
    except OSError as exc:
        session.error(f"cannot read the skillsync pin: {{exc}}")
    if found is None:
        session.error(f"{{PINNED_BY}} pins no skillsync (uses: OWNER/NAME/.github/workflows/"
                      "sync-downstream.yml@<40-hex sha>)")
    repository, sha = found.groups()
    session.install("--require-hashes", "--no-deps", "--only-binary", ":all:", "-r",
                    f"{{SERVER}}/{{repository}}/raw/{{sha}}/requirements/action.txt")
    session.install("--no-deps", "--no-build-isolation",
                    f"skillsync @ git+{{SERVER}}/{{repository}}@{{sha}}")


@nox.session
def validate(session: nox.Session) -> None:
    """Validate the skills at HEAD, the target files and the inventory."""
    install_skillsync(session)
    manifest = f"{{session.create_tmp()}}/manifest.json"
    for step in (
{steps},
    ):
        session.run(*(arg.format(manifest=manifest) for arg in step), external=True)


@nox.session
def sync(session: nox.Session) -> None:
    """Sync a release: nox -s sync -- vX.Y.Z [--live] (a dry run unless --live)."""
    if not session.posargs:
        session.error("name the release tag: nox -s sync -- v1.2.0 [--live]")
    ref, *rest = session.posargs
    install_skillsync(session)
    args = ["skillsync-sync", "--source", ".", "--ref", ref, "--targets", "targets"]
    if "--live" not in rest:
        args.append("--dry-run")
    session.run(*args, *(a for a in rest if a != "--live"), external=True)


@nox.session
def status(session: nox.Session) -> None:
    """What every target holds: release, releases behind, drift, open pull request."""
    install_skillsync(session)
    session.run("skillsync-fleet-status", "--source", ".", "--format", "table",
                *session.posargs, external=True)
'''


GITIGNORE = """\
# skillsync scratch space: run directories stay out of git; the init manifest is committed
# so that `skillsync-init` can tell files it wrote from files you changed.
*
!.gitignore
!init-manifest.json
"""


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
