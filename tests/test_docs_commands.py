"""Docs that run (issue 13): every shell command in README.md and docs/*.md either
runs as shown, after the demo, or is marked a template and checked against the
real command-line interface — the way sqlite-utils keeps its docs true.

The convention (docs/architecture.md, "Commands in the docs"):
- a ```sh block is run by this test, block after block in page order, in a copy of
  the repository where the demo has run (`python -m skillsync.commands.demo`,
  what `nox -s demo` runs); each command must exit 0, or the code its trailing
  comment names (`# exits 3: ...`);
- a ```sh template block is not run (placeholders such as RUN and ID, or needs a
  GitHub repository, `gh`, credentials or a network); every skillsync, invoke, nox
  and `gh workflow` command in it, and in inline `code` in the prose, is checked:
  the script or task exists and takes each option used, the workflow exists and
  has each `-f` input.

Not here: docs/adopting.md (followed step by step by its own test) and the
generated docs/cli.md (checked by `scripts/docs --check`).
"""

from __future__ import annotations

import functools
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted(p for p in (ROOT / "docs").glob("*.md")
                                     if p.name not in ("adopting.md", "cli.md"))]
BLOCK_TIMEOUT = 180       # seconds for one block; the demo fleet is small and local
FENCE = re.compile(r"^```(.*)$")
EXITS = re.compile(r"#.*\bexits (\d+)\b")
IGNORED = shutil.ignore_patterns(".git", ".venv", ".nox", ".skillsync", "__pycache__",
                                 "*.egg-info", ".pytest_cache", ".mypy_cache", ".ruff_cache",
                                 "build", "dist")


@dataclass(frozen=True)
class Block:
    page: str
    line: int                 # of the opening fence, 1-based
    info: str
    text: str

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}"


def blocks(page: Path) -> list[Block]:
    out, info, start, body = [], None, 0, []
    for n, raw in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
        m = FENCE.match(raw)
        if m and info is None:
            info, start, body = m.group(1).strip(), n, []
        elif raw.strip() == "```" and info is not None:
            out.append(Block(page.relative_to(ROOT).as_posix(), start, info, "\n".join(body)))
            info = None
        elif info is not None:
            body.append(raw)
    return out


ALL = [b for p in PAGES for b in blocks(p)]
RUN = [b for b in ALL if b.info == "sh"]
TEMPLATES = [b for b in ALL if b.info == "sh template"]


def commands(text: str) -> Iterator[tuple[int, str]]:
    """(line offset, command) per logical line: continuations joined, blank and
    comment-only lines left out."""
    pending, first = "", 0
    for i, raw in enumerate(text.splitlines()):
        if not pending:
            first = i
        if raw.rstrip().endswith("\\"):
            pending += raw.rstrip()[:-1] + " "
            continue
        line = (pending + raw).strip()
        pending = ""
        if line and not line.startswith("#"):
            yield first, line


def segments(cmd: str) -> list[list[str]]:
    """The simple commands of a command line (split at |, ||, &&, ;, & outside quotes),
    each without its leading VAR=value assignments."""
    lexer = shlex.shlex(cmd, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    out: list[list[str]] = [[]]
    try:
        for tok in lexer:
            if tok in ("|", "||", "&&", ";", "&", "|&"):
                out.append([])
            else:
                out[-1].append(tok)
    except ValueError:
        return []
    for words in out:
        while words and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[0]):
            del words[0]
    return [w for w in out if w]


def test_every_shell_block_follows_the_convention() -> None:
    """A shell block is either run (sh) or a template (sh template); nothing else."""
    shellish = [b for b in ALL if b.info.split()[:1] in (["sh"], ["bash"], ["shell"],
                                                         ["console"], ["shell-session"])]
    odd = [f"{b.id} ```{b.info}" for b in shellish if b.info not in ("sh", "sh template")]
    assert not odd, odd
    assert RUN and TEMPLATES


