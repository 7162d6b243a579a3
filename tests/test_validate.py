"""validate / validate-sync-targets: the pre-sync gate, on real repositories."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from conftest import SCRIPTS, git, make_repo, run_script
from skillsync import manifest as mf
from skillsync.findings import Finding
from skillsync.validate import validate


def skill_md(name: str, version: str | None = None) -> str:
    meta = f"metadata:\n  version: \"{version}\"\n" if version else ""
    return f"---\nname: {name}\ndescription: Does {name}.\n{meta}---\n# {name}\n"


def adapter_md(skill: str, version: str, source_path: str | None = None) -> str:
    sp = f"  source_path: {source_path}\n" if source_path else ""
    return (f"---\nadapter_metadata:\n  skill_name: {skill}\n"
            f"  skill_version: \"{version}\"\n{sp}---\nrendered\n")


def release(tmp: Path, files: dict[str, str | bytes], tag: str = "v1.1.0"
            ) -> tuple[Path, dict[str, Any]]:
    repo = make_repo(tmp / "src", files)
    git("tag", tag, cwd=repo)
    return repo, mf.build_manifest(str(repo), tag)


def errors(findings: list[Finding]) -> list[tuple[str, str]]:
    return [(f.path, f.code) for f in findings if f.severity == "error"]


def test_clean_release_passes(tmp: Path) -> None:
    repo, m = release(tmp, {
        "skills/pdf-tools/SKILL.md": skill_md("pdf-tools", "1.1.0"),
        "skills/pdf-tools/scripts/x.py": "pass\n",
        "adapters/gemini/pdf-tools/GEMINI.md": adapter_md("pdf-tools", "1.1.0"),
        "adapters/cursor/pdf.mdc": adapter_md("pdf-tools", "1.1.0", "skills/pdf-tools/SKILL.md"),
    })
    assert validate(m, source=str(repo), targets_dir=None) == []
    assert validate(m, source=None, targets_dir=None) == []  # source.repo by default


def test_stale_adapter_is_named_with_both_versions(tmp: Path) -> None:
    repo, m = release(tmp, {
        "skills/pdf-tools/SKILL.md": skill_md("pdf-tools", "1.1.0"),
        "adapters/gemini/pdf-tools/GEMINI.md": adapter_md("pdf-tools", "1.0.0"),
    })
    (f,) = validate(m, source=str(repo), targets_dir=None)
    assert (f.path, f.code, f.severity) == (
        "adapters/gemini/pdf-tools/GEMINI.md:4", "adapter-stale", "error")
    assert "pdf-tools 1.0.0" in f.message and "pdf-tools 1.1.0" in f.message


def test_adapter_version_checked_against_release_version_fallback(tmp: Path) -> None:
    repo, m = release(tmp, {
        "skills/a/SKILL.md": skill_md("a"),  # no version of its own: the release's (2.0.0)
        "skills/a/adapters/codex/SKILL.md": adapter_md("a", "2.0.0"),
        "skills/a/adapters/claude/SKILL.md": adapter_md("a", "1.9.0"),
    }, tag="v2.0.0")
    assert [s["name"] for s in m["skills"]] == ["a"]
    assert errors(validate(m, source=str(repo), targets_dir=None)) == [
        ("skills/a/adapters/claude/SKILL.md:4", "adapter-stale")]


def test_adapter_without_its_skill_or_canonical_file(tmp: Path) -> None:
    repo, m = release(tmp, {
        "skills/a/SKILL.md": skill_md("a"),
        "adapters/x/gone.md": adapter_md("gone", "1.1.0"),
        "adapters/y/a.md": adapter_md("a", "1.1.0", "skills/a/MISSING.md"),
        "adapters/z/a.md": "---\nadapter_metadata:\n  skill_name: a\n---\n",
    })
    assert errors(validate(m, source=str(repo), targets_dir=None)) == [
        ("adapters/x/gone.md:3", "adapter-skill-missing"),
        ("adapters/y/a.md:5", "adapter-source-missing"),
        ("adapters/z/a.md:2", "adapter-version-missing"),
    ]


def test_duplicate_skill_names(tmp: Path) -> None:
    repo, m = release(tmp, {
        "one/dup/SKILL.md": skill_md("dup"),
        "two/dup/SKILL.md": skill_md("dup"),
    })
    assert errors(validate(m, source=str(repo), targets_dir=None)) == [
        ("one/dup/SKILL.md", "skill-name-duplicate"),
        ("two/dup/SKILL.md", "skill-name-duplicate"),
    ]


def test_tampered_manifest_fails_integrity(tmp: Path) -> None:
    repo, m = release(tmp, {"skills/a/SKILL.md": skill_md("a")})
    m["skills"][0]["files"][0]["sha256"] = "f" * 64
    m["digest"] = mf.compute_digest(m)
    assert errors(validate(m, source=str(repo), targets_dir=None)) == [
        ("skills/a/SKILL.md", "manifest-file-hash")]


def test_targets_check_is_called_when_available(tmp: Path) -> None:
    try:
        from skillsync.targets import check_targets  # noqa: F401
    except ImportError:
        assert validate(None, source=None, targets_dir=tmp) == []
    else:
        assert isinstance(validate(None, source=None, targets_dir=tmp), list)


# ------------------------------------------------------------------ via the scripts

BAD_SKILLS = {
    "no-front-matter": ("# pdf-tools\nNo front matter.\n", ":1", "no front matter"),
    "bad-yaml": ("---\nname: pdf-tools\ndescription: a: b\n---\n", ":3", "invalid YAML"),
    "missing-name": ("---\ndescription: d\n---\n", ":2", "missing required field 'name'"),
    "long-description": (f"---\nname: pdf-tools\ndescription: {'x' * 1100}\n---\n", ":3",
                         "1100 characters; the limit is 1024"),
    "unquoted-metadata": ("---\nname: pdf-tools\ndescription: d\nmetadata:\n  version: 1.10\n---\n",
                          ":5", "metadata values must be strings"),
}


@pytest.mark.parametrize("case", sorted(BAD_SKILLS))
def test_malformed_skill_md_fails_the_gate(tmp: Path, case: str) -> None:
    text, line, message = BAD_SKILLS[case]
    repo = make_repo(tmp / "src", {"skills/pdf-tools/SKILL.md": text,
                                   "skills/ok/SKILL.md": skill_md("ok")})
    out = tmp / "m.json"
    out.write_text(json.dumps(mf.build_manifest(str(repo), "HEAD")))  # a broken skill still ships
    proc = run_script("validate-sync-targets", "--manifest", str(out), cwd=tmp)
    assert proc.returncode == 1, proc.stderr
    (finding,) = json.loads(proc.stdout)
    assert finding["path"] == "skills/pdf-tools/SKILL.md" + line
    assert finding["severity"] == "error" and message in finding["message"]
    error_lines = [ln for ln in proc.stderr.splitlines() if ": error: " in ln]
    assert error_lines == [f"skills/pdf-tools/SKILL.md{line}: error: {finding['message']} "
                           f"[{finding['code']}]"]
    assert "Traceback" not in proc.stderr


def test_pipe_build_manifest_into_validate(tmp: Path) -> None:
    repo = make_repo(tmp / "src", {
        "skills/pdf-tools/SKILL.md": skill_md("pdf-tools", "1.1.0"),
        "adapters/gemini/pdf-tools/GEMINI.md": adapter_md("pdf-tools", "1.0.0"),
    })
    git("tag", "v1.1.0", cwd=repo)
    build = subprocess.Popen([str(SCRIPTS / "build-manifest"), "--source", str(repo),
                              "--ref", "v1.1.0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert build.stdout is not None
    check = subprocess.run([str(SCRIPTS / "validate-sync-targets"), "--manifest", "-"],
                           stdin=build.stdout, capture_output=True, text=True, cwd=tmp,
                           timeout=120, check=False)
    build.stdout.close()
    assert build.stderr is not None
    with build.stderr:
        assert "1 skills, 1 adapters" in build.stderr.read().decode()
    assert build.wait(timeout=120) == 0
    assert check.returncode == 1, check.stderr
    findings = json.loads(check.stdout)
    assert [(f["path"], f["code"]) for f in findings] == [
        ("adapters/gemini/pdf-tools/GEMINI.md:4", "adapter-stale")]
    assert check.stderr.splitlines()[-1].startswith("validate-sync-targets: 1 error(s)")


def test_findings_to_file_and_exit_0(tmp: Path) -> None:
    _, m = release(tmp, {"skills/a/SKILL.md": skill_md("a")})
    out = tmp / "findings.json"
    proc = run_script("validate-sync-targets", "--manifest", "-", "-o", str(out),
                      input=json.dumps(m), cwd=tmp)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(out.read_text()) == []
    assert proc.stdout == ""


@pytest.mark.parametrize(("stdin", "args", "message"), [
    ("{not json", ["--manifest", "-"], "stdin:1: manifest is not valid JSON"),
    ("", ["--manifest", "-"], "manifest is not valid JSON"),
    (None, [], "nothing to validate"),
    (None, ["--targets", "missing-dir"], "missing-dir: no such directory"),
    (None, ["--manifest", "nope.json"], "cannot read nope.json"),
])
def test_bad_input_one_line_exit_2(tmp: Path, stdin: str | None, args: list[str],
                                   message: str) -> None:
    proc = run_script("validate-sync-targets", *args, input=stdin, cwd=tmp)
    assert proc.returncode == 2, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if not ln.startswith(("usage:", " "))]
    assert len(lines) == 1 and lines[0].startswith("validate-sync-targets: error: "), proc.stderr
    assert message in lines[0]
    assert proc.stdout == ""


def test_unreadable_source_is_exit_2(tmp: Path) -> None:
    _, m = release(tmp, {"skills/a/SKILL.md": skill_md("a")})
    m["source"]["repo"] = m["source"]["checkout"] = str(tmp / "moved-away")
    proc = run_script("validate-sync-targets", "--manifest", "-", input=json.dumps(m), cwd=tmp)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"validate-sync-targets: error: {tmp}/moved-away: no such directory"]


def test_remote_flag_adds_health_findings(tmp_path: Path) -> None:
    from conftest import make_bare_remote

    good = make_bare_remote(tmp_path, "good")
    tdir = tmp_path / "targets"
    tdir.mkdir()
    (tdir / "good.yaml").write_text(f"id: good\nrepo: {good}\nmechanism: push\n")
    (tdir / "gone.yaml").write_text(f"id: gone\nrepo: {tmp_path / 'gone.git'}\nmechanism: push\n")
    plain = run_script("validate-sync-targets", "--targets", str(tdir))
    assert plain.returncode == 0, plain.stderr
    res = run_script("validate-sync-targets", "--targets", str(tdir), "--remote")
    assert res.returncode == 1
    findings = json.loads(res.stdout)
    assert {f["code"] for f in findings} >= {"health-remote"}
    assert all("gone" in f["message"] for f in findings)
