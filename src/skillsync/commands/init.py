"""init: adopt skillsync in a skills repository (config, example targets, schema,
workflows pinned by commit SHA, Dependabot, noxfile); idempotent, never overwrites a file
you changed."""

from __future__ import annotations

from collections.abc import Sequence

from skillsync import cli
from skillsync.commands import _args

PROG = "init"
EPILOG = """\
writes (paths relative to the repository root):
  .skillsync.yaml                          starter source configuration (all comments)
  targets/example-<mechanism>.yaml         one disabled example per mechanism
  schemas/target.schema.json               the schema the example targets name
  .github/workflows/sync-downstream.yml    release -> every target (calls skillsync's
                                           reusable workflow, pinned by commit SHA)
  .github/workflows/rollback.yml           roll targets back from a run (same pin)
  .github/workflows/skillsync-validate.yml validate every pull request (skillsync's
                                           composite action, same pin)
  .github/dependabot.yml                   keeps the pins current (github-actions)
  noxfile.py                               sessions validate, sync, status
  .skillsync/.gitignore                    keeps run directories out of git
  docs/downstream-inventory.md             generated from targets/ (only when absent)
  .skillsync/init-manifest.json            sha256 of every file written, and the pin

the pin: the workflows run skillsync from its own repository (OWNER/NAME from skillsync's
package metadata, or --skillsync-repo) at one full commit SHA, with the release tag in a
comment for Dependabot: --pin SHA, or --pin vX.Y.Z (looked up with git ls-remote in
--resolve-in, default that repository), else the commit pip installed this skillsync from,
else the pin of the last init. A file:// URL, a path or a package name is refused: a runner
cannot reach your machine, and no package index serves skillsync.

A file is written only when it is absent, or still holds exactly what init wrote last
time; a file you changed, removed or had before init is skipped and listed. Run it again
after upgrading skillsync to refresh the files you did not touch.

output: JSON (schema skillsync.init/v1) with the pin and one entry per file: created,
updated, unchanged or skipped (with the reason); one line per file on stderr.

examples:
  skillsync-init                              (inside the skills repository)
  skillsync-init --repo ../my-skills --dry-run
  skillsync-init --pin v0.2.0
  skillsync-init --pin 0123456789abcdef0123456789abcdef01234567 --skillsync-repo acme/skillsync"""


def init(ctx: cli.RunContext, /, *, repo: str | None = None, pin: str | None = None,
         skillsync_repo: str | None = None, resolve_in: str | None = None,
         dry_run: bool = False, output: str = "-") -> int:
    """Adopt skillsync in the skills repository `repo` (default: the one around us)."""
    from skillsync import adopt

    root = adopt.repo_root(repo)
    result = adopt.adopt(root, pin=pin, skillsync_repo=skillsync_repo, resolve_in=resolve_in,
                         dry_run=dry_run)
    verb = {"created": "create", "updated": "update"} if dry_run else {}
    for f in result.files:
        action = f"would {verb[f.action]}" if f.action in verb else f.action
        cli.say(f"  {action:13} {f.path}" + (f": {f.reason}" if f.reason else ""))
    skipped = result.skipped
    changed = sum(f.action in ("created", "updated") for f in result.files)
    cli.say(f"{PROG}: pinned {result.pin.identity.repository}@{result.pin.sha} "
            f"({result.pin.tag})")
    cli.say(f"{PROG}: skillsync {result.version} in {root}: {changed} file(s) "
            f"{'to write' if dry_run else 'written'}, {len(skipped)} skipped"
            + (" (dry run: nothing written)" if dry_run else ""))
    if changed and not dry_run:
        for line in adopt.next_steps(result):
            cli.say(line)
    cli.emit_json(result.as_dict(), output)
    return 0


COMMAND = cli.Command(init, "Adopt skillsync in a skills repository: starter config, example "
                      "targets, schema, pinned workflows, Dependabot and nox sessions.", (
    cli.opt("--repo", metavar="DIR",
            help="the skills repository (default: the git work tree around the current "
                 "directory)"),
    cli.opt("--pin", metavar="SHA|TAG",
            help="the commit of skillsync the workflows run: a full 40-hex commit SHA "
                 "or a release tag vX.Y.Z (default: the commit this skillsync was "
                 "installed from with pip, else the pin of the last init)"),
    cli.opt("--skillsync-repo", metavar="OWNER/NAME",
            help="skillsync's repository on GitHub (default: the Repository URL in "
                 "skillsync's package metadata)"),
    cli.opt("--resolve-in", metavar="REPO",
            help="where --pin vX.Y.Z is looked up (a URL or a clone of skillsync; "
                 "default: https://HOST/OWNER/NAME.git)"),
    cli.opt("--dry-run", action="store_true", help="report what would change; write nothing"),
    _args.OUTPUT,
), EPILOG)


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main(COMMAND, argv)


if __name__ == "__main__":
    raise SystemExit(main())
