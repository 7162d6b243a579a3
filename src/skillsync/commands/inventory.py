"""inventory: generate docs/downstream-inventory.md from the target files, or check it."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from skillsync import cli
from skillsync.commands import _args
from skillsync.defaults import INVENTORY_FILE as DEFAULT_OUTPUT
from skillsync.errors import UsageError

EPILOG = """\
examples:
  %(prog)s            (regenerate docs/downstream-inventory.md)
  %(prog)s --check    (exit 1 if the committed file is stale: CI)
  %(prog)s -o -       (print the inventory to stdout)"""


def inventory(ctx: cli.RunContext, /, *, targets: str | None = None, check: bool = False,
              output: str = DEFAULT_OUTPUT) -> int:
    """Write the inventory to `output` ('-': stdout; `check`: exit 1 when it is stale)."""
    from skillsync import inventory as inv
    from skillsync.commands._common import load_targets

    fleet = load_targets(targets)
    text = inv.render(fleet)
    if output == "-":
        if check:
            raise UsageError("--check needs a file, not '-'")
        sys.stdout.write(text)
        return 0
    path = Path(output)
    try:
        existing: str | None = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        existing = None
    except OSError as exc:
        raise UsageError(f"cannot read: {exc.strerror or exc}", where=output) from None
    if check:
        inv.check(text, existing, output)
        cli.say(f"{output} is up to date ({len(fleet)} targets)")
        return 0
    if existing == text:
        cli.say(f"{output} is up to date ({len(fleet)} targets)")
        return 0
    cli.emit_text(text, output)
    cli.say(f"wrote {output} ({len(fleet)} targets)")
    return 0


COMMAND = cli.Command(
    inventory,
    "Render the downstream inventory (Markdown) from the target files. Deterministic:"
    " the same targets give the same bytes.", (
        _args.TARGETS,
        cli.opt("--check", action="store_true",
                help="do not write; exit 1 when FILE differs from what would be generated"),
        cli.opt("-o", "--output", metavar="FILE",
                help=f"the inventory file (default: {DEFAULT_OUTPUT}; '-' = stdout)"),
    ), EPILOG)


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main(COMMAND, argv)


if __name__ == "__main__":
    raise SystemExit(main())
