"""Target-file problems as findings with file:line: the JSON Schema's errors rewritten as
one short line each (the schema is the one editors use, so the two cannot drift), and the
collector that orders them (skillsync.targets runs the checks)."""

from __future__ import annotations

import difflib
import functools
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from skillsync.errors import ConfigError
from skillsync.findings import Finding

if TYPE_CHECKING:
    from skillsync.yamlsafe import Document

SCHEMA_RESOURCE = "schemas/target.schema.json"

# Values of these keys may hold something secret-looking by mistake (a token pasted into
# auth.env, credentials in a URL): error messages never echo them (RELIABILITY.md 15-16).
_SENSITIVE = {("auth", "env"), ("auth", "app_id_env"), ("auth", "key_env"), ("url",), ("repo",),
              ("forge", "api_url"),
              ("signing", "key_env")}


class _Problems:
    """Collects findings for one file, without repeats, ordered by line."""

    def __init__(self, file: str) -> None:
        self.file = file
        self._seen: set[tuple[str, str]] = set()
        self._items: list[Finding] = []

    def add(self, where: str, code: str, message: str, severity: str = "error") -> None:
        if (where, message) in self._seen:
            return
        self._seen.add((where, message))
        self._items.append(Finding(where, code, severity, message))

    @property
    def findings(self) -> list[Finding]:
        return sorted(self._items, key=_order)


def _order(f: Finding) -> tuple[str, int, str]:
    file, _, line = f.path.rpartition(":")
    if file and line.isdigit():
        return (file, int(line), f.message)
    return (f.path, 0, f.message)


def _raise_first(findings: Sequence[Finding]) -> None:
    errors = [f for f in findings if f.severity == "error"]
    if not errors:
        return
    first = errors[0]
    more = len(errors) - 1
    suffix = f" (and {more} more problem{'s' if more > 1 else ''}; run validate-sync-targets)"
    raise ConfigError(first.message + (suffix if more else ""), where=first.path)


def _yaml_code(message: str) -> str:
    if message.startswith("duplicate key"):
        return "target-duplicate-key"
    if "aliases" in message or "merge keys" in message:
        return "target-yaml-alias"
    if "would be read as" in message:
        return "target-yaml-coercion"
    return "target-invalid-yaml"


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "mapping"
    return "null" if value is None else type(value).__name__


# -- schema ---------------------------------------------------------------------------------


@functools.cache
def _schema() -> dict[str, Any]:
    from skillsync.jsonschemas import load

    return load(SCHEMA_RESOURCE.removeprefix("schemas/"))


@functools.cache
def _validator() -> Any:
    import jsonschema  # lazy: `--help` must stay fast

    return jsonschema.Draft202012Validator(_schema())


_TYPE_WORDS = {
    "string": "a string", "boolean": "true or false", "array": "a list", "object": "a mapping",
    "integer": "an integer", "number": "a number", "null": "null",
}


def _is_repo_path(path: tuple[str | int, ...]) -> bool:
    """In-repo directories: `_path_findings` checks them with precise messages."""
    return path in {("dest",), ("submodule", "path")} or (
        len(path) == 2 and path[0] == "adapters" and isinstance(path[1], str)
    )


def _schema_findings(doc: Document, problems: _Problems) -> None:
    from skillsync.jsonschemas import surely_valid

    data = doc.data
    if surely_valid(SCHEMA_RESOURCE.removeprefix("schemas/"), data):
        return
    mechanism = data.get("mechanism") if isinstance(data.get("mechanism"), str) else None
    for error in _validator().iter_errors(data):
        path = tuple(error.absolute_path)
        for where, code, message in _describe(error, path, doc, mechanism):
            problems.add(where, code, message)


def _describe(
    error: Any, path: tuple[str | int, ...], doc: Document, mechanism: str | None
) -> Iterable[tuple[str, str, str]]:
    """Turn one jsonschema error into (where, code, message) lines a person can act on."""
    kind = error.validator
    label = _dotted(path)
    custom = error.schema.get("errorMessage") if isinstance(error.schema, dict) else None
    sensitive = path in _SENSITIVE

    if kind == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        for key in sorted(k for k in error.instance if k not in allowed):
            where = doc.where((*path, key))
            near = difflib.get_close_matches(key, allowed, n=1)
            hint = f" (did you mean '{near[0]}'?)" if near else ""
            prefix = f"{label}: " if label else ""
            yield where, "target-unknown-key", f"{prefix}unknown key '{key}'{hint}"
        return
    if kind == "required":
        for key in error.validator_value:
            if isinstance(error.instance, dict) and key not in error.instance:
                scope = f"{label}: " if label else ""
                why = ""
                if not path and mechanism and key in ("url", "repo", "submodule"):
                    why = f" (required for {mechanism} targets)"
                elif not path and key == "forge":
                    why = " (signing method api creates the commits through the forge API)"
                yield doc.where(path), "target-missing-key", f"{scope}missing key '{key}'{why}"
        return
    if custom and path and not custom.startswith(str(path[0])):
        custom = f"{label}: {custom}"
    if kind == "not" and custom:
        yield doc.where(path), "target-key-not-allowed", custom
        return
    if kind == "enum":
        options = ", ".join(str(o) for o in error.validator_value)
        shown = "" if sensitive else f"'{error.instance}' "
        if label == "auth.method" and mechanism and error.instance in ("none", "token", "hmac",
                                                                        "github-app"):
            message = f"{label}: '{error.instance}' does not apply to {mechanism} targets" \
                      f" (use one of: {options})"
        else:
            message = f"{label}: {shown}is not one of: {options}"
        yield doc.where(path), "target-invalid-value", message
        return
    if kind == "const":
        yield doc.where(path), "target-invalid-value", f"{label}: must be {error.validator_value!r}"
        return
    if kind == "type":
        expected = error.validator_value
        names = expected if isinstance(expected, list) else [expected]
        words = " or ".join(_TYPE_WORDS.get(str(t), str(t)) for t in names)
        got = _type_name(error.instance)
        yield doc.where(path), "target-wrong-type", f"{label}: expected {words}, got {got}"
        return
    if kind == "pattern" and _is_repo_path(path):
        return  # _path_findings says precisely what is wrong
    if "propertyNames" in error.schema_path:
        yield (doc.where(path), "target-invalid-value",
               f"{label}: '{error.instance}' is not a valid adapter id"
               " (lowercase letters, digits, '_' or '-')")
        return
    if kind == "pattern" or custom:
        message = custom or f"{label}: invalid value"
        if not sensitive and isinstance(error.instance, str) and kind == "pattern":
            message = f"{message} (got '{error.instance}')"
        yield doc.where(path), "target-invalid-value", message
        return
    if kind == "minItems":
        yield doc.where(path), "target-invalid-value", f"{label}: must not be empty"
        return
    if kind == "minLength":
        yield doc.where(path), "target-invalid-value", f"{label}: must not be empty"
        return
    if kind == "uniqueItems":
        yield doc.where(path), "target-invalid-value", f"{label}: has repeated entries"
        return
    # Anything else: jsonschema's own text, without echoing a sensitive value.
    message = f"{label}: invalid value" if sensitive else f"{label or 'file'}: {error.message}"
    yield doc.where(path), "target-invalid", message


def _dotted(path: tuple[str | int, ...]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out
