"""The JSON Schemas shipped in `schemas/` (target files, manifests, run-directory files,
log events): loaded and compiled once per process, with their local `$ref`s inlined."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from typing import Any


@functools.cache
def load(name: str) -> dict[str, Any]:
    """The schema `schemas/<name>` as shipped in the package."""
    from importlib.resources import files

    data: dict[str, Any] = json.loads((files("skillsync") / "schemas" / name).read_text("utf-8"))
    return data


def inline_refs(node: Any, defs: Mapping[str, Any]) -> Any:
    """Replace local `{"$ref": "#/$defs/x"}` by the definition: jsonschema's reference
    lookups cost ~6x the rest on a 2,000-file manifest (measured), and ours are acyclic."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            rest = {k: v for k, v in node.items() if k != "$ref"}
            return {**inline_refs(defs[ref.removeprefix("#/$defs/")], defs),
                    **inline_refs(rest, defs)}
        return {k: inline_refs(v, defs) for k, v in node.items()}
    if isinstance(node, list):
        return [inline_refs(v, defs) for v in node]
    return node


def compile_schema(schema: Mapping[str, Any]) -> Any:
    """A Draft 2020-12 validator for `schema` (jsonschema is imported only here, so a
    command's `--help` never pays for it)."""
    import jsonschema

    return jsonschema.Draft202012Validator(inline_refs(schema, schema.get("$defs", {})))


@functools.cache
def validator(name: str) -> Any:
    """The compiled validator of `schemas/<name>`, built once per process."""
    return compile_schema(load(name))


# -- the generated fast path ------------------------------------------------------------------
# jsonschema costs ~50 ms to import and ~75 ms to check a 2,000-file manifest; one
# sync-target process paid both for its target file and its manifest before it could
# answer "no-op" (issue 17). The same schemas compiled to plain Python by fastjsonschema
# (how setuptools ships validate-pyproject's checks) import in ~3 ms and check that
# manifest in ~5 ms. They only ever say "valid": anything they do not accept goes to
# jsonschema, which decides and words the findings, so a difference between the two
# can cost time, never let a document through (tests/test_fast_schemas.py holds them
# to that). A generated module is used only while it was made from the schema shipped
# beside it (its SCHEMA_SHA256).
FAST = {f"{name}.schema.json": name.replace("-", "_") for name in (
    "manifest", "target",
    # the run directory's files (skillsync.artifacts): a mechanism enum there lists the
    # shipped mechanisms, stricter than the registry artifacts checks against, so a
    # "valid" from these holds there too
    "run", "plan", "result", "rollback", "routes", "snapshot", "matrix",
    "targets-meta")}


def _fast_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """`schema` as fastjsonschema reads it: local `$ref`s inlined, draft-07 keywords
    (the schemas use none that differ between draft-07 and 2020-12)."""
    flat = inline_refs(schema, schema.get("$defs", {}))
    flat = {k: v for k, v in flat.items() if k != "$defs"}
    flat["$schema"] = "http://json-schema.org/draft-07/schema#"
    return flat


def _schema_sha256(name: str) -> str:
    import hashlib
    import os

    # The package's own directory, not importlib.resources (~7 ms to import and ask, a
    # start-up cost of every command): skillsync is installed as files, never zipped.
    here = os.path.join(os.path.dirname(__file__), "schemas", name)
    with open(here, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


_RUNTIME = ("from skillsync.fastschemas._runtime import Decimal, JsonSchemaValueException, "
            "JsonSchemaValuesException\n")


def generate(name: str) -> str:
    """The source of `skillsync/fastschemas/<FAST[name]>.py` for `schemas/<name>`
    (needs fastjsonschema: `pip install -e '.[test]'`)."""
    import fastjsonschema

    # use_default=False: by default the generated code writes each `default` into the
    # document it checks (a webhook target came back with `branch: main`); jsonschema
    # asserts no formats, so neither does this.
    code = fastjsonschema.compile_to_code(_fast_schema(load(name)), use_default=False,
                                          use_formats=False)
    imported = "from fastjsonschema import JsonSchemaValueException, JsonSchemaValuesException\n"
    if imported not in code:
        raise RuntimeError(f"fastjsonschema {fastjsonschema.VERSION}: unexpected generated code")
    # One entry point by a fixed name, whatever fastjsonschema calls the schema's.
    entry = code.split("\ndef ", 1)[1].split("(", 1)[0]
    header = (f'"""Generated from schemas/{name} by `python -m skillsync.jsonschemas --write` '
              f"(fastjsonschema {fastjsonschema.VERSION}); do not edit. See "
              'skillsync.jsonschemas."""\n# ruff: noqa\n# mypy: ignore-errors\n'
              f'SCHEMA_SHA256 = "{_schema_sha256(name)}"\n')
    # fastjsonschema's exception and decimal.Decimal come from _runtime (see there): the
    # generated modules need nothing installed, and no decimal import.
    code = code.replace(imported, _RUNTIME).replace("from decimal import Decimal\n", "")
    return header + code.rstrip("\n") + f"\n\n\nvalidate = {entry}\n"


@functools.cache
def _fast(name: str) -> Any:
    """The generated module for `name`, or None (none shipped, or made from another
    version of the schema)."""
    import importlib

    module = FAST.get(name)
    if module is None:
        return None
    try:
        fast = importlib.import_module(f"skillsync.fastschemas.{module}")
    except ImportError:
        return None
    try:
        current = _schema_sha256(name)
    except OSError:
        return None
    return fast if getattr(fast, "SCHEMA_SHA256", None) == current else None


def surely_valid(name: str, document: Any) -> bool:
    """True when the generated validator of `schemas/<name>` accepts `document`; False
    means "ask jsonschema" (invalid, or no usable generated validator)."""
    fast = _fast(name)
    if fast is None:
        return False
    try:
        fast.validate(document)
    except ValueError:
        return False
    except Exception:   # a generated-code surprise: jsonschema decides
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    """`python -m skillsync.jsonschemas --write | --check`: (re)generate the fast
    validators beside the package, or exit 1 when one is not current."""
    import argparse
    from pathlib import Path

    p = argparse.ArgumentParser(prog="python -m skillsync.jsonschemas", description=main.__doc__)
    how = p.add_mutually_exclusive_group(required=True)
    how.add_argument("--write", action="store_const", const="--write", dest="mode")
    how.add_argument("--check", action="store_const", const="--check", dest="mode")
    mode = p.parse_args(argv).mode
    stale = []
    for name, module in sorted(FAST.items()):
        path = Path(__file__).parent / "fastschemas" / f"{module}.py"
        text = generate(name)
        if mode == "--write":
            path.write_text(text, encoding="utf-8")
        elif not path.is_file() or path.read_text(encoding="utf-8") != text:
            stale.append(str(path))
    for where in stale:
        print(f"{where}: not generated from the current schema; run "
              "python -m skillsync.jsonschemas --write")
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
