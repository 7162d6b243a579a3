#!/usr/bin/env python3
"""PDF helper: `pdf.py text [--pages A-B] FILE` and `pdf.py merge OUT IN...`."""

import argparse
import sys


def page_range(text: str) -> tuple[int, int]:
    first, _, last = text.partition("-")
    return int(first), int(last or first)


def cmd_text(args: argparse.Namespace) -> int:
    from pypdf import PdfReader

    reader = PdfReader(args.file)
    first, last = args.pages or (1, len(reader.pages))
    pages = [page.extract_text() or "" for page in reader.pages[first - 1 : last]]
    sys.stdout.write("\f".join(pages))
    return 0


def cmd_merge(args: argparse.Namespace) -> int:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for name in args.inputs:
        writer.append(name)
    with open(args.out, "wb") as fh:
        writer.write(fh)
    return 0


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="pdf.py", description=__doc__)
    sub = ap.add_subparsers(dest="command", required=True)
    text = sub.add_parser("text", help="print the text of a PDF")
    text.add_argument("file")
    text.add_argument("--pages", type=page_range, help="1-based inclusive range, e.g. 3-7")
    text.set_defaults(func=cmd_text)
    merge = sub.add_parser("merge", help="merge PDFs into OUT")
    merge.add_argument("out")
    merge.add_argument("inputs", nargs="+")
    merge.set_defaults(func=cmd_merge)
    args = ap.parse_args(argv)
    try:
        import pypdf  # noqa: F401
    except ImportError:
        print('pdf.py: error: install pypdf first (pip install "pypdf>=4")', file=sys.stderr)
        return 2
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
