"""`init` adopts skillsync in a fresh skills repository with a real-world layout (skills
under skills/, a nested plugin, a root-level skill with adapters); the adopter's validate
steps and a dry run against a local target then pass, and a second init changes nothing."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import ROOT, git, isolate, make_bare_remote, make_repo, run_script, write_files
from engine_fixtures import repo_state
from skillsync import adopt, pins

PIN = "0123456789abcdef0123456789abcdef01234567"   # a commit of skillsync (--pin)
OTHER = "89abcdef0123456789abcdef0123456789abcdef"
IDENTITY = pins.identity(None).repository           # from pyproject [project.urls]
SHA_PIN = re.compile(r"^\s*(?:-\s+)?uses:\s*([\w.-]+/[\w./-]+)@([0-9a-f]{40})\s+#\s+(v\S+)\s*$")


def _skill(name: str, version: str | None = "1.0.0") -> str:
    meta = f'metadata:\n  version: "{version}"\n' if version else ""
    return f"---\nname: {name}\ndescription: The {name} skill.\n{meta}---\n\n# {name}\n"


def _adapter(skill: str, adapter_id: str, source_path: str) -> str:
    return (f"---\nadapter_metadata:\n  skill_name: {skill}\n  skill_version: \"1.0.0\"\n"
            f"  source_path: {source_path}\n  adapter_id: {adapter_id}\n---\n\n# {skill}\n")


LAYOUT: dict[str, str | bytes] = {
    "README.md": "# Our skills\n",
    # skills under skills/
    "skills/pdf-tools/SKILL.md": _skill("pdf-tools"),
    "skills/pdf-tools/scripts/extract_text.py": "print('text')\n",
    "skills/pdf-tools/references/REFERENCE.md": "reference\n",
    "skills/.curated/code-review/SKILL.md": _skill("code-review"),
    # a nested plugin layout
    "plugins/data-tools/.claude-plugin/plugin.json": '{"name": "data-tools"}\n',
    "plugins/data-tools/skills/csv-insights/SKILL.md": _skill("csv-insights", None),
    "plugins/data-tools/skills/csv-insights/scripts/profile.py": "print('csv')\n",
    # a root-level skill with adapters
    "SKILL.md": _skill("repo-helper"),
    "adapters/gemini/repo-helper/GEMINI.md": _adapter("repo-helper", "gemini", "SKILL.md"),
    "adapters/claude/pdf-tools/SKILL.md": _adapter("pdf-tools", "claude",
                                                   "skills/pdf-tools/SKILL.md"),
}


def _tree(root: Path) -> dict[str, str]:
    """path -> sha256 of every file outside .git (for "nothing changed" checks)."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file() and ".git" not in p.parts[
                len(root.parts):len(root.parts) + 1]}


def _init(repo: Path, *args: str, pin: str | None = PIN
          ) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    """skillsync-init; with --pin PIN unless told otherwise (the tests' skillsync is an
    editable install, not one pip installed from git, so init cannot tell its commit)."""
    if pin is not None and "--pin" not in args:
        args = (*args, "--pin", pin)
    proc = run_script("init", "--repo", str(repo), *args)
    assert proc.returncode == 0, proc.stderr
    return proc, json.loads(proc.stdout)


def _actions(doc: dict[str, Any]) -> dict[str, str]:
    return {f["path"]: f["action"] for f in doc["files"]}


