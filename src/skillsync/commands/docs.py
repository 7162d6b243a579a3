"""docs: generate docs/cli.md and the generated sections of the docs, or check them."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from skillsync import cli
from skillsync.commands import _args

EPILOG = """\
Generated, never edited by hand:
  docs/cli.md                       the --help of every script in scripts/
  docs/incident-response.md         the section between its GENERATED markers:
                                    the escalation path per target (targets/*.yaml)

examples:
  scripts/docs                      regenerate (writes only what changed)
  scripts/docs --check              exit 1 "stale: run scripts/docs" when a page differs (CI)"""


def docs(ctx: cli.RunContext, /, *, check: bool = False, targets: str | None = None,
         root: str = ".") -> int:
    """Regenerate the generated pages under `root` (`check`: exit 1 when one is stale)."""
    from skillsync import docsgen
    from skillsync.commands._common import load_targets
    from skillsync.fsutil import atomic_write

    top = Path(root)
    pages = docsgen.render(top, load_targets(targets))
    changed = docsgen.stale(top, pages)
    if check:
        if changed:
            raise docsgen.StaleError("stale: run scripts/docs", where=", ".join(changed))
        cli.say(f"{len(pages)} generated page(s) up to date")
        return 0
    for rel in changed:
        atomic_write(top / rel, pages[rel])
        cli.say(f"wrote {rel}")
    if not changed:
        cli.say(f"{len(pages)} generated page(s) up to date")
    return 0


COMMAND = cli.Command(docs, __doc__ or "", (
    cli.opt("--check", action="store_true",
            help="write nothing; exit 1 when a generated page is stale"),
    _args.TARGETS,
    cli.opt("--root", metavar="DIR",
            help="the repository (holds docs/ and scripts/; default: .)"),
), EPILOG)


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main(COMMAND, argv)


if __name__ == "__main__":
    raise SystemExit(main())
