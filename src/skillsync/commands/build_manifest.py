"""build-manifest: the release manifest of a skills source at one pinned commit."""

from __future__ import annotations

import os
from collections.abc import Sequence

from skillsync import cli
from skillsync.commands import _args

PROG = "build-manifest"  # in messages, whatever name ran it (the usage line has that)
DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024  # kept equal to manifest.DEFAULT_MAX_FILE_BYTES

EPILOG = """\
The ref is resolved to a commit once; every file is read from that commit
(never the working tree). Symlinks, submodules and files over the size limit
are listed under "skipped" and not read.

examples:
  build-manifest --source . --ref v1.1.0 -o manifest.json
  build-manifest --source https://github.com/acme/skills.git --ref v2.0.0 \\
    | validate-sync-targets --manifest -"""


def build_manifest(ctx: cli.RunContext, /, *, ref: str, source: str | None = None,
                   output: str = "-", max_file_bytes: int = DEFAULT_MAX_FILE_BYTES) -> int:
    """Write the manifest of `source` (default: $SKILLSYNC_SOURCE, else .) at `ref`."""
    from skillsync.manifest import build_manifest as build

    chosen = source if source is not None else os.environ.get("SKILLSYNC_SOURCE", ".")
    m = build(chosen, ref, max_file_bytes=max_file_bytes)
    cli.emit_json(m, output)
    cli.say(
        f"{PROG}: {m['version']} at {m['source']['commit'][:12]}: {len(m['skills'])} skills, "
        f"{len(m['adapters'])} adapters, {len(m['skipped'])} skipped"
    )
    return 0


COMMAND = cli.Command(build_manifest, "Write the release manifest (JSON) of a skills source "
                      "at a ref.", (
    cli.opt("--source", metavar="PATH_OR_URL",
            help="skills repository: a local path (work tree or bare) or a URL "
                 "(default: $SKILLSYNC_SOURCE, else .)"),
    cli.opt("--ref", required=True, help="tag, branch or commit to release, e.g. v1.1.0"),
    _args.OUTPUT,
    cli.opt("--max-file-bytes", metavar="N", type=_args.whole_number,
            help=f"files larger than this are skipped, not read "
                 f"(default: {DEFAULT_MAX_FILE_BYTES})"),
), EPILOG)


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main(COMMAND, argv)


if __name__ == "__main__":
    raise SystemExit(main())
