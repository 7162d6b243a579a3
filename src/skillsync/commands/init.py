"""init: adopt skillsync in a skills repository (config, example targets, schema,
workflows, noxfile); idempotent, never overwrites a file you changed."""

from __future__ import annotations

from collections.abc import Sequence

from skillsync import cli
from skillsync.commands import _args

PROG = "init"
EPILOG = """\
writes (paths relative to the repository root):
  .skillsync.yaml                        starter source configuration (all comments)
  targets/example-<mechanism>.yaml       one disabled example per mechanism
  schemas/target.schema.json             the schema the example targets name
  .github/workflows/sync-downstream.yml  release -> every target (pinned skillsync)
  .github/workflows/rollback.yml         roll targets back from a run
  noxfile.py                             sessions validate, sync, status
  .skillsync/.gitignore                  keeps run directories out of git
  docs/downstream-inventory.md           generated from targets/ (only when absent)
  .skillsync/init-manifest.json          sha256 of every file written

A file is written only when it is absent, or still holds exactly what init wrote last
time; a file you changed, removed or had before init is skipped and listed. Run it again
after upgrading skillsync to refresh the files you did not touch.

output: JSON (schema skillsync.init/v1) with one entry per file: created, updated,
unchanged or skipped (with the reason); one line per file on stderr.

examples:
  skillsync-init                              (inside the skills repository)
  skillsync-init --repo ../my-skills --dry-run
  skillsync-init --pin 'skillsync @ git+https://github.com/acme/skillsync@v0.1.0'"""


def init(ctx: cli.RunContext, /, *, repo: str | None = None, pin: str | None = None,
         dry_run: bool = False, output: str = "-") -> int:
    """Adopt skillsync in the skills repository `repo` (default: the one around us)."""
    from skillsync import adopt

    root = adopt.repo_root(repo)
    result = adopt.adopt(root, pin=pin, dry_run=dry_run)
    verb = {"created": "create", "updated": "update"} if dry_run else {}
    for f in result.files:
        action = f"would {verb[f.action]}" if f.action in verb else f.action
        cli.say(f"  {action:13} {f.path}" + (f": {f.reason}" if f.reason else ""))
    skipped = result.skipped
    changed = sum(f.action in ("created", "updated") for f in result.files)
    cli.say(f"{PROG}: skillsync {result.version} in {root}: {changed} file(s) "
            f"{'to write' if dry_run else 'written'}, {len(skipped)} skipped"
            + (" (dry run: nothing written)" if dry_run else ""))
    if changed and not dry_run:
        for line in adopt.next_steps(result):
            cli.say(line)
    cli.emit_json(result.as_dict(), output)
    return 0


COMMAND = cli.Command(init, "Adopt skillsync in a skills repository: starter config, example "
                      "targets, schema, workflows and nox sessions.", (
    cli.opt("--repo", metavar="DIR",
            help="the skills repository (default: the git work tree around the current "
                 "directory)"),
    cli.opt("--pin", metavar="REQUIREMENT",
            help="what the workflows and noxfile install (default: skillsync==<this "
                 "version>, or the custom pin of the last init)"),
    cli.opt("--dry-run", action="store_true", help="report what would change; write nothing"),
    _args.OUTPUT,
), EPILOG)


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main(COMMAND, argv)


if __name__ == "__main__":
    raise SystemExit(main())
