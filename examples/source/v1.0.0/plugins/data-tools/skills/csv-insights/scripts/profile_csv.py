#!/usr/bin/env python3
"""Profile a CSV file: per column, its inferred type, empty share and top values."""

import argparse
import csv
from collections import Counter


def kind(values: list[str]) -> str:
    filled = [v for v in values if v != ""]
    for name, conv in (("integer", int), ("number", float)):
        try:
            for v in filled:
                conv(v)
        except ValueError:
            continue
        return name
    return "text"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("file")
    ap.add_argument("--limit", type=int, default=0, help="profile only the first N rows")
    args = ap.parse_args()
    with open(args.file, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        columns: dict[str, list[str]] = {name: [] for name in reader.fieldnames or []}
        for n, row in enumerate(reader, 1):
            for name in columns:
                columns[name].append(row.get(name) or "")
            if args.limit and n >= args.limit:
                break
    for name, values in columns.items():
        empty = sum(1 for v in values if v == "")
        print(f"{name}: {kind(values)}, {empty}/{len(values)} empty")
        for value, count in Counter(values).most_common(5):
            print(f"  {count:>6}  {value!r}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
