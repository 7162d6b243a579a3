"""fleet-status on a real fleet: every status from real downstream repositories, synced by
the real engine, with pull requests on the loopback GitHub-compatible server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import git, isolate, make_bare_remote, make_repo, run_script
from engine_fixtures import make_source, repo_state, target_yaml
from skillsync.devservers.github import FakeGitHub
from skillsync.devservers.receivers import WebhookReceiver
from skillsync.forge import GitHub
from skillsync.manifest import build_manifest
from skillsync.runlog import RunDir
from skillsync.status import Options, fleet_status, markdown, table
from skillsync.sync import Options as SyncOptions
from skillsync.sync import run_sync
from skillsync.targets import load_targets

TOKEN = "ghp_statusCanaryToken0123456789"


def _push_edit(bare: Path, path: str, content: str, work: Path) -> None:
    """A person edits a synced file downstream and pushes it."""
    git("clone", "-q", str(bare), str(work))
    (work / path).write_text(content)
    git("commit", "-q", "-am", "local edit", cwd=work)
    git("push", "-q", "origin", "main", cwd=work)


def _with_gitlink(tmp: Path, name: str, pointer: str, url: str) -> Path:
    work = make_repo(tmp / f"{name}.work", {"README.md": f"# {name}\n"})
    (work / ".gitmodules").write_text(
        f'[submodule "skills"]\n\tpath = vendor/skills\n\turl = {url}\n')
    git("add", ".gitmodules", cwd=work)
    git("update-index", "--add", "--cacheinfo", f"160000,{pointer},vendor/skills", cwd=work)
    git("commit", "-q", "-m", "add submodule", cwd=work)
    bare = tmp / f"{name}.git"
    git("clone", "-q", "--bare", str(work), str(bare))
    return bare


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Source v1.0.0 / v1.1.0 / v2.0.0, a fleet synced through three runs, then read once."""
    root = tmp_path_factory.mktemp("status")
    with pytest.MonkeyPatch.context() as mp, FakeGitHub(token=TOKEN) as gh, \
            WebhookReceiver() as hook:
        isolate(mp, root / "home")
        mp.setenv("SKILLSYNC_CACHE", str(root / "cache"))
        mp.setenv("PRT_TOKEN", TOKEN)
        src = make_source(root)
        manifests = {ref: build_manifest(str(src), ref) for ref in ("v1.0.0", "v1.1.0", "v2.0.0")}
        tdir = root / "targets"
        tdir.mkdir()
        bares: dict[str, Path] = {}

        def add(tid: str, mechanism: str = "push", *, url: bool = False, **extra: object) -> None:
            bares[tid] = make_bare_remote(root, tid, {"README.md": "downstream\n"})
            # Local paths are read in place; file:// URLs take the path a hosted remote
            # takes (ls-remote, shallow blob-less clone, lazy fetch of the lock blob).
            repo = f"file://{bares[tid]}" if url else bares[tid]
            (tdir / f"{tid}.yaml").write_text(target_yaml(tid, repo, mechanism, **extra))

        add("cur", accept_major="true")
        add("behind")
        add("drift", url=True)
        add("behind-url", url=True)
        forge = f'{{api_url: "{gh.url}", repository: acme/prt}}'
        add("prt", "pull-request", url=True, forge=forge,
            auth="{method: token, env: PRT_TOKEN}")
        add("prc", "pull-request", forge=forge.replace("acme/prt", "acme/prc"),
            auth="{method: token, env: PRT_TOKEN}")
        add("prb", "pull-request")
        add("fresh")
        add("retired", enabled="false")
        add("nobranch")
        (tdir / "nobranch.yaml").write_text(target_yaml("nobranch", bares["nobranch"])
                                            .replace("branch: main", "branch: release"))
        (tdir / "gone.yaml").write_text(target_yaml("gone", root / "does-not-exist.git"))
        (tdir / "hook.yaml").write_text(f'id: hook\nmechanism: webhook\nurl: "{hook.url}/h"\n')
        (tdir / "hook-never.yaml").write_text(
            f'id: hook-never\nmechanism: webhook\nurl: "{hook.url}/n"\n')
        v110 = manifests["v1.1.0"]["source"]["commit"]
        bares["sub"] = _with_gitlink(root, "sub", v110, str(src))
        (tdir / "sub.yaml").write_text(target_yaml("sub", f"file://{bares['sub']}", "submodule")
                                       + "submodule: {path: vendor/skills, via: push}\n")

        targets = {t.id: t for t in load_targets(tdir)}

        def sync(ref: str, run: str, ids: list[str]) -> None:
            rd = RunDir(root / "runs" / run).create()
            run_sync(manifests[ref], [targets[i] for i in ids], rd, SyncOptions(jobs=4))

        sync("v1.0.0", "r1", ["cur", "behind", "behind-url", "drift", "prt", "prc", "prb"])
        sync("v1.1.0", "r2", ["cur", "drift", "hook"])
        sync("v2.0.0", "r3", ["cur"])
        gh.close_pull("acme/prc", gh.pulls("acme/prc")[0].number)
        _push_edit(bares["drift"], ".agents/skills/alpha/SKILL.md", "edited downstream\n",
                   root / "drift-edit")

        before = {tid: repo_state(b) for tid, b in bares.items()}
        calls_before = len(gh.requests)
        opts = Options(source=str(src), runs=root / "runs", jobs=4)
        doc = fleet_status(list(targets.values()), opts)
        after = {tid: repo_state(b) for tid, b in bares.items()}
        yield {
            "root": root, "src": src, "tdir": tdir, "bares": bares, "gh": gh,
            "doc": doc, "rows": {r["id"]: r for r in doc["targets"]}, "opts": opts,
            "targets": targets, "before": before, "after": after,
            "forge_writes": [r for r in gh.requests[calls_before:]
                             if r.method in ("POST", "PATCH", "PUT", "DELETE")],
            "manifests": manifests,
        }


