"""The GitHub Actions workflows, checked and run locally.

Static checks hold the security rules (RELIABILITY.md 22-24): no `${{ }}` inside
any `run:`, actions pinned to commit SHAs, least permissions per job, no persisted
credentials, secrets only in the steps that need them; and the distribution rules of
issue 13: skillsync's own tags run no sync (the pipeline is a reusable workflow only
adopters call), and an adopter's workflows pin skillsync by commit SHA.

Then the emulator (tests/actions_emulator.py) runs the pipeline the way an adopter's
repository runs it: the short `sync-downstream.yml` that `skillsync-init` writes calls
skillsync's reusable workflow from a stand-in for skillsync's repository at a pinned commit;
every job checks skillsync out at that commit and installs it through the composite action
(action.yml), then runs plan -> sync (one job per matrix entry) -> report -> notify against
a fleet of real bare repositories.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from actions_emulator import (
    ORIGIN,
    Emulator,
    WorkflowRun,
    adopter_workflow,
    evaluate,
    git,
    interpolate,
    load,
    parse_output_file,
    skillsync_identity,
    skillsync_repository,
    to_str,
)
from conftest import ROOT, make_bare_remote
from engine_fixtures import downstream, make_source, repo_state, target_yaml
from skillsync import matrix

WORKFLOWS = ROOT / ".github" / "workflows"
TEMPLATES = ROOT / "src" / "skillsync" / "workflows"
SYNC_WF = WORKFLOWS / "sync-downstream.yml"
SHA_PIN = re.compile(
    r"^\s*(?:-\s+)?uses:\s*([\w.-]+/[\w./-]+)@([0-9a-f]{40})\s+#\s+v\d+(\.\d+)*\s*$")
# The two local `uses:` our workflows make: skillsync checked out at the reusable workflow's
# own commit, and release.yml calling ci.yml at the same commit.
LOCAL_USES = re.compile(r"^\s*(?:-\s+)?uses:\s*\./(\.skillsync/action|\.github/workflows/ci\.yml)"
                        r"\s+# zizmor: ignore\[self-repository\]")


def all_workflows() -> list[Path]:
    return sorted(WORKFLOWS.glob("*.yml"))


# =============================================================================
# Fleets
# =============================================================================

SECRET = "ghs_TOPSECRET-for-mid-a-0123456789"


def workspace_fleet(root: Path, spec: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A skills source with releases v1.0.0 / v1.1.0 / v2.0.0, one bare downstream
    repository per target (push mechanism: fast, and all the workflow needs), skillsync's
    repository pinned at one commit and the adopter's workflows pinning it."""
    root.mkdir(parents=True, exist_ok=True)
    src = make_source(root)
    tdir = root / "targets"
    tdir.mkdir()
    bares = {}
    for tid, extra in spec.items():
        bares[tid] = make_bare_remote(root, tid, {"README.md": f"{tid}\n"})
        (tdir / f"{tid}.yaml").write_text(target_yaml(tid, bares[tid], **extra))
    return with_skillsync({"root": root, "source": src, "targets": tdir, "bares": bares})


def with_skillsync(fleet: dict[str, Any]) -> dict[str, Any]:
    """skillsync's repository at one commit, and the adopter's workflows pinning it."""
    root = fleet["root"]
    skillsync, sha = skillsync_repository(root / "skillsync.git")
    callers = {name: adopter_workflow(root / "adopter-workflows", name, sha)
               for name in ("sync-downstream.yml", "rollback.yml")}
    return {**fleet, "sha": sha, "actions": {skillsync_identity(): skillsync},
            "callers": callers}


def tag_push(tag: str) -> dict[str, Any]:
    return {"event": "push", "ref": f"refs/tags/{tag}",
            "payload": {"ref": f"refs/tags/{tag}", "created": True, "deleted": False}}


def release_published(tag: str, prerelease: bool = False) -> dict[str, Any]:
    return {"event": "release", "ref": f"refs/tags/{tag}",
            "payload": {"action": "published", "release": {
                "tag_name": tag, "name": f"Release {tag}", "prerelease": prerelease,
                "body": "notes with $(touch pwned-body) and `touch pwned-body`"}}}


def dispatch(ref: str, targets: str = "", dry_run: bool = True,
             allow_major: bool = False) -> dict[str, Any]:
    inputs = {"ref": ref, "targets": targets, "dry_run": dry_run, "allow_major": allow_major}
    return {"event": "workflow_dispatch", "ref": "refs/heads/main", "inputs": inputs,
            "payload": {"ref": "refs/heads/main", "inputs": {k: to_str(v) for k, v in
                                                             inputs.items()}}}


def emulator(fleet: dict[str, Any], workflow: str, trigger: dict[str, Any], run_id: int,
             **kw: Any) -> Emulator:
    """The adopter's `workflow` (as init writes it) on `trigger`."""
    return Emulator(fleet["callers"][workflow], root=fleet["root"], source=fleet["source"],
                    targets=fleet["targets"], event=trigger["event"],
                    payload=trigger["payload"], ref=trigger["ref"],
                    inputs=trigger.get("inputs"), run_id=run_id, actions=fleet["actions"], **kw)


def run_workflow(fleet: dict[str, Any], trigger: dict[str, Any], run_id: int,
                 only: set[str] | None = None, **kw: Any) -> tuple[Emulator, WorkflowRun]:
    emu = emulator(fleet, "sync-downstream.yml", trigger, run_id, **kw)
    return emu, emu.execute(only=only, assume_success={"validate"})


