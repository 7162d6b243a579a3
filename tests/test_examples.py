"""The bundled example source and the synthetic source generator (skillsync.examples)."""

from __future__ import annotations

import os
import re
import shutil
import stat
from pathlib import Path
from typing import Any

import pytest

from conftest import git, make_repo
from skillsync import git as sgit
from skillsync import yamlsafe
from skillsync.errors import UsageError
from skillsync.examples import (
    EXAMPLE_TAGS,
    EXAMPLES_DIR,
    build_example_source,
    generate_source,
    mode_for,
)

# Pinned so that "same SHAs on any machine" is checked, not just "same SHAs twice here".
# If you changed examples/source (or examples.toolbox_pack) on purpose, update these (and
# the demo notes quoting them).
EXAMPLE_SHAS = {
    "v1.0.0": "7ef2f7a3c2fea60c3e2f13511507b35248da1d05",
    "v1.1.0": "77d4fd42ae6949036fc8403f588ef28ab9b0fc9c",
    "v2.0.0-rc.1": "f3a7fd9ffbb1d582dbd21ad0947f7a00f2a59fff",
    "v2.0.0": "7d4dd589dae01ed2ecdb8110e8f350606e7154af",
}

# What each release holds: skill name -> skill dir, and adapter paths.
SKILLS = {
    "v1.0.0": {
        "pdf-tools": "skills/pdf-tools",
        "brand-guidelines": "skills/brand-guidelines",
        "changelog-writer": "skills/changelog-writer",
        "code-review": "skills/.curated/code-review",
        "csv-insights": "plugins/data-tools/skills/csv-insights",
    },
}
SKILLS["v1.1.0"] = {**SKILLS["v1.0.0"], "meeting-notes": "skills/meeting-notes"}
SKILLS["v2.0.0-rc.1"] = {
    **{k: v for k, v in SKILLS["v1.1.0"].items() if k != "changelog-writer"},
    "release-notes": "skills/release-notes",
}
SKILLS["v2.0.0"] = SKILLS["v2.0.0-rc.1"]
ADAPTERS_V1 = {"adapters/claude/pdf-tools/SKILL.md", "adapters/gemini/pdf-tools/GEMINI.md"}
ADAPTERS = {
    "v1.0.0": ADAPTERS_V1,
    "v1.1.0": ADAPTERS_V1 | {"adapters/claude/pdf-tools/SKILL_PROFESSIONAL.md"},
}
ADAPTERS["v2.0.0-rc.1"] = ADAPTERS["v2.0.0"] = ADAPTERS["v1.1.0"]

NAME_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
SPEC_FIELDS = {"name", "description", "license", "compatibility", "metadata", "allowed-tools"}


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    dest = tmp_path_factory.mktemp("example") / "source"
    return dest, build_example_source(dest)


def cat(repo: Path, spec: str) -> bytes:
    return sgit.run(["cat-file", "-p", spec], repo).stdout


def read_blobs(repo: Path, ref: str, paths: list[str]) -> dict[str, bytes]:
    """The contents of `paths` at `ref`, in one `git cat-file --batch` call."""
    batch = "".join(f"{ref}:{p}\n" for p in paths).encode()
    raw = sgit.run(["cat-file", "--batch"], repo, input=batch).stdout
    files: dict[str, bytes] = {}
    for path in paths:
        header, _, raw = raw.partition(b"\n")
        size = int(header.split()[2])
        files[path], raw = raw[:size], raw[size + 1 :]
    return files


def ls_tree(repo: Path, ref: str) -> dict[str, tuple[str, str, int]]:
    """path -> (mode, blob, size) of every file at `ref`."""
    out = {}
    for line in git("ls-tree", "-r", "-l", ref, cwd=repo).splitlines():
        meta, path = line.split("\t", 1)
        mode, _, blob, size = meta.split()
        out[path] = (mode, blob, int(size))
    return out


def name_status(repo: Path, a: str, b: str) -> set[tuple[str, ...]]:
    rows = git("diff", "--name-status", "-M", a, b, cwd=repo).splitlines()
    return {tuple(row.split("\t")) for row in rows}


def front_matter(text: str, file: str) -> dict[str, Any]:
    assert text.startswith("---\n"), f"{file}: no front matter"
    end = text.index("\n---\n", 3)
    data = yamlsafe.load(text[4 : end + 1], file, first_line=2).data
    assert isinstance(data, dict), file
    return data


