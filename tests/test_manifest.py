"""build-manifest / verify_manifest on real git repositories."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import git, isolate, make_repo, run_script, write_files
from skillsync import manifest as mf
from skillsync.errors import ConfigError, SourceError
from skillsync.fsutil import dumps


def skill_md(name: str, extra: str = "", description: str | None = None) -> str:
    desc = description or f"Does {name}."
    return f"---\nname: {name}\ndescription: {desc}\n{extra}---\n# {name}\n"


def adapter_md(skill: str, version: str, extra: str = "") -> str:
    return (f"---\nname: {skill}\nadapter_metadata:\n  skill_name: {skill}\n"
            f"  skill_version: \"{version}\"\n{extra}---\nrendered {skill}\n")


LIMIT = 4096  # small max_file_bytes so the over-size file stays tiny

SOURCE_FILES: dict[str, str | bytes] = {
    "README.md": "# skills\n",
    "skills/pdf-tools/SKILL.md": skill_md("pdf-tools", 'metadata:\n  version: "1.1.0"\n'),
    "skills/pdf-tools/scripts/extract.py": "print('x')\n",
    "skills/pdf-tools/references/REFERENCE.md": "---\ntitle: ref\n---\nplain doc\n",
    "skills/pdf-tools/assets/big.bin": b"\0" * (LIMIT + 1),
    # a variant skill file that is an adapter (not part of pdf-tools' files)
    "skills/pdf-tools/SKILL_PROFESSIONAL.md": adapter_md("pdf-tools", "1.1.0",
                                                         "  adapter_id: professional\n"),
    "skills/.curated/hidden-skill/SKILL.md": skill_md("hidden-skill", "version: \"0.9.0\"\n"),
    "skills/outer/SKILL.md": skill_md("outer"),
    "skills/outer/notes.txt": "outer only\n",
    "skills/outer/inner/SKILL.md": skill_md("inner"),
    "skills/outer/inner/data.txt": "inner only\n",
    "plugins/acme/skills/nested-skill/SKILL.md": skill_md("nested-skill"),
    "plugins/acme/skills/nested-skill/adapters/claude/SKILL.md":
        adapter_md("nested-skill", "1.1.0"),
    "adapters/gemini/pdf-tools/GEMINI.md": adapter_md("pdf-tools", "1.1.0"),
    "adapters/cursor/rules/pdf.mdc": adapter_md("pdf-tools", "1.1.0",
                                                "  source_path: skills/pdf-tools/SKILL.md\n"),
    "node_modules/dep/SKILL.md": skill_md("dep"),
    "vendor/other/SKILL.md": skill_md("other"),
    "third_party/lib/SKILL.md": skill_md("lib"),
    "docs/guide.md": "not a skill\n",
}


@pytest.fixture(scope="module")
def module_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """conftest's isolation (pinned identities, empty HOME) for module-scoped repos."""
    with pytest.MonkeyPatch.context() as mp:
        isolate(mp, tmp_path_factory.mktemp("module-home"))
        yield


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory, module_env: None) -> Path:
    return features_source(tmp_path_factory.mktemp("src") / "skills-src")


def features_source(where: Path) -> Path:
    """SOURCE_FILES at `where`, with a symlink, an executable and a submodule, tagged
    v1.1.0 (test_manifest_fast builds it too)."""
    repo = make_repo(where, SOURCE_FILES)
    (repo / "skills/pdf-tools/link").symlink_to("../../README.md")
    (repo / "skills/pdf-tools/scripts/extract.py").chmod(0o755)
    git("add", "-A", cwd=repo)
    sub = git("rev-parse", "HEAD", cwd=repo)
    git("update-index", "--add", "--cacheinfo", f"160000,{sub},skills/pdf-tools/vendored-sub",
        cwd=repo)
    git("commit", "-q", "-m", "links", cwd=repo)
    git("tag", "v1.1.0", cwd=repo)
    return repo


@pytest.fixture(scope="module")
def built(source: Path) -> dict[str, Any]:
    return mf.build_manifest(str(source), "v1.1.0", max_file_bytes=LIMIT)


def skill(m: dict[str, Any], name: str) -> dict[str, Any]:
    (found,) = [s for s in m["skills"] if s["name"] == name]
    return found


def test_manifest_matches_its_schema(built: dict[str, Any]) -> None:
    assert mf.check_schema(built) == []
    assert built["schema"] == "skillsync.manifest/v1"
    assert built["digest"] == mf.compute_digest(built)


