"""Findings as SARIF 2.1.0 (`validate-sync-targets --format sarif`), the format GitHub
code scanning takes (`github/codeql-action/upload-sarif`), so a pull request that
changes a skill gets annotations on the exact lines of its SKILL.md.

What GitHub documents ("SARIF support for code scanning"): `version` 2.1.0, one run with
`tool.driver.name` and its `rules`; per result a `ruleId` that stays stable between
analyses, a `message.text`, and a location whose `artifactLocation.uri` is the file
relative to the repository root and whose `region.startLine` is 1 or more; stable
`partialFingerprints` avoid duplicate alerts; at most 25,000 results a run. Severities
map to SARIF levels: error -> error, warning -> warning, info -> note.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from skillsync.findings import Finding

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
MAX_RESULTS = 25_000  # GitHub: "the maximum number of results per run"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
_RANK = {"error": 0, "warning": 1, "info": 2}
FINGERPRINT = "skillsync/v1"


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("skillsync")
    except PackageNotFoundError:  # run from a checkout without installing
        return "0.0.0"


def _location(f: Finding, manifest_file: str | None) -> dict[str, Any]:
    file, line = f.file, f.line or 1
    logical = None
    if file == "manifest" or file.startswith("manifest#"):
        # A JSON pointer into the manifest: annotate the manifest file itself.
        logical = file.partition("#")[2] or "/"
        file, line = manifest_file or "manifest.json", 1
    artifact: dict[str, Any]
    if PurePosixPath(file).is_absolute():
        artifact = {"uri": PurePosixPath(file).as_uri()}
    else:
        artifact = {"uri": quote(file.removeprefix("./"), safe="/"), "uriBaseId": "%SRCROOT%"}
    loc: dict[str, Any] = {"physicalLocation": {"artifactLocation": artifact,
                                                 "region": {"startLine": max(1, line)}}}
    if logical is not None:
        loc["logicalLocations"] = [{"fullyQualifiedName": logical, "kind": "object"}]
    return loc


def to_sarif(findings: Sequence[Finding], *, manifest_file: str | None = None,
             descriptions: dict[str, str] | None = None) -> dict[str, Any]:
    """One SARIF log with one run holding every finding (up to MAX_RESULTS).
    `descriptions`: code -> one-line description of the rule (docs/validation.md)."""
    shown = list(findings)[:MAX_RESULTS]
    descriptions = descriptions or {}
    codes = sorted({f.code for f in shown})
    worst = {c: min(_RANK.get(f.severity, 2) for f in shown if f.code == c) for c in codes}
    rules = []
    for code in codes:
        text = descriptions.get(code, code.replace("-", " "))
        rules.append({
            "id": code,
            "name": "".join(part.capitalize() for part in code.split("-")),
            "shortDescription": {"text": text},
            "fullDescription": {"text": text},
            "help": {"text": f"{text}. See docs/validation.md, rule `{code}`."},
            "defaultConfiguration": {"level": LEVELS[list(_RANK)[worst[code]]]},
            "properties": {"tags": ["skills", code.split("-", 1)[0]]},
        })
    index = {code: i for i, code in enumerate(codes)}
    results = []
    for f in shown:
        print_ = hashlib.sha256(f"{f.code}\0{f.file}\0{f.message}".encode()).hexdigest()
        results.append({
            "ruleId": f.code,
            "ruleIndex": index[f.code],
            "level": LEVELS.get(f.severity, "note"),
            "message": {"text": f.message},
            "locations": [_location(f, manifest_file)],
            "partialFingerprints": {FINGERPRINT: print_},
        })
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "skillsync", "version": _version(),
                                "rules": rules}},
            "columnKind": "utf16CodeUnits",
            "results": results,
        }],
    }
