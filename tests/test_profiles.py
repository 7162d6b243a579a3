"""Agent profiles and the whole set a target holds after the sync (issue 18), on real
releases and real downstream repositories. Each profile rule's test names its source;
docs/validation.md cites the same."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT, git, make_repo, run_script
from skillsync import manifest as mf
from skillsync import skills
from skillsync.errors import ConfigError
from skillsync.findings import Finding
from skillsync.targets import check_targets, load_target, schema
from skillsync.validate import validate
from skillsync.validation import profiles
from skillsync.validation.profiles import PROFILES, SkillDoc
from skillsync.validation.rules import DESCRIPTIONS


def skill_md(name: str, description: str | None = None, extra: str = "") -> str:
    return (f"---\nname: {name}\ndescription: {description or f'Does {name}.'}\n"
            f"license: MIT\n{extra}---\n# {name}\n")


def doc(text: str, name: str = "a") -> SkillDoc:
    path = f"skills/{name}/SKILL.md"
    fm = skills.parse_front_matter(text, path)
    return SkillDoc(name, path, fm, skills.body_of(text, fm))


def rule(profile: str, text: str, name: str = "a") -> list[tuple[str, str, str]]:
    return [(f.path, f.code, f.severity)
            for f in profiles.check_skill(doc(text, name), PROFILES[profile])]


def release(tmp: Path, files: dict[str, str | bytes]) -> tuple[Path, dict[str, Any]]:
    repo = make_repo(tmp / "src", files)
    git("tag", "v1.0.0", cwd=repo)
    return repo, mf.build_manifest(str(repo), "v1.0.0")


def target_file(tdir: Path, tid: str, repo: Path | str, **fields: str) -> Path:
    tdir.mkdir(exist_ok=True)
    lines = [f"id: {tid}", f"repo: {repo}", "mechanism: push"]
    lines += [f"{k}: {v}" for k, v in fields.items()]
    path = tdir / f"{tid}.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def by_code(found: list[Finding], code: str) -> list[Finding]:
    return [f for f in found if f.code == code]


def downstream(tmp: Path, name: str, files: dict[str, str],
               links: dict[str, str] | None = None) -> Path:
    """A bare downstream repository holding `files` and symlinks `links` on main."""
    work = make_repo(tmp / f"{name}.work", {"README.md": "# downstream\n", **files})
    for link, to in (links or {}).items():
        (work / link).parent.mkdir(parents=True, exist_ok=True)
        os.symlink(to, work / link)
    git("add", "-A", cwd=work)
    git("commit", "-q", "--allow-empty", "-m", "links", cwd=work)
    bare = tmp / f"{name}.git"
    git("clone", "-q", "--bare", str(work), str(bare))
    return bare


# --------------------------------------------------------------------------- registry


def test_every_profile_cites_its_sources_in_docs_validation_md() -> None:
    text = (ROOT / "docs" / "validation.md").read_text()
    for p in PROFILES.values():
        assert p.sources, p.id
        assert f"`{p.id}`" in text, p.id
        for url in p.sources:
            assert url in text, (p.id, url)


def test_every_finding_code_has_a_description_and_a_row_in_the_docs() -> None:
    text = (ROOT / "docs" / "validation.md").read_text()
    for code in DESCRIPTIONS:
        assert f"`{code}`" in text, code


def test_target_schema_lists_exactly_the_profiles() -> None:
    assert schema()["properties"]["agents"]["items"]["enum"] == list(profiles.AGENT_IDS)


def test_target_agents_field(tmp: Path) -> None:
    t = load_target(target_file(tmp / "t", "x", "../r.git", agents="[claude-code, codex]"))
    assert t.agents == ("claude-code", "codex")
    assert load_target(target_file(tmp / "u", "y", "../r.git")).agents is None
    target_file(tmp / "v", "z", "../r.git", agents="[claude-code, cursor]")
    (f,) = check_targets(tmp / "v")
    assert f.path.endswith("z.yaml:4") and f.severity == "error"
    assert "agents[1]: 'cursor' is not one of: agentskills, claude-code" in f.message


def test_source_config_agents_default_and_unknown_id() -> None:
    assert mf.parse_config("agents: [gh-skill]\n").agents == ("gh-skill",)
    assert mf.parse_config("skills: ['*']\n").agents is None
    with pytest.raises(ConfigError) as exc:
        mf.parse_config("agents:\n  - codex\n  - kodex\n")
    assert exc.value.where == ".skillsync.yaml:3" and "unknown agent 'kodex'" in exc.value.message


# --------------------------------------------------------------------------- per skill


def test_agentskills_non_ascii_name_is_a_portability_warning_only() -> None:
    # agentskills.io/specification + skills-ref validator.py: Unicode lowercase is valid.
    found = skills.check_skill(skill_md("café"), "skills/café/SKILL.md", folder="café")
    assert [(f.code, f.severity) for f in found] == [("skill-name-portability", "warning")]
    assert "gh skill publish rejects it" in found[0].message


def test_gh_skill_rules() -> None:
    # cli/cli internal/skills/discovery/discovery.go specNamePattern, and
    # `gh skill publish --help`: allowed-tools a string, metadata.github-* stripped.
    assert rule("gh-skill", skill_md("café"), "café") == [
        ("skills/café/SKILL.md:2", "gh-skill-name", "error")]
    assert rule("gh-skill", skill_md("a", extra="allowed-tools: [Read, Grep]\n")) == [
        ("skills/a/SKILL.md:5", "gh-skill-allowed-tools", "error")]
    assert rule("gh-skill", skill_md("a", extra="allowed-tools: Read Grep\n")) == []
    assert rule("gh-skill", skill_md(
        "a", extra="metadata:\n  github-repo: o/r\n  github-ref: v1\n")) == [
        ("skills/a/SKILL.md:6", "gh-skill-install-metadata", "error")]
    # gh counts bytes (Go len): 1,000 characters of "é" are 2,000 bytes.
    assert rule("gh-skill", skill_md("a", "é" * 1000)) == [
        ("skills/a/SKILL.md:3", "gh-skill-description-bytes", "warning")]
    no_license = "---\nname: a\ndescription: d\n---\n" + "line\n" * 501
    assert rule("gh-skill", no_license) == [
        ("skills/a/SKILL.md:2", "gh-skill-license", "warning"),
        ("skills/a/SKILL.md:5", "gh-skill-body-lines", "warning")]


def test_claude_code_per_skill_cut_off_at_1536() -> None:
    # code.claude.com/docs/en/skills: description + when_to_use cut at 1,536 in the listing.
    at_cap = skill_md("a", "d" * 1000, extra=f"when_to_use: {'w' * 535}\n")  # 1000+1+535
    assert rule("claude-code", at_cap) == []
    over = skill_md("a", "d" * 1000, extra=f"when_to_use: {'w' * 536}\n")
    (f,) = profiles.check_skill(doc(over), PROFILES["claude-code"])
    assert (f.path, f.code, f.severity) == ("skills/a/SKILL.md:5", "claude-code-listing-cut",
                                            "warning")
    assert "1,537 characters" in f.message and "cuts them at 1,536" in f.message
    # not listed at all: no cut-off to speak of
    hidden = skill_md("a", "d" * 1600, extra="disable-model-invocation: true\n")
    assert rule("claude-code", hidden) == []
    assert rule("claude-code", skill_md("a", extra="when_to_use: [a, b]\n")) == [
        ("skills/a/SKILL.md:5", "claude-code-when-to-use", "warning")]


def test_codex_refuses_a_long_short_description() -> None:
    # codex-rs core/src/skills/loader.rs: MAX_SHORT_DESCRIPTION_LEN (1,024) -> not loaded.
    ok = skill_md("a", extra=f"metadata:\n  short-description: {'s' * 1024}\n")
    assert rule("codex", ok) == []
    bad = skill_md("a", extra=f"metadata:\n  short-description: {'s' * 1025}\n")
    assert rule("codex", bad) == [("skills/a/SKILL.md:6", "codex-short-description", "error")]


# --------------------------------------------------------------------------- whole set

# 61 skills of 8-character names whose descriptions add up to 8,924 characters:
# 61 x 8 + 8,924 = 9,412, the example.
BUDGET_SKILLS = {
    f"skills/skill-{i:02d}/SKILL.md": skill_md(
        f"skill-{i:02d}", (f"Does task {i:02d}. " + "x" * 200)[: 164 if i == 61 else 146])
    for i in range(1, 62)
}


def test_budget_overrun_with_its_numbers(tmp: Path) -> None:
    repo, m = release(tmp, BUDGET_SKILLS)
    tdir = tmp / "targets"
    target_file(tdir, "agents-repo", tmp / "nowhere.git", agents="[claude-code]",
                dest=".claude/skills")
    target_file(tdir, "few", tmp / "nowhere.git", agents="[claude-code]",
                dest=".claude/skills", skills='["skill-0*"]')
    found = validate(m, source=str(repo), targets_dir=tdir)
    (f,) = by_code(found, "target-listing-budget")
    assert f.path == f"{tdir}/agents-repo.yaml:4" and f.severity == "warning"
    assert f.message.startswith("agents-repo: claude-code: 61 skills, 9,412 of ~8,000 "
                                "characters (this release's only; --remote adds the target's own)")
    assert not by_code(found, "target-agent-dir")


def test_remote_budget_and_collisions_with_the_targets_own_skills(tmp: Path) -> None:
    repo, m = release(tmp, BUDGET_SKILLS)
    lock = {"schema": "skillsync.lock/v1", "source": str(repo), "version": "0.9.0",
            "commit": "0" * 40, "manifest_digest": "sha256:x", "run": "r",
            "files": {".claude/skills/skill-04/SKILL.md": {"sha256": "0" * 64, "blob": "0" * 40}}}
    theirs = downstream(tmp, "theirs", {
        ".claude/skills/notes/SKILL.md": skill_md("notes", "Take notes. " * 10),
        ".claude/skills/Skill-01/SKILL.md": skill_md("Skill-01"),   # case-folds onto ours
        ".claude/skills/skill-02/SKILL.md": skill_md("skill-02"),   # exactly ours
        ".claude/skills/skill-04/SKILL.md": skill_md("skill-04"),   # ours, synced before
        ".claude/skills/.skillsync-lock.json": json.dumps(lock),
        "skills-lock.json": json.dumps({"version": 1, "skills": {
            "skill-03": {"source": "someone/else", "sourceType": "github",
                         "computedHash": "0" * 64}}}),
    })
    tdir = tmp / "targets"
    target_file(tdir, "theirs", theirs, agents="[claude-code]", dest=".claude/skills")
    found = validate(m, source=str(repo), targets_dir=tdir, remote=True)
    collisions = sorted(f.message for f in by_code(found, "target-skill-collision"))
    assert len(collisions) == 2 and all(f.severity == "error"
                                        for f in by_code(found, "target-skill-collision"))
    assert collisions[0].startswith("theirs: skill 'skill-01' of this release would land on "
                                    ".claude/skills/Skill-01, which holds the target's own skill "
                                    "'Skill-01' (the same folder on a case- or")
    assert collisions[1].startswith("theirs: skill 'skill-02' of this release would land on "
                                    ".claude/skills/skill-02")
    (two,) = by_code(found, "target-skill-two-sources")
    assert "'skill-03' is also installed from someone/else (github" in two.message
    (budget,) = by_code(found, "target-listing-budget")
    notes = len("notes") + len(("Take notes. " * 10).strip())
    assert budget.message.startswith(
        f"theirs: claude-code: 62 skills, {9412 + notes:,} of ~8,000 characters "
        "(61 from this release, 1 of its own)")


def test_where_the_agent_looks_for_skills(tmp: Path) -> None:
    # Claude Code reads .claude/skills (code.claude.com/docs/en/skills); a symlink from
    # there to dest is how a repository shares one folder between agents.
    repo, m = release(tmp, {"skills/a/SKILL.md": skill_md("a")})
    linked = downstream(tmp, "linked", {".agents/skills/README.md": "x\n"},
                        links={".claude/skills": "../.agents/skills"})
    plain = downstream(tmp, "plain", {})
    tdir = tmp / "targets"
    target_file(tdir, "linked", linked, agents="[claude-code, codex]")
    target_file(tdir, "plain", plain, agents="[claude-code, gh-skill]")
    offline = by_code(validate(m, source=str(repo), targets_dir=tdir), "target-agent-dir")
    assert sorted(f.message.split(":")[0] for f in offline) == ["linked", "plain"]
    assert "does not look for skills in .agents/skills; it reads .claude/skills" in \
        offline[0].message and "give --remote" in offline[0].message
    online = validate(m, source=str(repo), targets_dir=tdir, remote=True)
    assert [f.message.split(":")[0] for f in by_code(online, "target-agent-dir")] == ["plain"]
    (layout,) = by_code(online, "target-gh-skill-layout")
    assert layout.message.startswith("plain: gh-skill:")


def test_an_unreadable_target_is_a_warning_and_the_others_are_still_checked(
        tmp: Path) -> None:
    repo, m = release(tmp, BUDGET_SKILLS)
    good = downstream(tmp, "good", {".claude/skills/skill-05/SKILL.md": skill_md("skill-05")})
    tdir = tmp / "targets"
    target_file(tdir, "gone", tmp / "gone.git", agents="[claude-code]", dest=".claude/skills")
    target_file(tdir, "good", good, agents="[claude-code]", dest=".claude/skills")
    found = validate(m, source=str(repo), targets_dir=tdir, remote=True)
    (unread,) = by_code(found, "target-tree-unread")
    assert unread.message.startswith("gone: could not read its tree (")
    assert [f.message.split(":")[0] for f in by_code(found, "target-skill-collision")] == ["good"]
    assert sorted(f.message.split(":")[0] for f in by_code(found, "target-listing-budget")) == [
        "gone", "good"]


def test_source_default_applies_to_targets_that_name_no_agents(tmp: Path) -> None:
    repo, m = release(tmp, {
        ".skillsync.yaml": "agents: [gh-skill]\n",
        "skills/a/SKILL.md": skill_md("a", extra="allowed-tools: [Read]\n"),
    })
    alone = [f for f in validate(m, source=str(repo), targets_dir=None)
             if f.code == "gh-skill-allowed-tools"]
    assert [f.message.endswith("not a list: gh skill publish rejects a list") for f in alone] == [
        True]
    tdir = tmp / "targets"
    target_file(tdir, "default", tmp / "x.git")
    target_file(tdir, "opted-out", tmp / "y.git", agents="[]")
    (f,) = by_code(validate(m, source=str(repo), targets_dir=tdir), "gh-skill-allowed-tools")
    assert f.message.endswith("(for default)")


def test_unknown_agent_in_source_config_stops_the_build(tmp: Path) -> None:
    repo = make_repo(tmp / "src", {".skillsync.yaml": "agents: [claude]\n",
                                   "skills/a/SKILL.md": skill_md("a")})
    proc = run_script("build-manifest", "--source", str(repo), "--ref", "HEAD", cwd=tmp)
    assert proc.returncode == 2
    assert "error: .skillsync.yaml:1: unknown agent 'claude' (known: agentskills," \
        in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr


def test_agents_option_applies_profiles_to_the_whole_release(tmp: Path) -> None:
    _, m = release(tmp, {"skills/a/SKILL.md": skill_md("a", extra="allowed-tools: [Read]\n")})
    out = run_script("validate-sync-targets", "--manifest", "-", "--agents", "gh-skill,codex",
                     input=json.dumps(m), cwd=tmp)
    assert out.returncode == 1, out.stderr
    assert [f["code"] for f in json.loads(out.stdout)] == ["gh-skill-allowed-tools"]
    bad = run_script("validate-sync-targets", "--manifest", "-", "--agents", "claude",
                     input=json.dumps(m), cwd=tmp)
    assert bad.returncode == 2 and "unknown agent claude" in bad.stderr


def test_the_demo_shows_one_budget_warning(tmp: Path) -> None:
    # `nox -s validate` runs this: the example's v2.0.0 vendors the 60-skill ops-toolbox
    # pack (examples.toolbox_pack) and acme-agents says Claude Code reads its skills.
    import shutil
    import subprocess
    import sys

    shutil.copytree(ROOT / "targets", tmp / "targets")
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env["PYTHONPATH"] = str(ROOT / "src")
    proc = subprocess.run([sys.executable, "-m", "skillsync.commands.demo", "--validate-only"],
                          cwd=tmp, env=env, capture_output=True, text=True, timeout=300,
                          check=False)
    assert proc.returncode == 0, proc.stderr
    warnings = [ln for ln in proc.stderr.splitlines() if ": warning: " in ln]
    assert warnings == [
        "targets/acme-agents.yaml:10: warning: acme-agents: claude-code: 66 skills, 12,652 of "
        "~8,000 characters (this release's only; --remote adds the target's own); past the "
        "budget Claude Code lists skills by name only, so the model cannot tell when to use "
        "them [target-listing-budget]"]
    assert "0 error(s), 1 warning(s), 0 info" in proc.stderr


def test_codex_budget_directory_limit_and_opencode_dirs(tmp: Path) -> None:
    # developers.openai.com/codex/skills: 8,000 characters when the window is unknown;
    # codex-rs loader.rs: at most 2,000 directories scanned per skills root.
    files = dict(BUDGET_SKILLS)
    files.update({f"skills/skill-01/assets/d{i:04d}/f.txt": "x\n" for i in range(2000)})
    repo, m = release(tmp, files)
    tdir = tmp / "targets"
    target_file(tdir, "cx", tmp / "cx.git", agents="[codex]")
    target_file(tdir, "oc", tmp / "oc.git", agents="[opencode]", dest="vendor/skills")
    found = validate(m, source=str(repo), targets_dir=tdir)
    (budget,) = by_code(found, "target-listing-budget")
    assert budget.message.startswith("cx: codex: 61 skills, 9,412 of ~8,000 characters")
    (dirs,) = by_code(found, "target-codex-dirs")
    assert "would hold 2,062 directories; Codex scans at most 2,000" in dirs.message
    (oc,) = by_code(found, "target-agent-dir")
    assert oc.message.startswith("oc: opencode: OpenCode does not look for skills in "
                                 "vendor/skills; it reads .opencode/skills, .claude/skills, "
                                 ".agents/skills")