def test_discovery_finds_hidden_nested_and_skips_vendored(built: dict[str, Any]) -> None:
    paths = {s["name"]: s["path"] for s in built["skills"]}
    assert paths == {
        "pdf-tools": "skills/pdf-tools",
        "hidden-skill": "skills/.curated/hidden-skill",
        "outer": "skills/outer",
        "inner": "skills/outer/inner",
        "nested-skill": "plugins/acme/skills/nested-skill",
    }
    assert [s["name"] for s in built["skills"]] == sorted(paths)


def test_skill_files_exclude_deeper_skills_and_adapters(built: dict[str, Any]) -> None:
    assert [f["path"] for f in skill(built, "outer")["files"]] == ["SKILL.md", "notes.txt"]
    assert [f["path"] for f in skill(built, "inner")["files"]] == ["SKILL.md", "data.txt"]
    assert [f["path"] for f in skill(built, "pdf-tools")["files"]] == [
        "SKILL.md", "references/REFERENCE.md", "scripts/extract.py"]
    assert [f["path"] for f in skill(built, "nested-skill")["files"]] == ["SKILL.md"]


def test_adapters_under_any_name(built: dict[str, Any]) -> None:
    got = {a["path"]: (a["adapter_id"], a["skill_name"], a["skill_version"], a["source_path"])
           for a in built["adapters"]}
    assert got == {
        "adapters/cursor/rules/pdf.mdc": ("cursor", "pdf-tools", "1.1.0",
                                          "skills/pdf-tools/SKILL.md"),
        "adapters/gemini/pdf-tools/GEMINI.md": ("gemini", "pdf-tools", "1.1.0", None),
        "plugins/acme/skills/nested-skill/adapters/claude/SKILL.md": (
            "claude", "nested-skill", "1.1.0", None),
        "skills/pdf-tools/SKILL_PROFESSIONAL.md": ("professional", "pdf-tools", "1.1.0", None),
    }
    assert [a["path"] for a in built["adapters"]] == sorted(got)


def test_symlink_submodule_and_oversize_are_skipped_not_read(built: dict[str, Any]) -> None:
    assert built["skipped"] == [
        {"path": "skills/pdf-tools/assets/big.bin", "reason": "too-large"},
        {"path": "skills/pdf-tools/link", "reason": "symlink"},
        {"path": "skills/pdf-tools/vendored-sub", "reason": "submodule"},
    ]
    assert built["limits"] == {"max_file_bytes": LIMIT}


def test_versions(built: dict[str, Any], source: Path) -> None:
    assert built["version"] == "1.1.0"
    assert skill(built, "pdf-tools")["version"] == "1.1.0"      # metadata.version
    assert skill(built, "hidden-skill")["version"] == "0.9.0"   # top-level version
    assert skill(built, "outer")["version"] == "1.1.0"          # the release version
    commit = built["source"]["commit"]
    assert built["source"] == {"repo": str(source), "checkout": str(source), "ref": "v1.1.0",
                               "commit": commit,
                               "tree": git("rev-parse", "v1.1.0^{tree}", cwd=source)}
    by_sha = mf.build_manifest(str(source), commit[:9], max_file_bytes=LIMIT)
    assert by_sha["version"] == commit[:12]
    assert mf.build_manifest(str(source), "main", max_file_bytes=LIMIT)["version"] == "main"


def test_every_hash_equals_git(built: dict[str, Any], source: Path) -> None:
    commit = built["source"]["commit"]
    listed = [(f"{s['path']}/{f['path']}", f) for s in built["skills"] for f in s["files"]]
    listed += [(a["path"], a) for a in built["adapters"]]
    assert len(listed) == 13
    assert {f["mode"] for _, f in listed} == {"100644", "100755"}
    for path, f in listed:
        assert f["blob"] == git("rev-parse", f"{commit}:{path}", cwd=source)
        raw = subprocess.run(["git", "cat-file", "blob", f["blob"]], cwd=source,
                             capture_output=True, check=True).stdout
        assert (f["size"], f["sha256"]) == (len(raw), hashlib.sha256(raw).hexdigest()), path
        mode = git("ls-tree", commit, "--", path, cwd=source).split()[0]
        assert f["mode"] == mode