def rollback_dispatch(run_id: str, targets: str, dry_run: bool) -> dict[str, Any]:
    inputs = {"run_id": run_id, "targets": targets, "dry_run": dry_run}
    return {"event": "workflow_dispatch", "ref": "refs/heads/main", "inputs": inputs,
            "payload": {"inputs": inputs}}


def merged_run(emu: Emulator) -> Path:
    return emu.store / "skillsync-run"


def summary_of(emu: Emulator) -> dict[str, Any]:
    return json.loads((merged_run(emu) / "summary.json").read_text())


def statuses(emu: Emulator) -> dict[str, str]:
    return {t["id"]: t["status"] for t in summary_of(emu)["targets"]}


HISTORY_SPEC: dict[str, dict[str, Any]] = {
    "canary": {"risk": "low"},
    "mid-a": {"risk": "medium", "auth": "{method: token, env: MID_A_TOKEN}"},
    "high": {"risk": "high", "accept_major": "true"},
}


@contextlib.contextmanager
def github_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """What conftest's autouse fixture does per test, for a module-scoped fleet."""
    from conftest import isolate

    mp = pytest.MonkeyPatch()
    isolate(mp, tmp_path_factory.mktemp("wf-home"))
    try:
        yield
    finally:
        mp.undo()


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """One fleet, workflow runs in a row, as a release history goes: tag push v1.0.0
    (live), a manual dry run of v1.1.0, release published v2.0.0 (live, semver-major:
    only the target that opted in takes it), then rollback.yml undoes that target."""
    with github_home(tmp_path_factory):
        fleet = workspace_fleet(tmp_path_factory.mktemp("history"), HISTORY_SPEC)
        # A repository secret the called workflow must never see (none is passed to it).
        secrets = {"skillsync-mid-a": {"SKILLSYNC_TARGET_SECRET": SECRET},
                   "": {"SKILLSYNC_TARGET_SECRET": "repo-level-secret-never-passed"}}
        out: dict[str, Any] = {"fleet": fleet}
        out["push"] = run_workflow(fleet, tag_push("v1.0.0"), 101, secrets=secrets)
        out["after_push"] = {t: repo_state(b) for t, b in fleet["bares"].items()}
        out["dry"] = run_workflow(fleet, dispatch("v1.1.0", dry_run=True), 102, secrets=secrets)
        out["after_dry"] = {t: repo_state(b) for t, b in fleet["bares"].items()}
        out["files_before_major"] = downstream(fleet["bares"]["high"])
        out["major"] = run_workflow(fleet, release_published("v2.0.0"), 103, secrets=secrets)
        out["after_major"] = {t: repo_state(b) for t, b in fleet["bares"].items()}
        out["files_after_major"] = downstream(fleet["bares"]["high"])
        # Then rollback.yml takes `high` back, from run 103's artifact.
        out["rollback"] = emulator(fleet, "rollback.yml", rollback_dispatch("103", "high", False),
                                   105, secrets=secrets).execute()
        yield out


# =============================================================================
# Static checks: every workflow
# =============================================================================

def run_blocks(wf: dict[str, Any]) -> Iterator[tuple[str, str]]:
    jobs = wf.get("jobs") or {"runs": wf.get("runs", {})}   # a workflow, or action.yml
    for jid, job in jobs.items():
        for step in job.get("steps", []):
            if "run" in step:
                yield f"{jid}/{step.get('name')}", step["run"]


def every_workflow_file() -> list[Path]:
    """Ours, the adopter templates init ships, and the composite action."""
    return [*all_workflows(), *sorted(TEMPLATES.glob("*.yml")), ROOT / "action.yml"]


@pytest.mark.parametrize("path", every_workflow_file(), ids=lambda p: p.parent.name + "/" + p.name)
def test_no_expression_inside_any_run_block(path: Path) -> None:
    """Event text can never become shell code: run: blocks hold no ${{ }} at all."""
    wf = load(path)
    blocks = list(run_blocks(wf))
    if path.parent != TEMPLATES or path.name == "skillsync-validate.yml":
        assert blocks
    for where, script in blocks:
        assert "${{" not in script, f"{path.name} {where}: ${{{{ }}}} inside run:"


def _uses_lines(path: Path) -> list[str]:
    return [ln for ln in path.read_text().splitlines() if re.match(r"^\s*(-\s+)?uses:", ln)]


@pytest.mark.parametrize("path", all_workflows(), ids=lambda p: p.name)
def test_actions_pinned_least_permissions_no_persisted_credentials(path: Path) -> None:
    wf = load(path)
    assert wf["permissions"] == {}, "top-level permissions must be {}"
    for line in _uses_lines(path):
        assert SHA_PIN.match(line) or LOCAL_USES.match(line), \
            f"not pinned to a SHA with a version comment: {line}"
    # The jobs that may write, and what: issues (notify, dashboard), and the release itself.
    may_write = {("sync-downstream.yml", "notify"): {"issues"},
                 ("sync-downstream.yml", "dashboard"): {"issues"},
                 ("release.yml", "release"): {"contents"}}
    for jid, job in wf["jobs"].items():
        assert isinstance(job.get("permissions"), dict) and job["permissions"], jid
        assert set(job["permissions"].values()) <= {"read", "write"}
        writes = {k for k, v in job["permissions"].items() if v == "write"}
        assert writes <= may_write.get((path.name, jid), set()), (jid, writes)
        assert "env" not in job or "secrets." not in json.dumps(job["env"]), jid
        for step in job.get("steps", []):
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False, jid