# -- running the runnable blocks ---------------------------------------------------------------
@pytest.fixture(scope="module")
def demo_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the repository (nothing is written in the checkout) where the demo ran."""
    copy = tmp_path_factory.mktemp("docs") / "skillsync"
    shutil.copytree(ROOT, copy, ignore=IGNORED, symlinks=True)
    for attempt in range(3):
        proc = subprocess.run([sys.executable, "-m", "skillsync.commands.demo"], cwd=copy,
                              env=_env(copy), capture_output=True, text=True, timeout=300,
                              check=False)
        # The demo's loopback ports are fixed; another demo on this machine may hold them.
        if proc.returncode == 0 or "cannot start the demo's loopback servers" not in proc.stderr:
            break
        assert attempt < 2, proc.stderr[-2000:]
    assert proc.returncode == 0, proc.stderr[-3000:]
    return copy


def _env(copy: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SKILLSYNC_", "GITHUB_")) and k != "PYTHONPATH"}
    # The interpreter running the tests is the one with skillsync's dependencies, its
    # console commands (skillsync-*), invoke and nox; scripts/* run with `python3`.
    bindir = str(Path(sys.executable).parent)
    env["PATH"] = os.pathsep.join([bindir, env.get("PATH", "")])
    env["PYTHONPATH"] = str(copy / "src")
    env["COLUMNS"] = "100"
    return env


def _script(block: Block) -> str:
    """The block as one bash script (so `cd` and variables carry over between its
    lines) that checks each command's exit code on its own."""
    out = ["set -uo pipefail"]
    for offset, cmd in commands(block.text):
        m = EXITS.search(cmd)
        want = int(m.group(1)) if m else 0
        where = f"{block.page}:{block.line + 1 + offset}"
        out += [cmd, f"rc=$?; if [ $rc -ne {want} ]; then echo {shlex.quote(where)}: exited "
                     f"$rc, expected {want}: {shlex.quote(cmd)} >&2; exit 99; fi"]
    return "\n".join(out) + "\n"


def _needs(block: Block) -> list[str]:
    progs = {words[0] for _, cmd in commands(block.text) for words in segments(cmd)}
    return sorted(p for p in progs if p in ("jq",) and shutil.which(p) is None)