def test_deterministic_twice_and_from_two_clones(
        built: dict[str, Any], source: Path, tmp: Path) -> None:
    again = mf.build_manifest(str(source), "v1.1.0", max_file_bytes=LIMIT)
    assert dumps(again) == dumps(built)
    a, b = tmp / "a", tmp / "b.git"
    git("clone", "-q", str(source), str(a))
    git("clone", "-q", "--bare", str(source), str(b))
    from_a = mf.build_manifest(str(a), "v1.1.0", max_file_bytes=LIMIT)
    from_b = mf.build_manifest(str(b), "v1.1.0", max_file_bytes=LIMIT)
    assert from_a["source"]["repo"] == str(source)  # the clones' origin
    # Only the checkout each was built from, recorded as given, differs (issue 13).
    assert (from_a["source"].pop("checkout"), from_b["source"].pop("checkout")) == (str(a), str(b))
    assert dumps(from_a) == dumps(from_b)
    assert {k: v for k, v in from_a.items() if k != "source"} == {
        k: v for k, v in built.items() if k != "source"}


def test_dirty_work_tree_changes_nothing(source: Path, tmp: Path) -> None:
    work = tmp / "dirty"
    git("clone", "-q", str(source), str(work))
    before = dumps(mf.build_manifest(str(work), "v1.1.0", max_file_bytes=LIMIT))
    write_files(work, {
        "skills/pdf-tools/SKILL.md": skill_md("pdf-tools", 'metadata:\n  version: "9.9.9"\n'),
        "skills/new-skill/SKILL.md": skill_md("new-skill"),  # untracked
        "skills/outer/notes.txt": "staged edit\n",
    })
    git("add", "skills/outer/notes.txt", cwd=work)
    (work / "skills/outer/inner/data.txt").unlink()
    assert dumps(mf.build_manifest(str(work), "v1.1.0", max_file_bytes=LIMIT)) == before


def test_url_source_partial_clone_matches_local(
        built: dict[str, Any], source: Path, tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bare = tmp / "served.git"
    git("clone", "-q", "--bare", str(source), str(bare))
    git("config", "uploadpack.allowFilter", "true", cwd=bare)  # a real blob-less clone
    scratch = tmp / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    url = f"file://user:s3cret-token@{bare}"
    m = mf.build_manifest(url, "v1.1.0", max_file_bytes=LIMIT)
    assert m["source"]["repo"] == f"file://{bare}"
    assert "s3cret-token" not in dumps(m)
    assert {k: v for k, v in m.items() if k != "source"} == {
        k: v for k, v in built.items() if k != "source"}
    assert list(scratch.iterdir()) == []  # the temporary clone is gone


def test_origin_url_is_recorded_without_userinfo(tmp: Path) -> None:
    repo = make_repo(tmp / "r", {"s/SKILL.md": skill_md("s")})
    git("remote", "add", "origin", "https://bot:tok3n-value@example.invalid/acme/skills.git",
        cwd=repo)
    m = mf.build_manifest(str(repo), "HEAD")
    assert m["source"]["repo"] == "https://example.invalid/acme/skills.git"
    assert m["version"] == "HEAD"


def test_root_level_skill_with_adapters(tmp: Path) -> None:
    repo = make_repo(tmp / "solo-skill", {
        "SKILL.md": skill_md("solo-skill"),
        "scripts/run.sh": "echo hi\n",
        "GEMINI.md": adapter_md("solo-skill", "2.0.0"),
        "adapters/codex/AGENTS.md": adapter_md("solo-skill", "2.0.0"),
    })
    git("tag", "v2.0.0", cwd=repo)
    m = mf.build_manifest(str(repo), "v2.0.0")
    assert [(s["name"], s["path"], [f["path"] for f in s["files"]]) for s in m["skills"]] == [
        ("solo-skill", "", ["SKILL.md", "scripts/run.sh"])]
    assert {a["path"]: a["adapter_id"] for a in m["adapters"]} == {
        "GEMINI.md": "gemini", "adapters/codex/AGENTS.md": "codex"}


def test_config_narrows_and_widens(tmp: Path) -> None:
    files = {
        "skills/a/SKILL.md": skill_md("a"),
        "skills/.curated/b/SKILL.md": skill_md("b"),
        "vendor/c/SKILL.md": skill_md("c"),
        "adapters/x/a.md": adapter_md("a", "1"),
        "extra/a.toml": adapter_md("a", "1"),
    }
    repo = make_repo(tmp / "cfg", files)
    default = mf.build_manifest(str(repo), "HEAD")
    assert [s["name"] for s in default["skills"]] == ["a", "b"]
    write_files(repo, {".skillsync.yaml":
                       "skills: ['skills/*', 'vendor/**']\nadapters: ['extra/*.toml']\n"})
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "cfg", cwd=repo)
    m = mf.build_manifest(str(repo), "HEAD")
    assert [s["name"] for s in m["skills"]] == ["a", "c"]  # .curated/b is two levels down
    assert [a["path"] for a in m["adapters"]] == ["extra/a.toml"]
    # A glob may also name the SKILL.md itself.
    write_files(repo, {".skillsync.yaml": "skills: ['**/SKILL.md']\n"})
    git("commit", "-q", "-am", "cfg2", cwd=repo)
    m = mf.build_manifest(str(repo), "HEAD")
    assert [s["name"] for s in m["skills"]] == ["a", "b", "c"]


