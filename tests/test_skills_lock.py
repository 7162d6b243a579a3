"""skills-lock.json compatibility with the `skills` CLI, against golden data the real
CLI produced (tests/data/skills_lock/README.md says how)."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from skillsync import skills_cli_lock as sl
from skillsync.errors import TargetError

DATA = Path(__file__).parent / "data" / "skills_lock"
EXPECTED = json.loads((DATA / "expected.json").read_text())
CLI_LOCK_V1 = (DATA / "cli-lock-v1.json").read_text(encoding="utf-8")
CLI_LOCK_V2 = (DATA / "cli-lock-v2.json").read_text(encoding="utf-8")
GITHUB = "https://github.com/acme/skills.git"


def _files(folder: Path) -> list[tuple[str, bytes]]:
    return [
        (p.relative_to(folder).as_posix(), p.read_bytes())
        for p in folder.rglob("*")
        if p.is_file()
    ]


def _skill_md(name: str, description: str) -> bytes:
    # The SKILL.md texts generate.sh wrote into the source repositories.
    return f"---\nname: {name}\ndescription: {description}\n---\nBody.\n".encode()


def test_data_was_made_by_the_version_we_claim() -> None:
    assert EXPECTED["cli"]["package"] == "skills"
    assert EXPECTED["cli"]["version"] == sl.CLI_VERSION_CHECKED


@pytest.mark.parametrize("name", ["basic", "nested", "binary"])
def test_compute_hash_matches_cli_golden_hash(name: str) -> None:
    files = _files(DATA / "skills" / name)
    assert sl.compute_hash(files) == EXPECTED["hashes"][name]
    # Input order does not matter: the hash sorts.
    assert sl.compute_hash(reversed(files)) == EXPECTED["hashes"][name]


@pytest.mark.parametrize("name", ["basic", "nested", "binary"])
def test_hash_folder_matches_cli_golden_hash(name: str) -> None:
    assert sl.hash_folder(DATA / "skills" / name) == EXPECTED["hashes"][name]


def test_hash_order_is_icu_not_code_point_order() -> None:
    files = _files(DATA / "skills" / "nested")
    digest = hashlib.sha256()
    # Code-point order: "README.md" < "SKILL.md" < "Zeta.md" < "a-b.txt" < ...
    for path, content in sorted(files):
        digest.update(path.encode())
        digest.update(content)
    assert digest.hexdigest() != EXPECTED["hashes"]["nested"]


def test_backslash_paths_are_separators() -> None:
    files = [(p.replace("/", "\\"), c) for p, c in _files(DATA / "skills" / "nested")]
    assert sl.compute_hash(files) == EXPECTED["hashes"]["nested"]


def test_hash_folder_skips_git_node_modules_symlinks_and_empty_dirs(tmp_path: Path) -> None:
    variant = EXPECTED["variants"]["nested+excluded"]
    copy = tmp_path / "nested"
    shutil.copytree(DATA / "skills" / "nested", copy)
    (copy / ".git").mkdir()
    (copy / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (copy / "node_modules" / "pkg").mkdir(parents=True)
    (copy / "node_modules" / "pkg" / "index.js").write_text("module.exports = 1;\n")
    (copy / "scripts" / "node_modules").mkdir()
    (copy / "scripts" / "node_modules" / "x.js").write_text("x\n")
    (copy / "empty-dir").mkdir()
    (copy / "link.md").symlink_to("SKILL.md")
    (copy / "linkdir").symlink_to("scripts")
    assert sl.hash_folder(copy) == variant["hash"] == EXPECTED["hashes"][variant["same_as"]]


def test_collation_matches_node_locale_compare() -> None:
    data = json.loads((DATA / "collation.json").read_text(encoding="utf-8"))
    names, ties = data["sorted"], set(data["ties"])
    assert len(names) == 600
    keys = [sl.collation_key(n)[:3] for n in names]
    for i in range(1, len(names)):
        if i in ties:
            assert keys[i - 1] == keys[i], (names[i - 1], names[i])
        else:
            assert keys[i - 1] < keys[i], (names[i - 1], names[i])
    assert all(sl.collation_is_exact(n) for n in names)
    assert not sl.collation_is_exact("naïve-ø.md")  # ø has no decomposition: best effort


def _source_v1_1() -> dict[str, list[tuple[str, bytes]]]:
    """The skills of acme/skills at v1.1.0 as generate.sh built them."""
    nested = _files(DATA / "skills" / "nested")
    nested = [
        (p, c + b"changed in v1.1.0\n" if p == "scripts/run.py" else c) for p, c in nested
    ]
    return {
        "Upper-Case": [("SKILL.md", _skill_md("Upper-Case", "Upper-case name sorts first."))],
        "basic": _files(DATA / "skills" / "basic"),
        "nested": nested,
    }


def test_hashes_in_cli_written_locks_match() -> None:
    v1 = json.loads(CLI_LOCK_V1)["skills"]
    v2 = json.loads(CLI_LOCK_V2)["skills"]
    tool = _skill_md("git-tool", "From a generic git source.")
    gen = _skill_md("gen-tool", "From a generic git source.")
    assert sl.compute_hash([("SKILL.md", tool)]) == v1["git-tool"]["computedHash"]
    assert sl.compute_hash([("SKILL.md", gen)]) == v1["gen-tool"]["computedHash"]
    for name, files in _source_v1_1().items():
        assert sl.compute_hash(files) == v2[name]["computedHash"], name


def test_entries_map_sources_as_the_cli_does() -> None:
    v1 = json.loads(CLI_LOCK_V1)["skills"]
    h = "0" * 64

    def fields(entry: sl.SkillLockEntry) -> dict[str, str]:
        return {k: v for k, v in entry.to_json().items() if k != "computedHash"}

    def cli(name: str) -> dict[str, str]:
        return {k: v for k, v in v1[name].items() if k != "computedHash"}

    for repo in (GITHUB, "https://github.com/acme/skills", "github:acme/skills", "acme/skills",
                 "https://x-access-token:SECRET@github.com/acme/skills.git"):
        entry = sl.SkillLockEntry.for_release("basic", repo, "v1.0.0", "skills/basic", h)
        assert fields(entry) == cli("basic"), repo
    gitlab = sl.SkillLockEntry.for_release(
        "git-tool", "https://gitlab.com/group/sub/tools", "v0.1.0", "git-tool", h
    )
    assert fields(gitlab) == cli("git-tool")
    generic = sl.SkillLockEntry.for_release(
        "gen-tool", "https://git.example.com/team/tools.git", "v0.2.0", "gen-tool/", h
    )
    assert fields(generic) == cli("gen-tool")
    with_token = sl.SkillLockEntry.for_release(
        "gen-tool", "https://u:SECRET@git.example.com/team/tools.git", "v0.2.0", "gen-tool", h
    )
    assert fields(with_token) == cli("gen-tool")
    local = sl.SkillLockEntry.for_release("binary", "/srv/skills", "v1.0.0", "skills/binary", h)
    assert local.to_json() == {"source": "/srv/skills", "sourceType": "local", "computedHash": h}
    ssh = sl.SkillLockEntry.for_release("x", "git@github.com:acme/skills.git", "v1", "", h)
    assert ssh.to_json() == {
        "source": "git@github.com:acme/skills.git",
        "sourceUrl": "git@github.com:acme/skills.git",
        "ref": "v1",
        "sourceType": "git",
        "skillPath": "SKILL.md",
        "computedHash": h,
    }


def test_render_round_trips_cli_written_locks() -> None:
    for text in (CLI_LOCK_V1, CLI_LOCK_V2):
        assert sl.render(sl.parse(text)) == text


def test_update_lock_reproduces_the_cli_moving_to_a_new_release() -> None:
    entries = [
        sl.SkillLockEntry.for_release(
            name, GITHUB, "v1.1.0", f"skills/{'upper' if name == 'Upper-Case' else name}",
            sl.compute_hash(files),
        )
        for name, files in _source_v1_1().items()
    ]
    before = sl.parse(CLI_LOCK_V1)
    snapshot = json.loads(CLI_LOCK_V1)
    after = sl.update_lock(before, entries)
    assert sl.render(after) == CLI_LOCK_V2
    assert before == snapshot  # the input is not modified


def test_update_lock_keeps_other_entries_and_unknown_fields() -> None:
    lock: dict[str, Any] = {
        "version": 1,
        "skills": {
            "zz-other": {"source": "other/repo", "sourceType": "github", "future": [1, {"b": 2}]},
            "mine": {
                "source": "acme/skills",
                "ref": "v1.0.0",
                "sourceType": "github",
                "skillPath": "skills/mine/SKILL.md",
                "computedHash": "old",
                "subagents": ["", "reviewer"],
            },
            "Aa-local": {"source": "./vendor/x", "sourceType": "local", "computedHash": "h"},
        },
        "generator": {"name": "someone-else"},
    }
    original = json.loads(json.dumps(lock))
    new = sl.SkillLockEntry.for_release("mine", GITHUB, "v1.1.0", "skills/mine", "new")
    added = sl.SkillLockEntry.for_release("added", GITHUB, "v1.1.0", "skills/added", "h2")
    out = sl.update_lock(lock, [new, added])
    assert lock == original
    assert list(out) == ["version", "skills", "generator"]
    assert out["generator"] == {"name": "someone-else"}
    assert list(out["skills"]) == ["Aa-local", "added", "mine", "zz-other"]
    assert out["skills"]["zz-other"] == original["skills"]["zz-other"]
    assert out["skills"]["Aa-local"] == original["skills"]["Aa-local"]
    assert out["skills"]["mine"] == {
        "source": "acme/skills",
        "ref": "v1.1.0",
        "sourceType": "github",
        "skillPath": "skills/mine/SKILL.md",
        "computedHash": "new",
        "subagents": ["", "reviewer"],
    }
    assert list(out["skills"]["mine"]) == [
        "source", "ref", "sourceType", "skillPath", "computedHash", "subagents"
    ]


def test_update_lock_replaces_an_entry_another_source_owned() -> None:
    lock = {"version": 1, "skills": {"mine": {
        "source": "pkg", "sourceType": "node_modules", "via": "x", "computedHash": "h"}}}
    new = sl.SkillLockEntry.for_release("mine", GITHUB, "v2.0.0", "mine", "h2")
    assert sl.update_lock(lock, [new])["skills"]["mine"] == new.to_json()


def test_update_lock_without_a_lock_creates_one() -> None:
    entry = sl.SkillLockEntry.for_release("basic", GITHUB, "v1.0.0", "skills/basic", "h")
    text = sl.render(sl.update_lock(None, [entry]))
    assert text == (
        '{\n  "version": 1,\n  "skills": {\n    "basic": {\n      "source": "acme/skills",\n'
        '      "ref": "v1.0.0",\n      "sourceType": "github",\n'
        '      "skillPath": "skills/basic/SKILL.md",\n      "computedHash": "h"\n    }\n  }\n}\n'
    )


def test_render_follows_json_stringify() -> None:
    # Raw UTF-8, JS control escapes, array-index keys first, integral floats as ints.
    lock = {"version": 1, "skills": {"b": {"x": "é\u0001\n", "n": 2.0}, "10": {}, "2": {}}}
    assert sl.render(lock) == (
        '{\n  "version": 1,\n  "skills": {\n    "2": {},\n    "10": {},\n    "b": {\n'
        '      "x": "é\\u0001\\n",\n      "n": 2\n    }\n  }\n}\n'
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "not valid JSON"),
        ("[]", "not a JSON object"),
        ('{"skills": {}}', "'version' is missing"),
        ('{"version": 2, "skills": {}}', "version 2 is not supported"),
        ('{"version": 1}', "'skills' is missing"),
        ('{"version": 1, "skills": {"a": 1}}', "'skills' is missing or not an object"),
    ],
)
def test_unreadable_lock_is_a_target_error_not_an_empty_lock(text: str, message: str) -> None:
    with pytest.raises(TargetError, match=message) as info:
        sl.parse(text, where="acme/skills-lock.json")
    assert info.value.where == "acme/skills-lock.json"
