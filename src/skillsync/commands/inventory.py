"""inventory: generate docs/downstream-inventory.md from the target files, or check it."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from skillsync import cli
from skillsync.errors import UsageError

EPILOG = """\
examples:
  %(prog)s            (regenerate docs/downstream-inventory.md)
  %(prog)s --check    (exit 1 if the committed file is stale: CI)
  %(prog)s -o -       (print the inventory to stdout)"""


def _parser() -> argparse.ArgumentParser:
    from skillsync.defaults import INVENTORY_FILE as DEFAULT_OUTPUT

    p = cli.parser(
        "inventory",
        "Render the downstream inventory (Markdown) from the target files. Deterministic:"
        " the same targets give the same bytes.",
        EPILOG,
    )
    cli.add_targets(p)
    p.add_argument("--check", action="store_true",
                   help="do not write; exit 1 when FILE differs from what would be generated")
    p.add_argument("-o", "--output", metavar="FILE", default=DEFAULT_OUTPUT,
                   help=f"the inventory file (default: {DEFAULT_OUTPUT}; '-' = stdout)")
    return p


def _body(args: argparse.Namespace) -> int:
    from skillsync import inventory
    from skillsync.targets import load_targets

    targets = load_targets(Path(args.targets))
    text = inventory.render(targets)
    out = args.output
    if out == "-":
        if args.check:
            raise UsageError("--check needs a file, not '-'")
        sys.stdout.write(text)
        return 0
    path = Path(out)
    try:
        existing: str | None = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        existing = None
    except OSError as exc:
        raise UsageError(f"cannot read: {exc.strerror or exc}", where=out) from None
    if args.check:
        inventory.check(text, existing, out)
        cli.say(f"{out} is up to date ({len(targets)} targets)")
        return 0
    if existing == text:
        cli.say(f"{out} is up to date ({len(targets)} targets)")
        return 0
    cli.emit_text(text, out)
    cli.say(f"wrote {out} ({len(targets)} targets)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main_wrapper(_parser, _body, argv)


if __name__ == "__main__":
    raise SystemExit(main())