@pytest.mark.parametrize("path", [SYNC_WF, WORKFLOWS / "rollback.yml"], ids=lambda p: p.name)
def test_every_job_installs_skillsync_from_the_workflows_own_commit(path: Path) -> None:
    """The reusable workflows never install skillsync by name or from the caller's tree:
    each job checks skillsync out at job.workflow_sha and installs that checkout through
    the composite action, which refuses any other commit (expect-sha)."""
    for jid, job in load(path)["jobs"].items():
        steps = job["steps"]
        names = [s.get("name") for s in steps]
        i = names.index("Check out skillsync")
        assert steps[i]["with"] == {
            "repository": "${{ job.workflow_repository }}", "ref": "${{ job.workflow_sha }}",
            "path": ".skillsync/action", "persist-credentials": False}, jid
        assert names[i - 1] == "Check out" and "repository" not in steps[i - 1]["with"], \
            f"{jid}: the caller's checkout must come first (it would clean skillsync away)"
        install = steps[i + 1]
        assert install["id"] == "install" and install["uses"] == "./.skillsync/action", jid
        assert install["with"] == {"expect-sha": "${{ job.workflow_sha || 'missing' }}"}, jid
        assert not any("pip install" in str(s.get("run", "")) for s in steps), jid


def test_the_composite_action_installs_only_hashed_pins() -> None:
    action = load(ROOT / "action.yml")
    assert action["runs"]["using"] == "composite"
    for line in _uses_lines(ROOT / "action.yml"):
        assert SHA_PIN.match(line), line
    [install] = [s for s in action["runs"]["steps"] if s.get("id") == "install"]
    pips = [ln.strip() for ln in install["run"].replace("\\\n", " ").splitlines()
            if '"${pip[@]}" install' in ln]
    assert len(pips) == 2, install["run"]
    deps, own = pips
    for flag in ("--require-hashes", "--no-deps", "--only-binary :all:",
                 '-r "$GITHUB_ACTION_PATH/requirements/action.txt"'):
        assert flag in deps, (flag, deps)
    assert own.endswith('--no-deps --no-build-isolation "$GITHUB_ACTION_PATH"'), own
    assert "python -m pip check" in install["run"]


def test_secrets_only_in_the_steps_that_need_them() -> None:
    text_by_step = {}
    for path in all_workflows():
        wf = load(path)
        assert "secrets" not in json.dumps(wf.get("env", {}))
        for jid, job in wf["jobs"].items():
            assert "secrets" not in job, f"{path.name} {jid}: passes secrets on"
            for step in job.get("steps", []):
                if "secrets." in json.dumps(step):
                    text_by_step[(path.name, jid, step["name"])] = json.dumps(step.get("env"))
    assert set(text_by_step) == {
        ("sync-downstream.yml", j, "Sync the target")
        for j in ("sync-canary", "sync-rest-0", "sync-rest-1")
    } | {("sync-downstream.yml", "notify", "Notify the owners of failed targets"),
         ("sync-downstream.yml", "dashboard", "Read every downstream"),
         ("rollback.yml", "rollback", "Roll back")}
    # Every secret is read by name (never secrets[...] or toJSON(secrets): that would
    # send the whole secrets context to the runner).
    for path in [*all_workflows(), *TEMPLATES.glob("*.yml")]:
        assert "secrets[" not in path.read_text() and "toJSON(secrets" not in path.read_text()
        assert "secrets: inherit" not in path.read_text(), path


def test_sync_jobs_have_identical_steps_and_waves_wait_for_the_canary() -> None:
    jobs = load(SYNC_WF)["jobs"]
    steps = jobs["sync-canary"]["steps"]
    assert steps == jobs["sync-rest-0"]["steps"] == jobs["sync-rest-1"]["steps"]
    for jid in ("sync-canary", "sync-rest-0", "sync-rest-1"):
        job = jobs[jid]
        assert job["strategy"]["fail-fast"] is False and 1 <= job["strategy"]["max-parallel"] <= 32
        assert job["environment"] == "skillsync-${{ matrix.id }}"
    for jid in ("sync-rest-0", "sync-rest-1"):
        assert "sync-canary" in jobs[jid]["needs"]
        assert "needs.sync-canary.result == 'success'" in jobs[jid]["if"]


def test_tagging_skillsync_runs_no_sync() -> None:
    """The pipeline is reusable only (issue 13): nothing in this repository triggers it,
    and the workflows that react to our own tags (CI, release) never sync."""
    for name in ("sync-downstream.yml", "rollback.yml"):
        assert set(load(WORKFLOWS / name)["on"]) == {"workflow_call"}, name
    for path in all_workflows():
        on = load(path)["on"]
        on = {on: None} if isinstance(on, str) else on
        tags = "release" in on or (isinstance(on.get("push"), dict) and "tags" in on["push"])
        text = json.dumps(load(path))   # what runs, not the comments
        if tags:
            for word in ("sync-downstream.yml", "rollback.yml", "skillsync-sync",
                         "sync-target", "targets/", "SKILLSYNC_TARGET"):
                assert word not in text, f"{path.name} runs on a tag and mentions {word}"
    release = load(WORKFLOWS / "release.yml")
    assert release["on"] == {"push": {"tags": ["v*"]}}
    assert release["jobs"]["ci"]["uses"] == "./.github/workflows/ci.yml"
    assert release["jobs"]["release"]["needs"] == "ci"