def check_skill_spec(fm: dict[str, Any], folder: str, file: str) -> None:
    """The agentskills.io SKILL.md rules."""
    assert set(fm) <= SPEC_FIELDS, f"{file}: unknown fields {set(fm) - SPEC_FIELDS}"
    name = fm["name"]
    assert isinstance(name, str) and 1 <= len(name) <= 64 and NAME_RE.match(name), file
    assert name == folder, f"{file}: name {name!r} is not its folder {folder!r}"
    assert isinstance(fm["description"], str) and 1 <= len(fm["description"]) <= 1024, file
    assert len(fm.get("compatibility", "")) <= 500, file
    for key, value in fm.get("metadata", {}).items():
        assert isinstance(key, str) and isinstance(value, str), f"{file}: metadata.{key}"
    assert isinstance(fm.get("allowed-tools", ""), str), file


def classify(files: dict[str, bytes]) -> tuple[dict[str, tuple[str, dict[str, Any]]],
                                               dict[str, dict[str, Any]]]:
    """({skill name: (dir, front matter)}, {adapter path: adapter_metadata})."""
    skills: dict[str, tuple[str, dict[str, Any]]] = {}
    adapters: dict[str, dict[str, Any]] = {}
    for path, data in files.items():
        if not path.endswith(".md") or not data.startswith(b"---\n"):
            continue
        fm = front_matter(data.decode(), path)
        if "adapter_metadata" in fm:
            adapters[path] = fm["adapter_metadata"]
        elif path.endswith("/SKILL.md"):
            folder = path.rsplit("/", 2)[-2]
            check_skill_spec(fm, folder, path)
            assert fm["name"] not in skills, f"{path}: duplicate skill"
            skills[fm["name"]] = (path.rsplit("/", 1)[0], fm)
    return skills, adapters


# --------------------------------------------------------------------------- example