def test_current_target_holds_the_newest_release(fleet: dict) -> None:
    row = fleet["rows"]["cur"]
    assert row["status"] == "current"
    assert row["release"] == "2.0.0" and row["behind"] == 0 and row["newest"] == "2.0.0"
    assert row["source_commit"] == fleet["manifests"]["v2.0.0"]["source"]["commit"]
    assert row["head"] == git("--git-dir", str(fleet["bares"]["cur"]), "rev-parse", "main")
    assert row["last_run"]["run"] == "r3" and row["last_run"]["status"] == "synced"
    assert row["drift"] == []


def test_behind_counts_the_releases_it_misses(fleet: dict) -> None:
    for tid in ("behind", "behind-url"):       # read in place, and through a transport
        row = fleet["rows"][tid]
        assert row["status"] == "behind"
        assert row["release"] == "1.0.0" and row["behind"] == 2
        assert "holds 1.0.0, newest is 2.0.0" in row["reason"]
        assert row["last_run"]["run"] == "r1"


def test_drifted_lists_the_files_changed_downstream(fleet: dict) -> None:
    row = fleet["rows"]["drift"]
    assert row["status"] == "drifted"
    assert row["drift"] == [".agents/skills/alpha/SKILL.md"]
    assert row["release"] == "1.1.0"
    assert ".agents/skills/alpha/SKILL.md" in row["reason"]


def test_pending_pull_request_from_the_forge(fleet: dict) -> None:
    row = fleet["rows"]["prt"]
    assert row["status"] == "pending-pr"
    pr = row["pull_request"]
    assert pr["via"] == "forge" and pr["state"] == "open" and pr["number"] == 1
    assert pr["branch"] == "skillsync/1.0.0" and pr["version"] == "1.0.0"
    assert row["release"] is None          # the main branch holds nothing until merge
    assert fleet["forge_writes"] == []     # status never writes to the forge


def test_closed_pull_request_is_reported_not_pending(fleet: dict) -> None:
    row = fleet["rows"]["prc"]
    assert row["status"] == "never-synced"
    assert row["pull_request"]["state"] == "closed"
    assert "closed unmerged" in row["reason"]