def test_triggers_and_concurrency() -> None:
    """The reusable workflows take their inputs as strings and hold no concurrency group
    (the caller holds it: the same group in both would deadlock); the adopter's callers
    keep the triggers, the dispatch inputs and one group for sync and rollback."""
    called = load(SYNC_WF)
    assert "concurrency" not in called and "concurrency" not in load(WORKFLOWS / "rollback.yml")
    inputs = called["on"]["workflow_call"]["inputs"]
    assert set(inputs) == {"ref", "targets", "dry_run", "allow_major"}
    assert {i["type"] for i in inputs.values()} == {"string"}
    assert inputs["dry_run"]["default"] == "true" and inputs["allow_major"]["default"] == "false"
    caller = load(TEMPLATES / "sync-downstream.yml")
    on = caller["on"]
    assert on["push"] == {"tags": ["v*"]} and on["release"] == {"types": ["published"]}
    dispatch_inputs = on["workflow_dispatch"]["inputs"]
    assert set(dispatch_inputs) == set(inputs)
    assert dispatch_inputs["dry_run"]["default"] is True
    assert dispatch_inputs["allow_major"]["default"] is False
    assert caller["concurrency"]["cancel-in-progress"] is False
    assert "github.repository" in caller["concurrency"]["group"]
    assert load(TEMPLATES / "rollback.yml")["concurrency"] == caller["concurrency"]


@pytest.mark.parametrize("name", ["sync-downstream.yml", "rollback.yml"])
def test_callers_grant_what_the_called_jobs_need_and_pass_every_input(name: str) -> None:
    caller, called = load(TEMPLATES / name), load(WORKFLOWS / name)
    [job] = caller["jobs"].values()
    assert job["uses"].startswith("__SKILLSYNC_REPOSITORY__/.github/workflows/" + name + "@")
    level = {"none": 0, "read": 1, "write": 2}
    need: dict[str, str] = {}
    for cjob in called["jobs"].values():
        for scope, value in cjob["permissions"].items():
            if level[value] > level[need.get(scope, "none")]:
                need[scope] = value
    assert job["permissions"] == need     # enough for every job, nothing more
    assert set(job["with"]) == set(called["on"]["workflow_call"]["inputs"])


def test_ci_runs_the_nox_sessions_a_developer_runs() -> None:
    wf = load(WORKFLOWS / "ci.yml")
    assert {"pull_request", "push", "workflow_call"} <= set(wf["on"])
    assert wf["jobs"]["nox"]["strategy"]["matrix"]["session"] == ["lint", "validate", "tests"]
    assert any('nox -s "$SESSION"' in s.get("run", "") for s in wf["jobs"]["nox"]["steps"])


def test_dependabot_keeps_our_action_pins_current() -> None:
    config = yaml.safe_load((ROOT / ".github" / "dependabot.yml").read_text())
    [update] = config["updates"]
    assert update["package-ecosystem"] == "github-actions"
    assert update["cooldown"]["default-days"] >= 7


def test_expression_evaluator_knows_github_semantics() -> None:
    ctx = {"needs": {"a": {"result": "success", "outputs": {"x": "TRUE"}}}, "matrix": {"id": "m"},
           "secrets": {"S": "v"}}
    funcs = {"fromJSON": json.loads, "always": lambda: True, "success": lambda: True,
             "cancelled": lambda: False}
    assert evaluate("needs.a.outputs.x == 'true'", ctx, funcs) is True   # case-insensitive
    assert evaluate("needs.b.outputs.x", ctx, funcs) is None
    assert evaluate("!cancelled() && (needs.a.result == 'failure' || 'y')", ctx, funcs) == "y"
    assert evaluate("fromJSON('{\"include\": [1]}')", ctx, funcs) == {"include": [1]}
    assert interpolate("skillsync-${{ matrix.id }}", ctx, funcs) == "skillsync-m"
    assert evaluate("secrets['S']", ctx, funcs) == "v"
    with pytest.raises(AssertionError, match="not emulated"):
        evaluate("hashFiles('x')", ctx, funcs)


# =============================================================================
# Running sync-downstream.yml
# =============================================================================

def test_tag_push_syncs_canary_first_then_the_rest(history: dict[str, Any]) -> None:
    emu, run = history["push"]
    fleet = history["fleet"]
    assert run.results == {"validate": "success", "plan": "success", "sync-canary": "success",
                           "sync-rest-0": "success", "sync-rest-1": "skipped",
                           "report": "success", "notify": "success",
                           "dashboard": "success", "sync": "success"}, run.failures()
    # The adopter's workflow called skillsync's reusable workflow at the pinned commit.
    assert run.called == {"sync": f"{skillsync_identity()}/.github/workflows/"
                                  f"sync-downstream.yml@{fleet['sha']}"}
    # Waves hold: the emulator starts ready jobs in reverse file order, so only
    # `needs:` can have put the canary job before the later waves.
    assert run.order.index("sync-canary") < run.order.index("sync-rest-0")
    assert [j.matrix["id"] for j in run.jobs["sync-canary"]] == ["canary"]
    assert [j.matrix["id"] for j in run.jobs["sync-rest-0"]] == ["mid-a", "high"]
    events = [json.loads(x) for x in (merged_run(emu) / "log.jsonl").read_text().splitlines()]
    canary_done = max(e["ts"] for e in events if e["target"] == "canary")
    rest_start = min(e["ts"] for e in events if e["target"] in ("mid-a", "high"))
    assert canary_done < rest_start
    assert statuses(emu) == {"canary": "synced", "mid-a": "synced", "high": "synced"}
    for tid in ("canary", "mid-a", "high"):
        assert ".agents/skills/alpha/SKILL.md" in downstream(fleet["bares"][tid])
    assert "## skillsync 1.0.0 — success" in run.summary()
    # The steps called the real scripts with the right arguments.
    sync = run.step("sync-canary", "Sync the target")
    assert sync.env["TARGET_ID"] == "canary" and sync.env["DRY_RUN"] == "false"
    plan = json.loads((merged_run(emu) / "plans" / "canary.json").read_text())
    assert plan["decision"] == "update"
    # The manifest names the origin (as on GitHub) and the checkout it was built from;
    # every step read that checkout, none was told where (no --source): issue 13.
    manifest = json.loads((merged_run(emu) / "manifest.json").read_text())
    assert manifest["source"]["repo"] == ORIGIN and manifest["source"]["ref"] == "v1.0.0"
    assert manifest["source"]["checkout"] == "."
    assert "--source" not in sync.script
    # skillsync was installed in every job from its checkout at the pinned commit.
    for s in run.steps():
        if s.name == "Install skillsync":
            assert s.status == "success", s.stderr
    for leg in run.jobs["plan"]:
        assert git("rev-parse", "HEAD", cwd=leg.workspace / ".skillsync/action") == fleet["sha"]


