"""`init` adopts skillsync in a fresh skills repository with a real-world layout (skills
under skills/, a nested plugin, a root-level skill with adapters); the adopter's validate
steps and a dry run against a local target then pass, and a second init changes nothing."""

from __future__ import annotations

import hashlib
import json
import re
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
from skillsync import adopt


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


def _init(repo: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
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
        ".github/workflows/rollback.yml", "noxfile.py", ".skillsync/.gitignore",
        "docs/downstream-inventory.md", ".skillsync/init-manifest.json"}
    assert set(_actions(first).values()) == {"created"}
    assert first["pin"] == f"skillsync=={adopt.installed_version()}"
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


def test_workflows_are_pinned_and_call_console_commands(adopted: dict) -> None:
    repo, pin = adopted["repo"], adopted["first"]["pin"]
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    for name in adopt.WORKFLOWS:
        ours = yaml.safe_load((ROOT / ".github/workflows" / name).read_text())
        text = (repo / ".github/workflows" / name).read_text()
        theirs = yaml.safe_load(text)
        assert theirs["jobs"].keys() == ours["jobs"].keys()
        assert "scripts/" not in text
        installs = [s["run"] for job in theirs["jobs"].values() for s in job["steps"]
                    if "pip install" in str(s.get("run", ""))]
        assert installs and all(r.endswith(f'"{pin}"') for r in installs), installs
        runs = "\n".join(str(st.get("run", "")) for job in theirs["jobs"].values()
                          for st in job["steps"])
        used = set(re.findall(r"(?<![\w/.$-])(skillsync-[a-z][a-z0-9-]*)", runs))
        assert used, name
        missing = sorted(c for c in used if c not in scripts)
        assert not missing, f"{name} calls commands pyproject does not install: {missing}"
    sync_text = (repo / ".github/workflows/sync-downstream.yml").read_text()
    assert "skillsync-sync-target --" not in sync_text        # flags stay as they were
    assert 'skillsync-sync-target "${args[@]}"' in sync_text


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
    pin = "skillsync @ git+https://git.example/acme/skillsync@v0.1.0"
    _, doc = _init(fresh, "--pin", pin)
    acts = _actions(doc)
    assert acts[".github/workflows/sync-downstream.yml"] == "updated"
    assert acts["noxfile.py"] == "updated"
    assert acts[".github/workflows/rollback.yml"] == "skipped"
    assert acts["targets/example-push.yaml"] == "unchanged"
    assert f'"{pin}"' in (fresh / ".github/workflows/sync-downstream.yml").read_text()
    assert f'SKILLSYNC = "{pin}"' in (fresh / "noxfile.py").read_text()
    _, again = _init(fresh)             # no --pin: the custom pin of the last init stays
    assert again["pin"] == pin
    assert _actions(again)["noxfile.py"] == "unchanged"


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
    proc = run_script("init", "--repo", str(fresh), "--pin", 'x"; rm -rf /')
    assert proc.returncode == 2 and proc.stderr.startswith("init: error: --pin: ")
    assert not (fresh / "noxfile.py").exists()
    (fresh / ".skillsync").mkdir()
    (fresh / adopt.INIT_MANIFEST).write_text("{not json")
    proc = run_script("init", "--repo", str(fresh))
    assert proc.returncode == 2 and "init-manifest.json" in proc.stderr
    assert "Traceback" not in proc.stderr
    proc = run_script("init", "--repo", str(ROOT))
    assert proc.returncode == 2 and "is skillsync's own repository" in proc.stderr