def test_example_build_is_deterministic_and_ignores_callers_git_setup(
    tmp_path: Path, example: tuple[Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, first = example
    # A caller with its own identity, dates, repository and config must not change a SHA.
    for key, value in {
        "GIT_AUTHOR_NAME": "Someone Else", "GIT_AUTHOR_DATE": "2030-01-01T00:00:00Z",
        "GIT_COMMITTER_EMAIL": "x@y.invalid", "GIT_COMMITTER_DATE": "2030-01-01T00:00:00Z",
        "GIT_DIR": str(tmp_path / "nowhere"), "GIT_INDEX_FILE": str(tmp_path / "idx"),
    }.items():
        monkeypatch.setenv(key, value)
    (Path(os.environ["HOME"]) / ".gitconfig").write_text(
        "[core]\n\tautocrlf = true\n\tfileMode = false\n[init]\n\tdefaultBranch = trunk\n"
        "[commit]\n\tgpgSign = true\n[tag]\n\tgpgSign = true\n[user]\n\tname = Config User\n"
    )
    second = build_example_source(tmp_path / "again")
    assert second == first == EXAMPLE_SHAS


def test_example_has_one_annotated_tag_per_release_in_order(
    example: tuple[Path, dict[str, str]],
) -> None:
    repo, shas = example
    assert list(shas) == list(EXAMPLE_TAGS) == ["v1.0.0", "v1.1.0", "v2.0.0-rc.1", "v2.0.0"]
    assert git("tag", "--list", cwd=repo).split() == sorted(EXAMPLE_TAGS)
    for tag in EXAMPLE_TAGS:
        assert git("cat-file", "-t", tag, cwd=repo) == "tag"
        assert git("rev-parse", f"{tag}^{{commit}}", cwd=repo) == shas[tag]
    assert git("rev-list", "--reverse", "main", cwd=repo).split() == [shas[t] for t in EXAMPLE_TAGS]
    assert git("symbolic-ref", "HEAD", cwd=repo) == "refs/heads/main"
    assert git("rev-parse", "--is-bare-repository", cwd=repo) == "false"
    # The work tree is the last release, clean.
    assert git("status", "--porcelain", "--ignored", cwd=repo) == ""
    assert (repo / "skills/pdf-tools/references/MIGRATION.md").is_file()


def test_example_keeps_executable_bit_and_binary_asset(
    example: tuple[Path, dict[str, str]],
) -> None:
    repo, _ = example
    v1 = ls_tree(repo, "v1.0.0")
    assert v1["skills/pdf-tools/scripts/extract_text.py"][0] == "100755"
    assert v1["plugins/data-tools/skills/csv-insights/scripts/profile_csv.py"][0] == "100755"
    assert v1["skills/pdf-tools/SKILL.md"][0] == "100644"
    assert ls_tree(repo, "v2.0.0")["skills/pdf-tools/scripts/pdf.py"][0] == "100755"
    assert os.stat(repo / "skills/pdf-tools/scripts/pdf.py").st_mode & stat.S_IXUSR

    mode, _, size = v1["skills/brand-guidelines/assets/logo.png"]
    png = cat(repo, "v1.0.0:skills/brand-guidelines/assets/logo.png")
    assert mode == "100644" and size == len(png)
    assert png == (EXAMPLES_DIR / "v1.0.0/skills/brand-guidelines/assets/logo.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and b"IEND" in png
    numstat = git("diff", "--numstat", "4b825dc642cb6eb9a060e54bf8d69288fbee4904", "v1.0.0",
                  "--", "skills/brand-guidelines/assets/logo.png", cwd=repo)
    assert numstat.startswith("-\t-\t"), "git must see logo.png as binary"


def test_example_releases_add_change_rename_and_delete(
    example: tuple[Path, dict[str, str]],
) -> None:
    repo, _ = example
    minor = name_status(repo, "v1.0.0", "v1.1.0")
    assert ("A", "skills/meeting-notes/SKILL.md") in minor
    assert ("A", "adapters/claude/pdf-tools/SKILL_PROFESSIONAL.md") in minor
    assert ("M", "skills/pdf-tools/scripts/extract_text.py") in minor
    assert ("R100", "skills/changelog-writer/references/conventional-commits.md",
            "skills/changelog-writer/references/commit-conventions.md") in minor
    assert ("D", "skills/brand-guidelines/references/palette-2024.md") in minor
    assert not {row for row in minor if "csv-insights" in row[-1] or "code-review" in row[-1]}

    major = name_status(repo, "v1.1.0", "v2.0.0-rc.1")
    renamed = {row[2] for row in major if row[0].startswith("R")}
    assert "skills/release-notes/SKILL.md" in renamed
    assert ("D", "skills/pdf-tools/scripts/extract_text.py") in major
    assert ("A", "skills/pdf-tools/scripts/pdf.py") in major

    final = name_status(repo, "v2.0.0-rc.1", "v2.0.0")
    assert ("A", "skills/pdf-tools/references/MIGRATION.md") in final
    assert ("M", "skills/.curated/code-review/references/checklist.md") in final


@pytest.mark.parametrize("tag", EXAMPLE_TAGS)
def test_example_skills_are_spec_valid_and_adapters_match_their_skill(tag: str) -> None:
    root = EXAMPLES_DIR / tag
    files = {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}
    skills, adapters = classify(files)
    assert {name: d for name, (d, _) in skills.items()} == SKILLS[tag]
    assert set(adapters) == ADAPTERS[tag]
    for path, meta in adapters.items():
        skill_dir, fm = skills[meta["skill_name"]]
        assert meta["skill_version"] == fm["metadata"]["version"], path
        assert meta["source_path"] == f"{skill_dir}/SKILL.md", path
        assert meta["adapter_id"] == path.split("/")[1], path
    assert "version" not in skills["code-review"][1].get("metadata", {})
    config = yamlsafe.load((root / ".skillsync.yaml").read_text(), ".skillsync.yaml").data
    assert config["tag_pattern"] == "v*" and config["adapters"] == ["adapters/**"]
    assert config["skills"] == ["skills/*", "skills/.curated/*", "plugins/*/skills/*"]


def test_snapshot_permission_bits_agree_with_the_shebang_rule() -> None:
    # The builder derives modes from content; the files on disk must say the same,
    # so a checkout of examples/ looks like the repository it builds.
    for path in EXAMPLES_DIR.rglob("*"):
        if path.is_file():
            executable = bool(path.stat().st_mode & stat.S_IXUSR)
            assert executable == (mode_for(path.read_bytes()) == "100755"), path


def test_example_rebuild_is_a_no_op(example: tuple[Path, dict[str, str]]) -> None:
    repo, shas = example
    marker = repo / "untracked-marker.txt"
    marker.write_text("left by the test\n")
    try:
        assert build_example_source(repo) == shas
        assert marker.read_text() == "left by the test\n"  # not rebuilt: still there
    finally:
        marker.unlink()


def test_example_builds_into_an_empty_directory(tmp_path: Path) -> None:
    dest = tmp_path / "empty"
    dest.mkdir()
    assert build_example_source(dest) == EXAMPLE_SHAS
    assert [p.name for p in tmp_path.iterdir()] == ["empty"]  # no temporary left behind


def test_example_refuses_a_directory_with_other_content(
    tmp_path: Path, example: tuple[Path, dict[str, str]]
) -> None:
    other = make_repo(tmp_path / "other", {"README.md": "mine\n"})
    head = git("rev-parse", "HEAD", cwd=other)
    with pytest.raises(UsageError, match="does not hold the example skills history"):
        build_example_source(other)
    assert git("rev-parse", "HEAD", cwd=other) == head
    assert git("tag", cwd=other) == ""

    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "notes.txt").write_text("keep me\n")
    with pytest.raises(UsageError):
        build_example_source(plain)
    assert [p.name for p in plain.iterdir()] == ["notes.txt"]

    afile = tmp_path / "afile"
    afile.write_text("x")
    with pytest.raises(UsageError, match="not a plain directory"):
        build_example_source(afile)

    # The example with one more tag is not "exactly this history" either.
    extra = tmp_path / "extra"
    shutil.copytree(example[0], extra)
    git("tag", "v9.9.9", cwd=extra)
    with pytest.raises(UsageError):
        build_example_source(extra)
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


# --------------------------------------------------------------------------- synthetic

SMALL = {"skills": 12, "files_per_skill": 5, "binary_bytes": 64, "releases": 3}


def test_generate_source_is_deterministic_spec_valid_and_sized(tmp_path: Path) -> None:
    a = generate_source(tmp_path / "a", **SMALL)
    assert generate_source(tmp_path / "b", **SMALL, bare=True) == a
    assert generate_source(tmp_path / "a", **SMALL) == a  # idempotent
    assert generate_source(tmp_path / "c", **SMALL, seed=1, bare=True) != a
    assert list(a) == ["v1.0.0", "v1.1.0", "v1.2.0"]
    repo = tmp_path / "a"
    assert git("rev-list", "--count", "main", cwd=repo) == "3"
    assert git("status", "--porcelain", cwd=repo) == ""

    first = ls_tree(repo, "v1.0.0")
    assert len(first) == 12 * 5 + 2  # plus README.md and .skillsync.yaml
    blobs = [v for p, v in first.items() if p.endswith(".bin")]
    assert len(blobs) == 12 and all(size == 64 and mode == "100644" for mode, _, size in blobs)
    assert all(mode == "100755" for p, (mode, _, _) in first.items() if p.endswith(".py"))
    assert any("/.curated/" in p for p in first) and any(p.startswith("plugins/") for p in first)

    for tag in a:
        md = [p for p in ls_tree(repo, tag) if p.endswith(".md")]
        skills, _ = classify(read_blobs(repo, tag, md))
        assert len(skills) == 12 + int(tag.split(".")[1])  # one new skill per release
    for old, new in (("v1.0.0", "v1.1.0"), ("v1.1.0", "v1.2.0")):
        kinds = {row[0][0] for row in name_status(repo, old, new)}
        assert kinds == {"A", "M", "R", "D"}, (old, new, kinds)


def test_generate_source_rejects_bad_sizes(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="skills must be >= 1"):
        generate_source(tmp_path / "x", skills=0)
    assert not (tmp_path / "x").exists()


@pytest.mark.slow
def test_generate_source_full_size(tmp_path: Path) -> None:
    # Bare: writing 2,000 work-tree files is what is slow on small CI disks, and
    # manifests and benchmarks read git objects only.
    shas = generate_source(tmp_path / "big", skills=200, files_per_skill=10, bare=True)
    repo = tmp_path / "big"
    assert git("rev-parse", "--is-bare-repository", cwd=repo) == "true"
    assert len(shas) == 3
    tree = ls_tree(repo, "v1.0.0")
    assert len(tree) == 2002
    assert sum(size for _, _, size in tree.values()) > 200 * 4096
    skill_md = [p for p in ls_tree(repo, "v1.2.0") if p.endswith("/SKILL.md")]
    assert len(skill_md) == 202
    skills, _ = classify(read_blobs(repo, "v1.2.0", skill_md))
    assert len(skills) == 202