def test_matrix_json_round_trips_through_job_outputs(history: dict[str, Any]) -> None:
    emu, run = history["push"]
    fleet = history["fleet"]
    outputs = run.outputs["plan"]
    assert outputs["ref"] == "v1.0.0" and outputs["dry_run"] == "false"
    routed = subprocess.run(
        [str(ROOT / "scripts" / "route-targets"), "--manifest",
         str(merged_run(emu) / "manifest.json"), "--targets", str(fleet["targets"]), "--matrix"],
        capture_output=True, text=True, check=True, timeout=60).stdout
    want = {e["id"]: e["wave"] for e in json.loads(routed)["include"]}
    legs = [j.matrix for jid in ("sync-canary", "sync-rest-0") for j in run.jobs[jid]]
    assert {leg["id"]: leg["wave"] for leg in legs} == want
    for key in ("canary", "rest_0", "rest_1"):
        value = outputs[key]
        assert "\n" not in value
        assert json.dumps(json.loads(value), separators=(",", ":"), sort_keys=True) == value
    saved = json.loads((merged_run(emu) / "matrix.json").read_text())
    assert saved["canary"] == json.loads(outputs["canary"])
    assert {leg["id"]: leg["auth_env"] for leg in legs} == {
        "canary": "", "mid-a": "MID_A_TOKEN", "high": ""}


def test_each_sync_job_gets_only_its_own_secret(history: dict[str, Any]) -> None:
    emu, run = history["push"]
    for jid in ("sync-canary", "sync-rest-0"):
        for leg in run.jobs[jid]:
            step = next(s for s in leg.steps if s.name == "Sync the target")
            want = SECRET if leg.matrix["id"] == "mid-a" else ""
            assert step.env["SKILLSYNC_AUTH_VALUE"] == want
    # mid-a synced live, which needs MID_A_TOKEN set: the step re-exported it by name.
    assert statuses(emu)["mid-a"] == "synced"
    for _, path in run.artifacts.items():
        for f in path.rglob("*"):
            if f.is_file():
                assert SECRET not in f.read_text(errors="replace"), f
    assert SECRET not in run.stdout()


def test_manual_dry_run_writes_nothing_and_notifies_nobody(history: dict[str, Any]) -> None:
    emu, run = history["dry"]
    assert history["after_dry"] == history["after_push"]
    assert set(statuses(emu).values()) == {"planned"}
    assert run.results["notify"] == "skipped" and run.results["report"] == "success"
    assert run.step("sync-canary", "Sync the target").env["DRY_RUN"] == "true"
    assert "**dry run**" in run.summary()


def test_release_published_major_halts_targets_without_opt_in(history: dict[str, Any]) -> None:
    emu, run = history["major"]
    assert run.outputs["plan"]["ref"] == "v2.0.0"
    assert statuses(emu) == {"canary": "halted", "mid-a": "halted", "high": "synced"}
    # The only target that takes v2.0.0 becomes the canary wave; the halted ones are
    # never touched, and nothing from the release text ran.
    assert [j.matrix["id"] for j in run.jobs["sync-canary"]] == ["high"]
    assert run.results["sync-rest-0"] == "skipped"
    for tid in ("canary", "mid-a"):
        assert history["after_major"][tid] == history["after_push"][tid]
    assert b"breaking" in history["files_after_major"][".agents/skills/alpha/SKILL.md"]
    assert not list(history["fleet"]["root"].rglob("pwned-body"))
    assert run.results["report"] == "failure"          # halted => the run is not green
    assert run.step("report", "Fail when a target failed or was halted").rc == 3
    merge = run.step("report", "Merge the run directories")
    assert "::warning title=skillsync canary%3A halted::semver-major" in merge.stdout
    assert run.results["notify"] == "success"


