"""docs: generate docs/cli.md and the generated sections of the docs, or check them."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from skillsync import cli

EPILOG = """\
Generated, never edited by hand:
  docs/cli.md                       the --help of every script in scripts/
  docs/incident-response.md         the section between its GENERATED markers:
                                    the escalation path per target (targets/*.yaml)

examples:
  scripts/docs                      regenerate (writes only what changed)
  scripts/docs --check              exit 1 "stale: run scripts/docs" when a page differs (CI)"""


def _parser() -> argparse.ArgumentParser:
    p = cli.parser("docs", __doc__ or "", EPILOG)
    p.add_argument("--check", action="store_true",
                   help="write nothing; exit 1 when a generated page is stale")
    cli.add_targets(p)
    p.add_argument("--root", metavar="DIR", default=".",
                   help="the repository (holds docs/ and scripts/; default: .)")
    return p


def _body(args: argparse.Namespace) -> int:
    from skillsync import docsgen
    from skillsync.fsutil import atomic_write
    from skillsync.targets import load_targets

    root = Path(args.root)
    pages = docsgen.render(root, load_targets(Path(args.targets)))
    changed = docsgen.stale(root, pages)
    if args.check:
        if changed:
            raise docsgen.StaleError("stale: run scripts/docs", where=", ".join(changed))
        cli.say(f"{len(pages)} generated page(s) up to date")
        return 0
    for rel in changed:
        atomic_write(root / rel, pages[rel])
        cli.say(f"wrote {rel}")
    if not changed:
        cli.say(f"{len(pages)} generated page(s) up to date")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main_wrapper(_parser, _body, argv)


if __name__ == "__main__":
    raise SystemExit(main())
