"""The GitHub Actions workflows, checked and run locally.

Static checks hold the security rules (RELIABILITY.md 22-24): no `${{ }}` inside
any `run:`, actions pinned to commit SHAs, least permissions per job, no persisted
credentials, secrets only in the steps that need them; the distribution rules of
issue 13 (skillsync's own tags run no sync; an adopter's workflows pin skillsync by
commit SHA); and the fleet rules of issue 15: one sync job (sync-wave.yml) called once
per wave, each wave after the one before it succeeded, deployments only for live syncs,
artifact names that never collide.

Then the emulator (tests/support/gha_emulator.py) runs the pipeline the way an adopter's
repository runs it: the short `sync-downstream.yml` that `skillsync-init` writes calls
skillsync's reusable workflow from a stand-in for skillsync's repository at a pinned commit,
which calls sync-wave.yml once per wave; every job checks skillsync out at that commit and
installs it through the composite action (action.yml), then runs plan -> waves -> report ->
notify against a fleet of real bare repositories, with the loopback GitHub and Slack.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import ROOT, make_bare_remote
from engine_fixtures import downstream, make_source, repo_state, target_yaml
from skillsync import matrix
from skillsync.devservers.github import FakeGitHub
from skillsync.devservers.receivers import WebhookReceiver
from support.gha_emulator import Emulator, WorkflowRun, parse_output_file
from support.gha_expressions import to_str
from support.gha_repositories import (
    ORIGIN,
    REPOSITORY,
    adopter_workflow,
    git,
    load,
    skillsync_identity,
    skillsync_repository,
)

WORKFLOWS = ROOT / ".github" / "workflows"
TEMPLATES = ROOT / "src" / "skillsync" / "workflows"
SYNC_WF = WORKFLOWS / "sync-downstream.yml"
WAVE_WF = WORKFLOWS / "sync-wave.yml"
SHA_PIN = re.compile(
    r"^\s*(?:-\s+)?uses:\s*([\w.-]+/[\w./-]+)@([0-9a-f]{40})\s+#\s+v\d+(\.\d+)*\s*$")
# The local `uses:` our workflows make: skillsync checked out at the reusable workflow's own
# commit, release.yml calling ci.yml and sync-downstream.yml calling sync-wave.yml, each at
# the same commit as the calling file.
LOCAL_USES = re.compile(r"^\s*(?:-\s+)?uses:\s*\./(\.skillsync/action|\.github/workflows/"
                        r"(ci|sync-wave)\.yml)\s+# zizmor: ignore\[self-repository\]")
WAVE_JOBS = [f"wave-{w}" for w in range(matrix.WAVES)]
CACHE_JOBS = {("sync-downstream.yml", "cache-restore"), ("sync-downstream.yml", "cache-save")}
TOKEN = "ghs_CANARYjobToken0123456789"      # github.token of the emulated runs
SLACK_PATH = "/services/T0001/B0001/CANARYslackHook"


def all_workflows() -> list[Path]:
    return sorted(WORKFLOWS.glob("*.yml"))


# =============================================================================
# Fleets
# =============================================================================

SECRET = "ghs_TOPSECRET-for-mid-a-0123456789"


def workspace_fleet(root: Path, spec: dict[str, dict[str, Any]],
                    tags: tuple[str, ...] = ("v1.0.0", "v1.1.0", "v2.0.0")) -> dict[str, Any]:
    """A skills source with releases v1.0.0 / v1.1.0 / v2.0.0 (only `tags` tagged yet:
    `tag()` adds the others, as a release history goes), one bare downstream repository per
    target (push mechanism: fast, and all the workflow needs), skillsync's repository
    pinned at one commit and the adopter's workflows pinning it."""
    root.mkdir(parents=True, exist_ok=True)
    src = make_source(root)
    commits = {t: git("rev-parse", f"{t}^{{commit}}", cwd=src) for t in
               ("v1.0.0", "v1.1.0", "v2.0.0")}
    for t in commits:
        if t not in tags:
            git("tag", "-d", t, cwd=src)
    tdir = root / "targets"
    tdir.mkdir()
    bares = {}
    for tid, extra in spec.items():
        bares[tid] = make_bare_remote(root, tid, {"README.md": f"{tid}\n"})
        (tdir / f"{tid}.yaml").write_text(target_yaml(tid, bares[tid], **extra))
    return with_skillsync({"root": root, "source": src, "targets": tdir, "bares": bares,
                           "commits": commits})


def tag(fleet: dict[str, Any], name: str) -> None:
    git("tag", name, fleet["commits"][name], cwd=fleet["source"])


def with_skillsync(fleet: dict[str, Any]) -> dict[str, Any]:
    """skillsync's repository at one commit, and the adopter's workflows pinning it."""
    root = fleet["root"]
    skillsync, sha = skillsync_repository(root / "skillsync.git")
    callers = {name: adopter_workflow(root / "adopter-workflows", name, sha)
               for name in ("sync-downstream.yml", "rollback.yml")}
    return {**fleet, "sha": sha, "actions": {skillsync_identity(): skillsync},
            "callers": callers}


def tag_push(name: str) -> dict[str, Any]:
    return {"event": "push", "ref": f"refs/tags/{name}",
            "payload": {"ref": f"refs/tags/{name}", "created": True, "deleted": False}}


