"""The sync engine on real repositories: plan, dry run, push, pull-request branch,
submodule pointer, no-op re-runs, drift, deletions, failures and exit codes."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from conftest import git, make_bare_remote, make_repo, run_script
from engine_fixtures import (
    add_submodule,
    downstream,
    make_source,
    mode_of,
    repo_state,
    target_yaml,
)
from skillsync import mechanisms
from skillsync.errors import TargetError
from skillsync.fsutil import dumps
from skillsync.manifest import build_manifest
from skillsync.mechanisms.base import Context
from skillsync.runlog import RunDir
from skillsync.source import open_source
from skillsync.sync import Options, exit_code, run_sync
from skillsync.targets import load_targets


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    monkeypatch.setenv("SKILLSYNC_CACHE", str(tmp_path / "cache"))
    src = make_source(tmp_path)
    tdir = tmp_path / "targets"
    tdir.mkdir()
    w = {"root": tmp_path, "source": src, "targets": tdir}
    for ref in ("v1.0.0", "v1.1.0", "v2.0.0"):
        p = tmp_path / f"manifest-{ref}.json"
        p.write_text(dumps(build_manifest(str(src), ref)))
        w[ref] = p
    return w


def add_target(w: dict[str, Path], tid: str, mechanism: str = "push", files: dict | None = None,
               **extra: object) -> Path:
    bare = make_bare_remote(w["root"], tid, files or {"README.md": "downstream\n",
                                                     "src/app.py": "print('mine')\n"})
    (w["targets"] / f"{tid}.yaml").write_text(target_yaml(tid, bare, mechanism, **extra))
    return bare


def sync(w: dict[str, Path], ref: str, run: str, **opts: object) -> dict:
    manifest = json.loads(w[ref].read_text())
    rd = RunDir(w["root"] / "runs" / run).create()
    results = run_sync(manifest, load_targets(w["targets"]), rd, Options(**opts))
    return {"results": results, "code": exit_code(results), "run": rd}


def manifest_files(w: dict[str, Path], ref: str, dest: str = ".agents/skills") -> dict[str, bytes]:
    m = json.loads(w[ref].read_text())
    out = {}
    for s in m["skills"]:
        for f in s["files"]:
            out[f"{dest}/{s['name']}/{f['path']}"] = subprocess.run(
                ["git", "-C", str(w["source"]), "cat-file", "blob", f["blob"]],
                capture_output=True, check=True).stdout
    return out


def test_live_sync_gives_exactly_the_release_files(world: dict) -> None:
    bare = add_target(world, "down")
    out = sync(world, "v1.0.0", "r1")
    assert out["code"] == 0 and out["results"]["down"].status == "synced"
    files = downstream(bare)
    expected = manifest_files(world, "v1.0.0")
    for path, data in expected.items():
        assert files[path] == data, path
    assert mode_of(bare, ".agents/skills/alpha/scripts/run.sh") == "100755"
    assert files["src/app.py"] == b"print('mine')\n"   # unrelated files untouched
    assert files["README.md"] == b"downstream\n"
    lock = json.loads(files[".agents/skills/.skillsync-lock.json"])
    assert lock["version"] == "1.0.0" and set(lock["files"]) == set(expected)


def test_rerun_is_a_noop_without_new_commit_and_deletions_propagate(world: dict) -> None:
    bare = add_target(world, "down")
    sync(world, "v1.0.0", "r1")
    head = git("--git-dir", str(bare), "rev-parse", "main")
    again = sync(world, "v1.0.0", "r2")
    assert again["results"]["down"].status == "no-op"
    assert git("--git-dir", str(bare), "rev-parse", "main") == head
    sync(world, "v1.1.0", "r3")
    files = downstream(bare)
    assert ".agents/skills/beta/references/notes.md" not in files   # deleted upstream
    assert ".agents/skills/gamma/SKILL.md" in files                  # added upstream
    assert files["src/app.py"] == b"print('mine')\n"


def test_noop_detected_without_cache_too(world: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    bare = add_target(world, "down")
    sync(world, "v1.0.0", "r1")
    monkeypatch.setenv("SKILLSYNC_CACHE", str(world["root"] / "fresh-cache"))
    head = git("--git-dir", str(bare), "rev-parse", "main")
    out = sync(world, "v1.0.0", "r2")
    assert out["results"]["down"].status == "no-op"
    assert git("--git-dir", str(bare), "rev-parse", "main") == head


def test_commit_carries_trailers(world: dict) -> None:
    bare = add_target(world, "down")
    sync(world, "v1.0.0", "r1")
    trailers = git("--git-dir", str(bare), "log", "-1", "--format=%(trailers:only,unfold)", "main")
    m = json.loads(world["v1.0.0"].read_text())
    assert f"Skillsync-Commit: {m['source']['commit']}" in trailers
    assert "Skillsync-Version: 1.0.0" in trailers
    assert "Skillsync-Run: r1" in trailers
    assert "Skillsync-Source: " in trailers


def test_dry_run_writes_nothing_anywhere(world: dict, tmp_path: Path) -> None:
    push = add_target(world, "down")
    pr = add_target(world, "prt", "pull-request")
    sub_files = {"README.md": "mono\n"}
    mono = add_target(world, "mono", "submodule", files=sub_files,
                      submodule="{path: vendor/skills, via: push}")
    add_submodule(mono, world["source"], "v1.0.0")
    sync(world, "v1.0.0", "r0")  # some history first, so drift/lock paths are exercised
    before = {p: repo_state(p) for p in (push, pr, mono, world["source"] / ".git")}
    out = sync(world, "v1.1.0", "dry", dry_run=True)
    assert {r.status for r in out["results"].values()} == {"planned"}
    assert {p: repo_state(p) for p in before} == before
    plan = json.loads((out["run"].path / "plans" / "down.json").read_text())
    assert plan["decision"] == "update"
    ops = {(o["op"], o["path"]) for o in plan["operations"]}
    assert ("delete", ".agents/skills/beta/references/notes.md") in ops
    assert ("add", ".agents/skills/gamma/SKILL.md") in ops


def test_drift_halts_with_file_list_and_overwrite_takes_over(world: dict) -> None:
    bare = add_target(world, "down")
    sync(world, "v1.0.0", "r1")
    work = world["root"] / "edit"
    git("clone", "-q", str(bare), str(work))
    (work / ".agents/skills/alpha/SKILL.md").write_text("edited by hand\n")
    git("commit", "-qam", "local edit", cwd=work)
    git("push", "-q", "origin", "main", cwd=work)
    head = git("--git-dir", str(bare), "rev-parse", "main")
    out = sync(world, "v1.1.0", "r2")
    res = out["results"]["down"]
    assert res.status == "halted" and ".agents/skills/alpha/SKILL.md" in res.message
    assert out["code"] == 3
    assert git("--git-dir", str(bare), "rev-parse", "main") == head
    out = sync(world, "v1.1.0", "r3", overwrite=True)
    assert out["results"]["down"].status == "synced"


def test_unowned_file_is_never_overwritten(world: dict) -> None:
    bare = add_target(world, "down", files={".agents/skills/alpha/SKILL.md": "theirs\n"})
    out = sync(world, "v1.0.0", "r1")
    assert out["results"]["down"].status == "halted"
    assert "does not own" in out["results"]["down"].message
    assert downstream(bare)[".agents/skills/alpha/SKILL.md"] == b"theirs\n"


def test_non_fast_forward_is_refused_never_forced(world: dict, tmp_path: Path) -> None:
    bare = add_target(world, "down")
    manifest = json.loads(world["v1.0.0"].read_text())
    target = load_targets(world["targets"])[0]
    rd = RunDir(tmp_path / "runs" / "nff").create()
    ctx = Context(target, manifest, rd,
                  open_source(str(world["source"]), manifest["source"]["commit"]))
    mech = mechanisms.get("push")
    plan = mech.plan(ctx)
    # Someone pushes between our read and our push.
    work = tmp_path / "other"
    git("clone", "-q", str(bare), str(work))
    (work / "theirs.txt").write_text("x\n")
    git("add", "theirs.txt", cwd=work)
    git("commit", "-qm", "theirs", cwd=work)
    git("push", "-q", "origin", "main", cwd=work)
    theirs = git("--git-dir", str(bare), "rev-parse", "main")
    with pytest.raises(TargetError, match="non-fast-forward"):
        mech.apply(ctx, plan)
    mech.close()
    assert git("--git-dir", str(bare), "rev-parse", "main") == theirs


def test_rejected_push_reports_server_reason_and_others_go_on(world: dict) -> None:
    bad = add_target(world, "guarded")
    hook = bad / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'protected branch: main needs a review' >&2\nexit 1\n")
    hook.chmod(0o755)
    good = add_target(world, "fine")
    (world["targets"] / "gone.yaml").write_text(target_yaml("gone", world["root"] / "nope.git"))
    out = sync(world, "v1.0.0", "r1")
    res = out["results"]
    assert res["guarded"].status == "failed" and "protected branch" in res["guarded"].message
    assert res["gone"].status == "failed"
    assert res["fine"].status == "synced"
    assert ".agents/skills/alpha/SKILL.md" in downstream(good)
    assert out["code"] == 1


def test_pull_request_branch_keeps_a_persons_commit(world: dict) -> None:
    bare = add_target(world, "prt", "pull-request")
    main_head = git("--git-dir", str(bare), "rev-parse", "main")
    out = sync(world, "v1.0.0", "r1")
    res = out["results"]["prt"]
    assert res.status == "pending" and res.branch == "skillsync/1.0.0"
    assert git("--git-dir", str(bare), "rev-parse", "main") == main_head  # main untouched
    work = world["root"] / "person"
    git("clone", "-q", "-b", "skillsync/1.0.0", str(bare), str(work))
    (work / "FIXUP.md").write_text("a reviewer's fix\n")
    git("add", "FIXUP.md", cwd=work)
    git("commit", "-qm", "reviewer fix", cwd=work)
    git("push", "-q", "origin", "skillsync/1.0.0", cwd=work)
    person = git("--git-dir", str(bare), "rev-parse", "skillsync/1.0.0")
    sync(world, "v1.0.0", "r2")
    log = git("--git-dir", str(bare), "rev-list", "skillsync/1.0.0")
    assert person in log.splitlines()


def test_pull_request_lease_refuses_to_overwrite(world: dict, tmp_path: Path) -> None:
    bare = add_target(world, "prt", "pull-request")
    manifest = json.loads(world["v1.0.0"].read_text())
    target = load_targets(world["targets"])[0]
    rd = RunDir(tmp_path / "runs" / "lease").create()
    ctx = Context(target, manifest, rd,
                  open_source(str(world["source"]), manifest["source"]["commit"]))
    mech = mechanisms.get("pull-request")
    plan = mech.plan(ctx)
    work = tmp_path / "racer"
    git("clone", "-q", str(bare), str(work))
    git("checkout", "-qb", "skillsync/1.0.0", cwd=work)
    (work / "mine.txt").write_text("mine\n")
    git("add", "mine.txt", cwd=work)
    git("commit", "-qm", "mine", cwd=work)
    git("push", "-q", "origin", "skillsync/1.0.0", cwd=work)
    theirs = git("--git-dir", str(bare), "rev-parse", "skillsync/1.0.0")
    with pytest.raises(TargetError, match="push"):
        mech.apply(ctx, plan)
    mech.close()
    assert git("--git-dir", str(bare), "rev-parse", "skillsync/1.0.0") == theirs


def test_submodule_pointer_moves_to_release_commit_on_its_remote(world: dict) -> None:
    mono = add_target(world, "mono", "submodule", files={"README.md": "mono\n"},
                      submodule="{path: vendor/skills, via: push}", accept_major="true")
    add_submodule(mono, world["source"], "v1.0.0")
    out = sync(world, "v1.1.0", "r1")
    assert out["results"]["mono"].status == "synced", out["results"]["mono"].message
    want = json.loads(world["v1.1.0"].read_text())["source"]["commit"]
    entry = git("--git-dir", str(mono), "ls-tree", "main", "vendor/skills").split()
    assert entry[0] == "160000" and entry[2] == want
    # the pointer resolves on the submodule's own remote
    assert git("cat-file", "-t", want, cwd=world["source"]) == "commit"
    again = sync(world, "v1.1.0", "r2")
    assert again["results"]["mono"].status == "no-op"


def test_submodule_refuses_dangling_pointer(world: dict, tmp_path: Path) -> None:
    other = make_repo(tmp_path / "elsewhere", {"x": "y\n"})
    mono = add_target(world, "mono", "submodule", files={"README.md": "mono\n"},
                      submodule="{path: vendor/skills, via: push}")
    add_submodule(mono, world["source"], "v1.0.0")
    # point .gitmodules at a repository that does not have the release commit
    work = tmp_path / "mono.fix"
    git("clone", "-q", str(mono), str(work))
    (work / ".gitmodules").write_text(
        f'[submodule "skills"]\n\tpath = vendor/skills\n\turl = {other}\n')
    git("commit", "-qam", "move url", cwd=work)
    git("push", "-q", "origin", "main", cwd=work)
    head = git("--git-dir", str(mono), "rev-parse", "main")
    out = sync(world, "v1.1.0", "r1")
    assert out["results"]["mono"].status == "halted"
    assert "not on the submodule's remote" in out["results"]["mono"].message
    assert git("--git-dir", str(mono), "rev-parse", "main") == head


def test_sync_script_exit_codes_and_pipe(world: dict) -> None:
    add_target(world, "down")
    (world["targets"] / "gone.yaml").write_text(target_yaml("gone", world["root"] / "nope.git"))
    manifest = world["v1.0.0"].read_text()
    res = run_script("sync", "--manifest", "-", "--targets", str(world["targets"]),
                     "--run-dir", str(world["root"] / "runs" / "cli"), input=manifest,
                     env={"SKILLSYNC_CACHE": str(world["root"] / "cache")})
    assert res.returncode == 1, res.stderr
    summary = json.loads(res.stdout)
    statuses = {t["id"]: t["status"] for t in summary["targets"]}
    assert statuses == {"down": "synced", "gone": "failed"}
    assert "Traceback" not in res.stderr
    one = run_script("sync-target", "--target", "down", "--manifest", str(world["v1.0.0"]),
                     "--targets", str(world["targets"]), "--run-dir",
                     str(world["root"] / "runs" / "one"),
                     env={"SKILLSYNC_CACHE": str(world["root"] / "cache")})
    assert one.returncode == 0 and json.loads(one.stdout)["status"] == "no-op"
    bad = run_script("sync-target", "--target", "nobody", "--manifest", str(world["v1.0.0"]),
                     "--targets", str(world["targets"]))
    assert bad.returncode == 2 and "nobody" in bad.stderr and "Traceback" not in bad.stderr


def test_major_release_halts_unless_opted_in(world: dict) -> None:
    add_target(world, "cautious")
    add_target(world, "bold", accept_major="true")
    sync(world, "v1.1.0", "r1")
    out = sync(world, "v2.0.0", "r2")
    assert out["results"]["cautious"].status == "halted"
    assert out["results"]["bold"].status == "synced"
    assert out["code"] == 3
    out = sync(world, "v2.0.0", "r3", allow_major=True)
    assert out["results"]["cautious"].status == "synced"


def test_log_lines_validate_against_schema(world: dict) -> None:
    import jsonschema

    add_target(world, "down")
    add_target(world, "prt", "pull-request", risk="medium")
    out = sync(world, "v1.0.0", "r1")
    schemas = Path(__file__).parent.parent / "schemas"
    schema = json.loads((schemas / "log-event.schema.json").read_text())
    plan_schema = json.loads((schemas / "plan.schema.json").read_text())
    events = list(out["run"].events())
    assert len(events) > 5
    for e in events:
        jsonschema.validate(e, schema)
    for p in (out["run"].path / "plans").glob("*.json"):
        jsonschema.validate(json.loads(p.read_text()), plan_schema)


def test_changed_selection_is_not_answered_from_the_cache(world: dict) -> None:
    bare = add_target(world, "down", skills='["alpha"]')
    sync(world, "v1.0.0", "r1")
    assert ".agents/skills/beta/SKILL.md" not in downstream(bare)
    (world["targets"] / "down.yaml").write_text(
        (world["targets"] / "down.yaml").read_text().replace('["alpha"]', '["*"]'))
    out = sync(world, "v1.0.0", "r2")
    assert out["results"]["down"].status == "synced"
    assert ".agents/skills/beta/SKILL.md" in downstream(bare)


def test_skills_cli_lock_entries_stay_correct(world: dict, tmp_path: Path) -> None:
    from skillsync import skills_cli_lock as skills_lock

    other = {"source": "someone/else", "sourceType": "github", "computedHash": "ab" * 32}
    lock = {"version": 1, "skills": {"other": other,
                                      "alpha": {"source": "x", "sourceType": "local",
                                                "computedHash": "00" * 32}}}
    bare = add_target(world, "down", files={"README.md": "x\n",
                                            "skills-lock.json": json.dumps(lock, indent=2) + "\n"})
    sync(world, "v1.0.0", "r1")
    new = json.loads(downstream(bare)["skills-lock.json"])
    assert new["skills"]["other"] == other
    # independent check: the CLI's folder walk over the released skill folder
    export = tmp_path / "export"
    export.mkdir()
    archive = subprocess.run(["git", "-C", str(world["source"]), "archive", "v1.0.0"],
                             capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(export)], input=archive, check=True)
    for name in ("alpha", "beta"):
        assert new["skills"][name]["computedHash"] == skills_lock.hash_folder(
            export / "skills" / name)
        assert new["skills"][name]["sourceType"] == "local"
    again = sync(world, "v1.0.0", "r2")
    assert again["results"]["down"].status == "no-op"


def test_unwritable_run_dir_fails_before_touching_any_target(world: dict, tmp_path: Path) -> None:
    bare = add_target(world, "down")
    before = repo_state(bare)
    # A regular file where the run directory's parent should be: no write can
    # succeed there, even as root (CI runs as root, so permission bits prove nothing).
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    res = run_script("sync", "--manifest", str(world["v1.0.0"]), "--targets",
                     str(world["targets"]), "--run-dir", str(blocker / "run"))
    assert res.returncode == 2 and "not writable" in res.stderr
    assert repo_state(bare) == before


def test_dry_run_makes_no_http_write(world: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    from skillsync.devservers.github import FakeGitHub
    from skillsync.devservers.receivers import WebhookReceiver

    with FakeGitHub(token="t0ken-for-dry-run") as gh, WebhookReceiver("s3cret-hmac") as hook:
        monkeypatch.setenv("PR_TOKEN", "t0ken-for-dry-run")
        monkeypatch.setenv("HOOK_SECRET", "s3cret-hmac")
        add_target(world, "prt", "pull-request",
                   forge=f'{{api_url: "{gh.url}", repository: acme/x}}',
                   auth="{method: token, env: PR_TOKEN}")
        (world["targets"] / "hook.yaml").write_text(
            f'id: hook\nmechanism: webhook\nurl: "{hook.url}/hook"\n'
            "auth: {method: hmac, env: HOOK_SECRET}\n")
        out = sync(world, "v1.0.0", "dry", dry_run=True)
        assert {r.status for r in out["results"].values()} == {"planned"}
        assert gh.writes() == [] and hook.requests == []
        live = sync(world, "v1.0.0", "live")
        assert {r.status for r in live["results"].values()} == {"synced"}
        assert len(hook.deliveries) == 1 and gh.writes()


def test_noop_rerun_needs_no_clone_or_fetch(world: dict) -> None:
    add_target(world, "down")
    first = sync(world, "v1.0.0", "r1")
    git_work = first["results"]["down"].data["git"]
    assert git_work["fetches"] >= 1 and git_work["pushes"] == 1
    again = sync(world, "v1.0.0", "r2")
    assert again["results"]["down"].data["git"] == {"ls_remote": 1, "clones": 0,
                                                     "fetches": 0, "pushes": 0}


def test_canary_is_read_back_in_full_later_waves_by_ref(world: dict) -> None:
    add_target(world, "canary")
    add_target(world, "later", risk="high")
    out = sync(world, "v1.0.0", "r1")
    assert out["results"]["canary"].data["verified"] is True      # fresh fetch, every blob
    assert out["results"]["later"].data["verified"] == "ref"      # branch == pushed commit
    assert out["results"]["canary"].data["git"]["fetches"] > out["results"]["later"].data[
        "git"]["fetches"]


def test_older_release_is_not_a_silent_downgrade(world: dict) -> None:
    bare = add_target(world, "down")
    sync(world, "v1.1.0", "r1")
    head = git("--git-dir", str(bare), "rev-parse", "main")
    out = sync(world, "v1.0.0", "r2")
    assert out["results"]["down"].status == "halted"
    assert "refusing to downgrade" in out["results"]["down"].message
    assert git("--git-dir", str(bare), "rev-parse", "main") == head
    out = sync(world, "v1.0.0", "r3", allow_downgrade=True)
    assert out["results"]["down"].status == "synced"