@pytest.fixture(scope="module")
def failing_canary(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A manual live run for two of three targets whose canary rejects the push."""
    with github_home(tmp_path_factory):
        fleet = workspace_fleet(tmp_path_factory.mktemp("failing"), {
            "canary": {"risk": "low"}, "later": {"risk": "medium"}, "other": {"risk": "low"}})
        hook = fleet["bares"]["canary"] / "hooks" / "pre-receive"
        hook.write_text("#!/bin/sh\necho 'protected branch: main needs a review' >&2\nexit 1\n")
        hook.chmod(0o755)
        before = {t: repo_state(b) for t, b in fleet["bares"].items()}
        emu, run = run_workflow(fleet, dispatch("v1.0.0", "canary later", dry_run=False), 201)
        yield {"fleet": fleet, "emu": emu, "run": run, "before": before}


def test_failed_canary_stops_the_later_waves_and_is_reported(failing_canary: dict) -> None:
    emu, run = failing_canary["emu"], failing_canary["run"]
    assert run.results["sync-canary"] == "failure"
    assert run.results["sync-rest-0"] == "skipped"
    after = {t: repo_state(b) for t, b in failing_canary["fleet"]["bares"].items()}
    assert after == failing_canary["before"]
    # `other` was not selected: not routed, not in the report.
    assert statuses(emu) == {"canary": "failed", "later": "not-attempted"}
    assert run.outputs["plan"]["dry_run"] == "false"
    merge = run.step("report", "Merge the run directories")
    assert "::error title=skillsync canary%3A failed::" in merge.stdout
    assert "protected branch" in merge.stdout
    assert "(roll back: scripts/rollback --run gh-201 --target canary)" in merge.stdout
    assert "::error title=skillsync later%3A not-attempted::not attempted" in merge.stdout
    assert run.results["report"] == "failure" and run.results["notify"] == "success"
    # Nothing was written: the summary says re-sync, not roll back (sync-rollback.md).
    assert "### Failed: fix, then re-sync" in run.summary()
    assert "skillsync-sync --rerun-failed gh-201" in run.summary()
    assert "### Roll back" not in run.summary()
    # The run directory, with every target's result and log, is an artifact.
    assert (emu.store / "skillsync-run" / "results" / "later.json").exists()


HOSTILE = "v1.0.0$(touch pwned)"


@pytest.mark.parametrize("trigger", [
    tag_push(HOSTILE),
    release_published(HOSTILE),
    dispatch(HOSTILE, dry_run=False),
    dispatch("v1.0.0\nallow_major=true", dry_run=False),      # output-file injection
    dispatch("v1.0.0", targets="canary $(touch pwned)", dry_run=False),
    dispatch("v1.0.0", targets="canary\nref=v9.9.9", dry_run=False),
], ids=["tag-push", "release", "dispatch-ref", "dispatch-newline", "dispatch-targets",
        "targets-newline"])
def test_hostile_event_text_is_refused_and_never_executed(
        tmp_path: Path, trigger: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    fleet = workspace_fleet(tmp_path / "f", {"canary": {"risk": "low"}})
    before = repo_state(fleet["bares"]["canary"])
    monkeypatch.chdir(tmp_path)
    emu, run = run_workflow(fleet, trigger, 301)
    step = run.step("plan", "Resolve the release from the event")
    assert step.status == "failure" and step.rc == 2
    assert "::error title=" in step.stdout
    assert run.results["plan"] == "failure"
    assert all(run.results[j] == "skipped" for j in
               ("sync-canary", "sync-rest-0", "sync-rest-1", "report", "notify"))
    assert not list(tmp_path.rglob("pwned")), "event text was executed"
    assert not (ROOT / "pwned").exists()
    assert repo_state(fleet["bares"]["canary"]) == before
    assert not any(p.name.startswith("skillsync-") for p in emu.store.glob("*"))


def test_a_300_target_fleet_is_chunked_not_truncated(tmp_path: Path) -> None:
    root = tmp_path / "big"
    root.mkdir()
    src = make_source(root)
    bare = make_bare_remote(root, "shared")
    tdir = root / "targets"
    tdir.mkdir()
    for i in range(300):
        risk = "low" if i < 4 else ("medium" if i % 2 else "high")
        (tdir / f"t{i:03d}.yaml").write_text(target_yaml(f"t{i:03d}", bare, risk=risk))
    fleet = with_skillsync({"root": root, "source": src, "targets": tdir})
    _, run = run_workflow(fleet, dispatch("v1.0.0"), 401, only={"plan"})
    assert run.results["plan"] == "success", run.step("plan", "Split the routed targets "
                                                      "into matrices").stderr
    out = run.outputs["plan"]
    canary, rest0, rest1 = (json.loads(out[k])["include"] for k in ("canary", "rest_0", "rest_1"))
    assert (len(canary), len(rest0), len(rest1)) == (4, 256, 40)
    assert out["has_rest_1"] == "true" and out["count"] == "300"
    ids = [e["id"] for e in canary + rest0 + rest1]
    assert sorted(ids) == [f"t{i:03d}" for i in range(300)] and len(set(ids)) == 300
    waves = [e["wave"] for e in rest0 + rest1]
    assert waves == sorted(waves)       # later waves in order: wave 1 before wave 2


def test_validate_job_runs_the_checks(tmp_path: Path) -> None:
    fleet = workspace_fleet(tmp_path / "v", {"canary": {"risk": "low"}})
    inv = subprocess.run([str(ROOT / "scripts" / "inventory"), "--targets", str(fleet["targets"]),
                          "-o", "-"], capture_output=True, text=True, check=True, timeout=60)
    src = fleet["source"]
    (src / "docs").mkdir()
    (src / "docs" / "downstream-inventory.md").write_text(inv.stdout)
    git("add", "-A", cwd=src)
    git("commit", "-qm", "inventory", cwd=src)
    run = emulator(fleet, "sync-downstream.yml", tag_push("v1.0.0"), 501).execute(
        only={"validate"})
    assert run.results["validate"] == "success", run.failures()


def test_the_action_refuses_a_checkout_at_another_commit(tmp_path: Path) -> None:
    """expect-sha: if job.workflow_sha and the checkout ever disagree (or the SHA is empty),
    the install fails loudly instead of running some other skillsync."""
    fleet = workspace_fleet(tmp_path / "g", {"canary": {"risk": "low"}})
    repo = fleet["actions"][skillsync_identity()]
    (repo / "NEWS").write_text("a later commit\n")
    git("add", "NEWS", cwd=repo)
    git("commit", "-qm", "later", cwd=repo)
    later = git("rev-parse", "HEAD", cwd=repo)
    wf = yaml.safe_load(SYNC_WF.read_text())
    steps = wf["jobs"]["validate"]["steps"]
    out = {}
    # "missing" is what `job.workflow_sha || 'missing'` gives on a runner without it.
    for expect in (later, "missing", fleet["sha"]):
        steps[2]["with"]["expect-sha"] = expect
        path = tmp_path / f"wf-{expect[:7]}.yml"
        path.write_text(yaml.safe_dump({**wf, "on": {"push": None}}, sort_keys=False))
        emu = Emulator(path, root=fleet["root"], source=fleet["source"],
                       targets=fleet["targets"], actions=fleet["actions"],
                       job_workflow=(skillsync_identity(), fleet["sha"]),
                       run_id=510 + len(out), **{k: v for k, v in tag_push("v1.0.0").items()})
        out[expect] = emu.execute(only={"validate"}).step("validate", "Install skillsync")
    assert out[later].status == "failure" and f"not {later}" in out[later].stdout
    assert out["missing"].status == "failure" and "not a full commit SHA" in out["missing"].stdout
    assert out[fleet["sha"]].status == "success", out[fleet["sha"]].stderr


# =============================================================================
# rollback.yml
# =============================================================================

def test_rollback_workflow_restores_a_target_from_the_run_artifact(history: dict) -> None:
    run = history["rollback"]
    assert run.results == {"prepare": "success", "rollback": "success", "undo": "success"}, \
        run.failures()
    assert [j.matrix["id"] for j in run.jobs["rollback"]] == ["high"]
    # Every file of the target is as it was before run 103 synced v2.0.0 into it.
    assert downstream(history["fleet"]["bares"]["high"]) == history["files_before_major"]
    summary = run.summary()
    assert "### rollback `high` (exit 0)" in summary
    assert "verified: .agents/skills on main byte-identical to the snapshot" in summary
    step = run.step("rollback", "Roll back")
    assert step.env["DRY_RUN"] == "false" and step.env["TARGET_ID"] == "high"



@pytest.mark.parametrize(("run_id", "targets"), [
    ("123; touch pwned", "canary"), ("123", "canary $(touch pwned)"), ("$(touch pwned)", "x"),
])
def test_rollback_inputs_are_checked_before_use(tmp_path: Path, run_id: str, targets: str,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    fleet = workspace_fleet(tmp_path / "r", {"canary": {"risk": "low"}})
    monkeypatch.chdir(tmp_path)
    run = emulator(fleet, "rollback.yml", rollback_dispatch(run_id, targets, True), 601).execute()
    step = run.step("prepare", "Check the inputs")
    assert step.rc == 2 and run.results["rollback"] == "skipped"
    assert not list(tmp_path.rglob("pwned"))


# =============================================================================
# The library behind the workflow: matrix chunks, fan-in, annotations, docs
# =============================================================================

def _routes(n_low: int, n_later: int) -> list[dict[str, Any]]:
    out = [{"id": f"c{i:03d}", "wave": 0, "decision": "sync", "mechanism": "push", "risk": "low"}
           for i in range(n_low)]
    out += [{"id": f"r{i:03d}", "wave": 1 + i % 2, "decision": "sync", "mechanism": "push",
             "risk": "medium"} for i in range(n_later)]
    return [*out, {"id": "zz", "wave": None, "decision": "halt", "reason": "major"}]


def test_matrices_are_chunked_never_truncated() -> None:
    plan = matrix.plan_matrix(_routes(3, 513), chunk_size=256, slots=3)
    assert [len(c) for c in plan.rest] == [256, 256, 1]
    assert plan.total == 516 and [len(c) for c in plan.chunks] == [256, 256, 4]
    assert plan.not_synced == [{"id": "zz", "decision": "halt", "reason": "major"}]
    with pytest.raises(matrix.UsageError, match=r"need 3 matrices of 256.*2 sync-rest job"):
        matrix.plan_matrix(_routes(3, 513), slots=2)
    with pytest.raises(matrix.UsageError, match="canary wave has 257 targets"):
        matrix.plan_matrix(_routes(257, 0))
    with pytest.raises(matrix.UsageError, match="between 1 and 256"):
        matrix.plan_matrix(_routes(1, 1), chunk_size=300)
    outputs = matrix.github_outputs(matrix.plan_matrix(_routes(1, 0), slots=2), slots=2)
    assert outputs["has_rest_0"] == "false" and json.loads(outputs["rest_1"]) == {"include": []}


def test_matrix_chunks_script_writes_job_outputs(tmp_path: Path) -> None:
    from conftest import run_script

    fleet_targets = tmp_path / "targets"
    fleet_targets.mkdir()
    for tid, risk in (("a", "low"), ("b", "high")):
        (fleet_targets / f"{tid}.yaml").write_text(target_yaml(tid, tmp_path / "x.git", risk=risk))
    routes = tmp_path / "routes.json"
    routes.write_text(json.dumps([{"id": "a", "wave": 0, "decision": "sync"},
                                  {"id": "b", "wave": 1, "decision": "sync"}]))
    out = tmp_path / "github_output"
    proc = run_script("matrix-chunks", "--routes", str(routes), "--targets", str(fleet_targets),
                      "--github-output", str(out))
    assert proc.returncode == 0, proc.stderr
    values = parse_output_file(out)
    assert json.loads(values["canary"])["include"][0]["id"] == "a"
    assert json.loads(values["rest_0"])["include"][0]["id"] == "b"
    assert json.loads(proc.stdout)["waves"] == [["a"], ["b"]]
    routes.write_text(json.dumps([{"id": "ghost", "wave": 0, "decision": "sync"}]))
    proc = run_script("matrix-chunks", "--routes", str(routes), "--targets", str(fleet_targets))
    assert proc.returncode == 2 and "no target file" in proc.stderr
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


def _part(root: Path, name: str, tid: str, status: str, ts: str) -> Path:
    from skillsync.fsutil import write_json

    part = root / name
    write_json(part / "manifest.json", {"schema": "skillsync.manifest/v1", "version": "1.0.0"})
    write_json(part / "run.json", {"run_id": "gh-1", "created": ts})
    write_json(part / "results" / f"{tid}.json", {
        "target": tid, "mechanism": "push", "status": status, "message": f"{tid} {status}",
        "error": None, "data": {"wave": 0}})
    (part / "log.jsonl").write_text(json.dumps({"ts": ts, "target": tid, "step": "result",
                                                "status": status}) + "\n")
    return part


def test_merge_accepts_both_download_layouts_and_orders_the_log(tmp_path: Path) -> None:
    from skillsync.runlog import RunDir

    into = tmp_path / "gh-1"
    into.mkdir()
    (into / "routes.json").write_text(json.dumps([
        {"id": "a", "wave": 0, "decision": "sync", "mechanism": "push"},
        {"id": "b", "wave": 1, "decision": "sync", "mechanism": "push"},
        {"id": "c", "wave": None, "decision": "halt", "mechanism": "push", "reason": "major"},
        {"id": "d", "wave": 1, "decision": "sync", "mechanism": "push"}]))
    many = tmp_path / "parts"
    _part(many, "skillsync-target-b", "b", "synced", "2026-01-01T00:00:02Z")
    _part(many, "skillsync-target-a", "a", "synced", "2026-01-01T00:00:01Z")
    single = _part(tmp_path, "one", "a", "synced", "2026-01-01T00:00:01Z")  # same as above
    report = matrix.merge_run_dirs(into, [many, single])
    assert report.parts == 3 and report.events == 2
    assert [json.loads(x)["target"] for x in (into / "log.jsonl").read_text().splitlines()] == \
        ["a", "b"]
    assert matrix.complete_results(RunDir(into), []) == ["c", "d"]
    d = json.loads((into / "results" / "d.json").read_text())
    c = json.loads((into / "results" / "c.json").read_text())
    assert d["status"] == "not-attempted" and c["status"] == "halted" and c["message"] == "major"
    # Two parts disagreeing about one target: refused, naming the file.
    bad = _part(tmp_path / "bad", "x", "a", "failed", "2026-01-01T00:00:09Z")
    with pytest.raises(matrix.ConfigError, match=r"results/a\.json conflicts"):
        matrix.merge_run_dirs(into, [bad])
    assert json.loads((into / "results" / "a.json").read_text())["status"] == "synced"


def test_annotations_cannot_break_out_of_their_line() -> None:
    summary = {"targets": [
        {"id": "a", "status": "failed", "error": "boom\n::set-env name=X::y 100%",
         "rollback": "scripts/rollback --run r --target a"},
        {"id": "b", "status": "halted", "message": "drift: x, y"},
        {"id": "c", "status": "synced", "message": "ok"}]}
    lines = matrix.workflow_annotations(summary)
    assert lines == [
        "::error title=skillsync a%3A failed::boom%0A::set-env name=X::y 100%25 "
        "(roll back: scripts/rollback --run r --target a)",
        "::warning title=skillsync b%3A halted::drift: x, y"]


def test_docs_are_generated_and_checked(tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    from conftest import run_script

    root = tmp_path / "repo"
    (root / "scripts").mkdir(parents=True)
    for name in ("report", "validate-sync-targets.sh"):
        shutil.copy2(ROOT / "scripts" / name, root / "scripts" / name)
    (root / "docs").mkdir()
    incident = root / "docs" / "incident-response.md"
    incident.write_text("# Incidents\n\n<!-- BEGIN GENERATED: escalation (scripts/docs; do not "
                        "edit by hand) -->\nold\n<!-- END GENERATED: escalation -->\n\nAfter.\n")
    tdir = root / "targets"
    tdir.mkdir()
    (tdir / "acme.yaml").write_text(target_yaml(
        "acme", tmp_path / "x.git", risk="medium", owner='"@acme/platform"',
        escalation='"#acme-oncall, then lead"', auth="{method: token, env: ACME_TOKEN}"))
    args = ("--root", str(root), "--targets", str(tdir))
    stale = run_script("docs", "--check", *args)
    assert stale.returncode == 1
    assert stale.stderr.strip() == ("docs: error: docs/cli.md, docs/incident-response.md: "
                                    "stale: run scripts/docs")
    from skillsync.commands import docs

    assert docs.main(list(args)) == 0
    assert docs.main(["--check", *args]) == 0
    cli_md = (root / "docs" / "cli.md").read_text()
    assert "## scripts/report" in cli_md and "usage: report [-h]" in cli_md
    assert "## scripts/validate-sync-targets.sh" in cli_md and "set -euo" not in cli_md
    text = incident.read_text()
    assert "| `acme` | medium | push | @acme/platform | #acme-oncall, then lead | " \
           "`ACME_TOKEN` (token) |" in text
    assert text.endswith("<!-- END GENERATED: escalation -->\n\nAfter.\n") and "old" not in text
    incident.write_text("no markers\n")
    assert docs.main(["--check", *args]) == 2
    assert "no generated section 'escalation'" in capsys.readouterr().err