def test_non_utf8_path_is_skipped(tmp: Path) -> None:
    repo = make_repo(tmp / "r", {"s/SKILL.md": skill_md("s")})
    with open(os.path.join(os.fsencode(repo / "s"), b"caf\xe9.txt"), "wb") as fh:
        fh.write(b"latin-1 name\n")
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", "latin-1", cwd=repo)
    m = mf.build_manifest(str(repo), "HEAD")
    assert m["skipped"] == [{"path": "s/caf\\xe9.txt", "reason": "non-utf8-path"}]
    assert [f["path"] for f in m["skills"][0]["files"]] == ["SKILL.md"]
    assert mf.check_schema(m) == []


@pytest.mark.parametrize(("text", "where", "what"), [
    ("skills: [a\n", ".skillsync.yaml:2", "invalid YAML"),
    ("skills: a/*\n", ".skillsync.yaml:1", "'skills' must be a list"),
    ("skill: ['a']\n", ".skillsync.yaml:1", "unknown key 'skill'"),
    ("skills: ['a']\nskills: ['b']\n", ".skillsync.yaml:2", "duplicate key"),
])
def test_config_errors_name_file_and_line(tmp: Path, text: str, where: str, what: str) -> None:
    repo = make_repo(tmp / "badcfg", {"s/SKILL.md": skill_md("s"), ".skillsync.yaml": text})
    with pytest.raises(ConfigError) as exc:
        mf.build_manifest(str(repo), "HEAD")
    assert exc.value.where == where
    assert what in exc.value.message


def test_glob_regex() -> None:
    rx = mf.glob_regex
    assert rx("skills/*").match("skills/a")
    assert not rx("skills/*").match("skills/a/b")
    assert rx("skills/**").match("skills/a/b")
    assert rx("**/SKILL.md").match("SKILL.md")
    assert rx("**/SKILL.md").match("a/b/SKILL.md")
    assert rx("a/**/b").match("a/b") and rx("a/**/b").match("a/x/y/b")
    assert not rx("a.md").match("aXmd")


def test_source_errors(tmp: Path) -> None:
    repo = make_repo(tmp / "r", {"s/SKILL.md": skill_md("s")})
    with pytest.raises(SourceError, match=r"unknown ref 'v9\.9\.9'"):
        mf.build_manifest(str(repo), "v9.9.9")
    with pytest.raises(SourceError, match="invalid ref"):
        mf.build_manifest(str(repo), "--upload-pack=touch x")
    (tmp / "plain").mkdir()
    with pytest.raises(SourceError, match="not a git repository"):
        mf.build_manifest(str(tmp / "plain"), "HEAD")
    (repo / "sub").mkdir()
    with pytest.raises(SourceError, match="inside"):
        mf.build_manifest(str(repo / "sub"), "HEAD")
    (repo / "sub" / "deeper").mkdir()
    with pytest.raises(SourceError, match=f"inside {repo.resolve()};"):
        mf.build_manifest(str(repo / "sub" / "deeper"), "HEAD")
    # inside the git directory: refused like any other inner directory (was a GitError)
    with pytest.raises(SourceError, match=f"inside {(repo / '.git').resolve()};"):
        mf.build_manifest(str(repo / ".git" / "refs"), "HEAD")
    # the ref must name a commit: a tree, a blob, a look-alike are unknown or invalid
    for ref in ("HEAD^{tree}", "HEAD:s/SKILL.md", "HEAD:s"):
        with pytest.raises(SourceError, match="unknown ref"):
            mf.build_manifest(str(repo), ref)
    for ref in ("v1.0.0\u200b", "v1\x85", "a b"):
        with pytest.raises(SourceError, match="invalid ref"):
            mf.build_manifest(str(repo), ref)
    with pytest.raises(SourceError, match="cannot clone"):
        mf.build_manifest(f"file://{tmp}/missing.git", "HEAD")


