"""validate / validate-sync-targets: the pre-sync gate, on real repositories."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from conftest import SCRIPTS, git, make_repo, run_script
from skillsync import manifest as mf
from skillsync.findings import Finding, has_errors
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
    ("", ["--manifest", "-"], "empty input on stdin"),
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


# ------------------------------------------------------- files a skill loses (issue 12.8)


def _dropping_release(tmp: Path) -> tuple[Path, dict[str, Any]]:
    """A release whose skill `a` holds a symlink, an oversized file, a file with a
    non-UTF-8 name and a submodule; plus a symlink outside every skill."""
    repo = make_repo(tmp / "src", {
        "skills/a/SKILL.md": skill_md("a"),
        "skills/a/references/big.md": "x" * 5000 + "\n",
        "README.md": "outside every skill\n",
    })
    os.symlink("../../README.md", repo / "skills/a/linked.md")
    os.symlink("README.md", repo / "top-link.md")
    with open(os.path.join(os.fsencode(repo), b"skills/a/caf\xe9.txt"), "wb") as fh:
        fh.write(b"latin-1 name\n")
    git("add", "-A", cwd=repo)
    head = git("rev-parse", "HEAD", cwd=repo)
    git("update-index", "--add", "--cacheinfo", f"160000,{head},skills/a/vendor/lib", cwd=repo)
    git("commit", "-q", "-m", "drops", cwd=repo)
    git("tag", "v1.1.0", cwd=repo)
    return repo, mf.build_manifest(str(repo), "v1.1.0", max_file_bytes=4096)


def test_files_dropped_from_a_skill_are_warnings_naming_file_and_reason(tmp: Path) -> None:
    repo, m = _dropping_release(tmp)
    assert {s["reason"] for s in m["skipped"]} == {"symlink", "too-large", "non-utf8-path",
                                                   "submodule"}
    found = validate(m, source=str(repo), targets_dir=None)
    dropped = {f.path: f for f in found if f.code == "skill-file-dropped"}
    assert set(dropped) == {"skills/a/linked.md", "skills/a/references/big.md",
                            "skills/a/caf\\\\xe9.txt", "skills/a/vendor/lib"}
    assert all(f.severity == "warning" and "skill 'a'" in f.message for f in dropped.values())
    assert "a symlink" in dropped["skills/a/linked.md"].message
    assert "5,001 bytes, over the 4,096-byte limit" in dropped["skills/a/references/big.md"].message
    assert "not UTF-8" in dropped["skills/a/caf\\\\xe9.txt"].message
    assert "a submodule" in dropped["skills/a/vendor/lib"].message
    assert not any("top-link" in f.path for f in found)  # not inside any skill
    assert not has_errors(found)


def test_a_skipped_list_emptied_by_hand_hides_nothing(tmp: Path) -> None:
    # `skipped` is outside the manifest digest: the drops are recomputed from the commit.
    repo, m = _dropping_release(tmp)
    m["skipped"] = []
    assert mf.check_digest(m) == []
    codes = [f.code for f in validate(m, source=str(repo), targets_dir=None)]
    assert codes.count("skill-file-dropped") == 4


def test_strict_turns_warnings_into_errors(tmp: Path) -> None:
    _, m = _dropping_release(tmp)
    plain = run_script("validate-sync-targets", "--manifest", "-", input=json.dumps(m), cwd=tmp)
    assert plain.returncode == 0, plain.stderr
    assert {f["severity"] for f in json.loads(plain.stdout)} == {"warning"}
    assert "0 error(s), 4 warning(s)" in plain.stderr.splitlines()[-1]
    strict = run_script("validate-sync-targets", "--manifest", "-", "--strict",
                        input=json.dumps(m), cwd=tmp)
    assert strict.returncode == 1, strict.stderr
    assert {f["severity"] for f in json.loads(strict.stdout)} == {"error"}
    assert strict.stderr.splitlines()[-1].startswith(
        "validate-sync-targets: 4 error(s) (4 of them warnings made errors by --strict), "
        "0 warning(s)")


# ------------------------------------------------------------------ SKILL.md bodies


def test_broken_dropped_outside_and_deep_references_with_their_lines(tmp: Path) -> None:
    text = ("---\nname: a\ndescription: d\n---\n# A\n\n"            # body starts on line 5
            "See [the guide](references/guide.md).\n"              # 7: shipped
            "Then [missing](references/missing.md#part).\n"        # 8: broken
            "Run `scripts/gone.py` first.\n"                       # 9: broken (bare path)
            "Read [linked](linked.md) and [up](../b/SKILL.md).\n"  # 10: dropped, outside
            "```\npython3 scripts/run.py\n```\n"                    # 12: shipped, in a fence
            "[web](https://example.com) [top](#a)\n")
    repo = make_repo(tmp / "src", {
        "skills/a/SKILL.md": text,
        "skills/a/references/guide.md": "Details in [deep](deep.md).\n",
        "skills/a/references/deep.md": "deep\n",
        "skills/a/scripts/run.py": "print()\n",
        "skills/b/SKILL.md": skill_md("b"),
        "skills/a/target.md": "t\n",
    })
    os.symlink("target.md", repo / "skills/a/linked.md")
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "link", cwd=repo)
    m = mf.build_manifest(str(repo), "HEAD")
    got = [(f.path, f.code, f.severity) for f in validate(m, source=str(repo), targets_dir=None)
           if f.code.startswith("skill-ref")]
    assert sorted(got) == [
        ("skills/a/SKILL.md:10", "skill-ref-dropped", "warning"),
        ("skills/a/SKILL.md:10", "skill-ref-outside", "warning"),
        ("skills/a/SKILL.md:7", "skill-ref-depth", "info"),
        ("skills/a/SKILL.md:8", "skill-ref-missing", "warning"),
        ("skills/a/SKILL.md:9", "skill-ref-missing", "warning"),
    ]


def test_length_guidance_is_info(tmp: Path) -> None:
    body = "".join(f"line {i} " + "word " * 40 + "\n" for i in range(520))
    repo, m = release(tmp, {"skills/a/SKILL.md": skill_md("a") + body})
    found = {f.code: f for f in validate(m, source=str(repo), targets_dir=None)}
    assert found["skill-body-long"].severity == "info"
    assert "is 525 lines" in found["skill-body-long"].message
    assert found["skill-body-tokens"].severity == "info"
    assert not has_errors(found.values())


def test_a_bare_path_into_a_directory_the_skill_lacks_is_the_users_project(tmp: Path) -> None:
    text = skill_md("a") + "Run `scripts/test.sh` in the repository, then read assets/x.png.\n"
    repo, m = release(tmp, {"skills/a/SKILL.md": text, "skills/a/assets/logo.png": b"\x89PNG"})
    got = [(f.path, f.message) for f in validate(m, source=str(repo), targets_dir=None)]
    assert got == [("skills/a/SKILL.md:6", "'assets/x.png' is not a file of this skill in the "
                    "release: the reference is broken downstream")]


def test_a_file_removed_from_the_manifest_is_caught(tmp: Path) -> None:
    # Dropping an entry and recomputing the digest passes every per-file check; the
    # commit's tree still says the skill has the file.
    repo, m = release(tmp, {"skills/a/SKILL.md": skill_md("a"), "skills/a/scripts/x.py": "1\n"})
    m["skills"][0]["files"] = [f for f in m["skills"][0]["files"] if f["path"] != "scripts/x.py"]
    m["limits"]["max_file_bytes"] = 10**9  # nor does a raised limit hide anything
    m["digest"] = mf.compute_digest(m)
    assert errors(validate(m, source=str(repo), targets_dir=None)) == [
        ("skills/a/scripts/x.py", "manifest-file-unlisted")]
