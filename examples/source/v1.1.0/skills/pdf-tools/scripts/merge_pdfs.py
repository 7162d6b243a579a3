#!/usr/bin/env python3
"""Merge PDF files: merge_pdfs.py OUT.pdf IN.pdf [IN.pdf ...]."""

import sys


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print("usage: merge_pdfs.py OUT.pdf IN.pdf [IN.pdf ...]", file=sys.stderr)
        return 2
    try:
        from pypdf import PdfWriter
    except ImportError:
        print("merge_pdfs.py: error: install pypdf first (pip install pypdf)", file=sys.stderr)
        return 2
    out, *inputs = argv
    writer = PdfWriter()
    for name in inputs:
        writer.append(name)
    with open(out, "wb") as fh:
        writer.write(fh)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
