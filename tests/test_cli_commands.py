"""Commands as typed functions (issue 14): every script's logic is a function taking
keyword arguments, argparse lives in `skillsync.cli` (shared options once, in
`skillsync.commands._args`), invoke tasks call the functions through `cli.call`, and
tasks.py and noxfile.py run their lint and validate checks from one list."""

from __future__ import annotations

import functools
import importlib
import importlib.util
import inspect
import json
import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from invoke import Context, Result

from conftest import ROOT
from safety_fixtures import add_target, head, source, tree, world
from skillsync import checks, cli
from skillsync.commands._args import SyncFlags

__all__ = ["source", "world"]  # fixtures

COMMANDS = sorted(p.stem for p in (ROOT / "src" / "skillsync" / "commands").glob("*.py")
                  if not p.stem.startswith("_"))


def _module(name: str) -> ModuleType:
    return importlib.import_module(f"skillsync.commands.{name}")


@functools.cache   # once: nox keeps a registry of sessions and warns on a second load
def _load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"_under_test_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# -- one list of checks ------------------------------------------------------------------------

class _Session:
    """What a nox session body sees, recording the commands it runs."""

    def __init__(self) -> None:
        self.commands: list[list[str]] = []
        self.posargs: list[str] = []

    def install(self, *args: str, **kwargs: Any) -> None:
        pass

    def run(self, *args: str, **kwargs: Any) -> None:
        self.commands.append(list(args))


class _Recorder(Context):
    """An invoke Context that records each command and where it ran, running nothing."""

    def __init__(self) -> None:
        super().__init__()
        self.commands: list[tuple[list[str], str]] = []

    def run(self, command: str, **kwargs: Any) -> Result:
        words = ["python" if w == sys.executable else w for w in shlex.split(command)]
        self.commands.append((words, self.cwd))
        return Result(command=command, exited=0)


@pytest.mark.parametrize("name", ["lint", "validate"])
def test_tasks_and_nox_run_the_same_checks(name: str) -> None:
    """`invoke NAME` and `nox -s NAME` run exactly skillsync.checks' list, in order, at the
    repository root (the task had drifted: it did not run `docs --check`)."""
    expected = [list(c) for c in getattr(checks, name.upper())]
    assert expected, name
    noxfile, tasks = _load(ROOT / "noxfile.py"), _load(ROOT / "tasks.py")

    session = _Session()
    getattr(noxfile, name)(session)
    ctx = _Recorder()
    getattr(tasks, name)(ctx)

    assert session.commands == expected
    assert [words for words, _ in ctx.commands] == expected
    assert {cwd for _, cwd in ctx.commands} == {str(ROOT)}


def test_a_failing_check_stops_the_task_with_its_exit_code() -> None:
    from invoke import Exit

    class Failing(_Recorder):
        def run(self, command: str, **kwargs: Any) -> Result:
            super().run(command, **kwargs)
            return Result(command=command, exited=1 if len(self.commands) == 2 else 0)

    ctx = Failing()
    with pytest.raises(Exit) as info:
        _load(ROOT / "tasks.py").validate(ctx)
    assert info.value.code == 1
    assert len(ctx.commands) == 2   # the third check did not run


# -- argparse in one place ------------------------------------------------------------------

def test_no_command_module_builds_a_parser() -> None:
    """Commands declare options as data; only cli.py (parsers) and commands/_args.py
    (option value types) import argparse."""
    pkg = ROOT / "src" / "skillsync"
    users = sorted(str(p.relative_to(pkg)) for p in [pkg / "cli.py", *pkg.glob("commands/*.py")]
                   if "import argparse" in p.read_text(encoding="utf-8"))
    assert users == ["cli.py", "commands/_args.py"]


@pytest.mark.parametrize("name", COMMANDS)
def test_every_option_fills_a_keyword_parameter_of_the_function(name: str) -> None:
    """The command line and a direct call see the same interface: one keyword-only
    parameter per option (a bundle of options: one), required exactly when the option
    is required, and the function's default is the option's only default."""
    mod = _module(name)
    command: cli.Command = mod.COMMAND
    assert command.prog == name.replace("_", "-")
    params = list(inspect.signature(command.func).parameters.values())
    assert params[0].kind is inspect.Parameter.POSITIONAL_ONLY   # the RunContext
    keywords = {p.name: p for p in params[1:]}
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in keywords.values())
    assert sorted(command.parameters()) == sorted(keywords)

    def required(o: cli.Opt) -> bool:
        positional = not o.flags[0].startswith("-")
        return bool(o.kw.get("required")) or (positional and o.kw.get("nargs") != "*")

    opts = [i for i in command.options if isinstance(i, cli.Opt)]
    assert {o.dest for o in opts if required(o)} == {
        n for n, p in keywords.items() if p.default is inspect.Parameter.empty}
    # No default in a declaration: the function's is the only one (the parser SUPPRESSes).
    every = [o for i in command.options
             for o in (i.options if isinstance(i, cli.Group | cli.Bundle) else (i,))]
    assert [o.flags for o in every if "default" in o.kw] == []


# -- every command function, called with keyword arguments ---------------------------------------