def release_published(name: str, prerelease: bool = False) -> dict[str, Any]:
    return {"event": "release", "ref": f"refs/tags/{name}",
            "payload": {"action": "published", "release": {
                "tag_name": name, "name": f"Release {name}", "prerelease": prerelease,
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


def legs(run: WorkflowRun, wave: int) -> list[Any]:
    return run.jobs.get(f"sync/wave-{wave}/sync", [])


def synced_ids(run: WorkflowRun, wave: int) -> list[str]:
    return [i for leg in legs(run, wave) for i in leg.matrix["ids"]]


# canary -> low -> medium -> high: four waves, one target each (mid-a with a token).
HISTORY_SPEC: dict[str, dict[str, Any]] = {
    "canary": {"risk": "canary"},
    "low": {"risk": "low"},
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
    (live, four waves), a manual dry run of v1.1.0, release published v2.0.0 (live,
    semver-major: only the target that opted in takes it), then rollback.yml undoes that
    target."""
    with github_home(tmp_path_factory):
        fleet = workspace_fleet(tmp_path_factory.mktemp("history"), HISTORY_SPEC,
                                tags=("v1.0.0",))
        # A repository secret the called workflow must never see (none is passed to it).
        secrets = {"skillsync-mid-a": {"SKILLSYNC_TARGET_SECRET": SECRET},
                   "": {"SKILLSYNC_TARGET_SECRET": "repo-level-secret-never-passed"}}
        out: dict[str, Any] = {"fleet": fleet}
        out["push"] = run_workflow(fleet, tag_push("v1.0.0"), 101, secrets=secrets)
        out["after_push"] = {t: repo_state(b) for t, b in fleet["bares"].items()}
        tag(fleet, "v1.1.0")
        out["dry"] = run_workflow(fleet, dispatch("v1.1.0", dry_run=True), 102, secrets=secrets)
        out["after_dry"] = {t: repo_state(b) for t, b in fleet["bares"].items()}
        out["files_before_major"] = downstream(fleet["bares"]["high"])
        tag(fleet, "v2.0.0")
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
                 ("sync-downstream.yml", "notify-failure"): {"issues"},
                 ("sync-downstream.yml", "dashboard"): {"issues"},
                 ("release.yml", "release"): {"contents"}}
    for jid, job in wf["jobs"].items():
        assert isinstance(job.get("permissions"), dict), jid
        # Only the cache jobs hold no token at all (a cache restore can run anything there).
        assert job["permissions"] or (path.name, jid) in CACHE_JOBS, jid
        assert set(job["permissions"].values()) <= {"read", "write"}
        writes = {k for k, v in job["permissions"].items() if v == "write"}
        assert writes <= may_write.get((path.name, jid), set()), (jid, writes)
        assert "env" not in job or "secrets." not in json.dumps(job["env"]), jid
        for step in job.get("steps", []):
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False, jid


@pytest.mark.parametrize("path", [SYNC_WF, WAVE_WF, WORKFLOWS / "rollback.yml"],
                         ids=lambda p: p.name)
def test_every_job_installs_skillsync_from_the_workflows_own_commit(path: Path) -> None:
    """The reusable workflows never install skillsync by name or from the caller's tree:
    each job checks skillsync out at job.workflow_sha and installs that checkout through
    the composite action, which refuses any other commit (expect-sha)."""
    for jid, job in load(path)["jobs"].items():
        if "uses" in job:        # a call of sync-wave.yml, whose jobs this test checks too
            continue
        if (path.name, jid) in CACHE_JOBS:   # they run no skillsync (test_workflow_cache.py)
            assert not any("skillsync-" in str(s.get("run", "")).replace(
                "skillsync-cache", "").replace("skillsync-records", "")
                for s in job["steps"]), jid
            continue
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
        ("sync-wave.yml", "sync", "Sync the targets"),
        ("sync-downstream.yml", "notify", "Notify the owners of failed targets"),
        ("sync-downstream.yml", "notify-failure", "Notify"),
        ("sync-downstream.yml", "dashboard", "Read every downstream"),
        ("rollback.yml", "rollback", "Roll back")}
    # Every secret is read by name (never secrets[...] or toJSON(secrets): that would
    # send the whole secrets context to the runner).
    for path in [*all_workflows(), *TEMPLATES.glob("*.yml")]:
        assert "secrets[" not in path.read_text() and "toJSON(secrets" not in path.read_text()
        assert "secrets: inherit" not in path.read_text(), path


def test_one_sync_job_called_once_per_wave_each_after_the_one_before() -> None:
    """Issue 14: one definition of the sync job (sync-wave.yml), not copies kept identical;
    issue 15: one call per wave, wave N only after wave N-1 succeeded (a dry run plans
    every wave), the matrix of each wave from the plan job's wave_N output."""
    jobs = load(SYNC_WF)["jobs"]
    calls = {jid: job for jid, job in jobs.items() if "uses" in job}
    assert list(calls) == WAVE_JOBS
    for w, jid in enumerate(WAVE_JOBS):
        job = calls[jid]
        assert job["uses"] == "./.github/workflows/sync-wave.yml"
        assert job["with"] == {"wave": str(w), "matrix": f"${{{{ needs.plan.outputs.wave_{w} }}}}",
                               "dry_run": "${{ needs.plan.outputs.dry_run }}",
                               "allow_major": "${{ needs.plan.outputs.allow_major }}"}
        assert job["permissions"] == {"contents": "read"}
        if w == 0:
            # The canary wave also waits for the cache, but not on its success.
            assert job["needs"] == ["plan", "cache-restore"]
            assert " ".join(job["if"].split()) == (
                "!cancelled() && needs.plan.result == 'success' && "
                "needs.plan.outputs.has_wave_0 == 'true'")
        else:
            assert job["needs"] == ["plan", f"wave-{w - 1}"]
            cond = " ".join(job["if"].split())
            assert cond == (f"!cancelled() && needs.plan.result == 'success' && "
                            f"needs.plan.outputs.has_wave_{w} == 'true' && "
                            f"(needs.wave-{w - 1}.result == 'success' || "
                            "needs.plan.outputs.dry_run == 'true')")
    assert {f"wave_{w}" for w in range(matrix.WAVES)} <= set(jobs["plan"]["outputs"])
    assert jobs["report"]["needs"] == ["plan", *WAVE_JOBS]
    # Nothing else syncs: the only sync step is sync-wave.yml's.
    for path in all_workflows():
        for jid, job in load(path)["jobs"].items():
            for step in job.get("steps", []):
                if re.search(r"skillsync-sync(-target)?\b", step.get("run", "")):
                    assert (path, jid, step["name"]) == (WAVE_WF, "sync", "Sync the targets")
    wave = load(WAVE_WF)
    assert set(wave["on"]) == {"workflow_call"}
    [sync] = wave["jobs"].values()
    assert sync["strategy"] == {"fail-fast": False, "max-parallel": 16,
                                "matrix": "${{ fromJSON(inputs.matrix) }}"}


def test_environments_create_deployments_only_for_live_syncs() -> None:
    """A job that names an environment records a deployment unless it says otherwise
    (GitHub's `deployment: false`): the sync and rollback jobs only when live, the jobs
    that use an environment as a store of secrets (notify, dashboard) never."""
    live = {"sync-wave.yml": "${{ inputs.dry_run == 'false' }}",
            "rollback.yml": "${{ inputs.dry_run == 'false' }}"}
    seen = set()
    for path in all_workflows():
        for jid, job in load(path)["jobs"].items():
            if "environment" not in job:
                continue
            env = job["environment"]
            assert isinstance(env, dict) and set(env) == {"name", "deployment"}, (path, jid)
            assert env["deployment"] == live.get(path.name, False), (path.name, jid)
            seen.add((path.name, jid))
    assert seen == {("sync-wave.yml", "sync"), ("rollback.yml", "rollback"),
                    ("sync-downstream.yml", "notify"), ("sync-downstream.yml", "notify-failure"),
                    ("sync-downstream.yml", "dashboard")}


def test_artifact_names_never_collide_and_only_one_writer_overwrites() -> None:
    """Every artifact a job uploads is unique per job and attempt (a re-run writes a new
    one), except the two a re-run must replace, each written by one job only."""
    overwrites = set()
    for path in all_workflows():
        for jid, job in load(path)["jobs"].items():
            for step in job.get("steps", []):
                if not step.get("uses", "").startswith("actions/upload-artifact@"):
                    continue
                name = step["with"]["name"]
                if step["with"].get("overwrite"):
                    overwrites.add((path.name, jid, name))
                else:
                    assert "${{ github.run_attempt }}" in name, (path.name, jid, name)
    assert overwrites == {("sync-downstream.yml", "plan", "skillsync-plan"),
                          ("sync-downstream.yml", "cache-restore", "skillsync-cache"),
                          ("sync-downstream.yml", "report", "skillsync-run")}


def test_tagging_skillsync_runs_no_sync() -> None:
    """The pipeline is reusable only (issue 13): nothing in this repository triggers it,
    and the workflows that react to our own tags (CI, release) never sync."""
    for name in ("sync-downstream.yml", "sync-wave.yml", "rollback.yml"):
        assert set(load(WORKFLOWS / name)["on"]) == {"workflow_call"}, name
    for path in all_workflows():
        on = load(path)["on"]
        on = {on: None} if isinstance(on, str) else on
        tags = "release" in on or (isinstance(on.get("push"), dict) and "tags" in on["push"])
        text = json.dumps(load(path))   # what runs, not the comments
        if tags:
            for word in ("sync-downstream.yml", "sync-wave.yml", "rollback.yml",
                         "skillsync-sync", "sync-target", "targets/", "SKILLSYNC_TARGET"):
                assert word not in text, f"{path.name} runs on a tag and mentions {word}"
    release = load(WORKFLOWS / "release.yml")
    assert release["on"] == {"push": {"tags": ["v*"]}}
    assert release["jobs"]["ci"]["uses"] == "./.github/workflows/ci.yml"
    assert release["jobs"]["release"]["needs"] == "ci"


def test_triggers_and_concurrency() -> None:
    """The reusable workflows take their inputs as strings and hold no concurrency group
    (the caller holds it: the same group in both would deadlock); the adopter's callers
    keep the triggers and the dispatch inputs, the sync in one group, the rollback in a
    group of its own (a sync waiting for approval never blocks an incident's rollback)."""
    called = load(SYNC_WF)
    for name in ("sync-downstream.yml", "sync-wave.yml", "rollback.yml"):
        assert "concurrency" not in load(WORKFLOWS / name), name
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
    assert caller["concurrency"] == {"group": "skillsync-sync-${{ github.repository }}",
                                     "cancel-in-progress": False}
    assert load(TEMPLATES / "rollback.yml")["concurrency"] == {
        "group": "skillsync-rollback-${{ github.repository }}", "cancel-in-progress": False}


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


# =============================================================================
# Running sync-downstream.yml
# =============================================================================

def test_tag_push_syncs_four_waves_one_after_another(history: dict[str, Any]) -> None:
    emu, run = history["push"]
    fleet = history["fleet"]
    assert run.results == {
        "sync/validate": "success", "sync/plan": "success",
        **{f"sync/{j}": "success" for j in WAVE_JOBS},
        **{f"sync/{j}/sync": "success" for j in WAVE_JOBS},
        "sync/report": "success", "sync/notify": "success", "sync/notify-failure": "skipped",
        "sync/dashboard": "success", "sync/cache-restore": "success",
        "sync/cache-save": "success", "sync": "success"}, run.failures()
    # The adopter's workflow called skillsync's reusable workflow at the pinned commit, and
    # it called sync-wave.yml from that same commit for each wave.
    pinned = f"{skillsync_identity()}/.github/workflows/%s@{fleet['sha']}"
    assert run.called == {"sync": pinned % "sync-downstream.yml",
                          **{f"sync/{j}": pinned % "sync-wave.yml" for j in WAVE_JOBS}}
    # The emulator starts ready jobs in REVERSE file order, so only `needs:` can have put
    # the waves in this order: canary, low, medium, high.
    assert [j for j in run.order if j.endswith("/sync")] == \
        [f"sync/{j}/sync" for j in WAVE_JOBS]
    assert [synced_ids(run, w) for w in range(4)] == [["canary"], ["low"], ["mid-a"], ["high"]]
    # And the log agrees: every event of a wave comes before the first of the next.
    events = [json.loads(x) for x in (merged_run(emu) / "log.jsonl").read_text().splitlines()]
    order = ["canary", "low", "mid-a", "high"]
    for before, after in itertools.pairwise(order):
        assert max(e["ts"] for e in events if e.get("target") == before) < \
            min(e["ts"] for e in events if e.get("target") == after), (before, after)
    assert statuses(emu) == {t: "synced" for t in order}
    for tid in order:
        assert ".agents/skills/alpha/SKILL.md" in downstream(fleet["bares"][tid])
    assert "## skillsync 1.0.0 — success" in run.summary()
    sync = run.step("sync/wave-0/sync", "Sync the targets")
    assert sync.env["IDS"] == "canary" and sync.env["DRY_RUN"] == "false"
    assert "skillsync-sync" in sync.script and "--source" not in sync.script
    # The manifest names the origin (as on GitHub) and the checkout it was built from;
    # every step read that checkout (issue 13).
    manifest = json.loads((merged_run(emu) / "manifest.json").read_text())
    assert manifest["source"]["repo"] == ORIGIN and manifest["source"]["ref"] == "v1.0.0"
    assert manifest["source"]["checkout"] == "."
    plan = json.loads((merged_run(emu) / "plans" / "canary.json").read_text())
    assert plan["decision"] == "update"
    # skillsync was installed in every job from its checkout at the pinned commit.
    for s in run.steps():
        if s.name == "Install skillsync":
            assert s.status == "success", s.stderr
    for leg in [*run.jobs["sync/plan"], *legs(run, 3)]:
        assert git("rev-parse", "HEAD", cwd=leg.workspace / ".skillsync/action") == fleet["sha"]


def test_wave_matrices_round_trip_through_job_outputs(history: dict[str, Any]) -> None:
    emu, run = history["push"]
    fleet = history["fleet"]
    outputs = run.outputs["sync/plan"]
    assert outputs["ref"] == "v1.0.0" and outputs["dry_run"] == "false"
    assert outputs["superseded"] == "" and outputs["planned"] == "true"
    routed = subprocess.run(
        [str(ROOT / "scripts" / "route-targets"), "--manifest",
         str(merged_run(emu) / "manifest.json"), "--targets", str(fleet["targets"]), "--matrix"],
        capture_output=True, text=True, check=True, timeout=60).stdout
    want = {e["id"]: e["wave"] for e in json.loads(routed)["include"]}
    got = {i: leg.matrix["wave"] for w in range(4) for leg in legs(run, w)
           for i in leg.matrix["ids"]}
    assert got == want
    for w in range(matrix.WAVES):
        value = outputs[f"wave_{w}"]
        assert "\n" not in value
        assert json.dumps(json.loads(value), separators=(",", ":"), sort_keys=True) == value
    saved = json.loads((merged_run(emu) / "matrix.json").read_text())
    assert [{"include": json.loads(outputs[f"wave_{w}"])["include"]} for w in range(4)] == \
        [{"include": m["include"]} for m in saved["wave_jobs"]]


def test_each_sync_job_holds_only_its_own_targets_secret(history: dict[str, Any]) -> None:
    """mid-a's token lives in the environment skillsync-mid-a; its job is the only one
    there, the only one that receives it, and it exports it under the name the target
    file gives. The other targets' jobs run in skillsync-fleet and receive no target
    secret; no repository secret reaches the called workflow."""
    emu, run = history["push"]
    envs = {}
    for w in range(4):
        for leg in legs(run, w):
            step = next(s for s in leg.steps if s.name == "Sync the targets")
            envs[tuple(leg.matrix["ids"])] = (leg.environment, step.env["SKILLSYNC_AUTH_VALUE"],
                                              step.env["AUTH_ENV"])
    assert envs == {("canary",): ("skillsync-fleet", "", ""), ("low",): ("skillsync-fleet", "", ""),
                    ("mid-a",): ("skillsync-mid-a", SECRET, "MID_A_TOKEN"),
                    ("high",): ("skillsync-fleet", "", "")}
    # mid-a synced live, which needs MID_A_TOKEN set: the step re-exported it by name.
    assert statuses(emu)["mid-a"] == "synced"
    for path in run.artifacts.values():
        for f in path.rglob("*"):
            if f.is_file():
                assert SECRET not in f.read_text(errors="replace"), f
    assert SECRET not in run.stdout()
    assert "repo-level-secret-never-passed" not in json.dumps(
        [s.env for s in run.steps()])


def test_live_syncs_are_deployments_dry_runs_are_not(history: dict[str, Any]) -> None:
    _, live = history["push"]
    _, dry = history["dry"]
    assert {leg.deployment for w in range(4) for leg in legs(live, w)} == {True}
    assert {leg.deployment for w in range(4) for leg in legs(dry, w)} == {False}
    # The dry run still ran in the target's environment: it may need its credential to read.
    assert {leg.environment for leg in legs(dry, 2)} == {"skillsync-mid-a"}
    assert {leg.deployment for k in ("sync/notify", "sync/dashboard")
            for leg in live.jobs[k]} == {False}


def test_no_artifact_is_overwritten_while_a_job_can_read_it(history: dict[str, Any]) -> None:
    """The race of issue 15: notify re-uploaded skillsync-run while dashboard downloaded it.
    Each artifact is written once per run here, and every reader needs its writer."""
    _, run = history["push"]

    def after(key: str) -> set[str]:
        """The jobs that start only after `key` finished: those that need it or a call
        job that holds it (transitively), and the jobs of those that are calls."""
        parts = key.split("/")
        out: set[str] = set()
        frontier = {"/".join(parts[:i]) for i in range(1, len(parts) + 1)}
        while frontier:
            frontier = {k for k, ns in run.needs.items() if frontier & set(ns)} - out
            out |= frontier
        return out | {k for k in run.needs if any(k.startswith(p + "/") for p in out)}

    writes: dict[str, list[str]] = {}
    for ev in run.artifact_log:
        if ev.op == "upload":
            writes.setdefault(ev.name, []).append(ev.job)
    assert all(len(jobs) == 1 for jobs in writes.values()), writes
    for ev in run.artifact_log:
        if ev.op == "download" and ev.name in writes:
            [writer] = writes[ev.name]
            assert ev.job in after(writer), (ev.name, writer, ev.job)
    # No skillsync-cache: the first run starts cold. No records from wave 2: its one job
    # holds mid-a's own secret and keeps no cache.
    assert sorted(writes) == sorted([
        "skillsync-plan", "skillsync-run", "skillsync-notify-a1",
        *(f"skillsync-part-w{w}-c0-a1" for w in range(4)),
        *(f"skillsync-records-w{w}-c0-a1" for w in (0, 1, 3))])


def test_manual_dry_run_writes_nothing_and_notifies_nobody(history: dict[str, Any]) -> None:
    emu, run = history["dry"]
    assert history["after_dry"] == history["after_push"]
    assert set(statuses(emu).values()) == {"planned"}
    assert run.results["sync/notify"] == "skipped" and run.results["sync/report"] == "success"
    assert run.results["sync/notify-failure"] == "skipped"
    assert run.step("sync/wave-0/sync", "Sync the targets").env["DRY_RUN"] == "true"
    assert "**dry run**" in run.summary()


def test_release_published_major_halts_targets_without_opt_in(history: dict[str, Any]) -> None:
    emu, run = history["major"]
    assert run.outputs["sync/plan"]["ref"] == "v2.0.0"
    assert statuses(emu) == {"canary": "halted", "low": "halted", "mid-a": "halted",
                             "high": "synced"}
    # The only target that takes v2.0.0 becomes the canary wave; the halted ones are
    # never touched, and nothing from the release text ran.
    assert synced_ids(run, 0) == ["high"]
    assert run.results["sync/wave-1"] == "skipped"
    for tid in ("canary", "low", "mid-a"):
        assert history["after_major"][tid] == history["after_push"][tid]
    assert b"breaking" in history["files_after_major"][".agents/skills/alpha/SKILL.md"]
    assert not list(history["fleet"]["root"].rglob("pwned-body"))
    assert run.results["sync/report"] == "failure"          # halted => the run is not green
    assert run.step("sync/report", "Fail when a target failed or was halted").rc == 3
    merge = run.step("sync/report", "Merge the run directories")
    assert "::warning title=skillsync canary%3A halted::semver-major" in merge.stdout
    assert run.results["sync/notify"] == "success"


# -- a failed wave ------------------------------------------------------------------------

def reject_pushes(bare: Path, why: str) -> Path:
    hook = bare / "hooks" / "pre-receive"
    hook.write_text(f"#!/bin/sh\necho '{why}' >&2\nexit 1\n")
    hook.chmod(0o755)
    return hook


@pytest.fixture(scope="module")
def failed_wave(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A tag push to a four-wave fleet whose low wave fails (one of its two targets
    rejects the push), with the loopback GitHub and Slack; then, once the downstream is
    fixed, GitHub's "Re-run failed jobs" of the same run."""
    with github_home(tmp_path_factory), FakeGitHub(token=TOKEN) as gh, \
            WebhookReceiver() as slack:
        fleet = workspace_fleet(tmp_path_factory.mktemp("failing"), {
            "c": {"risk": "canary"}, "l1": {"risk": "low"},
            "l2": {"risk": "low", "notify": "{slack: true}"},
            "m": {"risk": "medium"}, "h": {"risk": "high"}}, tags=("v1.0.0",))
        hook = reject_pushes(fleet["bares"]["l2"], "protected branch: main needs a review")
        before = {t: repo_state(b) for t, b in fleet["bares"].items()}
        secrets = {"skillsync-notify": {"SKILLSYNC_SLACK_WEBHOOK_URL": slack.url + SLACK_PATH}}
        kw = {"secrets": secrets, "api_url": gh.url, "token": TOKEN}
        emu, run = run_workflow(fleet, tag_push("v1.0.0"), 201, **kw)
        first = {"emu": emu, "run": run, "summary": summary_of(emu),
                 "slack": slack.bodies(),
                 "issues": [(i.title, i.state, i.body) for i in gh.issues(REPOSITORY)
                            if "skillsync-failure" in i.labels],
                 "after": {t: repo_state(b) for t, b in fleet["bares"].items()}}
        hook.unlink()
        emu2, rerun = run_workflow(fleet, tag_push("v1.0.0"), 201, run_attempt=2, previous=run,
                                   **kw)
        yield {"fleet": fleet, "before": before, "first": first, "emu2": emu2, "rerun": rerun,
               "issues": [(i.title, i.state) for i in gh.issues(REPOSITORY)
                          if "skillsync-failure" in i.labels],
               "slack": slack.bodies()}


def test_a_failed_wave_stops_the_later_waves_which_are_not_attempted(failed_wave: dict) -> None:
    first = failed_wave["first"]
    run = first["run"]
    assert [run.results[f"sync/{j}"] for j in WAVE_JOBS] == \
        ["success", "failure", "skipped", "skipped"]
    assert synced_ids(run, 1) == ["l1", "l2"]      # two jobs of the low wave, one failed
    assert {tuple(leg.matrix["ids"]): leg.result for leg in legs(run, 1)} == {
        ("l1",): "success", ("l2",): "failure"}
    # m and h were never touched, and the report says so.
    assert first["after"]["m"] == failed_wave["before"]["m"]
    assert first["after"]["h"] == failed_wave["before"]["h"]
    assert {t["id"]: t["status"] for t in first["summary"]["targets"]} == {
        "c": "synced", "l1": "synced", "l2": "failed", "m": "not-attempted",
        "h": "not-attempted"}
    merge = run.step("sync/report", "Merge the run directories")
    assert "::error title=skillsync l2%3A failed::" in merge.stdout
    assert "protected branch" in merge.stdout
    assert "(roll back: scripts/rollback --run gh-201 --target l2)" in merge.stdout
    assert "::error title=skillsync m%3A not-attempted::not attempted" in merge.stdout
    assert run.results["sync/report"] == "failure"
    assert "### Failed: fix, then re-sync" in run.summary()


def test_a_failed_wave_notifies_its_owners(failed_wave: dict) -> None:
    """Someone is told: the failed target's issue in the skills repository and a Slack
    message with its error, from the notify job of the live run."""
    first = failed_wave["first"]
    assert first["run"].results["sync/notify"] == "success", first["run"].failures()
    [message] = first["slack"]
    assert "l2" in message["text"] and "protected branch" in message["text"]
    [(title, state, body)] = first["issues"]
    assert (title, state) == ("skillsync: sync to l2 is failing", "open")
    assert "protected branch" in body
    # The delivery record is an artifact of its own; skillsync-run is the report's.
    record = json.loads((first["emu"].store / "skillsync-notify-a1" / "notify.json").read_text())
    assert record["channels"]["slack"]["status"] == "delivered"


def test_rerunning_the_failed_jobs_finishes_the_release(failed_wave: dict) -> None:
    """Re-run failed jobs: the plan and the jobs that succeeded are not run again (their
    artifacts stand), the failed job runs as attempt 2 and uploads a part of its own, the
    stopped waves run, and the report merges each job's latest attempt: every target is
    synced once, and the failure issue closes."""
    rerun, emu2 = failed_wave["rerun"], failed_wave["emu2"]
    assert rerun.results["sync/plan"] == "success" and "sync/plan" not in \
        [k for k in rerun.order]
    assert [rerun.results[f"sync/{j}"] for j in WAVE_JOBS] == ["success"] * 4, rerun.failures()
    assert {tuple(leg.matrix["ids"]): leg.attempt for leg in legs(rerun, 1)} == {
        ("l1",): 1, ("l2",): 2}
    assert {leg.attempt for w in (2, 3) for leg in legs(rerun, w)} == {2}
    assert statuses(emu2) == {t: "synced" for t in ("c", "l1", "l2", "m", "h")}
    parts = sorted(p.name for p in emu2.store.glob("skillsync-part-*"))
    assert parts == ["skillsync-part-w0-c0-a1", "skillsync-part-w1-c0-a1",
                     "skillsync-part-w1-c1-a1", "skillsync-part-w1-c1-a2",
                     "skillsync-part-w2-c0-a2", "skillsync-part-w3-c0-a2"]
    for tid, bare in failed_wave["fleet"]["bares"].items():
        log = git("--git-dir", str(bare), "log", "--format=%s", "main").splitlines()
        assert sum("1.0.0" in line for line in log) == 1, (tid, log)
    assert failed_wave["issues"] == [("skillsync: sync to l2 is failing", "closed")]


# -- validate and plan failures -------------------------------------------------------------

def test_a_failed_validate_notifies_with_the_error(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A broken target file on a release tag: validate fails, nothing is planned, and the
    error reaches the skills repository's issue for that step and Slack; a second failing
    run comments on that issue instead of opening another."""
    fleet = workspace_fleet(tmp_path / "v", {"ok": {"risk": "low"}}, tags=("v1.0.0",))
    (fleet["targets"] / "broken.yaml").write_text("id: broken\nmechanism: push\nrisk: extreme\n")
    monkeypatch.chdir(tmp_path)
    with FakeGitHub(token=TOKEN) as gh, WebhookReceiver() as slack:
        secrets = {"skillsync-notify": {"SKILLSYNC_SLACK_WEBHOOK_URL": slack.url + SLACK_PATH}}
        runs = [emulator(fleet, "sync-downstream.yml", tag_push("v1.0.0"), 700 + i,
                         secrets=secrets, api_url=gh.url, token=TOKEN).execute()
                for i in range(2)]
        issues = [(i.title, i.state, i.body, [c.get("body", "") for c in i.comments])
                  for i in gh.issues(REPOSITORY)]
        bodies = slack.bodies()
    run = runs[0]
    assert run.results["sync/validate"] == "failure"
    assert all(run.results[f"sync/{j}"] == "skipped" for j in ("plan", *WAVE_JOBS, "report",
                                                                "notify", "dashboard"))
    assert run.results["sync/notify-failure"] == "success", run.failures()
    assert len(bodies) == 2
    assert "the validate step failed" in bodies[0]["text"]
    assert "broken.yaml" in bodies[0]["text"] and "extreme" in bodies[0]["text"]
    [(title, state, body, comments)] = issues          # one issue for both runs
    assert (title, state) == ("skillsync: the validate step is failing", "open")
    assert "<!-- skillsync:pipeline=validate -->" in body and "extreme" in body
    assert len(comments) == 1 and comments[0].startswith("Failed again")
    assert "/actions/runs/701" in comments[0]        # the second run's link


def test_a_failed_plan_notifies_with_the_error(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A release tag whose SKILL.md is broken: validation in the plan job fails, nothing is
    synced, and the error (naming the file) reaches the plan step's issue and Slack."""
    fleet = workspace_fleet(tmp_path / "p", {"ok": {"risk": "low"}}, tags=("v1.0.0",))
    src = fleet["source"]
    (src / "skills" / "alpha" / "SKILL.md").write_text("---\nname: alpha\n---\n\n# alpha\n")
    git("commit", "-qam", "a broken skill", cwd=src)
    git("tag", "v1.0.1", cwd=src)
    before = repo_state(fleet["bares"]["ok"])
    monkeypatch.chdir(tmp_path)
    with FakeGitHub(token=TOKEN) as gh, WebhookReceiver() as slack:
        secrets = {"skillsync-notify": {"SKILLSYNC_SLACK_WEBHOOK_URL": slack.url + SLACK_PATH}}
        _, run = run_workflow(fleet, tag_push("v1.0.1"), 750, secrets=secrets, api_url=gh.url,
                              token=TOKEN)
        issues = [(i.title, i.body) for i in gh.issues(REPOSITORY)]
        bodies = slack.bodies()
    assert run.results["sync/plan"] == "failure"
    assert run.step("sync/plan", "Build the manifest and validate the release").status == \
        "failure"
    assert run.results["sync/notify-failure"] == "success", run.failures()
    [(title, body)] = issues
    assert title == "skillsync: the plan step is failing"
    assert "skills/alpha/SKILL.md" in body
    [message] = bodies
    assert "the plan step failed" in message["text"]
    assert "skills/alpha/SKILL.md" in message["text"]
    assert repo_state(fleet["bares"]["ok"]) == before


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
    step = run.step("sync/plan", "Resolve the release from the event")
    assert step.status == "failure" and step.rc == 2
    assert "::error title=" in step.stdout
    assert run.results["sync/plan"] == "failure"
    assert all(run.results[f"sync/{j}"] == "skipped" for j in (*WAVE_JOBS, "report", "notify"))
    # The plan failure is reported (no channel is configured here: each says skipped).
    assert run.results["sync/notify-failure"] == "success", run.failures()
    [record] = (emu.store / "skillsync-failure-plan-a1").iterdir()
    assert "refusing ref" in record.read_text() or "bad targets" in record.read_text() \
        or "must be true or false" in record.read_text()
    assert not list(tmp_path.rglob("pwned")), "event text was executed"
    assert not (ROOT / "pwned").exists()
    assert repo_state(fleet["bares"]["canary"]) == before
    assert sorted(p.name for p in emu.store.glob("*")) == ["skillsync-failure-plan-a1"]


def test_a_release_older_than_the_newest_tag_is_superseded(tmp_path: Path) -> None:
    """A release published later for an older tag (or its tag push, re-run) stops in the
    plan job with a notice, successfully: no wave, report or notification runs, and no
    target is asked to downgrade. A pre-release of a later version does not supersede a
    stable release."""
    fleet = workspace_fleet(tmp_path / "s", {"t": {"risk": "low"}}, tags=("v1.0.0", "v1.1.0"))
    git("tag", "v1.2.0-rc.1", fleet["commits"]["v2.0.0"], cwd=fleet["source"])
    before = repo_state(fleet["bares"]["t"])
    emu, run = run_workflow(fleet, release_published("v1.0.0"), 801)
    assert run.results["sync/plan"] == "success" and run.results["sync"] == "success"
    assert run.outputs["sync/plan"]["superseded"] == "v1.1.0"
    step = run.step("sync/plan", "Stop when a newer release supersedes this one")
    assert ("::notice title=superseded by v1.1.0::release v1.0.0 is older than v1.1.0: "
            "nothing was synced") in step.stdout
    skipped = [*WAVE_JOBS, "report", "notify", "notify-failure", "dashboard"]
    assert {run.results[f"sync/{j}"] for j in skipped} == {"skipped"}
    assert run.step("sync/plan", "Build the manifest and validate the release").status == \
        "skipped"
    assert repo_state(fleet["bares"]["t"]) == before
    assert not list(emu.store.glob("*"))
    # The newest stable release is not superseded by the release candidate.
    _, newest = run_workflow(fleet, release_published("v1.1.0"), 802, only={"plan"})
    assert newest.outputs["sync/plan"]["superseded"] == ""
    assert newest.outputs["sync/plan"]["planned"] == "true"


def test_github_app_targets_share_a_job_each_with_its_own_token(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pooled sync job, for real: four App targets of one wave in two jobs of two
    (the plan told to use at most 2 jobs a wave, as a 1,000-target wave would use 256), in
    the environment skillsync-fleet, which holds the App's key and nothing of any target.
    Each job mints one token per target, scoped to its repository, and syncs its chunk
    with the worker pool; no key or token ends up in a log, output or artifact."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from skillsync.devservers.git_http import GitHttpServer

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    served = tmp_path / "served"
    (served / "acme").mkdir(parents=True)
    names = ("a", "b", "c", "d")
    with FakeGitHub(token=TOKEN) as gh, \
            GitHttpServer(served, token=TOKEN, authorize=gh.git_access) as srv:
        gh.register_app("4242", public, permissions={"contents": "write", "metadata": "read"})
        gh.install_app("4242", "acme", repositories=list(names))
        root = tmp_path / "app"
        root.mkdir()
        src = make_source(root)
        for t in ("v1.1.0", "v2.0.0"):
            git("tag", "-d", t, cwd=src)
        tdir = root / "targets"
        tdir.mkdir()
        for n in names:
            make_bare_remote(served / "acme", n)
            (tdir / f"app-{n}.yaml").write_text(target_yaml(
                f"app-{n}", srv.url_for(f"acme/{n}.git"), risk="low",
                auth="{method: github-app}"))
        fleet = with_skillsync({"root": root, "source": src, "targets": tdir})
        # The plan with at most 2 jobs a wave: a patched commit of skillsync's repository.
        repo = fleet["actions"][skillsync_identity()]
        wf = repo / ".github/workflows/sync-downstream.yml"
        text = wf.read_text()
        assert text.count("--waves --github-output") == 1
        wf.write_text(text.replace("--waves --github-output", "--waves --chunk-size 2 "
                                   "--github-output"))
        git("commit", "-qam", "two jobs a wave", cwd=repo)
        sha = git("rev-parse", "HEAD", cwd=repo)
        fleet["callers"] = {n: adopter_workflow(root / "adopter-workflows", n, sha)
                            for n in ("sync-downstream.yml",)}
        monkeypatch.setenv("SKILLSYNC_CACHE", str(tmp_path / "cache"))
        emu, run = run_workflow(
            fleet, tag_push("v1.0.0"), 901, api_url=gh.url, token=TOKEN,
            secrets={"skillsync-fleet": {"SKILLSYNC_GITHUB_APP_PRIVATE_KEY": pem}},
            variables={"skillsync-fleet": {"SKILLSYNC_GITHUB_APP_ID": "4242"}})
        grants = list(gh.apps.grants.items())
    assert run.results["sync/wave-0"] == "success", run.failures()
    assert [(leg.matrix["ids"], leg.environment) for leg in legs(run, 0)] == [
        (["app-a", "app-b"], "skillsync-fleet"), (["app-c", "app-d"], "skillsync-fleet")]
    for leg in legs(run, 0):
        step = next(s for s in leg.steps if s.name == "Sync the targets")
        assert step.env["SKILLSYNC_AUTH_VALUE"] == "" and step.env["SKILLSYNC_RATE_SHARE"] == "1/2"
    assert statuses(emu) == {f"app-{n}": "synced" for n in names}
    by_repo = {next(iter(g.repositories)): (t, g) for t, g in grants}
    assert sorted(by_repo) == [f"acme/{n}" for n in names] and len(grants) == 4
    for repo_name, (_, grant) in by_repo.items():
        assert grant.uses and all(u.endswith(repo_name) for u in grant.uses), grant.uses
    blobs = [run.stdout(), json.dumps([st.stderr for st in run.steps()])]
    blobs += [f.read_text(errors="replace") for p in run.artifacts.values()
              for f in p.rglob("*") if f.is_file()]
    for token, _ in grants:
        assert not any(token in b for b in blobs)
    assert not any("PRIVATE KEY" in b for b in blobs)


def test_chunking_at_scale_every_target_once_never_two_waves_in_a_job(tmp_path: Path) -> None:
    """600 targets (the plan only: the per-target sync is the same step the runs above
    prove on real repositories): every wave's matrix holds at most 256 jobs, a token
    target has a job of its own, every target is in exactly one job, of its wave."""
    root = tmp_path / "big"
    root.mkdir()
    src = make_source(root)
    bare = make_bare_remote(root, "shared")
    tdir = root / "targets"
    tdir.mkdir()
    risks = {}
    for i in range(600):
        risk = "canary" if i < 2 else "low" if i < 12 else "medium" if i % 2 else "high"
        auth = {"auth": f"{{method: token, env: T{i}_TOKEN}}"} if i in (3, 101, 102) else {}
        risks[f"t{i:03d}"] = risk
        (tdir / f"t{i:03d}.yaml").write_text(target_yaml(f"t{i:03d}", bare, risk=risk, **auth))
    for t in ("v1.1.0", "v2.0.0"):
        git("tag", "-d", t, cwd=src)
    fleet = with_skillsync({"root": root, "source": src, "targets": tdir})
    _, run = run_workflow(fleet, tag_push("v1.0.0"), 401, only={"plan"})
    assert run.results["sync/plan"] == "success", run.failures()
    out = run.outputs["sync/plan"]
    assert out["count"] == "600"
    seen: list[str] = []
    tiers = ("canary", "low", "medium", "high")
    for w in range(4):
        jobs = json.loads(out[f"wave_{w}"])["include"]
        assert out[f"has_wave_{w}"] == "true" and 1 <= len(jobs) <= 256
        for job in jobs:
            assert {risks[i] for i in job["ids"]} == {tiers[w]}
            assert job["rate_share"] == f"1/{len(jobs)}"
            if job["environment"] != "skillsync-fleet":
                assert job["ids"] == [job["environment"].removeprefix("skillsync-")]
            seen += job["ids"]
    assert sorted(seen) == sorted(risks) and len(seen) == 600
    solo = {json.loads(out[f"wave_{w}"])["include"][k]["ids"][0]
            for w in range(4) for k, j in enumerate(json.loads(out[f"wave_{w}"])["include"])
            if j["auth_env"]}
    assert solo == {"t003", "t101", "t102"}
    # 294 medium targets: t101 alone, the other 293 in 147 jobs of at most 2; same for high.
    assert [len(json.loads(out[f"wave_{w}"])["include"]) for w in range(4)] == [2, 10, 148, 148]


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
    assert run.results["sync/validate"] == "success", run.failures()


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
    assert run.results == {"undo/prepare": "success", "undo/rollback": "success",
                           "undo": "success"}, run.failures()
    [leg] = run.jobs["undo/rollback"]
    assert leg.matrix["id"] == "high"
    assert (leg.environment, leg.deployment) == ("skillsync-fleet", True)
    # Every file of the target is as it was before run 103 synced v2.0.0 into it.
    assert downstream(history["fleet"]["bares"]["high"]) == history["files_before_major"]
    summary = run.summary()
    assert "### rollback `high` (exit 0)" in summary
    assert "verified: .agents/skills on main byte-identical to the snapshot" in summary
    step = run.step("undo/rollback", "Roll back")
    assert step.env["DRY_RUN"] == "false" and step.env["TARGET_ID"] == "high"
    assert [e.name for e in run.artifact_log if e.op == "upload"] == \
        ["skillsync-rollback-high-a1"]


@pytest.mark.parametrize(("run_id", "targets"), [
    ("123; touch pwned", "canary"), ("123", "canary $(touch pwned)"), ("$(touch pwned)", "x"),
])
def test_rollback_inputs_are_checked_before_use(tmp_path: Path, run_id: str, targets: str,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    fleet = workspace_fleet(tmp_path / "r", {"canary": {"risk": "low"}})
    monkeypatch.chdir(tmp_path)
    run = emulator(fleet, "rollback.yml", rollback_dispatch(run_id, targets, True), 601).execute()
    step = run.step("undo/prepare", "Check the inputs")
    assert step.rc == 2 and run.results["undo/rollback"] == "skipped"
    assert not list(tmp_path.rglob("pwned"))


# =============================================================================
# The plan job's library: matrices of wave jobs, superseded releases
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
    # The wave layout takes the fleet the slots refused, and a canary wave of any size.
    waves = matrix.wave_outputs(matrix.plan_matrix(_routes(300, 513), slots=None))
    # wave 0: 300 targets in 150 jobs of 2; wave 1: 257 in 129; wave 2: 256 jobs of one.
    assert [len(json.loads(waves[f"wave_{w}"])["include"]) for w in range(4)] == \
        [150, 129, 256, 0]
    assert waves["has_wave_3"] == "false" and json.loads(waves["wave_3"]) == {"include": []}


def test_a_per_target_secret_gets_a_job_and_environment_of_its_own() -> None:
    items = [{"id": f"p{i:03d}", "wave": 0} for i in range(300)]
    items += [{"id": f"s{i}", "wave": 0, "auth_env": f"S{i}_TOKEN"} for i in range(6)]
    [jobs] = matrix.wave_jobs(items)
    assert len(jobs) == 6 + 150           # the 300 others in 250 free slots: 150 jobs of 2
    alone = [j for j in jobs if len(j) == 1 and j[0].get("auth_env")]
    assert [j[0]["id"] for j in alone] == [f"s{i}" for i in range(6)]
    assert sum(len(j) for j in jobs) == 306
    assert all(not e.get("auth_env") for j in jobs if j not in alone for e in j)
    plan = matrix.plan_matrix([{**e, "decision": "sync"} for e in items], slots=None)
    entries = plan.job_entries(0)
    assert entries[0] == {"wave": 0, "chunk": 0, "ids": ["s0"], "count": 1, "name": "s0",
                          "environment": "skillsync-s0", "auth_env": "S0_TOKEN",
                          "rate_share": "1/156"}
    assert entries[6]["environment"] == "skillsync-fleet" and entries[6]["auth_env"] == ""
    assert entries[6]["name"] == "p000 .. p001 (2 targets)"
    with pytest.raises(matrix.UsageError, match=r"wave 0 has 256 targets with a per-target "
                                                r"secret.*GitHub App"):
        matrix.wave_jobs([{"id": f"s{i}", "wave": 0, "auth_env": "X"} for i in range(256)]
                         + [{"id": "p", "wave": 0}])


@pytest.mark.parametrize(("ref", "tags", "newer"), [
    ("v1.0.0", ["v1.0.0"], None),
    ("v1.0.0", ["v1.0.0", "v1.1.0", "v0.9.0"], "v1.1.0"),
    ("v1.0.0", ["v1.0.0", "v1.1.0-rc.1"], None),          # a candidate does not supersede
    ("v1.1.0-rc.1", ["v1.1.0-rc.1", "v1.1.0-rc.2"], "v1.1.0-rc.2"),
    ("v1.1.0-rc.1", ["v1.1.0-rc.1", "v1.1.0"], "v1.1.0"),
    ("v2.0.0", ["v1.9.9", "v10.0.0", "latest", "v3.0.0$(x)", "v2.0.0+build"], "v10.0.0"),
])
def test_a_release_is_superseded_only_by_a_newer_one_of_its_channel(
        ref: str, tags: list[str], newer: str | None) -> None:
    assert matrix.newer_release(ref, tags) == newer


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
    out.write_text("")
    proc = run_script("matrix-chunks", "--routes", str(routes), "--targets", str(fleet_targets),
                      "--waves", "--github-output", str(out))
    assert proc.returncode == 0, proc.stderr
    values = parse_output_file(out)
    assert [json.loads(values[f"wave_{w}"])["include"][0]["ids"] for w in (0, 1)] == [["a"], ["b"]]
    assert values["has_wave_2"] == "false" and values["jobs"] == "2"
    assert "wave 0: 1 target(s) in 1 job(s)" in proc.stderr
    routes.write_text(json.dumps([{"id": "ghost", "wave": 0, "decision": "sync"}]))
    proc = run_script("matrix-chunks", "--routes", str(routes), "--targets", str(fleet_targets))
    assert proc.returncode == 2 and "no target file" in proc.stderr
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    proc = run_script("matrix-chunks", "--newer-than", "v1.0.0$(id)", "--source", str(tmp_path))
    assert proc.returncode == 2 and "not a release tag" in proc.stderr


# =============================================================================
# Generated docs (the docs command CI runs in `nox -s validate`)
# =============================================================================

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
