"""A small GitHub Actions emulator: runs our workflows locally, for tests.

It reads a workflow's YAML and runs its jobs in `needs:` order with bash, in a GitHub-like
environment (GITHUB_OUTPUT, GITHUB_ENV, GITHUB_PATH, GITHUB_STEP_SUMMARY, GITHUB_EVENT_PATH,
GITHUB_WORKSPACE, RUNNER_TEMP; a fresh workspace and temp dir per job, as on fresh runners).
`${{ }}` expressions are evaluated by `gha_expressions` (an unknown function or context fails
the test). What it emulates, and how:

- jobs: `needs`, `if` (GitHub's implied `success() &&`), `strategy.matrix` (an `include`
  list; more than 256 entries or none fails, as GitHub refuses the run), `max-parallel`,
  `outputs`, `environment` (a name, or `{name, deployment}`: recorded per leg, and the
  environment's secrets and variables are what the leg sees), `permissions`;
- reusable workflows: `uses: OWNER/NAME/.github/workflows/F@SHA` from a registered repository
  (`actions=`) at that commit, or `uses: ./.github/workflows/F` from the same repository and
  commit as the calling workflow file (GitHub's rule, nested calls included). Inputs are
  typed and checked (unknown or missing required inputs fail); the called jobs may not ask
  for more permissions than the calling job grants, at any depth (GitHub refuses the run);
  they see no repository secret of the caller (ours pass none), only their environments';
  `job.workflow_repository` / `job.workflow_sha` name the called file. A called job's key is
  `caller/job` (`sync/plan`, `sync/wave-1/sync`), as GitHub shows it;
- steps: `run:` (bash -eo pipefail), composite actions (`uses: OWNER/NAME@SHA`, `./PATH`:
  `GITHUB_ACTION_PATH`, `inputs`, outputs), actions/checkout (the source, origin set to an
  unreachable GitHub URL as on a runner without persisted credentials, or a registered
  repository at `ref:`), setup-python (nothing), upload/download-artifact (directory copies
  with v4's rules: a name is written once per run unless `overwrite: true`, artifacts of
  earlier attempts stay visible, a pattern download puts each artifact in a folder of its
  name unless exactly one matched), actions/cache/restore and actions/cache/save (v5:
  `gha_cache`; entries kept across runs on the same root, per ref, immutable, restored by
  exact key then by prefix, newest first, from the run's ref then the default branch);
  annotations (`::error::` ...) as GitHub shows them, at
  most 10 of each level per step;
- re-runs: `run_attempt=2, previous=<the first attempt's WorkflowRun>` is "Re-run failed
  jobs": a job or matrix leg that succeeded keeps its result and outputs; failed ones run
  again, and every job that needs one of them;
- a `run:` step with id `install` (pip installing skillsync) is not run: the test interpreter
  has skillsync installed, so its scripts directory goes on the job's PATH instead.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from skillsync.matrix import MATRIX_LIMIT
from support.gha_cache import CacheEvent, CacheStore
from support.gha_expressions import Funcs, condition, interpolate, to_str, truthy
from support.gha_repositories import REPOSITORY, git, load
from support.gha_runs import (
    ArtifactEvent,
    JobRun,
    StepRun,
    WorkflowRun,
    _annotations,
    _Job,
    parse_output_file,
)

__all__ = ["Emulator", "JobRun", "StepRun", "WorkflowRun", "parse_output_file"]

_LEVEL = {"none": 0, "read": 1, "write": 2}


class Emulator:
    def __init__(self, workflow: Path, *, root: Path, source: Path, targets: Path | None,
                 event: str, payload: dict[str, Any], ref: str,
                 inputs: dict[str, Any] | None = None,
                 secrets: dict[str, dict[str, str]] | None = None,
                 variables: dict[str, dict[str, str]] | None = None, run_id: int = 4242,
                 run_attempt: int = 1, previous: WorkflowRun | None = None,
                 actions: Mapping[str, Path] | None = None,
                 job_workflow: tuple[str, str] | None = None,
                 run: WorkflowRun | None = None, machines: Iterator[int] | None = None,
                 repository_secrets: bool = True, prefix: str = "",
                 ceiling: Mapping[str, str] | None = None, fresh: bool = False,
                 api_url: str = "http://127.0.0.1:9", token: str = "") -> None:
        self.path = workflow
        self.wf = load(workflow)
        self.root = root
        self.source = source
        self.targets = targets
        self.event = event
        self.payload = payload
        self.inputs = inputs or {}
        # secrets / variables by environment name; "" holds the repository's own.
        self.secrets = secrets or {}
        self.variables = variables or {}
        self.run_id = run_id
        self.run_attempt = run_attempt
        self.previous = previous
        self.actions = dict(actions or {})
        # (repository, sha) of this workflow file: job.workflow_repository / workflow_sha.
        self.job_workflow = job_workflow or (REPOSITORY, "0" * 40)
        self.repository_secrets = repository_secrets
        self.prefix = prefix          # "caller/" for the jobs of a called workflow
        self.ceiling = ceiling        # what the calling job granted (None: the top level)
        self.fresh = fresh            # a dependent re-run: every job of this level runs again
        self.run = run or WorkflowRun()
        self.store = root / f"artifacts-{run_id}"
        # The repository's caches outlive a run (actions/cache: gha_cache).
        self.cache_store = CacheStore(root / "actions-cache")
        self.machines = machines or itertools.count(1)
        self.lock = threading.Lock()
        self.event_path = root / f"event-{run_id}.json"
        self.event_path.write_text(json.dumps(payload))
        self.ref = ref
        self.ref_name = ref.split("/", 2)[-1] if ref.startswith("refs/") else ref
        # GitHub's API for this run (a FakeGitHub) and the job token (github.token).
        self.api_url = api_url
        self.token = token

    # -- contexts ---------------------------------------------------------------
    def github_ctx(self, workspace: Path) -> dict[str, Any]:
        return {
            "event_name": self.event, "event": self.payload, "ref": self.ref,
            "ref_name": self.ref_name, "repository": REPOSITORY, "run_id": str(self.run_id),
            "run_attempt": str(self.run_attempt), "sha": "0" * 40, "token": self.token,
            "workspace": str(workspace), "server_url": "http://127.0.0.1:9",
            "api_url": self.api_url, "workflow": self.wf.get("name", ""),
        }

    def job_ctx(self) -> dict[str, Any]:
        repo, sha = self.job_workflow
        return {"status": "success", "workflow_repository": repo, "workflow_sha": sha}

    def base_env(self, job: str, workspace: Path, temp: Path) -> dict[str, str]:
        env = dict(os.environ)
        env.update({
            "CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_JOB": job.rsplit("/", 1)[-1],
            "GITHUB_WORKSPACE": str(workspace), "RUNNER_TEMP": str(temp), "RUNNER_OS": "Linux",
            "GITHUB_EVENT_NAME": self.event, "GITHUB_EVENT_PATH": str(self.event_path),
            "GITHUB_REF": self.ref, "GITHUB_REF_NAME": self.ref_name,
            "GITHUB_REPOSITORY": REPOSITORY, "GITHUB_RUN_ID": str(self.run_id),
            "GITHUB_RUN_ATTEMPT": str(self.run_attempt), "GITHUB_SHA": "0" * 40,
            "GITHUB_SERVER_URL": "http://127.0.0.1:9", "GITHUB_API_URL": self.api_url,
            # A fresh runner's empty ~/.cache/skillsync (HOME is shared by every emulated
            # runner): a workflow that keeps skillsync's cache between runs sets its own.
            "SKILLSYNC_CACHE": str(temp.parent / "home-cache" / "skillsync"),
        })
        return env

    # -- registered repositories (skillsync's, standing in for GitHub) ----------
    def _repository(self, name: str, sha: str, dest: Path) -> Path:
        assert name in self.actions, f"{name} is not a repository this emulator knows"
        assert re.fullmatch(r"[0-9a-f]{40}", sha), f"{name}@{sha}: not pinned to a full SHA"
        if not dest.exists():
            git("clone", "-q", str(self.actions[name]), str(dest))
            git("-c", "advice.detachedHead=false", "checkout", "-q", sha, cwd=dest)
        return dest

    # -- jobs -------------------------------------------------------------------
    def execute(self, only: set[str] | None = None, assume_success: set[str] = frozenset()
                ) -> WorkflowRun:
        """Run the jobs (`only`: these local job ids, plus every call; `assume_success`:
        treat these as having succeeded without running them)."""
        jobs: dict[str, Any] = self.wf["jobs"]
        key = self.prefix.__add__

        def needs_of(jid: str) -> list[str]:
            n = jobs[jid].get("needs", [])
            return [n] if isinstance(n, str) else list(n)

        for jid in jobs:
            self.run.needs[key(jid)] = [key(n) for n in needs_of(jid)]
        for jid in assume_success & set(jobs):
            self.run.results[key(jid)] = "success"
            self.run.outputs[key(jid)] = {}
        rerun, dependents = self._rerun_set(jobs, needs_of)
        pending = [j for j in jobs if j not in assume_success and
                   (only is None or j in only or "uses" in jobs[j])]
        # Ready jobs start in REVERSE file order: only `needs:` can put the canary first.
        while pending:
            ready = [j for j in pending
                     if all(key(n) in self.run.results for n in needs_of(j))]
            if not ready:
                for j in pending:  # needs a job outside `only`: never runs
                    self.run.results[key(j)] = "skipped"
                break
            jid = ready[-1]
            pending.remove(jid)
            if self.previous is not None and jid not in rerun:
                self._keep(key(jid))
            elif "uses" in jobs[jid]:
                self._call(jid, jobs[jid], needs_of(jid), only, assume_success,
                           fresh=self.fresh or jid in dependents)
            else:
                # A job re-run because it failed keeps its legs that succeeded; one re-run
                # because it needs a re-run job runs every leg again.
                self._job(jid, jobs[jid], needs_of(jid), keep_legs=self.previous is not None
                          and not self.fresh and jid not in dependents)
        return self.run

    def _rerun_set(self, jobs: dict[str, Any], needs_of: Callable[[str], list[str]]
                   ) -> tuple[set[str], set[str]]:
        """Re-run failed jobs: (the jobs to run again, those of them that run again only
        because they need a re-run job: every leg of theirs runs)."""
        if self.previous is None or self.fresh:
            return set(jobs), set(jobs) if self.fresh else set()
        prev = self.previous.results
        failed = {j for j in jobs if prev.get(self.prefix + j) in ("failure", "cancelled")}
        dependents: set[str] = set()
        frontier = set(failed)
        while frontier:
            nxt = {j for j in jobs if frontier & set(needs_of(j))} - dependents
            dependents |= nxt
            frontier = nxt
        return failed | dependents, dependents - failed

    def _keep(self, k: str) -> None:
        """A job that succeeded (or was skipped) in the previous attempt and is not re-run."""
        assert self.previous is not None
        self.run.results[k] = self.previous.results.get(k, "skipped")
        self.run.outputs[k] = self.previous.outputs.get(k, {})
        for sub in [j for j in self.previous.jobs if j == k or j.startswith(k + "/")]:
            self.run.jobs[sub] = self.previous.jobs[sub]
            self.run.results[sub] = self.previous.results.get(sub, "skipped")
            self.run.outputs[sub] = self.previous.outputs.get(sub, {})

    def _needs_ctx(self, needs: list[str]) -> dict[str, Any]:
        return {n: {"result": self.run.results.get(self.prefix + n, "skipped"),
                    "outputs": self.run.outputs.get(self.prefix + n, {})} for n in needs}

    @staticmethod
    def _job_funcs(results: list[str]) -> Funcs:
        return {
            "success": lambda: all(r == "success" for r in results),
            "failure": lambda: any(r == "failure" for r in results),
            "cancelled": lambda: False,
            "always": lambda: True,
        }

    def _vars(self, environment: str | None) -> dict[str, str]:
        return {**self.variables.get("", {}), **self.variables.get(environment or "", {})}

    def _check_permissions(self, jid: str, spec: dict[str, Any]) -> None:
        granted = spec.get("permissions")
        if self.ceiling is None:
            return
        assert isinstance(granted, dict), \
            f"{self.prefix}{jid}: a called job must say its permissions"
        for scope, level in granted.items():
            assert _LEVEL[level] <= _LEVEL[self.ceiling.get(scope, "none")], (
                f"{self.path.name} job {jid} asks for {scope}: {level}, but its caller grants "
                f"{self.ceiling.get(scope, 'none')}: GitHub refuses the whole run")

    def _call(self, jid: str, spec: dict[str, Any], needs: list[str], only: set[str] | None,
              assume_success: set[str], fresh: bool) -> None:
        """A job that calls a reusable workflow: run the called workflow's jobs here."""
        k = self.prefix + jid
        needs_ctx = self._needs_ctx(needs)
        funcs = self._job_funcs([v["result"] for v in needs_ctx.values()])
        ctx = {"github": self.github_ctx(self.root), "needs": needs_ctx, "inputs": self.inputs,
               "vars": self._vars(None), "job": self.job_ctx()}
        if not condition(spec.get("if"), ctx, funcs):
            self.run.results[k] = "skipped"
            self.run.outputs[k] = {}
            return
        self._check_permissions(jid, spec)
        uses = spec["uses"]
        local = re.fullmatch(r"\./(\.github/workflows/[\w.-]+\.ya?ml)", uses)
        if local:
            # The same repository and commit as this workflow file (GitHub's rule).
            assert self.path.parent.parts[-2:] == (".github", "workflows"), \
                f"{k}: a ./ call needs the caller in a repository's .github/workflows"
            name, sha = self.job_workflow
            path = local.group(1)
            called_path = self.path.parents[2] / path
        else:
            m = re.fullmatch(r"([\w.-]+/[\w.-]+)/(\.github/workflows/[\w.-]+\.ya?ml)@(\S+)", uses)
            assert m, f"{k}: uses {uses!r} is not OWNER/NAME/.github/workflows/F@REF or ./..."
            name, path, sha = m.groups()
            checkout = self._repository(name, sha,
                                        self.root / f"called-{name.replace('/', '-')}-{sha}")
            called_path = checkout / path
        called = load(called_path)
        assert isinstance(called.get("on"), dict) and "workflow_call" in called["on"], \
            f"{path} cannot be called: no workflow_call trigger"
        declared = (called["on"]["workflow_call"] or {}).get("inputs") or {}
        given = {n: interpolate(v, ctx, funcs) for n, v in (spec.get("with") or {}).items()}
        unknown = sorted(set(given) - set(declared))
        assert not unknown, f"{k}: {path} has no input(s) {unknown}"
        inputs: dict[str, Any] = {}
        for n, decl in declared.items():
            if n in given:
                value = given[n]
            else:
                assert not decl.get("required"), f"{k}: required input {n} not given"
                value = decl.get("default")
            kind = decl.get("type", "string")
            if kind == "boolean":
                assert value is None or isinstance(value, bool), \
                    f"{k}: input {n} is a boolean, given {value!r}"
                inputs[n] = bool(value)
            elif kind == "number":
                inputs[n] = float(value or 0)
            else:
                inputs[n] = to_str(value)
        granted = spec.get("permissions")
        assert isinstance(granted, dict), f"{k}: the calling job must grant its permissions"
        assert "secrets" not in spec, f"{k}: passes secrets to the called workflow"
        self.run.called[k] = f"{name}/{path}@{sha}"
        nested = Emulator(called_path, root=self.root, source=self.source,
                          targets=self.targets, event=self.event, payload=self.payload,
                          ref=self.ref, inputs=inputs, secrets=self.secrets,
                          variables=self.variables, run_id=self.run_id,
                          run_attempt=self.run_attempt, previous=self.previous,
                          actions=self.actions, job_workflow=(name, sha), run=self.run,
                          machines=self.machines, repository_secrets=False,
                          prefix=k + "/", ceiling=granted, fresh=fresh,
                          api_url=self.api_url, token=self.token)
        self.run.order.append(k)
        nested.execute(only=only, assume_success=assume_success)
        mine = [r for j, r in self.run.results.items() if j.startswith(k + "/")]
        self.run.results[k] = ("failure" if "failure" in mine else
                               "success" if "success" in mine else "skipped")
        outputs = (called["on"]["workflow_call"] or {}).get("outputs") or {}
        octx = {"jobs": {j: {"result": self.run.results.get(f"{k}/{j}", "skipped"),
                             "outputs": self.run.outputs.get(f"{k}/{j}", {})}
                         for j in called["jobs"]}}
        self.run.outputs[k] = {n: to_str(interpolate(o["value"], octx)) for n, o in outputs.items()}

    def _job(self, jid: str, spec: dict[str, Any], needs: list[str],
             keep_legs: bool = False) -> None:
        k = self.prefix + jid
        needs_ctx = self._needs_ctx(needs)
        job_funcs = self._job_funcs([v["result"] for v in needs_ctx.values()])
        ctx = {"github": self.github_ctx(self.root), "needs": needs_ctx, "inputs": self.inputs,
               "vars": self._vars(None), "env": dict(self.wf.get("env") or {}),
               "job": self.job_ctx()}
        if not condition(spec.get("if"), ctx, job_funcs):
            self.run.results[k] = "skipped"
            self.run.outputs[k] = {}
            self.run.jobs[k] = []
            return
        self._check_permissions(jid, spec)
        self.run.order.append(k)
        legs: list[dict[str, Any] | None] = [None]
        strategy = spec.get("strategy") or {}
        if "matrix" in strategy:
            m = interpolate(strategy["matrix"], ctx, job_funcs)
            assert isinstance(m, dict) and isinstance(m.get("include"), list), m
            assert 0 < len(m["include"]) <= MATRIX_LIMIT, "GitHub refuses this matrix"
            legs = list(m["include"])
        kept = {}
        if keep_legs and self.previous is not None:
            # Re-run failed jobs: a matrix leg that succeeded is not run again.
            kept = {json.dumps(j.matrix, sort_keys=True): j for j in self.previous.jobs.get(k, [])
                    if j.result == "success"}
        todo = [leg for leg in legs if json.dumps(leg, sort_keys=True) not in kept]
        # Legs run at once, as on GitHub, up to max-parallel (bounded here too).
        workers = max(1, min(int(strategy.get("max-parallel") or 4), 4, len(todo) or 1))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            ran = dict(zip([json.dumps(leg, sort_keys=True) for leg in todo],
                           pool.map(lambda leg: self._leg(k, spec, needs_ctx, leg), todo),
                           strict=True))
        runs = [kept.get(json.dumps(leg, sort_keys=True)) or ran[json.dumps(leg, sort_keys=True)]
                for leg in legs]
        self.run.jobs[k] = runs
        self.run.results[k] = "failure" if any(r.result == "failure" for r in runs) else "success"
        if kept and "outputs" in spec and k not in self.run.outputs:
            self.run.outputs[k] = (self.previous.outputs.get(k, {})
                                   if self.previous is not None else {})

    def _environment(self, spec: dict[str, Any], ctx: dict[str, Any], funcs: Funcs
                     ) -> tuple[str | None, bool]:
        raw = spec.get("environment")
        if raw is None:
            return None, False
        if isinstance(raw, dict):
            assert set(raw) <= {"name", "deployment", "url"}, f"environment keys {set(raw)}"
            name = to_str(interpolate(raw.get("name"), ctx, funcs))
            deployment = truthy(interpolate(raw.get("deployment", True), ctx, funcs))
        else:
            name, deployment = to_str(interpolate(raw, ctx, funcs)), True
        assert name, "an environment needs a name"
        return name, deployment

    def _leg(self, k: str, spec: dict[str, Any], needs_ctx: dict[str, Any],
             leg: dict[str, Any] | None) -> JobRun:
        with self.lock:
            machine = (self.root /
                       f"machine-{self.run_id}-a{self.run_attempt}-{next(self.machines)}")
        workspace, temp = machine / "workspace", machine / "temp"
        workspace.mkdir(parents=True)
        temp.mkdir()
        jr = JobRun(k, leg, "success", workspace=workspace, attempt=self.run_attempt)
        job = _Job(k, jr, workspace, temp)
        step_outputs: dict[str, dict[str, Any]] = {}
        base_ctx: dict[str, Any] = {
            "github": self.github_ctx(workspace), "needs": needs_ctx, "inputs": self.inputs,
            "matrix": leg or {}, "vars": self._vars(None),
            "runner": {"temp": str(temp), "os": "Linux"}, "job": self.job_ctx(),
        }
        funcs = self._step_funcs(jr)
        jr.environment, jr.deployment = self._environment(spec, {**base_ctx, "env": {}}, funcs)
        base_ctx["vars"] = self._vars(jr.environment)
        # A called workflow gets no repository secret unless the caller passes some (ours
        # pass none); the secrets of its jobs' environments it gets either way.
        secrets = dict(self.secrets.get("", {})) if self.repository_secrets else {}
        if jr.environment:
            secrets.update(self.secrets.get(jr.environment, {}))
        wf_env = {n: to_str(interpolate(v, {**base_ctx, "env": {}}, funcs))
                  for n, v in (self.wf.get("env") or {}).items()}
        job_env = {n: to_str(interpolate(v, {**base_ctx, "env": wf_env, "secrets": secrets},
                                         funcs))
                   for n, v in (spec.get("env") or {}).items()}
        for i, step in enumerate(spec["steps"]):
            name = step.get("name") or f"step {i}"
            env_ctx = {**wf_env, **job_env, **job.env_state}
            ctx = {**base_ctx, "env": env_ctx, "steps": step_outputs, "secrets": secrets}
            sr = self._step(job, step, name, ctx, funcs, env_ctx)
            jr.steps.append(sr)
            if "id" in step:
                step_outputs[step["id"]] = {"outputs": sr.outputs, "outcome": sr.status,
                                            "conclusion": sr.status}
            if sr.status == "failure" and not step.get("continue-on-error"):
                jr.result = "failure"
        if jr.result == "success" and "outputs" in spec:
            ctx = {**base_ctx, "env": {}, "steps": step_outputs}
            self.run.outputs[k] = {n: to_str(interpolate(v, ctx, funcs))
                                   for n, v in spec["outputs"].items()}
        elif "outputs" in spec:
            self.run.outputs.setdefault(k, {})
        return jr

    @staticmethod
    def _step_funcs(jr: JobRun) -> Funcs:
        return {
            "success": lambda: jr.result == "success",
            "failure": lambda: jr.result == "failure",
            "cancelled": lambda: False,
            "always": lambda: True,
        }

    def _step(self, job: _Job, step: dict[str, Any], name: str, ctx: dict[str, Any],
              funcs: Funcs, env_ctx: dict[str, str], action_path: Path | None = None) -> StepRun:
        if not condition(step.get("if"), ctx, funcs):
            return StepRun(job.jid, name, "skipped")
        if "uses" in step:
            with_ = {n: to_str(interpolate(v, ctx, funcs))
                     for n, v in (step.get("with") or {}).items()}
            from support.gha_actions import uses

            return uses(self, job, name, step["uses"], with_, ctx)
        if step.get("id") == "install":
            # pip installing skillsync: the test interpreter has it; its commands go on PATH.
            job.path_prepend.insert(0, str(Path(sys.executable).parent))
            return StepRun(job.jid, name, "success", 0, "", "emulated: skillsync installed",
                           outputs={"version": "emulated"})
        step_env = {n: to_str(interpolate(v, ctx, funcs))
                    for n, v in (step.get("env") or {}).items()}
        env = {**self.base_env(job.jid, job.workspace, job.temp), **env_ctx, **step_env}
        if action_path is not None:
            env["GITHUB_ACTION_PATH"] = str(action_path)
        if job.path_prepend:
            env["PATH"] = os.pathsep.join([*job.path_prepend, env.get("PATH", "")])
        return self._bash(job, name, step["run"], env)

    def _bash(self, job: _Job, name: str, script: str, env: dict[str, str]) -> StepRun:
        n = job.steps = job.steps + 1
        files = {k: job.temp / f"{k.lower()}-{n}" for k in
                 ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_STEP_SUMMARY", "GITHUB_PATH")}
        for k, p in files.items():
            p.write_text("")
            env[k] = str(p)
        script_file = job.temp / f"step-{n}.sh"
        script_file.write_text(script)
        started = time.monotonic()
        # GitHub's `shell: bash`: bash --noprofile --norc -eo pipefail {0}
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail",
                               str(script_file)], cwd=job.workspace, env=env,
                              capture_output=True, text=True, timeout=300, check=False)
        job.env_state.update(parse_output_file(files["GITHUB_ENV"]))
        job.path_prepend[:0] = [p for p in files["GITHUB_PATH"].read_text().splitlines() if p]
        job.run.summary += files["GITHUB_STEP_SUMMARY"].read_text()
        shown, dropped = _annotations(proc.stdout)
        return StepRun(job.jid, name, "success" if proc.returncode == 0 else "failure",
                       proc.returncode, proc.stdout, proc.stderr,
                       {k: v for k, v in env.items() if k not in os.environ or
                        os.environ[k] != v}, script, parse_output_file(files["GITHUB_OUTPUT"]),
                       time.monotonic() - started, shown, dropped)

    def record(self, job: str, op: str, name: str, overwrite: bool = False) -> None:
        with self.lock:
            self.run.artifact_log.append(ArtifactEvent(job, op, name, overwrite))

    def record_cache(self, event: CacheEvent) -> None:
        with self.lock:
            self.run.cache_log.append(event)
