"""build-manifest: the release manifest of a skills source at one pinned commit."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence

from skillsync import cli

PROG = "build-manifest"
DEFAULT_MAX_FILE_BYTES = 10 * 1024 * 1024  # kept equal to manifest.DEFAULT_MAX_FILE_BYTES

EPILOG = """\
The ref is resolved to a commit once; every file is read from that commit
(never the working tree). Symlinks, submodules and files over the size limit
are listed under "skipped" and not read.

examples:
  build-manifest --source . --ref v1.1.0 -o manifest.json
  build-manifest --source https://github.com/acme/skills.git --ref v2.0.0 \\
    | validate-sync-targets --manifest -"""


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _parser() -> argparse.ArgumentParser:
    p = cli.parser(PROG, "Write the release manifest (JSON) of a skills source at a ref.", EPILOG)
    p.add_argument(
        "--source", metavar="PATH_OR_URL", default=os.environ.get("SKILLSYNC_SOURCE", "."),
        help="skills repository: a local path (work tree or bare) or a URL "
             "(default: $SKILLSYNC_SOURCE, else .)",
    )
    p.add_argument("--ref", required=True, help="tag, branch or commit to release, e.g. v1.1.0")
    cli.add_output(p)
    p.add_argument(
        "--max-file-bytes", metavar="N", type=_positive_int, default=DEFAULT_MAX_FILE_BYTES,
        help=f"files larger than this are skipped, not read (default: {DEFAULT_MAX_FILE_BYTES})",
    )
    return p


def _body(args: argparse.Namespace) -> int:
    from skillsync.manifest import build_manifest

    m = build_manifest(args.source, args.ref, max_file_bytes=args.max_file_bytes)
    cli.emit_json(m, args.output)
    cli.say(
        f"{PROG}: {m['version']} at {m['source']['commit'][:12]}: {len(m['skills'])} skills, "
        f"{len(m['adapters'])} adapters, {len(m['skipped'])} skipped"
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    return cli.main_wrapper(_parser, _body, argv)


if __name__ == "__main__":
    raise SystemExit(main())
