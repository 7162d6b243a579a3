"""Shared command-line plumbing: the one argument parser, JSON in/out, the one error handler.

A command is a typed function `name(ctx: RunContext, /, *, option=default, ...) -> int`
and a `Command` that declares its options as data (`Opt`, `Group`, `Bundle`) next to the
function in its module; the options several commands share are in
`skillsync.commands._args`. Only this module builds argparse parsers, and only its one
error handler maps exceptions to the exit codes of DESIGN.md. Two ways in, through that
handler: `main(command, argv)` for a command line (scripts/, console commands), and
`call(function, **keywords)` for invoke tasks and tests. Library code raises; only this
module decides how a failure looks to the user.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TextIO

from skillsync.errors import (
    EXIT_CODES_HELP,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    SkillsyncError,
    UsageError,
)

PROG_PREFIX = "skillsync"
P = ParamSpec("P")


@dataclass
class RunContext:
    """What the error handler knows about a running command. A command sets `run_dir`
    (`attach`) as soon as it knows its run directory, so that a crash's traceback goes
    to that run's log.jsonl, which CI uploads, rather than to a temporary file."""

    prog: str = PROG_PREFIX
    run_dir: Path | None = None

    def attach(self, run_dir: str | Path) -> None:
        self.run_dir = Path(run_dir)

    @property
    def run_log(self) -> Path | None:
        return self.run_dir / "log.jsonl" if self.run_dir is not None else None


@dataclass(frozen=True)
class Opt:
    """One command-line argument: its flags (or positional name) and the keywords of
    argparse's `add_argument`. Its value goes to the command function's parameter of the
    same name (`dest`); the parameter's default is the option's default."""

    flags: tuple[str, ...]
    kw: Mapping[str, Any]

    def but(self, **kw: Any) -> Opt:
        """This option with some keywords changed (a shared option, required here)."""
        return Opt(self.flags, {**self.kw, **kw})

    @property
    def dest(self) -> str:
        if "dest" in self.kw:
            return str(self.kw["dest"])
        long = next((f for f in self.flags if f.startswith("--")), self.flags[0])
        return long.lstrip("-").replace("-", "_")


def opt(*flags: str, **kw: Any) -> Opt:
    return Opt(flags, kw)


@dataclass(frozen=True)
class Group:
    """Options of which at most one (exactly one, if `required`) may be given."""

    options: tuple[Opt, ...]
    required: bool = False


@dataclass(frozen=True)
class Bundle:
    """Options that reach the function as one typed value: parameter `name` receives
    `kind(**{dest: value})` of those given (`kind`'s defaults for the rest)."""

    name: str
    kind: Callable[..., Any]
    options: tuple[Opt, ...]


Item = Opt | Group | Bundle


@dataclass(frozen=True)
class Command:
    """A command: its function, the --help text, its options in --help order. The
    program name is the function's name with dashes (`sync_target` -> sync-target)."""

    func: Callable[Concatenate[RunContext, ...], int]
    description: str
    options: tuple[Item, ...]
    epilog: str = ""

    def __post_init__(self) -> None:
        _DECLARED[self.func] = self

    @property
    def prog(self) -> str:
        return command_name(self.func)

    def parameters(self) -> list[str]:
        """The function parameters the options fill (a bundle fills one)."""
        out: list[str] = []
        for item in self.options:
            if isinstance(item, Opt):
                out.append(item.dest)
            elif isinstance(item, Group):
                out += [o.dest for o in item.options]
            else:
                out.append(item.name)
        return out

    def parser(self) -> argparse.ArgumentParser:
        text = (f"{self.epilog.rstrip()}\n\n{EXIT_CODES_HELP}" if self.epilog
                else EXIT_CODES_HELP)
        # SUPPRESS: an option not given is absent from the namespace, so the function's
        # own default applies. One default per option, whoever calls the function.
        p = _Parser(prog=self.prog, description=self.description, epilog=text,
                    formatter_class=argparse.RawDescriptionHelpFormatter,
                    argument_default=argparse.SUPPRESS)
        for item in self.options:
            if isinstance(item, Opt):
                p.add_argument(*item.flags, **item.kw)
            elif isinstance(item, Group):
                group = p.add_mutually_exclusive_group(required=item.required)
                for o in item.options:
                    group.add_argument(*o.flags, **o.kw)
            else:
                for o in item.options:
                    p.add_argument(*o.flags, **o.kw)
        return p

    def check(self, kwargs: Mapping[str, Any]) -> None:
        """What the parser checks besides types, for keyword arguments (`call`): choices
        and mutually exclusive groups, with argparse's messages."""
        def given(o: Opt) -> bool:
            value = kwargs.get(o.dest)
            return value is not None and value is not False

        for item in self.options:
            if isinstance(item, Bundle):
                continue   # typed fields of one value; none has choices
            for o in item.options if isinstance(item, Group) else (item,):
                choices = o.kw.get("choices")
                if choices and given(o) and kwargs[o.dest] not in choices:
                    raise UsageError(f"argument {'/'.join(o.flags)}: invalid choice: "
                                     f"{kwargs[o.dest]!r} (choose from "
                                     f"{', '.join(map(repr, choices))})")
            if isinstance(item, Group):
                chosen = [o for o in item.options if given(o)]
                if len(chosen) > 1:
                    raise UsageError(f"argument {'/'.join(chosen[1].flags)}: not allowed with "
                                     f"argument {'/'.join(chosen[0].flags)}")
                if item.required and not chosen:
                    names = " ".join("/".join(o.flags) for o in item.options)
                    raise UsageError(f"one of the arguments {names} is required")

    def arguments(self, ns: argparse.Namespace) -> dict[str, Any]:
        """The function's keyword arguments from a parsed command line."""
        given = vars(ns)
        for item in self.options:
            if isinstance(item, Bundle):
                fields = {o.dest: given.pop(o.dest) for o in item.options if o.dest in given}
                given[item.name] = item.kind(**fields)
        return given


