"""Run-directory files are untrusted input (issue 12, RELIABILITY 36): every plan,
result, snapshot, rollback record, routes.json, matrix.json, run.json and
targets.json read back is checked against its schema, and a bad one is exit 2 with
one line naming the file and the JSON path, through the real scripts; never 70,
never a traceback. Also: the files our own code writes all pass those checks, and
`-o FILE` at an impossible path is exit 2 for every script."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT, isolate, run_script
from engine_fixtures import add_submodule, repo_state, target_yaml
from mutations import mutate
from safety_fixtures import add_target, manifest_of, script_env, source, sync
from skillsync import artifacts, matrix, rollback
from skillsync.fsutil import write_json
from skillsync.mechanisms.base import RESULT_STATUSES
from skillsync.runlog import RunDir
from skillsync.targets import load_targets

__all__ = ["source"]  # fixture


# -- one real run, built once per module (tests copy it, then tamper with the copy) ---------------
@pytest.fixture(scope="module")
def real(source: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    root = tmp_path_factory.mktemp("real")
    with pytest.MonkeyPatch.context() as mp:
        isolate(mp, root / "home")
        mp.setenv("SKILLSYNC_CACHE", str(root / "cache"))
        (root / "targets").mkdir()
        w = {**source, "root": root, "targets": root / "targets", "source": source["path"]}
        down = add_target(w, "down")
        add_target(w, "prt", "pull-request")
        sync(w, "v1.0.0", "first")
        out = sync(w, "v1.1.0", "real")
        run = out["run"]
        routes = json.loads((run.path / "routes.json").read_text())
        write_json(run.path / "matrix.json", matrix.plan_matrix(routes).as_dict())
        outcomes = rollback.rollback_run(run, load_targets(w["targets"]), ["down"])
        assert [o.status for o in outcomes] == ["rolled-back"], outcomes
        yield {**w, "run": run.path, "down": down}


@pytest.fixture
def run_dir(real: dict, tmp_path: Path) -> Path:
    """A private copy of the real run directory."""
    dst = tmp_path / "real"
    shutil.copytree(real["run"], dst)
    return dst


def edit(path: Path, change: Callable[[Any], Any]) -> None:
    data = json.loads(path.read_text()) if path.exists() else None
    path.write_text(json.dumps(change(data)))


def assert_refused(res: Any, *needles: str) -> None:
    """Exit 2, one line on stderr naming what is wrong, no traceback."""
    assert res.returncode == 2, (res.returncode, res.stderr)
    assert "Traceback" not in res.stderr and "internal error" not in res.stderr, res.stderr
    assert res.stderr.count("\n") == 1, res.stderr
    for needle in needles:
        assert needle in res.stderr, (needle, res.stderr)


def assert_fails_last(res: Any, needle: str) -> None:
    """Exit 2 with one error line, the last on stderr (progress lines may come before)."""
    assert res.returncode == 2, (res.returncode, res.stderr)
    assert "Traceback" not in res.stderr and "internal error" not in res.stderr, res.stderr
    lines = res.stderr.splitlines()
    assert needle in lines[-1] and sum("error:" in ln for ln in lines) == 1, res.stderr


def with_(**changes: Any) -> Callable[[Any], Any]:
    return lambda data: {**data, **changes}


def without(key: str) -> Callable[[Any], Any]:
    return lambda data: {k: v for k, v in data.items() if k != key}


def deep(depth: int = 100_000) -> str:
    return "[" * depth + "]" * depth


# -- the schemas are the engine's own rules ------------------------------------------------------
def test_result_statuses_and_target_id_rule_match_the_engine() -> None:
    result = artifacts.schema("result.schema.json")
    assert set(result["properties"]["status"]["enum"]) == {*RESULT_STATUSES, "unknown"}
    target_id = json.loads((ROOT / "schemas/target.schema.json").read_text())[
        "properties"]["id"]["pattern"]
    assert target_id == f"^{artifacts.TARGET_ID.pattern}$"
    for name in ("result", "routes", "snapshot", "rollback", "targets-meta"):
        text = (ROOT / "schemas" / f"{name}.schema.json").read_text()
        assert json.dumps(target_id) in text, name
    # one copy of each schema: the package's schemas/ is the repository's schemas/
    assert (ROOT / "src/skillsync/schemas").resolve() == (ROOT / "schemas").resolve()


def test_every_file_a_real_run_writes_passes_its_own_check(
        source: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """push, pull-request (with a forge), submodule, webhook, a disabled and a broken
    target; a dry run; route-targets, matrix-chunks, snapshot and rollback output."""
    from skillsync.devservers import FakeGitHub, WebhookReceiver

    monkeypatch.setenv("SKILLSYNC_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("PRT_TOKEN", "prt-token")
    (tmp_path / "targets").mkdir()
    w = {**source, "root": tmp_path, "targets": tmp_path / "targets", "source": source["path"]}
    with FakeGitHub(token="prt-token") as gh, WebhookReceiver() as hook:
        add_target(w, "down")
        add_target(w, "prt", "pull-request", auth="{method: token, env: PRT_TOKEN}",
                   forge=f"{{api_url: '{gh.url}', repository: acme/prt}}")
        mono = add_target(w, "mono", "submodule", files={"README.md": "mono\n"},
                          submodule="{path: vendor/skills, via: push}")
        add_submodule(mono, w["source"], "v1.0.0")
        (w["targets"] / "portal.yaml").write_text(
            f"id: portal\nmechanism: webhook\nurl: {hook.url}/hook\nrisk: high\n")
        (w["targets"] / "paused.yaml").write_text(target_yaml("paused", tmp_path / "x.git",
                                                              enabled="false"))
        (w["targets"] / "gone.yaml").write_text(target_yaml("gone", tmp_path / "missing.git",
                                                            risk="medium"))
        sync(w, "v1.0.0", "r1")
        live = sync(w, "v1.1.0", "r2")
        statuses = {tid: r.status for tid, r in live["results"].items()}
        assert statuses == {"down": "synced", "prt": "synced", "mono": "synced",
                            "portal": "synced", "paused": "skipped", "gone": "failed"}
        sync(w, "v1.1.0", "dry", dry_run=True)
        r2 = live["run"].path
        env = script_env(w)
        for args in (
            ["route-targets", "--manifest", str(w["v1.1.0"]), "--all",
             "-o", str(r2 / "routes.json")],
            ["matrix-chunks", "--routes", str(r2 / "routes.json"), "-o", str(r2 / "matrix.json")],
            ["snapshot", "--manifest", str(w["v1.1.0"]), "--run-dir", str(tmp_path / "snaps")],
        ):
            res = run_script(*args, "--targets", str(w["targets"]), env=env)
            assert res.returncode in (0, 1), res.stderr
        outcomes = rollback.rollback_run(live["run"], load_targets(w["targets"]),
                                         rollback.synced_ids(live["run"]))
        assert {o.target for o in outcomes} == {"down", "prt", "mono", "portal"}
    kinds: dict[str, int] = {}
    for run in [*sorted((tmp_path / "runs").iterdir()), tmp_path / "snaps"]:
        for p in sorted(run.rglob("*.json")):
            kind = artifacts.kind_of(p.relative_to(run).as_posix())
            if kind == "routes":
                artifacts.check_routes(json.loads(p.read_text()), str(p))
            elif kind is not None:
                artifacts.load(p, kind)
            if kind:
                kinds[kind] = kinds.get(kind, 0) + 1
    # every kind our code writes was seen (targets.json has no writer of ours)
    assert set(kinds) == set(artifacts.KINDS) - {"targets"}, kinds


# -- garbage through the real scripts -----------------------------------------------------------
# (file, how it is tampered with, what stderr must name). Each is fed to `report`.
REPORT_CASES: list[tuple[str, str, Callable[[Any], Any] | str, str]] = [
    ("result-status", "results/down.json", with_(status="pwned"),
     "results/down.json#/status: 'pwned' is not one of"),
    ("result-missing-key", "results/down.json", without("status"),
     "results/down.json: 'status' is a required property"),
    ("result-wrong-type", "results/down.json",
     lambda d: {**d, "changes": {**d["changes"], "add": "5"}},
     "results/down.json#/changes/add: '5' is not of type 'integer'"),
    ("result-extra-nesting", "results/down.json", with_(message={"text": ["nested"]}),
     "results/down.json#/message: {'text': ['nested']} is not of type 'string'"),
    ("result-climbing-id", "results/down.json", with_(target="../x"),
     "results/down.json#/target: '../x' does not match"),
    ("result-newline-id", "results/down.json", with_(target="down\nsynced"),
     "results/down.json#/target: 'down\\nsynced' does not match"),
    ("result-other-target", "results/down.json", with_(target="prt"),
     "results/down.json#/target: names target 'prt', but the file is down.json"),
    ("result-newline-branch", "results/down.json", with_(branch="main\nevil"),
     "results/down.json#/branch"),
    ("result-not-an-object", "results/down.json", lambda d: [d],
     "results/down.json: [{"),
    ("result-too-deep", "results/down.json", deep(), "results/down.json: nested too deeply"),
    ("result-not-json", "results/down.json", '{\n  "target": "down",\n  oops\n}',
     "results/down.json:3: not valid JSON"),
    ("routes-decision", "routes.json", lambda d: [{**d[0], "decision": "pwned"}, *d[1:]],
     "routes.json#/0/decision: 'pwned' is not one of"),
    ("routes-climbing-id", "routes.json", lambda d: [*d, {"id": "../../x"}],
     "routes.json#/2/id: '../../x' does not match"),
    ("routes-twice", "routes.json", lambda d: [*d, d[0]],
     "routes.json#/2/id: target down is routed twice"),
    ("routes-nested", "routes.json", lambda d: {"routes": d},
     "routes.json: {'routes': "),
    ("run-id-newline", "run.json", with_(run_id="real\nSkillsync-Run: evil"),
     "run.json#/run_id: 'real\\nSkillsync-Run: evil' does not match"),
    ("run-id-missing", "run.json", without("run_id"), "run.json: 'run_id' is a required"),
    ("matrix-schema", "matrix.json", with_(schema="skillsync.matrix/v9"),
     "matrix.json#/schema: 'skillsync.matrix/v1' was expected"),
    ("matrix-entry-id", "matrix.json",
     lambda d: {**d, "canary": {"include": [{"id": "a/b", "wave": 0}]}},
     "matrix.json#/canary/include/0/id: 'a/b' does not match"),
    ("targets-meta-owner", "targets.json", lambda _: [{"id": "down", "owner": "x\ny"}],
     "targets.json#/0/owner: 'x\\ny' does not match"),
    ("manifest-shape-only", "manifest.json", lambda _: {"schema": "skillsync.manifest/v1"},
     "manifest.json: "),
]


@pytest.mark.parametrize("rel, change, needle",
                         [c[1:] for c in REPORT_CASES], ids=[c[0] for c in REPORT_CASES])
def test_report_refuses_a_tampered_file_naming_it_and_its_json_path(
        run_dir: Path, rel: str, change: Callable[[Any], Any] | str, needle: str) -> None:
    path = run_dir / rel
    if isinstance(change, str):
        path.write_text(change)
    else:
        edit(path, change)
    res = run_script("report", str(run_dir))
    assert_refused(res, f"{run_dir}/{needle}")
    assert not (run_dir / "summary.json").exists()   # nothing written


def test_plans_of_unfinished_targets_are_checked(run_dir: Path) -> None:
    # report reads a plan when its target has no result (a killed run)
    (run_dir / "results" / "down.json").unlink()
    edit(run_dir / "plans" / "down.json",
         lambda d: {**d, "operations": [{"op": "add", "path": "../../.github/workflows/x"}]})
    res = run_script("report", str(run_dir))
    assert_refused(res, "plans/down.json#/operations/0/path: path has a '..' component")
    edit(run_dir / "plans" / "down.json", with_(decision="pwned", operations=[]))
    assert_refused(run_script("report", str(run_dir)), "plans/down.json#/decision")


def test_a_hostile_file_name_is_refused_and_shown_escaped(run_dir: Path) -> None:
    shutil.copy(run_dir / "results" / "down.json", run_dir / "results" / "x\nsynced.json")
    res = run_script("report", str(run_dir))
    assert_refused(res, "x\\nsynced.json: file name is not a target id")


def test_non_utf8_and_symlinked_files_are_refused(run_dir: Path, tmp_path: Path) -> None:
    (run_dir / "results" / "down.json").write_bytes(b'{"target": "\xff"}')
    assert_refused(run_script("report", str(run_dir)), "results/down.json: not UTF-8 text")
    secret = tmp_path / "elsewhere.json"
    secret.write_text("{}")
    (run_dir / "results" / "down.json").unlink()
    (run_dir / "results" / "down.json").symlink_to(secret)
    assert_refused(run_script("report", str(run_dir)), "results/down.json: is a symlink")


SNAPSHOT_CASES: list[tuple[str, Callable[[Any], Any], str]] = [
    ("path-newline", lambda d: {**d, "files": {".agents/skills/x\n100644 y": {
        "mode": "100644", "blob": "0" * 40}}},
     "snapshots/down.json#/files/.agents~1skills~1x\\n100644 y: path contains a control"),
    ("mode", lambda d: {**d, "files": {k: {**v, "mode": "120000 x"}
                                       for k, v in d["files"].items()}},
     "is not one of ['100644', '100755', '120000', '160000']"),
    ("owned-climbs", with_(owned=["../../.github/workflows/evil.yml"]),
     "snapshots/down.json#/owned/0: path has a '..' component"),
    ("lock-trailer", lambda d: {**d, "lock": {**d["lock"], "version": "1.0.0\nSkillsync-Run: x"}},
     "snapshots/down.json#/lock/version"),
    ("missing-head", without("head"), "snapshots/down.json: 'head' is a required property"),
    ("blob", lambda d: {**d, "files": {k: {**v, "blob": "HEAD"} for k, v in d["files"].items()}},
     "'HEAD' does not match"),
]


@pytest.mark.parametrize("change, needle", [c[1:] for c in SNAPSHOT_CASES],
                         ids=[c[0] for c in SNAPSHOT_CASES])
def test_rollback_refuses_a_tampered_snapshot_before_touching_the_target(
        real: dict, run_dir: Path, change: Callable[[Any], Any], needle: str) -> None:
    edit(run_dir / "snapshots" / "down.json", change)
    state = repo_state(real["down"])
    res = run_script("rollback", "--run", str(run_dir), "--target", "down",
                     "--targets", str(real["targets"]), env=script_env(real))
    assert_refused(res, needle)
    assert repo_state(real["down"]) == state
    assert (run_dir / "rollbacks" / "down.json").read_text() == \
        (real["run"] / "rollbacks" / "down.json").read_text()


def test_rollback_checks_results_and_rollback_records(real: dict, run_dir: Path) -> None:
    args = ("rollback", "--run", str(run_dir), "--all-synced", "--dry-run",
            "--targets", str(real["targets"]))
    edit(run_dir / "rollbacks" / "down.json", with_(status="pwned"))
    assert_refused(run_script(*args, env=script_env(real)), "rollbacks/down.json#/status")
    shutil.copy(real["run"] / "rollbacks" / "down.json", run_dir / "rollbacks" / "down.json")
    edit(run_dir / "results" / "prt.json", with_(commit="not a commit"))
    assert_refused(run_script(*args, env=script_env(real)), "results/prt.json#/commit")


def test_rerun_failed_refuses_a_tampered_run(real: dict, run_dir: Path, tmp_path: Path) -> None:
    edit(run_dir / "results" / "down.json", with_(status="failed", target="../down"))
    res = run_script("sync", "--rerun-failed", str(run_dir), "--targets", str(real["targets"]),
                     "--run-dir", str(tmp_path / "again"), env=script_env(real))
    assert_refused(res, "results/down.json#/target")
    assert not (tmp_path / "again").exists()


def test_merge_runs_checks_a_part_before_copying_any_of_it(
        real: dict, run_dir: Path, tmp_path: Path) -> None:
    edit(run_dir / "snapshots" / "prt.json", with_(scope=[".git/hooks"]))
    into = tmp_path / "merged"
    res = run_script("merge-runs", "--into", str(into), str(run_dir), "--targets",
                     str(real["targets"]))
    assert_refused(res, "snapshots/prt.json#/scope/0: path names .git")
    assert not (into / "results").exists() and not (into / "snapshots").exists()
    # a log line that is JSON but no event is skipped, not a crash
    shutil.copy(real["run"] / "snapshots" / "prt.json", run_dir / "snapshots" / "prt.json")
    with open(run_dir / "log.jsonl", "a") as fh:
        fh.write("[1, 2]\n\"text\"\n")
    res = run_script("merge-runs", "--into", str(into), str(run_dir), "--targets",
                     str(real["targets"]))
    assert res.returncode == 0, res.stderr


def test_matrix_chunks_refuses_bad_routes_with_the_json_path(real: dict, tmp_path: Path) -> None:
    routes = tmp_path / "routes.json"
    routes.write_text(json.dumps({"include": [{"id": "down", "wave": "0"}]}))
    res = run_script("matrix-chunks", "--routes", str(routes), "--targets", str(real["targets"]))
    assert_refused(res, f"{routes}#/0/wave: '0' is not of type 'integer', 'null'")


def test_in_process_readers_raise_usage_errors_not_crashes(real: dict, run_dir: Path) -> None:
    from skillsync import report, snapshot
    from skillsync.errors import UsageError

    edit(run_dir / "snapshots" / "down.json", with_(dest=7))
    with pytest.raises(UsageError, match=r"snapshots/down\.json#/dest: 7 is not of type"):
        rollback.rollback_run(RunDir(run_dir), load_targets(real["targets"]), ["down"])
    with pytest.raises(UsageError, match=r"snapshots/down\.json#/dest"):
        snapshot.load(RunDir(run_dir), "down")
    (run_dir / "routes.json").write_text(deep())
    with pytest.raises(UsageError, match=r"routes\.json: nested too deeply"):
        report.summarize(RunDir(run_dir))


def test_unfinished_targets_come_from_matrix_json_too_and_pr_branches_are_read(
        real: dict, run_dir: Path) -> None:
    """A results file lost (a CI job's artifact never uploaded): the pull-request
    target's sync branch is at this run's commit, so it is unknown; the push target
    was rolled back since, so nothing of the run is there: not attempted."""
    from safety_fixtures import head
    from skillsync import report

    for tid in ("down", "prt"):
        (run_dir / "results" / f"{tid}.json").unlink()
    (run_dir / "routes.json").unlink()   # only the CI matrix names them now
    summary = report.summarize(RunDir(run_dir), load_targets(real["targets"]))
    rows = {t["id"]: t for t in summary["targets"]}
    sha = head(real["root"] / "prt.git", "skillsync/1.1.0")
    assert rows["prt"]["status"] == "unknown" and rows["prt"]["commit"] == sha
    assert rows["prt"]["branch"] == "skillsync/1.1.0"
    assert rows["prt"]["message"] == (f"unknown: the target moved to our commit {sha[:12]} "
                                      "(no result was recorded)")
    assert rows["down"]["status"] == "not-attempted"
    assert summary["status"] == "failed"


# -- -o FILE at an impossible path ----------------------------------------------------------------
def _impossible(kind: str, tmp_path: Path) -> str:
    if kind == "a directory":
        (tmp_path / "out").mkdir()
        return str(tmp_path / "out")
    if kind == "under a file":
        (tmp_path / "file").write_text("x")
        return str(tmp_path / "file" / "out.json")
    return "/proc/1/skillsync-out.json"   # unwritable for everyone, root included


OUTPUT_CASES: list[tuple[str, list[str]]] = [
    ("report", ["report", "{run}"]),
    ("report-md", ["report", "{run}", "--format", "md"]),
    ("build-manifest", ["build-manifest", "--source", "{source}", "--ref", "v1.0.0"]),
    ("validate-sync-targets", ["validate-sync-targets", "--targets", "{targets}"]),
    ("route-targets", ["route-targets", "--manifest", "{manifest}", "--targets", "{targets}"]),
    ("matrix-chunks", ["matrix-chunks", "--routes", "{run}/routes.json", "--targets",
                       "{targets}"]),
    ("merge-runs", ["merge-runs", "--into", "{tmp}/merged", "{run}", "--targets", "{targets}"]),
    ("merge-runs-annotations", ["merge-runs", "--into", "{tmp}/merged", "{run}", "--targets",
                                "{targets}", "--annotations"]),
    ("rollback", ["rollback", "--run", "{run}", "--target", "down", "--dry-run",
                  "--targets", "{targets}"]),
    ("sync", ["sync", "--manifest", "{manifest}", "--targets", "{targets}", "--dry-run",
              "--run-dir", "{tmp}/dry"]),
    ("sync-target", ["sync-target", "--target", "down", "--manifest", "{manifest}",
                     "--targets", "{targets}", "--dry-run", "--run-dir", "{tmp}/dry"]),
    ("notify", ["notify", "{run}", "--dry-run"]),
    ("inventory", ["inventory", "--targets", "{targets}"]),
    ("init", ["init", "--repo", "{tmp}/adopter", "--dry-run", "--pin", "0" * 40]),
    ("snapshot", ["snapshot", "--manifest", "{manifest}", "--targets", "{targets}",
                  "--run-dir", "{tmp}/snaps"]),
    ("health", ["health", "--targets", "{targets}"]),
    ("fleet-status", ["fleet-status", "--targets", "{targets}", "--format", "md"]),
    ("dashboard", ["dashboard", "--status", "{tmp}/status.json", "--dry-run"]),
]
KINDS = ("a directory", "under a file", "an unwritable directory")


@pytest.mark.parametrize("i", range(len(OUTPUT_CASES)), ids=[c[0] for c in OUTPUT_CASES])
def test_output_at_an_impossible_path_is_a_usage_error(
        real: dict, run_dir: Path, tmp_path: Path, i: int) -> None:
    name, args = OUTPUT_CASES[i]
    kind = KINDS[i % len(KINDS)]   # every script meets one kind; report meets all three below
    values = {"run": str(run_dir), "source": str(real["source"]), "targets": str(real["targets"]),
              "manifest": str(real["v1.1.0"]), "tmp": str(tmp_path)}
    argv = [a.format(**values) for a in args]
    if name == "notify":
        from skillsync.report import write_summary

        write_summary(RunDir(run_dir))
    elif name == "init":
        from conftest import make_repo

        make_repo(tmp_path / "adopter", {"README.md": "skills\n"})
    elif name == "dashboard":
        res = run_script("fleet-status", "--targets", str(real["targets"]),
                         "-o", str(tmp_path / "status.json"), env=script_env(real))
        assert res.returncode in (0, 1), res.stderr
    out = _impossible(kind, tmp_path)
    res = run_script(*argv, "-o", out, env=script_env(real))
    # inventory reads the file it would replace first: "cannot read" names it too
    assert_fails_last(res, f"{out}: cannot")


@pytest.mark.parametrize("kind", KINDS)
def test_report_output_at_each_impossible_path(run_dir: Path, tmp_path: Path, kind: str) -> None:
    out = _impossible(kind, tmp_path)
    assert_refused(run_script("report", str(run_dir), "-o", out), f"{out}: cannot write")
    if kind == "a directory":
        assert not list(Path(out).iterdir()), "no temporary file left behind"


def test_manifest_of_the_real_run_is_what_the_fixture_built(real: dict) -> None:
    # guards the fixture: the copies above start from a valid, complete run
    assert artifacts.manifest(RunDir(real["run"])) == manifest_of(real, "v1.1.0")
    assert set(artifacts.results(RunDir(real["run"]))) == {"down", "prt"}


# -- the generated fast path (skillsync.fastschemas) is never looser than jsonschema ------------
def _real_files(real: dict) -> list[tuple[str, Any]]:
    out = []
    for path in sorted(Path(real["run"]).rglob("*.json")):
        kind = artifacts.kind_of(path.relative_to(real["run"]).as_posix())
        if kind is not None:
            out.append((kind, json.loads(path.read_text())))
    assert {k for k, _ in out} >= {"run", "plan", "result", "snapshot", "rollback", "routes",
                                   "matrix", "manifest"}, sorted({k for k, _ in out})
    return out


def test_every_real_run_file_takes_the_fast_path(real: dict) -> None:
    from skillsync.jsonschemas import surely_valid

    for kind, doc in _real_files(real):
        assert surely_valid(artifacts.KINDS[kind].schema, doc), kind


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_whatever_the_fast_path_accepts_in_a_run_directory_jsonschema_accepts(
        data: st.DataObject, real: dict) -> None:
    from skillsync.jsonschemas import surely_valid

    kind, doc = data.draw(st.sampled_from(_real_files(real)))
    doc = mutate(doc, data)
    schema = artifacts.KINDS[kind].schema
    if surely_valid(schema, doc):
        assert not list(artifacts._validator(schema).iter_errors(doc)), (kind, doc)