@pytest.mark.parametrize("block", RUN, ids=lambda b: b.id)
def test_runnable_block_runs_as_shown(block: Block, demo_copy: Path) -> None:
    missing = _needs(block)
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed on this machine")
    proc = subprocess.run(["bash", "-c", _script(block)], cwd=demo_copy, env=_env(demo_copy),
                          capture_output=True, text=True, timeout=BLOCK_TIMEOUT, check=False,
                          stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, f"{block.id}:\n{proc.stderr[-3000:]}"


# -- checking the templates and the prose --------------------------------------------------------
class Missing(Exception):
    """The docs name a script, task, workflow or option that does not exist."""


@functools.cache
def console_commands() -> frozenset[str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return frozenset(data["project"]["scripts"])


@functools.cache
def script_help(name: str) -> str:
    """`--help` of scripts/NAME (its console twin skillsync-NAME takes the same options)."""
    path = ROOT / "scripts" / name
    if not path.is_file():
        raise Missing(f"no scripts/{name}")
    if name.endswith(".sh"):
        return path.read_text(encoding="utf-8")
    from skillsync.docsgen import _command_module, module_help

    module = _command_module(path)
    if not module:
        raise Missing(f"scripts/{name} calls no skillsync.commands module")
    return module_help(module)


@functools.cache
def invoke_help(task: str) -> str:
    proc = subprocess.run([sys.executable, "-m", "invoke", "--search-root", str(ROOT), "--help",
                           task], capture_output=True, text=True, timeout=60, check=False,
                          env=_env(ROOT))
    if proc.returncode != 0:
        raise Missing(f"no invoke task {task}")
    return proc.stdout


@functools.cache
def nox_sessions() -> frozenset[str]:
    tree = (ROOT / "noxfile.py").read_text(encoding="utf-8")
    return frozenset(re.findall(r"@nox\.session[^\n]*\ndef (\w+)", tree))


def workflow_inputs(name: str) -> set[str]:
    # `gh workflow run` runs in an adopter's repository, whose workflows are the callers
    # skillsync-init writes (src/skillsync/workflows/); ours are reusable only (issue 13).
    path = ROOT / "src" / "skillsync" / "workflows" / name
    if not path.is_file():
        raise Missing(f"no workflow {name} in src/skillsync/workflows/ (what init writes)")
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    on = doc.get("on", doc.get(True)) or {}
    return set((on.get("workflow_dispatch") or {}).get("inputs") or {})


def placeholder(word: str) -> bool:
    """NAME, TASK, X.yml, <run-id>: a word the reader replaces, not a name to check."""
    return bool(re.fullmatch(r"[A-Z][A-Z_]*(\.yml)?|<[^>]+>", word))


def _options(words: list[str]) -> list[str]:
    return [w.split("=", 1)[0] for w in words if w.startswith("--") and len(w) > 2]


def check_command(cmd: str) -> list[str]:
    """Why `cmd` (one shell command line) does not match the real interface."""
    problems = []
    for words in segments(cmd):
        prog, args = words[0], words[1:]
        # `skillsync-run` (an artifact), `skillsync-<id>` (an environment) are names, not
        # commands: a skillsync-* word is a command when it is one or takes options.
        console = prog.startswith("skillsync-") and (
            prog in console_commands() or any(a.startswith("-") for a in args))
        if console and prog not in console_commands():
            problems.append(f"no console command {prog}")
        elif prog.startswith("scripts/") or console:
            name = prog.removeprefix("scripts/").removeprefix("skillsync-")
            if placeholder(name):
                continue
            try:
                text = script_help(name)
            except Missing as exc:
                problems.append(str(exc))
                continue
            problems += [f"{prog} has no option {o}" for o in _options(args)
                         if not re.search(rf"(?<![\w-]){re.escape(o)}(?![\w-])", text)]
        elif prog in ("invoke", "inv") and args and not args[0].startswith("-") \
                and not placeholder(args[0]):
            try:
                text = invoke_help(args[0])
            except Missing as exc:
                problems.append(str(exc))
                continue
            problems += [f"invoke {args[0]} has no option {o}" for o in _options(args[1:])
                         if o not in text]
        elif prog == "nox" and "-s" in args:
            session = args[args.index("-s") + 1] if args[-1] != "-s" else ""
            if not placeholder(session) and session not in nox_sessions():
                problems.append(f"no nox session {session}")
        elif prog == "gh" and args[:1] == ["workflow"] and len(args) > 2:
            wf = args[2]
            if placeholder(wf):
                continue
            try:
                inputs = workflow_inputs(wf)
            except Missing as exc:
                problems.append(str(exc))
                continue
            fields = [args[i + 1].split("=", 1)[0] for i, a in enumerate(args[:-1]) if a == "-f"]
            problems += [f"{wf} has no input {f}" for f in fields if f not in inputs]
    return problems


# `scripts/` alone is a skill's folder in prose (Agent Skills layout), not a command.
CHECKED = re.compile(r"^(scripts/[\w.-]|skillsync-|invoke |inv |nox -s |gh workflow )")


def inline_commands(page: Path) -> Iterator[tuple[int, str]]:
    """Commands in `inline code` of the prose (outside fenced blocks)."""
    fenced = False
    for n, raw in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
        if raw.startswith("```"):
            fenced = not fenced
            continue
        if fenced:
            continue
        for span in re.findall(r"`([^`]+)`", raw):
            if CHECKED.match(span):
                yield n, span


@pytest.mark.parametrize("block", [*TEMPLATES, *RUN], ids=lambda b: b.id)
def test_commands_in_blocks_match_the_interface(block: Block) -> None:
    problems = [f"{block.page}:{block.line + 1 + off}: {p}"
                for off, cmd in commands(block.text) for p in check_command(cmd)]
    assert not problems, problems


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_commands_in_the_prose_match_the_interface(page: Path) -> None:
    problems = [f"{page.relative_to(ROOT)}:{n}: {p}"
                for n, cmd in inline_commands(page) for p in check_command(cmd)]
    assert not problems, problems


def test_the_checker_catches_drift() -> None:
    """The checks above would see a renamed option, script, task, session or input."""
    assert check_command("scripts/rollback --run R --target T --dry-run") == []
    assert check_command("skillsync-rollback --run R --all-synced") == []
    assert check_command("scripts/rollback --run R --no-such-flag") == [
        "scripts/rollback has no option --no-such-flag"]
    assert check_command("scripts/nope --x") == ["no scripts/nope"]
    assert check_command("skillsync-nope --x") == ["no console command skillsync-nope"]
    assert check_command("nox -s nope") == ["no nox session nope"]
    assert check_command('gh workflow run rollback.yml -f run_id=1 -f target="a"') == [
        "rollback.yml has no input target"]
    assert check_command("invoke sync --dry-run --only a") == []
    assert check_command("invoke sync --frobnicate") == ["invoke sync has no option --frobnicate"]
    # A runnable block fails on a command whose exit code is not the documented one.
    script = _script(Block("x.md", 1, "sh", "true\nfalse   # exits 1\n(exit 2)"))
    proc = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=30,
                          check=False)
    assert proc.returncode == 99 and "x.md:4: exited 2, expected 0" in proc.stderr