def test_pending_pull_request_from_the_branch_without_forge(fleet: dict) -> None:
    row = fleet["rows"]["prb"]
    assert row["status"] == "pending-pr"
    assert row["pull_request"]["via"] == "branch"
    assert row["pull_request"]["branch"] == "skillsync/1.0.0"
    assert "branch skillsync/1.0.0" in row["reason"]


def test_unreachable_says_why_in_one_line(fleet: dict) -> None:
    gone = fleet["rows"]["gone"]
    assert gone["status"] == "unreachable"
    assert gone["reason"].startswith("remote unreachable: ")
    assert "\n" not in gone["reason"]
    nobranch = fleet["rows"]["nobranch"]
    assert nobranch["status"] == "unreachable"
    assert nobranch["reason"] == "branch release not found on the remote"


def test_never_synced_and_disabled(fleet: dict) -> None:
    assert fleet["rows"]["fresh"]["status"] == "never-synced"
    assert fleet["rows"]["fresh"]["release"] is None
    off = fleet["rows"]["retired"]
    assert off["status"] == "disabled" and off["head"] is None


def test_submodule_pointer_is_named_by_its_release_tag(fleet: dict) -> None:
    row = fleet["rows"]["sub"]
    assert row["status"] == "behind"
    assert row["release"] == "1.1.0" and row["behind"] == 1


def test_webhook_last_delivered_release_comes_from_the_runs(fleet: dict) -> None:
    row = fleet["rows"]["hook"]
    assert row["status"] == "behind" and row["release"] == "1.1.0" and row["behind"] == 1
    assert "last delivered 1.1.0 in run r2" in row["reason"]
    assert fleet["rows"]["hook-never"]["status"] == "never-synced"


def test_reading_status_writes_nothing_to_any_target(fleet: dict) -> None:
    assert fleet["before"] == fleet["after"]


def test_counts_and_source_releases(fleet: dict) -> None:
    doc = fleet["doc"]
    assert doc["source"]["releases"] == ["1.0.0", "1.1.0", "2.0.0"]
    assert doc["source"]["newest"] == {"stable": "2.0.0", "prerelease": "2.0.0"}
    assert doc["counts"] == {"unreachable": 2, "drifted": 1, "pending-pr": 2, "behind": 4,
                             "never-synced": 3, "current": 1, "disabled": 1}