def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def test_every_command_function_returns_its_exit_code(world: dict[str, Any],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """One tiny fleet (a push target on a bare repository), every command called as an
    invoke task calls it: `cli.call(function, **keywords)`, each returning the exit code
    its --help documents."""
    root: Path = world["root"]
    tdir, src = str(world["targets"]), str(world["source"])
    bare = add_target(world, "alpha-push")
    monkeypatch.chdir(root)
    called: set[Callable[..., int]] = set()

    def call(name: str, expect: int, **kwargs: Any) -> None:
        func = getattr(_module(name), name)
        called.add(func)
        assert cli.call(func, **kwargs) == expect, (name, kwargs)

    m = root / "m.json"
    call("build_manifest", 0, source=src, ref="v1.0.0", output=str(m))
    assert _json(m)["source"]["ref"] == "v1.0.0"
    call("validate_sync_targets", 0, manifest=str(m), targets=tdir, output=str(root / "v.json"))
    call("route_targets", 0, manifest=str(m), targets=tdir, output=str(root / "routes.json"))
    assert [r["id"] for r in _json(root / "routes.json")] == ["alpha-push"]
    call("matrix_chunks", 0, routes=str(root / "routes.json"), targets=tdir,
         output=str(root / "chunks.json"))
    call("health", 0, targets=tdir, output=str(root / "health.json"))
    call("snapshot", 0, manifest=str(m), targets=tdir, run_dir=str(root / "snap"),
         output=str(root / "snaps.json"))

    before, files = head(bare), tree(bare)
    call("sync_target", 0, target="alpha-push", manifest=str(m), targets=tdir,
         run_dir=str(root / "dry"), flags=SyncFlags(dry_run=True), output=str(root / "t.json"))
    assert _json(root / "t.json")["status"] == "planned" and head(bare) == before
    call("sync", 0, manifest=str(m), targets=tdir, run_dir=str(root / "live"),
         output=str(root / "s.json"))
    assert head(bare) != before
    call("report", 0, run=str(root / "live"), fmt="md", output=str(root / "r.md"))
    assert "alpha-push" in (root / "r.md").read_text()
    call("merge_runs", 0, into=str(root / "merged"), parts=[str(root / "live")], targets=tdir,
         output=str(root / "merge.json"))
    call("notify", 0, run_dir=str(root / "live"), dry_run=True, output=str(root / "n.json"))
    call("fleet_status", 0, targets=tdir, source=src, runs=str(root), fmt="json",
         output=str(root / "status.json"))
    call("dashboard", 0, status=str(root / "status.json"), dry_run=True,
         output=str(root / "dash.json"))
    assert _json(root / "dash.json")["action"] == "skipped"   # no GITHUB_TOKEN here
    call("rollback", 0, run=str(root / "live"), target=["alpha-push"], targets=tdir,
         output=str(root / "rb.json"))
    assert _json(root / "rb.json")["targets"][0]["status"] == "rolled-back"
    assert tree(bare) == files
    call("inventory", 0, targets=tdir, output=str(root / "inventory.md"))
    assert "alpha-push" in (root / "inventory.md").read_text()
    call("inventory", 1, targets=tdir, check=True, output=str(root / "r.md"))   # stale file
    call("init", 0, repo=src, dry_run=True, pin="0" * 40, output=str(root / "init.json"))
    call("docs", 0, check=True, root=str(ROOT), targets=str(ROOT / "targets"))
    call("demo", 0, validate_only=True, targets=str(ROOT / "targets"))

    # Usage errors through the same handler: exit 2, one line, as on the command line.
    call("sync", 2, targets=tdir)                                     # no release given
    call("rollback", 2, run=str(root / "live"), targets=tdir)          # no --target
    call("fleet_status", 2, targets=tdir, fmt="xml")
    call("sync_target", 2, target="nope", manifest=str(m), targets=tdir)

    assert called == {_module(n).COMMAND.func for n in COMMANDS}


def test_call_checks_what_the_parser_checks(capsys: pytest.CaptureFixture[str]) -> None:
    """choices and exclusive groups get argparse's own messages, before the function runs."""
    from skillsync.commands.matrix_chunks import matrix_chunks
    from skillsync.commands.sync import sync

    assert cli.call(sync, manifest="m.json", ref="v1.0.0") == 2
    assert cli.call(matrix_chunks) == 2
    assert cli.call(sync, fmt="yaml") == 2
    assert capsys.readouterr().err.splitlines() == [
        "sync: error: argument --ref: not allowed with argument --manifest",
        "matrix-chunks: error: one of the arguments --routes --ids --newer-than is required",
        "sync: error: argument --format: invalid choice: 'yaml' (choose from 'auto', 'json', "
        "'table')",
    ]


# -- the crash handler finds the run through the RunContext ----------------------------------

@pytest.mark.parametrize("how", ["command line", "call"])
def test_a_crash_after_the_run_dir_is_known_goes_to_its_log(
        how: str, world: dict[str, Any], monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from skillsync import report
    from skillsync.commands import sync

    add_target(world, "alpha-push")
    run = world["root"] / "run"

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(report, "write_summary", boom)
    if how == "call":
        code = cli.call(sync.sync, manifest=str(world["v1.0.0"]), targets=str(world["targets"]),
                        run_dir=str(run), flags=SyncFlags(dry_run=True))
    else:
        code = sync.main(["--manifest", str(world["v1.0.0"]), "--targets", str(world["targets"]),
                          "--run-dir", str(run), "--dry-run"])
    assert code == 70
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err == f"sync: internal error: RuntimeError: boom (traceback in {run / 'log.jsonl'})"
    last = json.loads((run / "log.jsonl").read_text().splitlines()[-1])
    assert last["step"] == "internal-error" and "Traceback" in last["data"]["traceback"]


def test_run_context_holds_the_run_log() -> None:
    ctx = cli.RunContext("sync")
    assert ctx.run_log is None
    ctx.attach("runs/r1")
    assert ctx.run_log == Path("runs/r1/log.jsonl")
