"""SKILL.md front matter parsing and Agent Skills spec checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from skillsync import skills
from skillsync.errors import ConfigError

GOOD = "---\nname: pdf-tools\ndescription: Work with PDFs.\n---\n# body\n"


def codes(text: str, folder: str | None = "pdf-tools") -> list[tuple[str, str, str]]:
    return [(f.path, f.code, f.severity)
            for f in skills.check_skill(text, "skills/pdf-tools/SKILL.md", folder=folder)]


def test_parse_front_matter_keeps_lines() -> None:
    fm = skills.parse_front_matter(
        "---\nname: x\nmetadata:\n  author: me\n---\nbody\n", "a/SKILL.md")
    assert fm.data == {"name": "x", "metadata": {"author": "me"}}
    assert fm.where("metadata", "author") == "a/SKILL.md:4"
    assert fm.body_line == 6


def test_crlf_and_bom_are_accepted() -> None:
    fm = skills.parse_front_matter("\ufeff---\r\nname: x\r\ndescription: y\r\n---\r\n", "f")
    assert fm.data == {"name": "x", "description": "y"}


@pytest.mark.parametrize(("text", "where", "what"), [
    ("# no front matter\n", "f.md:1", "no front matter"),
    ("", "f.md:1", "no front matter"),
    ("---\nname: x\n", "f.md:1", "not closed"),
    ("---\n---\nbody\n", "f.md:2", "empty"),
    ("---\n- a\n- b\n---\n", "f.md:2", "must be a YAML mapping"),
    ("---\nname: x\ndescription: a: b\n---\n", "f.md:3", "invalid YAML"),
    ("---\nname: x\nname: y\n---\n", "f.md:3", "duplicate key 'name'"),
    ("---\nbase: &b hi\nname: *b\n---\n", "f.md:3", "aliases are not allowed"),
    ("---\nbase: &b {a: 1}\nmeta:\n  <<: *b\n---\n", "f.md:4", "merge keys (<<) are not allowed"),
    ("---\nl: &b [1]\nm:\n  - *b\n---\n", "f.md:4", "aliases are not allowed"),
])
def test_malformed_front_matter(text: str, where: str, what: str) -> None:
    with pytest.raises(ConfigError) as exc:
        skills.parse_front_matter(text, "f.md")
    assert exc.value.where == where
    assert what in exc.value.message


def test_good_skill_has_no_findings() -> None:
    assert codes(GOOD) == []
    assert codes(GOOD.replace("pdf-tools", "solo"), folder=None) == []  # root skill: no folder


def test_unquoted_version_in_metadata_is_a_spec_error_naming_file_and_line() -> None:
    text = "---\nname: pdf-tools\ndescription: d\nmetadata:\n  version: 1.10\n---\n"
    (finding,) = skills.check_skill(text, "skills/pdf-tools/SKILL.md", folder="pdf-tools")
    assert finding.path == "skills/pdf-tools/SKILL.md:5"
    assert finding.code == "skill-metadata-invalid" and finding.severity == "error"
    assert finding.message.startswith("metadata values must be strings: 'version' is 1.10")
    assert "the number 1.1" in finding.message and "quote it" in finding.message


@pytest.mark.parametrize(("front", "expected"), [
    ("description: d\n", [("skill-name-missing", 2)]),
    ("name: pdf-tools\n", [("skill-description-missing", 2)]),
    ("name: PDF-Tools\ndescription: d\n", [("skill-name-invalid", 2)]),
    ("name: -pdf\ndescription: d\n", [("skill-name-invalid", 2)]),
    ("name: pdf-\ndescription: d\n", [("skill-name-invalid", 2)]),
    ("name: pdf--tools\ndescription: d\n", [("skill-name-invalid", 2)]),
    ("name: pdf_tools\ndescription: d\n", [("skill-name-invalid", 2)]),
    ("name: other\ndescription: d\n", [("skill-name-mismatch", 2)]),
    ("name: pdf-tools\ndescription: ''\n", [("skill-description-invalid", 3)]),
    ("name: pdf-tools\ndescription: '   '\n", [("skill-description-invalid", 3)]),
    ("name: pdf-tools\ndescription: " + "x" * 1025 + "\n", [("skill-description-invalid", 3)]),
    ("name: pdf-tools\ndescription: yes\n", [("skill-description-invalid", 3)]),
    ("name: pdf-tools\ndescription: d\ncompatibility: ''\n", [("skill-compatibility-invalid", 4)]),
    ("name: pdf-tools\ndescription: d\ncompatibility: " + "c" * 501 + "\n",
     [("skill-compatibility-invalid", 4)]),
    ("name: pdf-tools\ndescription: d\nlicense: [MIT]\n", [("skill-license-invalid", 4)]),
    ("name: pdf-tools\ndescription: d\nmetadata: text\n", [("skill-metadata-invalid", 4)]),
    ("name: pdf-tools\ndescription: d\nmetadata:\n  n: 2\n  ok: 'x'\n",
     [("skill-metadata-invalid", 5)]),
    ("name: pdf-tools\ndescription: d\nallowed-tools: {a: b}\n",
     [("skill-allowed-tools-invalid", 4)]),
    ("name: pdf-tools\ndescription: d\nallowed-tools: [Read, 3]\n",
     [("skill-allowed-tools-invalid", 4)]),
    ("name: pdf-tools\ndescription: d\nallowed-tools: Bash(git:*) Read\n", []),
    ("name: pdf-tools\ndescription: d\nallowed-tools: [Bash(git:*), Read]\n", []),
    ("name: pdf-tools\ndescription: " + "x" * 1024 + "\ncompatibility: " + "c" * 500 + "\n", []),
])
def test_spec_fields(front: str, expected: list[tuple[str, int]]) -> None:
    got = skills.check_skill(f"---\n{front}---\n", "s/pdf-tools/SKILL.md", folder="pdf-tools")
    assert [(f.code, int(f.path.rsplit(":", 1)[1])) for f in got] == expected
    assert all(f.severity == "error" for f in got)


def test_name_length_limit() -> None:
    name = "a" * 64
    assert skills.check_skill(f"---\nname: {name}\ndescription: d\n---\n", "p", folder=name) == []
    long = "a" * 65
    (f,) = skills.check_skill(f"---\nname: {long}\ndescription: d\n---\n", "p", folder=long)
    assert f.code == "skill-name-invalid" and "65 characters" in f.message


def test_unknown_fields_are_a_warning() -> None:
    text = "---\nname: pdf-tools\ndescription: d\nversion: '1.0'\nuser-invocable: true\n---\n"
    (f,) = skills.check_skill(text, "s/pdf-tools/SKILL.md", folder="pdf-tools")
    assert (f.code, f.severity, f.path) == ("skill-unknown-field", "warning",
                                            "s/pdf-tools/SKILL.md:5")
    assert "user-invocable, version" in f.message


def test_adapter_checks() -> None:
    fm = skills.parse_front_matter(
        "---\nadapter_metadata:\n  skill_name: a\n  skill_version: 1.10\n---\n", "ad.md")
    (f,) = skills.check_adapter(fm, "ad.md")
    assert (f.code, f.path) == ("adapter-metadata-invalid", "ad.md:4")
    assert skills.adapter_meta(fm).skill_version == "1.10"
    fm = skills.parse_front_matter("---\nadapter_metadata: {skill_name: a}\n---\n", "ad.md")
    assert [f.code for f in skills.check_adapter(fm, "ad.md")] == ["adapter-version-missing"]
    fm = skills.parse_front_matter("---\nadapter_metadata: 3\n---\n", "ad.md")
    assert [f.code for f in skills.check_adapter(fm, "ad.md")] == ["adapter-metadata-invalid"]


# ----------------------------------------------------------- against skills-ref

# (case, folder, SKILL.md text, we_agree_with_skills_ref). Rows with False are the
# known, deliberate differences; see the comment on each.
FM = "---\n{}---\nbody\n"
CASES = [
    ("valid", "pdf-tools", FM.format("name: pdf-tools\ndescription: d\n"), True),
    ("uppercase", "PDF", FM.format("name: PDF\ndescription: d\n"), True),
    ("leading-hyphen", "-pdf", FM.format("name: -pdf\ndescription: d\n"), True),
    ("trailing-hyphen", "pdf-", FM.format("name: pdf-\ndescription: d\n"), True),
    ("double-hyphen", "pdf--x", FM.format("name: pdf--x\ndescription: d\n"), True),
    ("underscore", "pdf_x", FM.format("name: pdf_x\ndescription: d\n"), True),
    ("name-64", "a" * 64, FM.format(f"name: {'a' * 64}\ndescription: d\n"), True),
    ("name-65", "a" * 65, FM.format(f"name: {'a' * 65}\ndescription: d\n"), True),
    ("folder-mismatch", "other", FM.format("name: pdf-tools\ndescription: d\n"), True),
    ("missing-name", "pdf-tools", FM.format("description: d\n"), True),
    ("missing-description", "pdf-tools", FM.format("name: pdf-tools\n"), True),
    ("empty-description", "pdf-tools", FM.format("name: pdf-tools\ndescription: ''\n"), True),
    ("description-1024", "pdf-tools",
     FM.format(f"name: pdf-tools\ndescription: {'d' * 1024}\n"), True),
    ("description-1025", "pdf-tools",
     FM.format(f"name: pdf-tools\ndescription: {'d' * 1025}\n"), True),
    ("compatibility-500", "pdf-tools",
     FM.format(f"name: pdf-tools\ndescription: d\ncompatibility: {'c' * 500}\n"), True),
    ("compatibility-501", "pdf-tools",
     FM.format(f"name: pdf-tools\ndescription: d\ncompatibility: {'c' * 501}\n"), True),
    ("metadata-strings", "pdf-tools",
     FM.format("name: pdf-tools\ndescription: d\nmetadata:\n  version: '1.0'\n"), True),
    ("no-front-matter", "pdf-tools", "# just markdown\n", True),
    ("unclosed", "pdf-tools", "---\nname: pdf-tools\ndescription: d\n", True),
    ("duplicate-key", "pdf-tools", FM.format("name: pdf-tools\nname: pdf-tools\ndescription: d\n"),
     True),
    # The spec's wording is ambiguous ("unicode lowercase alphanumeric characters (a-z,
    # 0-9)"); like skills-ref we accept any Unicode lowercase letter (and warn: not ASCII).
    ("unicode-name", "café", FM.format("name: café\ndescription: d\n"), True),
    ("unicode-uppercase", "CAFÉ", FM.format("name: CAFÉ\ndescription: d\n"), True),
    ("nfkc-ligature", "file", FM.format("name: \ufb01le\ndescription: d\n"), True),
    # metadata is string -> string; YAML reads unquoted 1.10 as the number 1.1.
    # skills-ref (strictyaml) reads every scalar as a string and passes it.
    ("metadata-float", "pdf-tools",
     FM.format("name: pdf-tools\ndescription: d\nmetadata:\n  version: 1.10\n"), False),
    # The spec says compatibility is 1-500 characters; skills-ref only checks the maximum.
    ("compatibility-empty", "pdf-tools",
     FM.format("name: pdf-tools\ndescription: d\ncompatibility: ''\n"), False),
    # metadata must be a map; skills-ref does not check its type.
    ("metadata-not-map", "pdf-tools", FM.format("name: pdf-tools\ndescription: d\nmetadata: x\n"),
     False),
    # allowed-tools is a string or a list of strings; skills-ref 0.1.1 does not check it.
    ("allowed-tools-map", "pdf-tools",
     FM.format("name: pdf-tools\ndescription: d\nallowed-tools:\n  a: b\n"), False),
    # A YAML list of tools is allowed by the spec; skills-ref (strictyaml) rejects every
    # flow-style collection, so `allowed-tools: [Read, Grep]` fails there.
    ("allowed-tools-flow-list", "pdf-tools",
     FM.format("name: pdf-tools\ndescription: d\nallowed-tools: [Read, Grep]\n"), False),
    # Unknown top-level fields: skills-ref errors; we warn (real skills carry agent-specific
    # keys, and the spec only says extra properties belong under metadata).
    ("unknown-field", "pdf-tools", FM.format("name: pdf-tools\ndescription: d\nversion: '1'\n"),
     False),
]


@pytest.mark.parametrize(("case", "folder", "text", "agree"), CASES, ids=[c[0] for c in CASES])
def test_verdict_against_skills_ref(
        tmp: Path, case: str, folder: str, text: str, agree: bool) -> None:
    skills_ref = pytest.importorskip("skills_ref")
    d = tmp / folder
    d.mkdir()
    (d / "SKILL.md").write_text(text, encoding="utf-8")
    theirs = bool(skills_ref.validate(d))
    ours = any(f.severity == "error"
               for f in skills.check_skill(text, f"{folder}/SKILL.md", folder=folder))
    assert (ours == theirs) is agree, f"{case}: ours={ours} skills-ref={theirs}"


# ----------------------------------------- skills-ref's own test suite, through our gate

# The 21 cases of agentskills/agentskills skills-ref/tests/test_validator.py (at 69ef37e),
# transcribed: (its test name, folder, SKILL.md or None, skills-ref says valid, how our
# verdict relates). "agree": same verdict; "warn": skills-ref errors where we warn
# (unknown top-level fields, a documented warning, issue 18); "path-policy": the spec
# check agrees, but a decomposed (NFD) name cannot be a folder downstream, and the path
# policy (skillsync.paths, issue 12) refuses it whatever the profile; "no-skill": a
# directory without SKILL.md is no skill of a release; "no-release": a path that is
# not a directory cannot be released at all.
def _fm(front: str) -> str:
    return f"---\n{front}---\nBody\n"


REFERENCE_CASES: list[tuple[str, str, str | None, bool, str]] = [
    ("test_valid_skill", "my-skill", _fm("name: my-skill\ndescription: A test skill\n"),
     True, "agree"),
    ("test_nonexistent_path", "nonexistent", None, False, "no-release"),
    ("test_not_a_directory", "file.txt", None, False, "no-release"),
    ("test_missing_skill_md", "my-skill", None, False, "no-skill"),
    ("test_invalid_name_uppercase", "MySkill", _fm("name: MySkill\ndescription: A test skill\n"),
     False, "agree"),
    ("test_name_too_long", "a" * 70, _fm(f"name: {'a' * 70}\ndescription: A test skill\n"),
     False, "agree"),
    ("test_name_leading_hyphen", "-my-skill",
     _fm("name: -my-skill\ndescription: A test skill\n"), False, "agree"),
    ("test_name_consecutive_hyphens", "my--skill",
     _fm("name: my--skill\ndescription: A test skill\n"), False, "agree"),
    ("test_name_invalid_characters", "my_skill",
     _fm("name: my_skill\ndescription: A test skill\n"), False, "agree"),
    ("test_name_directory_mismatch", "wrong-name",
     _fm("name: correct-name\ndescription: A test skill\n"), False, "agree"),
    ("test_unexpected_fields", "my-skill",
     _fm("name: my-skill\ndescription: A test skill\nunknown_field: should not be here\n"),
     False, "warn"),
    ("test_valid_with_all_fields", "my-skill",
     _fm("name: my-skill\ndescription: A test skill\nlicense: MIT\nmetadata:\n  author: Test\n"),
     True, "agree"),
    ("test_allowed_tools_accepted", "my-skill",
     _fm("name: my-skill\ndescription: A test skill\nallowed-tools: Bash(jq:*) Bash(git:*)\n"),
     True, "agree"),
    ("test_i18n_chinese_name", "技能", _fm("name: 技能\ndescription: A skill with Chinese name\n"),
     True, "agree"),
    ("test_i18n_russian_name_with_hyphens", "мой-навык",
     _fm("name: мой-навык\ndescription: A skill with Russian name\n"), True, "agree"),
    ("test_i18n_russian_lowercase_valid", "навык",
     _fm("name: навык\ndescription: A skill with Russian lowercase name\n"), True, "agree"),
    ("test_i18n_russian_uppercase_rejected", "НАВЫК",
     _fm("name: НАВЫК\ndescription: A skill with Russian uppercase name\n"), False, "agree"),
    ("test_description_too_long", "my-skill",
     _fm(f"name: my-skill\ndescription: {'x' * 1100}\n"), False, "agree"),
    ("test_valid_compatibility", "my-skill",
     _fm("name: my-skill\ndescription: A test skill\ncompatibility: Requires Python 3.11+\n"),
     True, "agree"),
    ("test_compatibility_too_long", "my-skill",
     _fm(f"name: my-skill\ndescription: A test skill\ncompatibility: {'x' * 550}\n"),
     False, "agree"),
    ("test_nfkc_normalization", "café", _fm("name: cafe\u0301\ndescription: A test skill\n"),
     True, "path-policy"),
]
SKILL_CASES = [c for c in REFERENCE_CASES if c[2] is not None]


def test_the_reference_suite_is_transcribed_faithfully(tmp: Path) -> None:
    skills_ref = pytest.importorskip("skills_ref")
    assert len(REFERENCE_CASES) == 21 and len(SKILL_CASES) == 18
    for case, folder, text, valid, _ in REFERENCE_CASES:
        d = tmp / case / folder
        if case != "test_nonexistent_path":
            d.parent.mkdir(parents=True)
            if case == "test_not_a_directory":
                d.write_text("test")
            else:
                d.mkdir()
        if text is not None:
            (d / "SKILL.md").write_text(text, encoding="utf-8")
        assert (skills_ref.validate(d) == []) is valid, case


def _ours(folder: str, text: str) -> bool:
    """Our verdict at the spec level: no error."""
    return not any(f.severity == "error"
                   for f in skills.check_skill(text, f"skills/{folder}/SKILL.md", folder=folder))


@pytest.mark.parametrize(("case", "folder", "text", "valid", "relation"), SKILL_CASES,
                         ids=[c[0] for c in SKILL_CASES])
def test_reference_case_through_build_manifest_and_the_gate(
        tmp: Path, case: str, folder: str, text: str, valid: bool, relation: str) -> None:
    from conftest import git, make_repo
    from skillsync import manifest as mf
    from skillsync.errors import SkillsyncError
    from skillsync.validate import validate

    # the spec check alone: only the documented warning differs
    assert _ours(folder, text) is (valid or relation == "warn"), case
    # one release per case, through build-manifest and validate-sync-targets' library
    repo = make_repo(tmp / "src", {f"skills/{folder}/SKILL.md": text})
    git("tag", "v1.0.0", cwd=repo)
    try:
        m = mf.build_manifest(str(repo), "v1.0.0")
    except SkillsyncError as exc:  # the path policy may refuse at build time
        assert relation == "path-policy" and "NFC" in exc.message, (case, exc)
        return
    found = validate(m, source=str(repo), targets_dir=None)
    errors = {f.code for f in found if f.severity == "error"}
    if relation == "agree":
        assert (not errors) is valid, (case, found)
    elif relation == "warn":
        assert not errors and {f.code for f in found} == {"skill-unknown-field"}
    else:
        assert errors == {"skill-name-unsafe"}, (case, found)
        assert any("not NFC-normalised" in f.message for f in found)
    if valid and not folder.isascii():
        assert "skill-name-portability" in {f.code for f in found}
