"""Shared command-line plumbing: parsers, JSON in/out, the one error handler.

Every command module defines `main(argv=None) -> int` that builds a parser
with `parser()`, then calls `run(body, args)`; `run` maps exceptions to the
exit codes of DESIGN.md. Library code raises; only this module decides how a
failure looks to the user.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from skillsync.errors import (
    EXIT_CODES_HELP,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    SkillsyncError,
    UsageError,
)

PROG_PREFIX = "skillsync"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:
        self.print_usage(sys.stderr)
        raise UsageError(message)


def parser(prog: str, description: str, epilog: str = "") -> argparse.ArgumentParser:
    text = f"{epilog.rstrip()}\n\n{EXIT_CODES_HELP}" if epilog else EXIT_CODES_HELP
    return _Parser(
        prog=prog,
        description=description,
        epilog=text,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def add_targets(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--targets",
        metavar="DIR",
        default=os.environ.get("SKILLSYNC_TARGETS", "targets"),
        help="directory of target YAML files (default: $SKILLSYNC_TARGETS, else ./targets)",
    )


def add_run_dir(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--run-dir",
        metavar="DIR",
        default=None,
        help="run directory (default: $SKILLSYNC_RUN_DIR, else a new .skillsync/runs/<run-id>/)",
    )


def add_output(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "-o", "--output", metavar="FILE", default="-", help="write JSON here (default: stdout)"
    )


def positive_int(text: str) -> int:
    """argparse type for counts such as --jobs."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


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


def run(
    body: Callable[[argparse.Namespace], int],
    args: argparse.Namespace,
    *,
    crash_log: Callable[[], Path | None] | None = None,
) -> int:
    """Run a command body; expected failures become one line and their exit code."""
    prog = getattr(args, "_prog", PROG_PREFIX)
    try:
        return body(args)
    except SkillsyncError as exc:
        say(f"{prog}: error: {exc}")
        return exc.exit_code
    except KeyboardInterrupt:
        say(f"{prog}: interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader of our stdout went away (e.g. `| head`); not our failure.
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115
        return 0
    except Exception:
        from skillsync.secrets import redact

        tb = redact(traceback.format_exc())
        where = _write_crash(tb, crash_log() if crash_log else None)
        last = tb.strip().splitlines()[-1]
        say(f"{prog}: internal error: {last} (traceback in {where})")
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


def main_wrapper(
    build: Callable[[], argparse.ArgumentParser],
    body: Callable[[argparse.Namespace], int],
    argv: Sequence[str] | None,
) -> int:
    """Parse `argv` with the parser from `build`, then `run(body, ...)`.

    Only a real command line (`argv` None: this process is the command) takes its
    program name from argv[0]; a caller passing `argv` (invoke, the demo, scripts/docs)
    gets the parser's own name."""
    p = build()
    if argv is None:
        p.prog = prog_name(p.prog)
    try:
        args = p.parse_args(argv)
    except UsageError as exc:
        say(f"{p.prog}: error: {exc}")
        return exc.exit_code
    args._prog = p.prog

    def crash_log() -> Path | None:
        rd = getattr(args, "_run_dir", None)
        return Path(rd) / "log.jsonl" if rd else None

    return run(body, args, crash_log=crash_log)
