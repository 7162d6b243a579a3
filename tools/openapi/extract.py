#!/usr/bin/env python3
"""Cut GitHub's OpenAPI description down to the operations skillsync calls.

The full description (npm package @octokit/openapi, file
generated/api.github.com.json) is 13 MB; tests need only the operations in
OPERATIONS and the component schemas they reference. Descriptions and examples
are dropped; everything else is kept verbatim, so tests check our client's
requests and the loopback server's answers against GitHub's own schemas.

    python3 tools/openapi/extract.py PACKAGE/generated/api.github.com.json \
        -o tests/data/github-openapi-subset.json
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

# (path, method): every call skillsync.forge makes. Add here when forge.py grows.
OPERATIONS: list[tuple[str, str]] = [
    ("/repos/{owner}/{repo}/pulls", "get"),
    ("/repos/{owner}/{repo}/pulls", "post"),
    ("/repos/{owner}/{repo}/pulls/{pull_number}", "get"),
    ("/repos/{owner}/{repo}/pulls/{pull_number}", "patch"),
    ("/repos/{owner}/{repo}/issues", "get"),
    ("/repos/{owner}/{repo}/issues", "post"),
    ("/repos/{owner}/{repo}/issues/{issue_number}", "get"),
    ("/repos/{owner}/{repo}/issues/{issue_number}", "patch"),
    ("/repos/{owner}/{repo}/issues/{issue_number}/comments", "get"),
    ("/repos/{owner}/{repo}/issues/{issue_number}/comments", "post"),
    ("/repos/{owner}/{repo}/issues/{issue_number}/labels", "post"),
    # signing: api (issue 16)
    ("/repos/{owner}/{repo}/git/commits", "post"),
    ("/repos/{owner}/{repo}/git/commits/{commit_sha}", "get"),
    ("/repos/{owner}/{repo}/git/refs", "post"),
    ("/repos/{owner}/{repo}/git/refs/{ref}", "patch"),
    # forge health (issue 16)
    ("/repos/{owner}/{repo}", "get"),
    ("/repos/{owner}/{repo}/branches/{branch}/protection", "get"),
]

_DROP = {"description", "summary", "example", "examples", "externalDocs", "x-github",
         "x-githubEnterpriseOverlays"}


def _strip(node: Any, in_properties: bool = False) -> Any:
    """Drop documentation keys; a *property* named "description" stays."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if not in_properties and key in _DROP:
                continue
            out[key] = _strip(value, in_properties=(key == "properties" and not in_properties))
        return out
    if isinstance(node, list):
        return [_strip(v) for v in node]
    return node


def _refs(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/"):
            found.add(ref)
        for value in node.values():
            found |= _refs(value)
    elif isinstance(node, list):
        for value in node:
            found |= _refs(value)
    return found


def extract(full: dict[str, Any]) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for path, method in OPERATIONS:
        try:
            op = full["paths"][path][method]
        except KeyError:
            raise SystemExit(
                f"extract: error: {method.upper()} {path} is not in the description") from None
        paths.setdefault(path, {})[method] = _strip(op)
    components: dict[str, dict[str, Any]] = {}
    todo = _refs(paths)
    seen: set[str] = set()
    while todo:
        ref = todo.pop()
        if ref in seen:
            continue
        seen.add(ref)
        _, _, kind, name = ref.split("/", 3)
        if kind == "examples":
            continue
        node = _strip(full["components"][kind][name])
        components.setdefault(kind, {})[name] = node
        todo |= _refs(node) - seen
    return {
        "openapi": full["openapi"],
        "info": {"title": "GitHub REST API: the operations skillsync calls",
                 "version": full["info"]["version"],
                 "x-source": "npm @octokit/openapi, generated/api.github.com.json"},
        "paths": {p: paths[p] for p in sorted(paths)},
        "components": {k: dict(sorted(v.items())) for k, v in sorted(components.items())},
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("description", help="generated/api.github.com.json from @octokit/openapi")
    ap.add_argument("-o", "--output", default="tests/data/github-openapi-subset.json")
    args = ap.parse_args(argv)
    full = json.loads(Path(args.description).read_text(encoding="utf-8"))
    subset = extract(full)
    text = json.dumps(subset, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    Path(args.output).write_text(text, encoding="utf-8")
    print(f"{args.output}: {len(OPERATIONS)} operations, "
          f"{sum(len(v) for v in subset['components'].values())} components, "
          f"{len(text)} bytes", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
