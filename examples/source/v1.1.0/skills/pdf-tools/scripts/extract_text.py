#!/usr/bin/env python3
"""Print the text of a PDF, one page after another, separated by form feeds."""

import argparse
import sys


def page_range(text: str) -> tuple[int, int]:
    first, _, last = text.partition("-")
    return int(first), int(last or first)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="extract_text.py", description=__doc__)
    ap.add_argument("file")
    ap.add_argument("--pages", type=page_range, help="1-based inclusive range, e.g. 3-7")
    args = ap.parse_args(argv)
    try:
        from pypdf import PdfReader
    except ImportError:
        print("extract_text.py: error: install pypdf first (pip install pypdf)", file=sys.stderr)
        return 2
    reader = PdfReader(args.file)
    first, last = args.pages or (1, len(reader.pages))
    pages = [page.extract_text() or "" for page in reader.pages[first - 1 : last]]
    sys.stdout.write("\f".join(pages))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
