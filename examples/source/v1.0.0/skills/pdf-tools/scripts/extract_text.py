#!/usr/bin/env python3
"""Print the text of a PDF, one page after another, separated by form feeds."""

import sys


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: extract_text.py FILE.pdf", file=sys.stderr)
        return 2
    try:
        from pypdf import PdfReader
    except ImportError:
        print("extract_text.py: error: install pypdf first (pip install pypdf)", file=sys.stderr)
        return 2
    reader = PdfReader(argv[0])
    pages = [page.extract_text() or "" for page in reader.pages]
    sys.stdout.write("\f".join(pages))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