# ------------------------------------------------------------------ verify_manifest


def test_verify_clean_manifest(built: dict[str, Any], source: Path) -> None:
    assert mf.verify_manifest(built, str(source)) == []


def test_verify_detects_tampering(built: dict[str, Any], source: Path) -> None:
    m = json.loads(json.dumps(built))
    pdf = next(s for s in m["skills"] if s["name"] == "pdf-tools")
    pdf["files"][0]["sha256"] = "0" * 64
    pdf["files"].append(dict(pdf["files"][1], path="scripts/ghost.py"))
    codes = {(f.path, f.code) for f in mf.verify_manifest(m, str(source))}
    assert codes == {
        ("manifest#/digest", "manifest-digest"),
        ("skills/pdf-tools/SKILL.md", "manifest-file-hash"),
        ("skills/pdf-tools/scripts/ghost.py", "manifest-file-missing"),
    }
    m["source"]["commit"] = "1" * 40
    m["digest"] = mf.compute_digest(m)
    assert [f.code for f in mf.verify_manifest(m, str(source))] == ["manifest-commit-unknown"]
    del m["digest"]
    assert [f.code for f in mf.verify_manifest(m, str(source))] == ["manifest-schema"]


# ------------------------------------------------------------------ the command


def one_error_line(stderr: str, prog: str) -> str:
    lines = [ln for ln in stderr.splitlines() if not ln.startswith(("usage:", " "))]
    assert len(lines) == 1, stderr
    assert lines[0].startswith(f"{prog}: error: ")
    assert "Traceback" not in stderr
    return lines[0]


def test_command_writes_manifest_file(source: Path, tmp: Path) -> None:
    out = tmp / "out" / "manifest.json"
    proc = run_script("build-manifest", "--source", str(source), "--ref", "v1.1.0",
                      "--max-file-bytes", str(LIMIT), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == ""
    assert "1.1.0" in proc.stderr and "5 skills" in proc.stderr
    m = json.loads(out.read_text())
    assert mf.check_schema(m) == [] and m["skipped"][0]["reason"] == "too-large"


@pytest.mark.parametrize(("args", "message"), [
    (["--ref", "v9.9.9"], "unknown ref 'v9.9.9'"),
    (["--ref", "v1.1.0", "--source", "{tmp}"], "not a git repository"),
    (["--ref", "v1.1.0", "--source", "{tmp}/nope"], "no such directory"),
    (["--ref", "v1.1.0", "--source", "file://{tmp}/gone.git"], "cannot clone"),
    (["--ref", "v1.1.0", "--source", "http://127.0.0.1:9/skills.git"], "cannot clone"),
    (["--ref", "v1.1.0", "--max-file-bytes", "0"], "--max-file-bytes"),
    (["--source", "."], "--ref"),
])
def test_command_bad_input_one_line_exit_2(
        source: Path, tmp: Path, args: list[str], message: str) -> None:
    args = [a.replace("{tmp}", str(tmp)) for a in args]
    if "--source" not in args:
        args = ["--source", str(source), *args]
    proc = run_script("build-manifest", *args, cwd=tmp)
    assert proc.returncode == 2, proc.stderr
    assert message in one_error_line(proc.stderr, "build-manifest")
    assert proc.stdout == ""


def test_root_level_skill_takes_only_its_own_layout(tmp_path: Path) -> None:
    from conftest import make_repo

    repo = make_repo(tmp_path / "root-skill", {
        "SKILL.md": "---\nname: root-skill\ndescription: A skill at the root.\n---\nBody\n",
        "scripts/run.sh": "#!/bin/sh\n",
        "references/guide.md": "guide\n",
        ".github/workflows/ci.yml": "on: push\n",
        "noxfile.py": "import nox\n",
        "targets/x.yaml": "id: x\n",
    })
    git("tag", "v1.0.0", cwd=repo)
    m = mf.build_manifest(str(repo), "v1.0.0")
    (skill,) = m["skills"]
    assert [f["path"] for f in skill["files"]] == ["SKILL.md", "references/guide.md",
                                                   "scripts/run.sh"]