# Command of each function, for `call` (filled as each command module is imported).
_DECLARED: dict[Callable[..., int], Command] = {}


def command_name(func: Callable[..., Any]) -> str:
    return func.__name__.replace("_", "-")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:
        self.print_usage(sys.stderr)
        raise UsageError(message)


def read_text(arg: str) -> str:
    """Read a file argument; `-` is stdin.

    Empty stdin is refused with its own message: in `a | b --manifest -`, when `a`
    fails it prints nothing, and "not valid JSON" from `b` would be a second,
    misleading error under the first (issue 13)."""
    if arg == "-":
        text = sys.stdin.read()
        if not text.strip():
            raise UsageError("empty input on stdin (did the command before the pipe fail?)")
        return text
    try:
        return Path(arg).read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read {arg}: {exc.strerror or exc}") from None


def read_json(arg: str, what: str = "JSON") -> Any:
    text = read_text(arg)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        src = "stdin" if arg == "-" else arg
        raise UsageError(f"{what} is not valid JSON: {exc.msg}",
                         where=f"{src}:{exc.lineno}") from None


def emit_json(obj: Any, output: str = "-") -> None:
    """Canonical JSON to stdout, or atomically to `output`."""
    from skillsync.fsutil import dumps
    from skillsync.secrets import redact_obj

    emit_text(dumps(redact_obj(obj)), output)


def emit_text(text: str, output: str = "-") -> None:
    """`text` (redacted) to stdout, or atomically to `output`. An `output` that cannot
    be written (a directory, a path under a file, an unwritable directory) is a
    UsageError naming it: exit 2, one line, no partial file."""
    from skillsync.fsutil import atomic_write
    from skillsync.paths import show
    from skillsync.secrets import redact

    text = redact(text)
    if output in ("-", ""):
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        atomic_write(output, text)
    except OSError as exc:
        reason = "is a directory" if Path(output).is_dir() else (exc.strerror or str(exc))
        raise UsageError(f"cannot write the output file: {reason}", where=show(output)) from None


def say(message: str, stream: TextIO | None = None) -> None:
    """A human message on stderr (redacted)."""
    from skillsync.secrets import redact

    print(redact(message), file=stream or sys.stderr, flush=True)


def call(func: Callable[Concatenate[RunContext, P], int], /,
         *args: P.args, **kwargs: P.kwargs) -> int:
    """Run a command function as its command line would, e.g. from an invoke task:
    `call(sync, ref="v1.2.0", source=".")`; expected failures become one line on
    stderr and their exit code, a crash its traceback in the run log and exit 70."""
    ctx = RunContext(command_name(func))
    command = _DECLARED.get(func)

    def body() -> int:
        if command is not None:
            command.check(kwargs)
        return func(ctx, *args, **kwargs)

    return _guarded(ctx, body)


def _guarded(ctx: RunContext, body: Callable[[], int]) -> int:
    """The one error handler: exceptions to exit codes (DESIGN.md, "Exit codes")."""
    try:
        return body()
    except SkillsyncError as exc:
        say(f"{ctx.prog}: error: {exc}")
        return exc.exit_code
    except KeyboardInterrupt:
        say(f"{ctx.prog}: interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader of our stdout went away (e.g. `| head`); not our failure.
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        return 0
    except Exception:
        from skillsync.secrets import redact

        tb = redact(traceback.format_exc())
        where = _write_crash(tb, ctx.run_log)
        last = tb.strip().splitlines()[-1]
        say(f"{ctx.prog}: internal error: {last} (traceback in {where})")
        return EXIT_INTERNAL


def _write_crash(tb: str, run_log: Path | None) -> str:
    if run_log is not None:
        try:
            event = {"step": "internal-error", "status": "error", "message": tb.splitlines()[-1],
                     "data": {"traceback": tb}}
            with open(run_log, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(event) + "\n")
            return str(run_log)
        except OSError:
            pass
    fd, path = tempfile.mkstemp(prefix="skillsync-crash-", suffix=".log")
    with os.fdopen(fd, "w") as fh:
        fh.write(tb)
    return path


def prog_name(name: str, argv0: str | None = None) -> str:
    """The name a user typed for command `name`: `skillsync-sync` for the console
    command, `sync` for scripts/sync. Anything else (`python -m`, a test runner)
    keeps `name`, so generated help (docs/cli.md) does not depend on who ran it."""
    base = os.path.basename(sys.argv[0] if argv0 is None else argv0)
    return base if base in (name, f"{PROG_PREFIX}-{name}") else name


def main(command: Command, argv: Sequence[str] | None) -> int:
    """Parse `argv` for `command`, then call its function (through the error handler).

    Only a real command line (`argv` None: this process is the command) takes its
    program name from argv[0]; a caller passing `argv` (the demo, scripts/docs)
    gets the command's own name."""
    p = command.parser()
    if argv is None:
        p.prog = prog_name(p.prog)
    try:
        ns = p.parse_args(argv)
    except UsageError as exc:
        say(f"{p.prog}: error: {exc}")
        return exc.exit_code
    ctx = RunContext(p.prog)
    kwargs = command.arguments(ns)
    return _guarded(ctx, lambda: command.func(ctx, **kwargs))
