"""The text of the files `skillsync-init` writes (skillsync.adopt decides where and when):
the source config, the example targets, the noxfile, the Dependabot config. The workflows
are package data (skillsync/workflows/*.yml), filled in by adopt.workflow."""

from __future__ import annotations

import json

from skillsync.pins import Pin

# What `nox -s validate` and skillsync-validate.yml run in an adopted repository; tests
# run the same list and check the workflow template runs it too.
VALIDATE_STEPS: tuple[tuple[str, ...], ...] = (
    ("skillsync-build-manifest", "--source", ".", "--ref", "HEAD", "-o", "{manifest}"),
    ("skillsync-validate-sync-targets", "--manifest", "{manifest}", "--targets", "targets"),
    ("skillsync-inventory", "--check"),
)

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
    # In .skillsync/, which its .gitignore keeps out of git (a `git add -A` then adds nothing).
    Path(".skillsync/validate").mkdir(parents=True, exist_ok=True)
    manifest = ".skillsync/validate/manifest.json"
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