def test_unchanged_heads_are_answered_from_the_cache(fleet: dict,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SKILLSYNC_CACHE", str(fleet["root"] / "cache"))
    monkeypatch.setenv("PRT_TOKEN", TOKEN)
    again = fleet_status(list(fleet["targets"].values()), fleet["opts"])
    rows = {r["id"]: r for r in again["targets"]}
    for tid in ("behind-url", "drift", "prt", "sub"):        # remote: one ls-remote each
        assert rows[tid]["cached"], tid
        assert rows[tid]["status"] == fleet["rows"][tid]["status"]
    for tid in ("cur", "behind", "fresh"):                   # local: read in place, no cache
        assert not rows[tid]["cached"], tid
        assert rows[tid]["status"] == fleet["rows"][tid]["status"]


def test_a_moved_head_is_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SKILLSYNC_CACHE", str(tmp_path / "cache"))
    src = make_source(tmp_path)
    bare = make_bare_remote(tmp_path, "down")
    tdir = tmp_path / "targets"
    tdir.mkdir()
    (tdir / "down.yaml").write_text(target_yaml("down", f"file://{bare}"))
    targets = load_targets(tdir)
    run_sync(build_manifest(str(src), "v1.1.0"), targets, RunDir(tmp_path / "runs" / "r").create(),
             SyncOptions())
    opts = Options(source=str(src), runs=tmp_path / "runs")
    first = fleet_status(targets, opts)["targets"][0]
    assert first["status"] == "behind" and not first["cached"]
    _push_edit(bare, ".agents/skills/gamma/SKILL.md", "mine now\n", tmp_path / "edit")
    second = fleet_status(targets, opts)["targets"][0]
    assert second["status"] == "drifted" and not second["cached"]
    assert second["drift"] == [".agents/skills/gamma/SKILL.md"]


def test_markdown_and_table_render_every_target(fleet: dict) -> None:
    md = markdown(fleet["doc"])
    assert md.startswith("## skillsync fleet status\n")
    for tid in fleet["rows"]:
        assert f"| `{tid}` |" in md
    assert "newest release **2.0.0**" in md
    assert "### Drift" in md and "`.agents/skills/alpha/SKILL.md`" in md
    assert md == markdown(fleet["doc"])     # deterministic: no timestamp in the body
    # attention first: unreachable rows precede current ones
    assert md.index("| `gone` |") < md.index("| `cur` |")
    txt = table(fleet["doc"])
    assert txt.splitlines()[0].split()[:3] == ["target", "mechanism", "status"]
    assert "14 target(s)" in txt


def test_script_json_md_exit_codes_and_no_token_anywhere(fleet: dict) -> None:
    args = ["--targets", str(fleet["tdir"]), "--source", str(fleet["src"]),
            "--runs", str(fleet["root"] / "runs")]
    env = {"PRT_TOKEN": TOKEN, "SKILLSYNC_CACHE": str(fleet["root"] / "cache")}
    proc = run_script("fleet-status", *args, env=env)
    assert proc.returncode == 1, proc.stderr          # two targets are unreachable
    doc = json.loads(proc.stdout)                     # JSON when stdout is not a terminal
    assert doc["schema"] == "skillsync.fleet-status/v1"
    assert {r["id"]: r["status"] for r in doc["targets"]} == \
        {tid: r["status"] for tid, r in fleet["rows"].items()}
    assert proc.stderr.startswith("fleet-status: 14 target(s)")
    assert TOKEN not in proc.stdout + proc.stderr
    out = fleet["root"] / "fleet.md"
    proc = run_script("fleet-status", *args, "--only", "cur", "behind", "--format", "md",
                      "-o", str(out), env=env)
    assert proc.returncode == 0 and proc.stdout == ""
    assert "| `cur` |" in out.read_text() and "| `drift` |" not in out.read_text()


def test_script_bad_input_is_one_line_exit_2(tmp_path: Path) -> None:
    proc = run_script("fleet-status", "--targets", str(tmp_path / "nope"))
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"fleet-status: error: {tmp_path / 'nope'}: targets directory not found"]
    proc = run_script("fleet-status", "--format", "xml")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


# -- the fleet dashboard (one issue in the source repository) ---------------------------------


def test_dashboard_issue_is_created_once_then_edited_never_duplicated(fleet: dict) -> None:
    gh = fleet["gh"]
    status_file = fleet["root"] / "status.json"
    status_file.write_text(json.dumps(fleet["doc"]))
    env = {"GITHUB_TOKEN": TOKEN, "GITHUB_REPOSITORY": "acme/skills",
           "GITHUB_API_URL": gh.url}

    def publish(*extra: str) -> dict:
        proc = run_script("dashboard", "--status", str(status_file), *extra, env=env)
        assert proc.returncode == 0, proc.stderr
        assert TOKEN not in proc.stdout + proc.stderr
        return json.loads(proc.stdout)

    dry = publish("--dry-run")
    assert dry["action"] == "would-create" and gh.issues("acme/skills") == []
    first = publish()
    assert first["action"] == "created"
    [issue] = gh.issues("acme/skills")
    assert issue.number == first["number"] and issue.labels == ["skillsync-dashboard"]
    assert issue.body.startswith("<!-- skillsync:fleet-dashboard -->\n")
    assert "| `drift` | push | drifted |" in issue.body
    assert publish()["action"] == "unchanged"              # same fleet: no edit at all
    writes = len(gh.writes())
    doc = json.loads(status_file.read_text())
    doc["targets"] = [t for t in doc["targets"] if t["id"] != "gone"]
    status_file.write_text(json.dumps(doc))
    edited = publish()
    assert edited["action"] == "updated" and edited["number"] == first["number"]
    assert len(gh.writes()) == writes + 1
    [issue] = gh.issues("acme/skills")
    assert "| `gone` |" not in issue.body
    # A person closes it: the next run reopens the same issue rather than opening another.
    gh.repo("acme/skills").items[issue.number].state = "closed"
    assert publish()["action"] == "reopened"
    assert [i.state for i in gh.issues("acme/skills")] == ["open"]
    # A racing run (or a person) made a second one: it is closed as a duplicate.
    with GitHub(gh.url, TOKEN) as client:
        dup = client.create_issue("acme/skills", "copy", issue.body, ["skillsync-dashboard"])
    again = publish()
    assert again["number"] == first["number"] and again["closed_duplicates"] == [dup["number"]]
    assert [(i.number, i.state) for i in gh.issues("acme/skills")] == \
        [(first["number"], "open"), (dup["number"], "closed")]


