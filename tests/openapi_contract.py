"""Check recorded requests and responses against GitHub's OpenAPI description
(the subset in tests/data/github-openapi-subset.json, made by
tools/openapi/extract.py), so the loopback server and our client cannot drift
from the real API."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

SUBSET = Path(__file__).parent / "data" / "github-openapi-subset.json"


def _to_json_schema(node: Any) -> Any:
    """OpenAPI 3.0 schema -> JSON Schema draft 4: `nullable: true` means null is allowed."""
    if isinstance(node, dict):
        out = {k: _to_json_schema(v) for k, v in node.items() if k != "nullable"}
        if node.get("nullable") is True:
            return {"anyOf": [out, {"type": "null"}]}
        return out
    if isinstance(node, list):
        return [_to_json_schema(v) for v in node]
    return node


@functools.cache
def spec() -> dict[str, Any]:
    return json.loads(SUBSET.read_text(encoding="utf-8"))


@functools.cache
def _components() -> dict[str, Any]:
    return _to_json_schema(spec()["components"])  # type: ignore[no-any-return]


def _deref(node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if ref:
        _, _, kind, name = ref.split("/", 3)
        return spec()["components"][kind][name]  # type: ignore[no-any-return]
    return node


def operations() -> set[tuple[str, str]]:
    return {(m.upper(), p) for p, ops in spec()["paths"].items() for m in ops}


def find_operation(method: str, path: str) -> tuple[str, dict[str, Any]] | None:
    for template, ops in spec()["paths"].items():
        # {ref} and {branch} take slashes on GitHub (heads/skillsync/1.0.0); others do not.
        rx = "^" + re.sub(r"\\\{(ref|branch)\\\}", r".+", re.escape(template)) + "$"
        rx = re.sub(r"\\\{[^}]+\\\}", r"[^/]+", rx)
        if re.match(rx, path) and method.lower() in ops:
            return template, ops[method.lower()]
    return None


def _validate(schema: Any, instance: Any, what: str) -> None:
    from jsonschema import Draft4Validator

    wrapped = {"allOf": [_to_json_schema(schema)], "components": _components()}
    errors = sorted(Draft4Validator(wrapped).iter_errors(instance), key=lambda e: e.path)
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path)
        raise AssertionError(f"{what}: {first.message[:300]} at /{where}")


def check(records: Iterable[Any], *, prefix: str = "") -> int:
    """Validate each recorded exchange; returns how many were checked."""
    checked = 0
    for rec in records:
        if rec.status == 0 or rec.injected:
            continue  # hung or injected failures are not GitHub's answers
        path = rec.path[len(prefix):] if prefix and rec.path.startswith(prefix) else rec.path
        found = find_operation(rec.method, path)
        assert found is not None, f"{rec.method} {path} is not an operation in the subset"
        template, op = found
        what = f"{rec.method} {template}"
        params = [_deref(p) for p in op.get("parameters", [])]
        query_names = {p["name"] for p in params if p.get("in") == "query"}
        unknown = set(rec.query) - query_names
        assert not unknown, f"{what}: query parameters not in the API: {sorted(unknown)}"
        for p in params:
            if p.get("in") == "query" and p["name"] in rec.query:
                value: Any = rec.query[p["name"]][0]
                if p.get("schema", {}).get("type") == "integer":
                    value = int(value)
                _validate(p.get("schema", {}), value, f"{what} ?{p['name']}")
        if rec.body is not None:
            body_spec = op.get("requestBody")
            assert body_spec, f"{what}: sends a body the API does not take"
            schema = body_spec["content"]["application/json"]["schema"]
            _validate(schema, rec.body, f"{what} request body")
        responses = op.get("responses", {})
        resp_spec = responses.get(str(rec.status))
        if resp_spec is None and rec.status in (401, 403, 404, 422, 429):
            # GitHub documents most error statuses per operation but never 401;
            # every error body is a basic-error.
            resp_spec = {"content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/basic-error"}}}}
        assert resp_spec is not None, f"{what}: status {rec.status} is not documented"
        resp_spec = _deref(resp_spec)
        content = resp_spec.get("content", {}).get("application/json")
        if content and "schema" in content:
            _validate(content["schema"], rec.response, f"{what} {rec.status} response")
        checked += 1
    return checked