@pytest.fixture(scope="module")
def adopted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A fresh skills repository, adopted once and committed."""
    tmp = tmp_path_factory.mktemp("adopt")
    with pytest.MonkeyPatch.context() as mp:
        isolate(mp, tmp / "home")
        mp.setenv("SKILLSYNC_CACHE", str(tmp / "cache"))
        repo = make_repo(tmp / "our-skills", LAYOUT, message="our skills")
        proc, first = _init(repo)
        git("add", "-A", cwd=repo)
        git("commit", "-q", "-m", "Adopt skillsync", cwd=repo)
        yield {"tmp": tmp, "repo": repo, "proc": proc, "first": first}


def test_init_writes_config_examples_schema_workflows_and_nox(adopted: dict) -> None:
    repo, first = adopted["repo"], adopted["first"]
    assert set(_actions(first)) == {
        ".skillsync.yaml", "targets/example-pull-request.yaml", "targets/example-push.yaml",
        "targets/example-submodule.yaml", "targets/example-webhook.yaml",
        "schemas/target.schema.json", ".github/workflows/sync-downstream.yml",
        ".github/workflows/rollback.yml", ".github/workflows/skillsync-validate.yml",
        ".github/dependabot.yml", "noxfile.py", ".skillsync/.gitignore",
        "docs/downstream-inventory.md", ".skillsync/init-manifest.json"}
    assert set(_actions(first).values()) == {"created"}
    assert first["pin"] == {"server": "https://github.com", "repository": IDENTITY, "sha": PIN,
                            "tag": f"v{adopt.installed_version()}"}
    for mech in ("pull-request", "push", "submodule", "webhook"):
        text = (repo / f"targets/example-{mech}.yaml").read_text()
        assert text.splitlines()[0] == \
            "# yaml-language-server: $schema=../schemas/target.schema.json"
        data = yaml.safe_load(text)
        assert data["mechanism"] == mech and data["enabled"] is False
    assert (repo / "schemas/target.schema.json").read_bytes() == \
        (ROOT / "schemas/target.schema.json").read_bytes()
    recorded = json.loads((repo / ".skillsync/init-manifest.json").read_text())
    assert recorded["files"]["noxfile.py"] == \
        hashlib.sha256((repo / "noxfile.py").read_bytes()).hexdigest()
    assert "docs/downstream-inventory.md" not in recorded["files"]   # generated, not owned
    # The run directories stay out of git; the init manifest is committed.
    tracked = git("ls-files", cwd=repo).splitlines()
    assert ".skillsync/init-manifest.json" in tracked


def test_workflows_pin_skillsync_by_commit_and_call_what_exists(adopted: dict) -> None:
    """Every skillsync `uses:` names this repository at the full commit SHA with the tag in a
    comment (Dependabot reads it), calls a reusable workflow or action that exists here with
    inputs it declares, and no workflow installs skillsync by name (issue 13)."""
    repo = adopted["repo"]
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    tag = f"v{adopt.installed_version()}"
    seen = set()
    for name in adopt.WORKFLOWS:
        text = (repo / ".github/workflows" / name).read_text()
        assert "pip install" not in text and "__SKILLSYNC" not in text
        doc = yaml.safe_load(text)
        for line in text.splitlines():
            if re.match(r"^\s*(-\s+)?uses:", line):
                m = SHA_PIN.match(line)
                assert m, f"{name}: not pinned by SHA with a tag comment: {line}"
                if m[1].startswith(IDENTITY):
                    assert (m[2], m[3]) == (PIN, tag), line
                    seen.add(m[1])
        for job in doc["jobs"].values():
            if "uses" in job:                       # a call of our reusable workflow
                path = job["uses"].split("@")[0].removeprefix(IDENTITY + "/")
                called = yaml.safe_load((ROOT / path).read_text())
                assert set(job["with"]) <= set(called[True]["workflow_call"]["inputs"])
            for step in job.get("steps", []):
                used = set(re.findall(r"(?<![\w/.$-])(skillsync-[a-z][a-z0-9-]*)",
                                      str(step.get("run", ""))))
                assert used <= set(scripts), used - set(scripts)
    assert seen == {f"{IDENTITY}/.github/workflows/sync-downstream.yml",
                    f"{IDENTITY}/.github/workflows/rollback.yml", IDENTITY}
    # skillsync-validate.yml runs exactly the steps of `nox -s validate`.
    validate = yaml.safe_load((repo / ".github/workflows/skillsync-validate.yml").read_text())
    [script] = [s["run"] for s in validate["jobs"]["validate"]["steps"] if "run" in s]
    want = [" ".join(a.format(manifest='"$RUNNER_TEMP/manifest.json"') for a in step)
            for step in adopt.VALIDATE_STEPS]
    assert script.strip().splitlines() == want
    dependabot = yaml.safe_load((repo / ".github/dependabot.yml").read_text())
    [update] = dependabot["updates"]
    assert update["package-ecosystem"] == "github-actions" and update["directory"] == "/"
    assert update["groups"]["skillsync"]["patterns"] == [f"{IDENTITY}*"]
    # The noxfile installs the commit the sync workflow pins (one pin for both).
    nox_text = (repo / "noxfile.py").read_text()
    assert 'PINNED_BY = Path(".github/workflows/sync-downstream.yml")' in nox_text
    assert "--require-hashes" in nox_text and PIN not in nox_text


def test_workflows_lint_clean(adopted: dict) -> None:
    """The adopter's workflows pass actionlint and zizmor, as ours must (nox -s lint)."""
    import shutil

    repo = adopted["repo"]
    tools = {t: shutil.which(t) or str(Path(sys.executable).parent / t)
             for t in ("actionlint", "zizmor")}
    if not all(Path(p).is_file() for p in tools.values()):
        pytest.skip("actionlint/zizmor not installed (pip install -e '.[lint]')")
    proc = subprocess.run([tools["actionlint"], "-no-color"], cwd=repo, capture_output=True,
                          text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = subprocess.run([tools["zizmor"], "--offline", "."], cwd=repo, capture_output=True,
                          text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_adopters_validate_steps_pass(adopted: dict) -> None:
    """The steps `nox -s validate` runs, run directly (through scripts/, as fast)."""
    repo = adopted["repo"]
    manifest = adopted["tmp"] / "manifest.json"
    for step in adopt.VALIDATE_STEPS:
        cmd = step[0].removeprefix("skillsync-")
        proc = run_script(cmd, *(a.format(manifest=manifest) for a in step[1:]), cwd=repo)
        assert proc.returncode == 0, f"{step}: {proc.stderr}"
    m = json.loads(manifest.read_text())
    assert {s["name"]: s["path"] for s in m["skills"]} == {
        "pdf-tools": "skills/pdf-tools", "code-review": "skills/.curated/code-review",
        "csv-insights": "plugins/data-tools/skills/csv-insights", "repo-helper": ""}
    assert [a["path"] for a in m["adapters"]] == [
        "adapters/claude/pdf-tools/SKILL.md", "adapters/gemini/repo-helper/GEMINI.md"]


def test_dry_run_against_a_local_target_plans_and_writes_nothing(adopted: dict) -> None:
    repo, tmp = adopted["repo"], adopted["tmp"]
    bare = make_bare_remote(tmp, "downstream")
    work = tmp / "adopter-dry-run"
    git("clone", "-q", str(repo), str(work))
    (work / "targets/downstream.yaml").write_text(
        f"# yaml-language-server: $schema=../schemas/target.schema.json\n"
        f"id: downstream\nrepo: {bare}\nmechanism: push\nbranch: main\n")
    git("add", "-A", cwd=work)
    git("commit", "-q", "-m", "first target", cwd=work)
    git("tag", "v1.0.0", cwd=work)
    before = repo_state(bare)
    proc = run_script("sync", "--source", ".", "--ref", "v1.0.0", "--dry-run",
                      "--targets", "targets", "--run-dir", str(tmp / "run"), cwd=work)
    assert proc.returncode == 0, proc.stderr
    statuses = {t["id"]: t["status"] for t in json.loads(proc.stdout)["targets"]}
    assert statuses == {"downstream": "planned", "example-pull-request": "skipped",
                        "example-push": "skipped", "example-submodule": "skipped",
                        "example-webhook": "skipped"}
    assert repo_state(bare) == before


def test_second_init_changes_nothing(adopted: dict) -> None:
    repo = adopted["repo"]
    before = _tree(repo)
    _, doc = _init(repo)
    assert set(_actions(doc).values()) == {"unchanged"}
    assert _tree(repo) == before
    assert git("status", "--porcelain", cwd=repo) == ""


def test_noxfile_lists_the_sessions(adopted: dict) -> None:
    pytest.importorskip("nox")
    proc = subprocess.run([sys.executable, "-m", "nox", "-l", "-f",
                           str(adopted["repo"] / "noxfile.py")],
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    listed = re.findall(r"^([*-]) (\w+) -> ", proc.stdout, re.M)
    assert listed == [("*", "validate"), ("-", "sync"), ("-", "status")], proc.stdout


# -- respecting the adopter's files (each test on its own small repository) ------------------


@pytest.fixture
def fresh(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "skills", {"skills/a/SKILL.md": _skill("a")})


def test_changed_and_removed_files_are_skipped_and_kept(fresh: Path) -> None:
    _init(fresh)
    (fresh / "noxfile.py").write_text("# our own sessions\n")
    (fresh / "targets/example-webhook.yaml").unlink()
    proc, doc = _init(fresh)
    acts = {f["path"]: f for f in doc["files"]}
    assert acts["noxfile.py"]["action"] == "skipped"
    assert acts["noxfile.py"]["reason"] == "you changed it since init wrote it"
    assert (fresh / "noxfile.py").read_text() == "# our own sessions\n"
    assert acts["targets/example-webhook.yaml"]["action"] == "skipped"
    assert "you removed it" in acts["targets/example-webhook.yaml"]["reason"]
    assert not (fresh / "targets/example-webhook.yaml").exists()
    assert "skipped       noxfile.py: you changed it since init wrote it" in proc.stderr
    assert "2 skipped" in proc.stderr
    # and it stays that way
    _, again = _init(fresh)
    assert _actions(again)["noxfile.py"] == "skipped"


def test_a_file_that_existed_before_init_is_never_overwritten(fresh: Path) -> None:
    write_files(fresh, {"noxfile.py": "import nox\n",
                        ".skillsync.yaml": "skills: [\"skills/*\"]\n"})
    _, doc = _init(fresh)
    acts = {f["path"]: f for f in doc["files"]}
    for path in ("noxfile.py", ".skillsync.yaml"):
        assert acts[path]["action"] == "skipped"
        assert acts[path]["reason"] == "it existed before init and differs from the template"
    assert (fresh / "noxfile.py").read_text() == "import nox\n"
    recorded = json.loads((fresh / adopt.INIT_MANIFEST).read_text())["files"]
    assert "noxfile.py" not in recorded and "targets/example-push.yaml" in recorded


def test_a_new_pin_refreshes_only_untouched_files_and_is_kept(fresh: Path) -> None:
    _init(fresh)
    (fresh / ".github/workflows/rollback.yml").write_text("# ours now\n")
    _, doc = _init(fresh, "--pin", OTHER)
    acts = _actions(doc)
    assert acts[".github/workflows/sync-downstream.yml"] == "updated"
    assert acts[".github/workflows/skillsync-validate.yml"] == "updated"
    assert acts[".github/workflows/rollback.yml"] == "skipped"
    assert acts["noxfile.py"] == "unchanged"        # it reads the pin from the workflow
    assert acts["targets/example-push.yaml"] == "unchanged"
    assert f"@{OTHER} # v" in (fresh / ".github/workflows/sync-downstream.yml").read_text()
    _, again = _init(fresh, pin=None)   # no --pin: the pin of the last init stays
    assert again["pin"]["sha"] == OTHER
    assert set(_actions(again).values()) <= {"unchanged", "skipped"}


def test_a_release_tag_is_resolved_to_its_commit(fresh: Path, tmp_path: Path) -> None:
    """--pin vX.Y.Z: looked up once (git ls-remote, peeled) in --resolve-in; the workflows
    get the commit and the tag as its comment."""
    clone = make_repo(tmp_path / "skillsync-clone", {"README.md": "skillsync\n"})
    git("tag", "-a", "-m", "release", "v0.2.0", cwd=clone)
    sha = git("rev-parse", "v0.2.0^{commit}", cwd=clone)
    _, doc = _init(fresh, "--pin", "v0.2.0", "--resolve-in", str(clone))
    assert doc["pin"]["sha"] == sha and doc["pin"]["tag"] == "v0.2.0"
    assert f"sync-downstream.yml@{sha} # v0.2.0" in \
        (fresh / ".github/workflows/sync-downstream.yml").read_text()
    proc = run_script("init", "--repo", str(fresh), "--pin", "v9.9.9", "--resolve-in", str(clone))
    assert proc.returncode == 2
    assert proc.stderr.strip() == f"init: error: --pin v9.9.9: no such tag in {clone}"


@pytest.mark.parametrize(("pin", "reason"), [
    ("file:///home/me/skillsync", "a file:// URL names this machine"),
    ("../skillsync", "a local path names this machine"),
    ("/opt/skillsync", "a local path names this machine"),
    ("skillsync==0.1.0", "a package name: no package index serves skillsync"),
    ("skillsync", "a package name"),
    ("git+https://github.com/acme/skillsync@v0.1.0", "not an install URL"),
    ("0123456", "an abbreviated commit is not an immutable pin"),
    ('x"; rm -rf /', "a local path"),
    ("v1.0", "a package name"),
])
def test_install_sources_that_are_not_pins_are_refused(fresh: Path, pin: str,
                                                       reason: str) -> None:
    before = _tree(fresh)
    proc = run_script("init", "--repo", str(fresh), "--pin", pin)
    assert proc.returncode == 2, proc.stderr
    [line] = proc.stderr.splitlines()
    assert line.startswith(f"init: error: --pin {pin}: ") and reason in line
    assert _tree(fresh) == before


def test_without_a_pin_an_editable_install_cannot_tell_its_commit(fresh: Path) -> None:
    proc = run_script("init", "--repo", str(fresh))
    assert proc.returncode == 2
    assert "was not installed from git, so give --pin" in proc.stderr
    assert not (fresh / "noxfile.py").exists()


def test_skillsync_repo_overrides_the_identity(fresh: Path) -> None:
    _, doc = _init(fresh, "--skillsync-repo", "acme/skillsync-fork")
    assert doc["pin"]["repository"] == "acme/skillsync-fork"
    text = (fresh / ".github/workflows/skillsync-validate.yml").read_text()
    assert f"uses: acme/skillsync-fork@{PIN} # v" in text
    _, again = _init(fresh, pin=None)              # kept, with the pin, by the next init
    assert again["pin"]["repository"] == "acme/skillsync-fork"
    proc = run_script("init", "--repo", str(fresh), "--skillsync-repo", "not a repo",
                      "--pin", PIN)
    assert proc.returncode == 2 and "is not OWNER/NAME" in proc.stderr


def test_dry_run_writes_nothing(fresh: Path) -> None:
    before = _tree(fresh)
    proc, doc = _init(fresh, "--dry-run")
    assert doc["dry_run"] is True
    assert _actions(doc)["noxfile.py"] == "created"
    assert _tree(fresh) == before
    assert "would create  noxfile.py" in proc.stderr
    assert "(dry run: nothing written)" in proc.stderr


def test_bad_input_is_one_line_exit_2(tmp_path: Path, fresh: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    proc = run_script("init", "--repo", str(plain))
    assert proc.returncode == 2
    assert proc.stderr.strip() == \
        f"init: error: {plain}: not inside a git work tree (run `git init` first)"
    proc = run_script("init", "--repo", str(fresh / "skills"))
    assert proc.returncode == 2 and "give that path" in proc.stderr
    (fresh / ".skillsync").mkdir()
    (fresh / adopt.INIT_MANIFEST).write_text("{not json")
    proc = run_script("init", "--repo", str(fresh))
    assert proc.returncode == 2 and "init-manifest.json" in proc.stderr
    assert "Traceback" not in proc.stderr
    proc = run_script("init", "--repo", str(ROOT), "--pin", PIN)
    assert proc.returncode == 2 and "is skillsync's own repository" in proc.stderr


# -- the source is where you built it (issue 13, item 2) -------------------------------------


def _origin_and_checkout(tmp: Path) -> tuple[Path, Path]:
    """A bare 'origin' that has v1.0.0, and a checkout of it with a commit the origin lacks
    (tagged v1.1.0): what an adopter validating before pushing has."""
    origin = tmp / "origin.git"
    seed = make_repo(tmp / "seed", {"skills/a/SKILL.md": _skill("a")})
    git("tag", "v1.0.0", cwd=seed)
    git("clone", "-q", "--bare", str(seed), str(origin))
    work = tmp / "work"
    git("clone", "-q", str(origin), str(work))
    write_files(work, {"skills/b/SKILL.md": _skill("b")})
    git("add", "-A", cwd=work)
    git("commit", "-q", "-m", "b", cwd=work)
    git("tag", "v1.1.0", cwd=work)
    return origin, work


def test_the_manifest_records_the_checkout_and_later_steps_read_it(tmp_path: Path) -> None:
    origin, work = _origin_and_checkout(tmp_path)
    git("remote", "set-url", "origin", f"file://bot:s3cret-tok@{origin}", cwd=work)
    proc = run_script("build-manifest", "--source", ".", "--ref", "v1.1.0", "-o", "m.json",
                      cwd=work)
    assert proc.returncode == 0, proc.stderr
    m = json.loads((work / "m.json").read_text())
    assert m["source"]["repo"] == f"file://{origin}"        # public origin, no credentials
    assert m["source"]["checkout"] == "."                    # as given
    assert "s3cret" not in (work / "m.json").read_text()
    # validate reads the checkout (the origin does not have v1.1.0's commit) ...
    proc = run_script("validate-sync-targets", "--manifest", "m.json", cwd=work)
    assert proc.returncode == 0, proc.stderr
    # ... and so does a dry run (no --source), naming the origin in what it plans.
    bare = make_bare_remote(tmp_path, "down")
    (tmp_path / "targets").mkdir()
    (tmp_path / "targets/down.yaml").write_text(f"id: down\nrepo: {bare}\nmechanism: push\n")
    proc = run_script("sync", "--manifest", "m.json", "--targets", str(tmp_path / "targets"),
                      "--dry-run", "--run-dir", str(tmp_path / "run"), cwd=work)
    assert proc.returncode == 0, proc.stderr
    plan = json.loads((tmp_path / "run/plans/down.json").read_text())
    assert plan["decision"] == "update" and "s3cret" not in json.dumps(plan)


def test_without_the_checkout_later_steps_read_the_origin(tmp_path: Path) -> None:
    origin, work = _origin_and_checkout(tmp_path)
    proc = run_script("build-manifest", "--source", str(work), "--ref", "v1.0.0", "-o",
                      str(tmp_path / "m.json"))
    assert proc.returncode == 0, proc.stderr
    m = json.loads((tmp_path / "m.json").read_text())
    assert (m["source"]["repo"], m["source"]["checkout"]) == (str(origin), str(work))
    shutil.rmtree(work)                                  # another machine: no checkout
    proc = run_script("validate-sync-targets", "--manifest", str(tmp_path / "m.json"))
    assert proc.returncode == 0, proc.stderr             # read from the origin, which has it
    # A checkout that exists but lacks the commit is passed over too.
    make_repo(work, {"x/SKILL.md": _skill("x")})
    proc = run_script("validate-sync-targets", "--manifest", str(tmp_path / "m.json"))
    assert proc.returncode == 0, proc.stderr
    # --source still overrides: pointed at a repository without the commit, it fails.
    proc = run_script("validate-sync-targets", "--manifest", str(tmp_path / "m.json"),
                      "--source", str(work))
    assert proc.returncode == 1 and "manifest-commit-unknown" in proc.stdout


# -- source config behaves (issue 13, item 7) -------------------------------------------------


CONFIG_LAYOUT: dict[str, str | bytes] = {
    "skills/pdf/SKILL.md": _skill("pdf"),
    "skills/claude-api/SKILL.md": _skill("claude-api"),
    "skills/experimental-x/SKILL.md": _skill("experimental-x"),
    "plugins/p/skills/csv/SKILL.md": _skill("csv"),
    "template/SKILL.md": _skill("template-skill"),
}


def _skills_with(tmp_path: Path, config: str) -> list[str]:
    repo = make_repo(tmp_path / f"c{len(list(tmp_path.iterdir()))}",
                     {**CONFIG_LAYOUT, ".skillsync.yaml": config})
    proc = run_script("build-manifest", "--source", str(repo), "--ref", "HEAD")
    assert proc.returncode == 0, proc.stderr
    return sorted(s["path"] for s in json.loads(proc.stdout)["skills"])


@pytest.mark.parametrize(("config", "want"), [
    # exclusions only: the defaults, minus what they match
    ('skills: ["!skills/claude-api", "!template"]\n',
     ["plugins/p/skills/csv", "skills/experimental-x", "skills/pdf"]),
    # a list that names what to take, then takes some away: the last match decides
    ('skills: ["skills/*", "!skills/experimental-*"]\n', ["skills/claude-api", "skills/pdf"]),
    # ... and order matters: a later glob takes one back
    ('skills: ["skills/*", "!skills/*", "skills/pdf"]\n', ["skills/pdf"]),
    ('skills: ["**/SKILL.md", "!plugins/**"]\n',
     ["skills/claude-api", "skills/experimental-x", "skills/pdf", "template"]),
])
def test_exclusions_in_the_source_config_work_in_order(tmp_path: Path, config: str,
                                                      want: list[str]) -> None:
    assert _skills_with(tmp_path, config) == want


def test_a_bare_exclamation_mark_is_a_config_error(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", {**CONFIG_LAYOUT, ".skillsync.yaml": 'skills: ["!"]\n'})
    proc = run_script("build-manifest", "--source", str(repo), "--ref", "HEAD")
    assert proc.returncode == 2
    assert ".skillsync.yaml:1" in proc.stderr and "a `!` before a glob" in proc.stderr


def test_validate_warns_when_the_work_tree_config_is_not_the_committed_one(
        tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r", CONFIG_LAYOUT)
    manifest = tmp_path / "m.json"

    def validate() -> list[dict[str, Any]]:
        proc = run_script("build-manifest", "--source", ".", "--ref", "HEAD", "-o",
                          str(manifest), cwd=repo)
        assert proc.returncode == 0, proc.stderr
        proc = run_script("validate-sync-targets", "--manifest", str(manifest), cwd=repo)
        return [f for f in json.loads(proc.stdout) if f["code"] == "config-uncommitted"]

    assert validate() == []
    (repo / ".skillsync.yaml").write_text('skills: ["!template"]\n')      # not committed
    [warning] = validate()
    assert warning["severity"] == "warning" and warning["path"] == ".skillsync.yaml"
    assert "is not in commit" in warning["message"] and "commit the change" in warning["message"]
    # The manifest still used the committed (absent) config: template is still a skill.
    assert "template" in [s["path"] for s in json.loads(manifest.read_text())["skills"]]
    git("add", ".skillsync.yaml", cwd=repo)
    git("commit", "-q", "-m", "config", cwd=repo)
    assert validate() == []
    (repo / ".skillsync.yaml").write_text('skills: ["!template", "!skills/claude-api"]\n')
    [warning] = validate()
    assert "in the work tree differs from the one in commit" in warning["message"]


# -- the adopter's path, end to end, exactly as docs/adopting.md says (issue 13) -------------

DOC = ROOT / "docs" / "adopting.md"
LONG = "Reference for a vendor API, with models, parameters, streaming and tools. " * 16


def _real_skill(name: str, extra: str = "") -> str:
    return (f"---\nname: {name}\ndescription: Use this skill to work with {name} files.\n"
            f"license: Apache-2.0. LICENSE.txt has the terms\n{extra}---\n\n# {name}\n")


# The shape of a public skills repository (anthropics/skills and its like), written for this
# test: nobody prepared it for skillsync.
REAL_WORLD: dict[str, str | bytes] = {
    "README.md": "# Agent skills\n\nSkills for agents.\n",
    "THIRD_PARTY_NOTICES.md": "notices\n",
    ".gitignore": ".DS_Store\n__pycache__/\n",
    ".claude-plugin/marketplace.json": '{"name": "our-skills", "plugins": []}\n',
    "spec/agent-skills-spec.md": "# The spec\n\nSKILL.md files start with front matter.\n",
    "template/SKILL.md": "---\nname: template-skill\ndescription: Replace with a description "
                         "of the skill.\n---\n\n# Insert instructions below\n",
    "skills/pdf/SKILL.md": _real_skill("pdf"),
    "skills/pdf/LICENSE.txt": "Apache-2.0\n",
    "skills/pdf/reference.md": "# pdf reference\n",
    "skills/pdf/scripts/extract.py": "print('text')\n",
    "skills/docx/SKILL.md": _real_skill("docx"),
    "skills/docx/scripts/office/pack.py": "print('pack')\n",
    "skills/api-guide/SKILL.md": f"---\nname: api-guide\ndescription: {LONG}\n---\n# api\n",
    "skills/webapp-testing/SKILL.md": _real_skill("webapp-testing",
                                                  'metadata:\n  version: "2.1.0"\n'),
    "skills/webapp-testing/examples/console.py": "print('console')\n",
    "plugins/data-tools/.claude-plugin/plugin.json": '{"name": "data-tools"}\n',
    "plugins/data-tools/skills/csv-insights/SKILL.md": _real_skill("csv-insights"),
    "plugins/data-tools/skills/csv-insights/scripts/profile.py": "print('csv')\n",
    "SKILL.md": _real_skill("my-skills"),       # a skill at the root, named like the repo
    "scripts/root_helper.py": "print('root')\n",
}
ADOPTER_ORIGIN = "https://github.invalid/acme/my-skills.git"   # unreachable, as on a laptop


def doc_blocks(text: str) -> list[str]:
    """The ```sh blocks of a Markdown page, in order (```sh template blocks are not run)."""
    return [m["body"] for m in re.finditer(r"^```(?P<info>[^\n]*)\n(?P<body>.*?)^```\s*$",
                                           text, re.M | re.S) if m["info"].strip() == "sh"]


class Shell:
    """One shell session across separate bash processes: each block starts in the directory
    and with the exported variables the previous one ended with (as when typing them)."""

    def __init__(self, cwd: Path, env: dict[str, str], state: Path) -> None:
        self.env, self.state = env, state
        state.mkdir()
        (state / "pwd").write_text(str(cwd))
        (state / "env").write_text("")

    def run(self, block: str) -> subprocess.CompletedProcess[str]:
        script = ('. "$SHELL_STATE/env"\ncd "$(cat "$SHELL_STATE/pwd")"\n' + block +
                  '\nexport -p > "$SHELL_STATE/env.new"; pwd > "$SHELL_STATE/pwd"\n'
                  'mv "$SHELL_STATE/env.new" "$SHELL_STATE/env"\n')
        return subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
                              env={**self.env, "SHELL_STATE": str(self.state)},
                              capture_output=True, text=True, timeout=300, check=False)

    def var(self, name: str) -> str:
        m = re.search(rf'^declare -x {name}="(.*)"$', (self.state / "env").read_text(), re.M)
        return m[1] if m else ""


def _get(url: str) -> Any:
    import urllib.request

    with urllib.request.urlopen(url, timeout=10) as resp:
        return json.loads(resp.read())


@pytest.fixture(scope="module")
def skillsync_from_git(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """skillsync as an adopter installs it (docs step 1): pip from a git URL at a release
    tag, into a virtualenv of its own (dependencies from this interpreter, offline). The
    repository stands in for skillsync's on GitHub: this checkout, committed and tagged."""
    tmp = tmp_path_factory.mktemp("skillsync-from-git")
    with pytest.MonkeyPatch.context() as mp:
        isolate(mp, tmp / "home")
        files: dict[str, Path | str] = {}
        for top in ("pyproject.toml", "README.md", "action.yml"):
            files[top] = ROOT / top
        for folder in ("src/skillsync", "schemas", "requirements", ".github"):
            for f in sorted((ROOT / folder).rglob("*")):
                if f.is_file() and "__pycache__" not in f.parts and not f.is_symlink() \
                        and not any(p.is_symlink() for p in f.relative_to(ROOT).parents
                                    if p != Path(".") and (ROOT / p).is_symlink()):
                    files[str(f.relative_to(ROOT))] = f
        from support.gha_repositories import make_repository

        clone, sha = make_repository(tmp / "skillsync", files)
        (clone / "src/skillsync/schemas").symlink_to("../../schemas")
        git("add", "-A", cwd=clone)
        git("commit", "-q", "-m", "schemas link", cwd=clone)
        sha = git("rev-parse", "HEAD", cwd=clone)
        tag = f"v{adopt.installed_version()}"
        git("tag", tag, cwd=clone)
        venv = tmp / "venv"
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                       timeout=60)
        # Its dependencies (and the build backend) from this interpreter: no index here.
        site = next((venv / "lib").glob("python3*/site-packages"))
        import sysconfig

        (site / "deps.pth").write_text("\n".join(
            sorted({sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]})) + "\n")
        proc = subprocess.run(
            [sys.executable, "-m", "pip", "--python", str(venv / "bin/python"), "install", "-q",
             "--no-deps", "--no-build-isolation", "--no-index", "--no-cache-dir",
             f"skillsync @ git+file://localhost{clone}@{tag}"],
            capture_output=True, text=True, timeout=300, check=False)
        assert proc.returncode == 0, proc.stderr
        yield {"clone": clone, "sha": sha, "tag": tag, "bin": venv / "bin"}


@pytest.fixture(scope="module")
def walkthrough(tmp_path_factory: pytest.TempPathFactory,
                skillsync_from_git: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """docs/adopting.md, block by block, on REAL_WORLD; the state of every scratch
    downstream and of the loopback servers after each block."""
    tmp = tmp_path_factory.mktemp("walkthrough")
    with pytest.MonkeyPatch.context() as mp:
        isolate(mp, tmp / "home")
        repo = make_repo(tmp / "my-skills", REAL_WORLD, message="our skills")
        git("remote", "add", "origin", ADOPTER_ORIGIN, cwd=repo)
        (tmp / "scratch").mkdir()
        env = dict(os.environ, TMPDIR=str(tmp / "scratch"), SKILLSYNC_CACHE=str(tmp / "cache"),
                   PATH=os.pathsep.join([str(skillsync_from_git["bin"]),
                                         str(Path(sys.executable).parent),
                                         os.environ.get("PATH", "")]))
        shell = Shell(tmp, env, tmp / "shell")
        steps: list[dict[str, Any]] = []
        try:
            for block in doc_blocks(DOC.read_text()):
                proc = shell.run(block)
                tryout = shell.var("TRYOUT")
                bares = {p.stem: repo_state(p) for p in sorted(Path(tryout).glob("*.git"))} \
                    if tryout else {}
                api, hook = shell.var("API"), shell.var("HOOK")
                servers = {}
                if api and not re.search(r"^kill ", block, re.M):   # still running
                    servers = {"github": _get(f"{api}/_state"), "hook": _get(f"{hook}/_state")}
                steps.append({"block": block, "proc": proc, "bares": bares, "servers": servers})
                assert proc.returncode == 0, f"docs/adopting.md block failed:\n{block}\n" \
                                             f"{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
            yield {"tmp": tmp, "repo": repo, "steps": steps, "tryout": Path(shell.var("TRYOUT")),
                   "shell": shell}
        finally:
            for pidfile in (tmp / "scratch").glob("*/devservers.pid"):   # ours, from the doc
                with contextlib.suppress(ProcessLookupError, ValueError):
                    os.kill(int(pidfile.read_text().strip()), signal.SIGTERM)


def _step(walk: dict[str, Any], needle: str) -> tuple[int, dict[str, Any]]:
    found = [(i, s) for i, s in enumerate(walk["steps"]) if needle in s["block"]]
    assert len(found) == 1, f"no single block of docs/adopting.md runs {needle!r}"
    return found[0]


def test_docs_install_line_names_this_repository_and_version() -> None:
    text = DOC.read_text()
    assert f'"skillsync @ git+https://github.com/{IDENTITY}@v{adopt.installed_version()}"' in text
    assert f"uses: {IDENTITY}/.github/workflows/sync-downstream.yml@" in text


def test_walkthrough_init_pins_the_commit_pip_installed(walkthrough: dict,
                                                        skillsync_from_git: dict) -> None:
    repo, sha, tag = walkthrough["repo"], skillsync_from_git["sha"], skillsync_from_git["tag"]
    text = (repo / ".github/workflows/sync-downstream.yml").read_text()
    assert f"uses: {IDENTITY}/.github/workflows/sync-downstream.yml@{sha} # {tag}" in text
    assert f"uses: {IDENTITY}@{sha} # {tag}" in \
        (repo / ".github/workflows/skillsync-validate.yml").read_text()
    _, dry = _step(walkthrough, "skillsync-init --dry-run")
    assert "would create  .github/dependabot.yml" in dry["proc"].stderr


def _out(step: dict[str, Any]) -> str:
    return step["proc"].stdout + step["proc"].stderr


def test_walkthrough_finds_the_real_world_layout_and_config_excludes(walkthrough: dict) -> None:
    _, found = _step(walkthrough, "skillsync-build-manifest --ref HEAD")
    assert sorted(found["proc"].stdout.splitlines()) == sorted([
        "\tmy-skills", "plugins/data-tools/skills/csv-insights\tcsv-insights",
        "skills/api-guide\tapi-guide", "skills/docx\tdocx", "skills/pdf\tpdf",
        "skills/webapp-testing\twebapp-testing", "template\ttemplate-skill"])
    _, first = _step(walkthrough, 'echo "validate found problems"')
    assert "validate found problems" in first["proc"].stdout
    assert "must equal its folder name 'template'" in _out(first)
    assert re.search(r"skills/api-guide/SKILL\.md:\d+: error: description is \d+ characters",
                     _out(first))
    _, fixed = _step(walkthrough, "cat >> .skillsync.yaml")
    # Before the commit: the same errors, and the warning that the edit is not committed.
    assert "config-uncommitted" in _out(fixed) and "Session validate failed" in _out(fixed)
    last = fixed["proc"].stderr.rstrip().splitlines()[-1]
    assert last.startswith("nox > Session validate was successful"), last   # "in N seconds"


def test_walkthrough_dry_run_writes_nothing_anywhere(walkthrough: dict) -> None:
    i, dry = _step(walkthrough, '--dry-run > "$TRYOUT/dry-run.json"')
    before = walkthrough["steps"][i - 1]
    assert len(dry["bares"]) == 3 and dry["bares"] == before["bares"]
    assert dry["servers"] == before["servers"]
    assert dry["servers"]["github"] == {} and dry["servers"]["hook"]["received"] == []
    assert sorted(dry["proc"].stdout.splitlines()) == [
        "agents\tplanned", "example-pull-request\tskipped", "example-push\tskipped",
        "example-submodule\tskipped", "example-webhook\tskipped", "monorepo\tplanned",
        "portal\tplanned", "tools\tplanned"]


def test_walkthrough_live_sync_through_every_mechanism(walkthrough: dict) -> None:
    _, live = _step(walkthrough, 'skillsync-sync --source . --ref v1.0.0 > "$TRYOUT/live.json"')
    out = live["proc"].stdout
    for tid in ("agents", "monorepo", "portal", "tools"):
        assert f"{tid}\tsynced" in out, out
    release = git("rev-parse", "v1.0.0^{commit}", cwd=walkthrough["repo"])
    # push: a commit whose trailers name the public origin, not the laptop's checkout.
    assert f"Skillsync-Source: {ADOPTER_ORIGIN}" in out
    assert f"Skillsync-Commit: {release}" in out
    # a pull request on the loopback GitHub; the submodule pointer; one signed POST.
    assert "#1 skillsync: skills 1.0.0 (skillsync/1.0.0)" in out
    assert f"160000 commit {release}\tvendor/skills" in out
    [post] = live["servers"]["hook"]["received"]
    assert post["signature_valid"] is True and post["path"] == "/skills/hook"
    [pull] = live["servers"]["github"]["acme/agents"]["pulls"]
    assert pull["state"] == "open" and ADOPTER_ORIGIN in pull["body"]
    # What landed: the skills, the root skill's own files, nothing the config left out.
    tools = walkthrough["tryout"] / "tools.git"
    files = git("ls-tree", "-r", "--name-only", "main~1", cwd=tools).splitlines()  # the sync
    assert {"tools/skills/pdf/SKILL.md", "tools/skills/my-skills/SKILL.md",
            "tools/skills/my-skills/scripts/root_helper.py",
            "tools/skills/csv-insights/scripts/profile.py"} <= set(files)
    assert not [p for p in files if re.match(r"tools/skills/(template|api-guide)/", p)]
    assert not [p for p in files if re.search(r"\.github/|targets/|noxfile|spec/", p)]


def test_walkthrough_rollback_restores_the_synced_targets(walkthrough: dict) -> None:
    _, roll = _step(walkthrough, "skillsync-rollback --run")
    docs, text, at = [], roll["proc"].stdout, 0       # the dry run's JSON, then the rollback's
    while at < len(text):
        doc, end = json.JSONDecoder().raw_decode(text, at)
        docs.append(doc)
        at = len(text) - len(text[end:].lstrip())
    dry, results = docs
    assert {r["status"] for r in dry["targets"]} == {"planned"}
    statuses = {r["target"]: (r["status"], r["verified"]) for r in results.get("targets", [])}
    assert statuses == {t: ("rolled-back", True) for t in ("agents", "monorepo", "tools")}, \
        roll["proc"].stdout[-3000:]
    assert '"state": "closed"' in roll["proc"].stdout          # the pull request
    for name, path in (("tools", "tools"), ("monorepo", "vendor/skills")):
        bare = walkthrough["tryout"] / f"{name}.git"
        # main: init (+ vendoring), the sync commit, the rollback commit restoring the first.
        assert git("rev-parse", f"main:{path}" if name == "monorepo" else "main^{tree}",
                   cwd=bare) == git("rev-parse", f"main~2:{path}" if name == "monorepo"
                                    else "main~2^{tree}", cwd=bare)


def test_walkthrough_commits_nothing_but_the_adoption(walkthrough: dict) -> None:
    """Every `git add -A` of the page took only what the adopter meant: no scratch file of
    nox or skillsync (run directories, manifests) is tracked."""
    tracked = git("ls-files", cwd=walkthrough["repo"]).splitlines()
    assert not [p for p in tracked if p.startswith(".nox/")]
    assert [p for p in tracked if p.startswith(".skillsync/")] == [
        ".skillsync/.gitignore", ".skillsync/init-manifest.json"]
    assert git("status", "--porcelain", cwd=walkthrough["repo"]) == ""


def test_walkthrough_generated_workflows_run_in_the_emulator(
        walkthrough: dict, skillsync_from_git: dict, tmp_path: Path) -> None:
    """The workflows init wrote, unmodified, through the Actions emulator: a manual dry run of
    the release (callers -> skillsync's reusable workflow at the pinned commit -> the
    composite action) and the pull-request validation (the composite action, pinned)."""
    from support.gha_emulator import Emulator

    repo, tryout = walkthrough["repo"], walkthrough["tryout"]
    actions = {IDENTITY: skillsync_from_git["clone"]}
    before = {p.stem: repo_state(p) for p in tryout.glob("*.git")}
    inputs = {"ref": "v1.0.0", "targets": "tools monorepo", "dry_run": True,
              "allow_major": False}
    run = Emulator(repo / ".github/workflows/sync-downstream.yml", root=tmp_path,
                   source=repo, targets=None, event="workflow_dispatch",
                   payload={"inputs": inputs}, ref="refs/heads/main", inputs=inputs,
                   run_id=9001, actions=actions).execute()
    assert run.results["sync"] == "success", run.failures()
    assert run.called["sync"].endswith(f"@{skillsync_from_git['sha']}")
    assert {run.results[f"sync/{j}"] for j in ("validate", "plan", "wave-0", "report")} == \
        {"success"}
    summary = json.loads((tmp_path / "artifacts-9001/skillsync-run/summary.json").read_text())
    assert {t["id"]: t["status"] for t in summary["targets"]} == {
        "tools": "planned", "monorepo": "planned"}
    assert {p.stem: repo_state(p) for p in tryout.glob("*.git")} == before
    pr = Emulator(repo / ".github/workflows/skillsync-validate.yml", root=tmp_path,
                  source=repo, targets=None, event="pull_request", payload={},
                  ref="refs/pull/1/merge", run_id=9002, actions=actions).execute()
    assert pr.results == {"validate": "success"}, pr.failures()
    assert "validate-sync-targets: 0 error(s)" in pr.step("validate", "Validate").stderr


def downstream_files(bare: Path) -> list[str]:
    return git("ls-tree", "-r", "--name-only", "main", cwd=bare).splitlines()