def test_dashboard_without_github_environment_is_skipped(fleet: dict) -> None:
    status_file = fleet["root"] / "status-skip.json"
    status_file.write_text(json.dumps(fleet["doc"]))
    proc = run_script("dashboard", "--status", str(status_file))
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["action"] == "skipped"
    assert "GITHUB_TOKEN, GITHUB_REPOSITORY not set" in proc.stderr


def test_dashboard_bad_token_is_one_line_exit_1(fleet: dict) -> None:
    status_file = fleet["root"] / "status-bad.json"
    status_file.write_text(json.dumps(fleet["doc"]))
    env = {"GITHUB_TOKEN": "ghp_wrongTokenForTheDashboard000", "GITHUB_REPOSITORY": "acme/x",
           "GITHUB_API_URL": fleet["gh"].url}
    proc = run_script("dashboard", "--status", str(status_file), env=env)
    assert proc.returncode == 1
    [line] = proc.stderr.strip().splitlines()
    assert line.startswith("dashboard: error: GET /repos/acme/x/issues: HTTP 401")
    assert "ghp_wrongTokenForTheDashboard000" not in proc.stderr


def test_fleet_read_token_stands_in_for_an_unset_target_variable(fleet: dict) -> None:
    prt = [fleet["targets"]["prt"]]
    base = fleet["opts"]
    alone = fleet_status(prt, Options(source=base.source, runs=base.runs, env={}))
    pr = alone["targets"][0]["pull_request"]
    assert pr["via"] == "branch" and pr["note"] == "forge not asked: PRT_TOKEN is not set"
    shared = fleet_status(prt, Options(source=base.source, runs=base.runs,
                                       env={"FLEET_READ_TOKEN": TOKEN},
                                       fallback_token_env="FLEET_READ_TOKEN"))
    pr = shared["targets"][0]["pull_request"]
    assert pr["via"] == "forge" and pr["state"] == "open"
    proc = run_script("fleet-status", "--targets", str(fleet["tdir"]), "--token-env", TOKEN)
    assert proc.returncode == 2 and TOKEN not in proc.stderr
    assert "must be the NAME of an environment variable" in proc.stderr


def test_remote_read_fetches_trees_and_the_lock_blob_only(fleet: dict,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Never a full clone: after the read, the only blob in the scratch clone is the lock."""
    from skillsync.mechanisms.gitbase import GitMechanism

    seen: dict[str, Any] = {}
    real = GitMechanism._read

    def spy(self: Any, t: Any, repo: Any, head: str) -> Any:
        held = real(self, t, repo, head)
        gd = str(repo.git_dir)
        listing = git("--git-dir", gd, "rev-list", "--objects", "--missing=print", head)
        seen["missing"] = [ln[1:] for ln in listing.splitlines() if ln.startswith("?")]
        seen["present_blobs"] = [
            ln.split()[1] for ln in listing.splitlines()
            if not ln.startswith("?") and " " in ln
            and git("--git-dir", gd, "cat-file", "-t", ln.split()[0]) == "blob"]
        return held

    monkeypatch.setattr(GitMechanism, "_read", spy)
    monkeypatch.setenv("SKILLSYNC_CACHE", str(fleet["root"] / "cache-spy"))
    row = fleet_status([fleet["targets"]["behind-url"]], fleet["opts"])["targets"][0]
    assert row["status"] == "behind" and not row["cached"]
    assert seen["present_blobs"] == [".agents/skills/.skillsync-lock.json"]
    assert len(seen["missing"]) >= 5          # every synced file's blob stayed on the remote
