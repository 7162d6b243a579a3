"""A small GitHub Actions emulator: runs our workflows locally, for tests.

It reads a workflow's YAML and runs its jobs in `needs:` order with bash, in a GitHub-like
environment (GITHUB_OUTPUT, GITHUB_ENV, GITHUB_PATH, GITHUB_STEP_SUMMARY, GITHUB_EVENT_PATH,
GITHUB_WORKSPACE, RUNNER_TEMP; a fresh workspace and temp dir per job, as on fresh runners).
`${{ }}` expressions in `env:`, `with:`, `if:`, `strategy.matrix` and `outputs:` are evaluated
by a small evaluator that knows only the forms our workflows use (an unknown function or
context fails the test).

What it emulates, and how (issue 13 added the reusable-workflow and action parts):
- a job with `uses: OWNER/NAME/.github/workflows/F@SHA` calls that workflow from the
  repository registered for OWNER/NAME (`actions=`) at that commit: its `on.workflow_call`
  inputs get the caller's `with:` (unknown or missing required inputs fail), its jobs must
  not ask for more permissions than the calling job grants (GitHub refuses the run), they see
  no repository secret of the caller (none is passed), only their environments' secrets, and
  `job.workflow_repository` / `job.workflow_sha` name the called workflow;
- `uses: OWNER/NAME@SHA` and `uses: ./PATH` steps run a composite action's steps
  (`GITHUB_ACTION_PATH`, `inputs`, outputs);
- actions/checkout clones the source (origin set to an unreachable GitHub URL, as on a runner
  without persisted credentials), or with `repository:` a registered repository at `ref:`;
  setup-python does nothing; artifacts are directory copies (download-artifact's layout rules);
- a `run:` step with id `install` (pip installing skillsync) is not run: the test interpreter
  has skillsync installed, so its scripts directory goes on the job's PATH instead, as the
  real step makes its console commands available.
"""

from __future__ import annotations

import fnmatch
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from skillsync.matrix import MATRIX_LIMIT

ORIGIN = "https://github.invalid/acme/skills.git"   # a checkout's origin, unreachable here
REPOSITORY = "acme/skills"                          # github.repository of the emulated runs
_LEVEL = {"none": 0, "read": 1, "write": 2}


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text())
    if True in data:  # YAML 1.1 reads the key `on` as a boolean
        data["on"] = data.pop(True)
    return data


def git(*args: str, cwd: Path | str | None = None) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False,
                          timeout=120)
    if proc.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {proc.stderr}")
    return proc.stdout.strip()


# =============================================================================
# Expressions: the subset our workflows use
# =============================================================================

_TOKEN = re.compile(r"""\s*(?:
    (?P<num>\d+(?:\.\d+)?) |
    (?P<str>'(?:[^']|'')*') |
    (?P<op>==|!=|&&|\|\||[!().\[\],]) |
    (?P<ident>[A-Za-z_][A-Za-z0-9_-]*)
)""", re.VERBOSE)


def _tokens(text: str) -> list[tuple[str, str]]:
    pos, out = 0, []
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise AssertionError(f"expression not understood at {text[pos:]!r} in {text!r}")
        kind = m.lastgroup or ""
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


def truthy(v: Any) -> bool:
    return v not in (None, False, 0, "") and not (isinstance(v, float) and v != v)


def _eq(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a.casefold() == b.casefold()  # GitHub compares strings ignoring case
    if type(a) is type(b):
        return bool(a == b)

    def num(v: Any) -> float:
        if v is None:
            return 0.0
        if isinstance(v, bool):
            return float(v)
        if isinstance(v, int | float):
            return float(v)
        try:
            return float(v) if str(v).strip() else 0.0
        except ValueError:
            return float("nan")
    return num(a) == num(b)


def to_str(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, dict | list):
        return json.dumps(v)
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


class Expr:
    """Recursive descent over: || && == != ! . [] () literals contexts functions."""

    def __init__(self, text: str, ctx: dict[str, Any], funcs: dict[str, Callable[..., Any]]):
        self.toks = _tokens(text)
        self.i = 0
        self.ctx = ctx
        self.funcs = funcs
        self.text = text

    def value(self) -> Any:
        v = self._or()
        if self.i != len(self.toks):
            raise AssertionError(f"trailing tokens in {self.text!r}")
        return v

    def _peek(self) -> str | None:
        return self.toks[self.i][1] if self.i < len(self.toks) else None

    def _take(self, want: str | None = None) -> tuple[str, str]:
        tok = self.toks[self.i]
        if want is not None and tok[1] != want:
            raise AssertionError(f"expected {want!r} in {self.text!r}")
        self.i += 1
        return tok

    def _or(self) -> Any:
        v = self._and()
        while self._peek() == "||":
            self._take()
            rhs = self._and()
            v = v if truthy(v) else rhs
        return v

    def _and(self) -> Any:
        v = self._eq()
        while self._peek() == "&&":
            self._take()
            rhs = self._eq()
            v = rhs if truthy(v) else v
        return v

    def _eq(self) -> Any:
        v = self._unary()
        while self._peek() in ("==", "!="):
            op = self._take()[1]
            rhs = self._unary()
            v = _eq(v, rhs) if op == "==" else not _eq(v, rhs)
        return v

    def _unary(self) -> Any:
        if self._peek() == "!":
            self._take()
            return not truthy(self._unary())
        return self._postfix()

    def _postfix(self) -> Any:
        v = self._primary()
        while self._peek() in (".", "["):
            if self._take()[1] == ".":
                key: Any = self._take()[1]
            else:
                key = to_str(self._or())
                self._take("]")
            v = v.get(key) if isinstance(v, dict) else None
        return v

    def _primary(self) -> Any:
        kind, text = self._take()
        if kind == "num":
            return float(text)
        if kind == "str":
            return text[1:-1].replace("''", "'")
        if text == "(":
            v = self._or()
            self._take(")")
            return v
        if kind == "ident":
            if text in ("true", "false"):
                return text == "true"
            if text == "null":
                return None
            if self._peek() == "(":
                self._take()
                args = []
                while self._peek() != ")":
                    args.append(self._or())
                    if self._peek() == ",":
                        self._take()
                self._take(")")
                if text not in self.funcs:
                    raise AssertionError(f"function {text}() is not emulated (in {self.text!r})")
                return self.funcs[text](*args)
            if text not in self.ctx:
                raise AssertionError(f"context {text!r} is not emulated (in {self.text!r})")
            return self.ctx[text]
        raise AssertionError(f"unexpected {text!r} in {self.text!r}")


_TEMPLATE = re.compile(r"\$\{\{(.*?)\}\}", re.S)


def evaluate(text: str, ctx: dict[str, Any], funcs: dict[str, Callable[..., Any]]) -> Any:
    return Expr(text, ctx, funcs).value()


def interpolate(value: Any, ctx: dict[str, Any], funcs: dict[str, Callable[..., Any]]) -> Any:
    """A YAML value with `${{ }}` in it: one whole expression keeps its type."""
    if not isinstance(value, str):
        return value
    m = _TEMPLATE.fullmatch(value.strip())
    if m:
        return evaluate(m.group(1), ctx, funcs)
    return _TEMPLATE.sub(lambda mm: to_str(evaluate(mm.group(1), ctx, funcs)), value)


STATUS_FUNCS = ("success", "failure", "cancelled", "always")


def condition(raw: Any, ctx: dict[str, Any], funcs: dict[str, Callable[..., Any]]) -> bool:
    if raw is None:
        raw = "success()"
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip()
    m = _TEMPLATE.fullmatch(text)
    if m:
        text = m.group(1)
    if not any(re.search(rf"\b{f}\s*\(", text) for f in STATUS_FUNCS):
        text = f"success() && ({text})"  # GitHub's implied status check
    return truthy(evaluate(text, ctx, funcs))


# =============================================================================
# The emulator
# =============================================================================

@dataclass
class StepRun:
    job: str
    name: str
    status: str                      # success | failure | skipped
    rc: int | None = None
    stdout: str = ""
    stderr: str = ""
    env: dict[str, str] = field(default_factory=dict)
    script: str = ""
    outputs: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


@dataclass
class JobRun:
    job: str
    matrix: dict[str, Any] | None
    result: str
    steps: list[StepRun] = field(default_factory=list)
    summary: str = ""
    workspace: Path | None = None


@dataclass
class WorkflowRun:
    order: list[str] = field(default_factory=list)            # job ids, as started
    jobs: dict[str, list[JobRun]] = field(default_factory=dict)
    results: dict[str, str] = field(default_factory=dict)
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)
    artifacts: dict[str, Path] = field(default_factory=dict)
    called: dict[str, str] = field(default_factory=dict)      # caller job -> workflow@sha

    def steps(self, job: str | None = None) -> Iterator[StepRun]:
        for jid, runs in self.jobs.items():
            if job is None or jid == job:
                for jr in runs:
                    yield from jr.steps

    def step(self, job: str, name: str, leg: int = 0) -> StepRun:
        return next(s for s in self.jobs[job][leg].steps if s.name == name)

    def stdout(self) -> str:
        return "".join(s.stdout for s in self.steps())

    def summary(self) -> str:
        return "".join(j.summary for runs in self.jobs.values() for j in runs)

    def failures(self) -> list[tuple[str, str, str]]:
        return [(s.job, s.name, (s.stderr or s.stdout)[-800:]) for s in self.steps()
                if s.status == "failure"]


def parse_output_file(path: Path) -> dict[str, str]:
    """$GITHUB_OUTPUT / $GITHUB_ENV: `name=value` lines and `name<<EOF` blocks."""
    out: dict[str, str] = {}
    lines = path.read_text().splitlines() if path.exists() else []
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delim = line.split("<<", 1)
            block = []
            i += 1
            while lines[i] != delim:
                block.append(lines[i])
                i += 1
            out[name] = "\n".join(block)
        elif line:
            name, value = line.split("=", 1)
            out[name] = value
        i += 1
    return out


def make_repository(path: Path, files: Mapping[str, Path | str]) -> tuple[Path, str]:
    """A git repository at `path` holding `files` (repository path -> source file or text),
    committed once; returns (path, commit). Stands in for skillsync's repository on GitHub."""
    path.mkdir(parents=True)
    git("init", "-q", "-b", "main", str(path))
    for rel, src in files.items():
        dest = path / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(src, Path):
            shutil.copy2(src, dest)
        else:
            dest.write_text(src)
    git("add", "-A", cwd=path)
    git("commit", "-q", "-m", "release", cwd=path)
    return path, git("rev-parse", "HEAD", cwd=path)


@dataclass
class _Job:
    """What a running job leg needs to know, shared by its steps and composite actions."""

    jid: str
    run: JobRun
    workspace: Path
    temp: Path
    env_state: dict[str, str] = field(default_factory=dict)
    path_prepend: list[str] = field(default_factory=list)
    steps: int = 0


class Emulator:
    def __init__(self, workflow: Path, *, root: Path, source: Path, targets: Path | None,
                 event: str, payload: dict[str, Any], ref: str,
                 inputs: dict[str, Any] | None = None,
                 secrets: dict[str, dict[str, str]] | None = None, run_id: int = 4242,
                 actions: Mapping[str, Path] | None = None,
                 job_workflow: tuple[str, str] | None = None,
                 run: WorkflowRun | None = None, machines: Iterator[int] | None = None,
                 repository_secrets: bool = True) -> None:
        self.path = workflow
        self.wf = load(workflow)
        self.root = root
        self.source = source
        self.targets = targets
        self.event = event
        self.payload = payload
        self.inputs = inputs or {}
        self.secrets = secrets or {}
        self.run_id = run_id
        self.actions = dict(actions or {})
        # (repository, sha) of this workflow file: job.workflow_repository / workflow_sha.
        self.job_workflow = job_workflow or (REPOSITORY, "0" * 40)
        self.repository_secrets = repository_secrets
        self.run = run or WorkflowRun()
        self.store = root / f"artifacts-{run_id}"
        self.machines = machines or itertools.count(1)
        self.lock = threading.Lock()
        self.event_path = root / f"event-{run_id}.json"
        self.event_path.write_text(json.dumps(payload))
        self.ref = ref
        self.ref_name = ref.split("/", 2)[-1] if ref.startswith("refs/") else ref

    # -- contexts ---------------------------------------------------------------
    def github_ctx(self, workspace: Path) -> dict[str, Any]:
        return {
            "event_name": self.event, "event": self.payload, "ref": self.ref,
            "ref_name": self.ref_name, "repository": REPOSITORY, "run_id": str(self.run_id),
            "run_attempt": "1", "sha": "0" * 40, "token": "", "workspace": str(workspace),
            "server_url": "http://127.0.0.1:9", "api_url": "http://127.0.0.1:9",
            "workflow": self.wf.get("name", ""),
        }

    def job_ctx(self) -> dict[str, Any]:
        repo, sha = self.job_workflow
        return {"status": "success", "workflow_repository": repo, "workflow_sha": sha}

    def base_env(self, job: str, workspace: Path, temp: Path) -> dict[str, str]:
        env = dict(os.environ)
        env.update({
            "CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_JOB": job,
            "GITHUB_WORKSPACE": str(workspace), "RUNNER_TEMP": str(temp), "RUNNER_OS": "Linux",
            "GITHUB_EVENT_NAME": self.event, "GITHUB_EVENT_PATH": str(self.event_path),
            "GITHUB_REF": self.ref, "GITHUB_REF_NAME": self.ref_name,
            "GITHUB_REPOSITORY": REPOSITORY, "GITHUB_RUN_ID": str(self.run_id),
            "GITHUB_RUN_ATTEMPT": "1", "GITHUB_SHA": "0" * 40,
            "GITHUB_SERVER_URL": "http://127.0.0.1:9", "GITHUB_API_URL": "http://127.0.0.1:9",
            # A fresh runner has an empty cache.
            "SKILLSYNC_CACHE": str(temp / "skillsync-cache"),
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
        jobs: dict[str, Any] = self.wf["jobs"]
        for jid in assume_success & set(jobs):
            self.run.results[jid] = "success"
            self.run.outputs[jid] = {}
        pending = [j for j in jobs if j not in assume_success and
                   (only is None or j in only or "uses" in jobs[j])]

        def needs_of(jid: str) -> list[str]:
            n = jobs[jid].get("needs", [])
            return [n] if isinstance(n, str) else list(n)

        # Ready jobs start in REVERSE file order: only `needs:` can put the canary first.
        while pending:
            ready = [j for j in pending if all(n in self.run.results for n in needs_of(j))]
            if not ready:
                for j in pending:  # needs a job outside `only`: never runs
                    self.run.results[j] = "skipped"
                break
            jid = ready[-1]
            pending.remove(jid)
            if "uses" in jobs[jid]:
                self._call(jid, jobs[jid], needs_of(jid), only, assume_success)
            else:
                self._job(jid, jobs[jid], needs_of(jid))
        return self.run

    def _needs_ctx(self, needs: list[str]) -> dict[str, Any]:
        return {n: {"result": self.run.results.get(n, "skipped"),
                    "outputs": self.run.outputs.get(n, {})} for n in needs}

    @staticmethod
    def _job_funcs(results: list[str]) -> dict[str, Callable[..., Any]]:
        return {
            "success": lambda: all(r == "success" for r in results),
            "failure": lambda: any(r == "failure" for r in results),
            "cancelled": lambda: False,
            "always": lambda: True,
            "fromJSON": json.loads,
        }

    def _call(self, jid: str, spec: dict[str, Any], needs: list[str], only: set[str] | None,
              assume_success: set[str]) -> None:
        """A job that calls a reusable workflow: run the called workflow's jobs here."""
        needs_ctx = self._needs_ctx(needs)
        funcs = self._job_funcs([v["result"] for v in needs_ctx.values()])
        ctx = {"github": self.github_ctx(self.root), "needs": needs_ctx, "inputs": self.inputs,
               "vars": {}}
        if not condition(spec.get("if"), ctx, funcs):
            self.run.results[jid] = "skipped"
            return
        m = re.fullmatch(r"([\w.-]+/[\w.-]+)/(\.github/workflows/[\w.-]+\.ya?ml)@(\S+)",
                         spec["uses"])
        assert m, f"{jid}: uses {spec['uses']!r} is not OWNER/NAME/.github/workflows/F@REF"
        name, path, sha = m.groups()
        checkout = self._repository(name, sha, self.root / f"called-{name.replace('/', '-')}-{sha}")
        called = load(checkout / path)
        assert isinstance(called.get("on"), dict) and "workflow_call" in called["on"], \
            f"{path} cannot be called: no workflow_call trigger"
        declared = (called["on"]["workflow_call"] or {}).get("inputs") or {}
        given = {k: interpolate(v, ctx, funcs) for k, v in (spec.get("with") or {}).items()}
        unknown = sorted(set(given) - set(declared))
        assert not unknown, f"{jid}: {path} has no input(s) {unknown}"
        inputs: dict[str, Any] = {}
        for key, decl in declared.items():
            if key in given:
                value = given[key]
            else:
                assert not decl.get("required"), f"{jid}: required input {key} not given"
                value = decl.get("default")
            inputs[key] = truthy(value) if decl.get("type") == "boolean" else to_str(value)
        granted = spec.get("permissions")
        assert isinstance(granted, dict), f"{jid}: the calling job must grant its permissions"
        for cjid, cjob in called["jobs"].items():
            for scope, level in (cjob.get("permissions") or {}).items():
                assert _LEVEL[level] <= _LEVEL[granted.get(scope, "none")], (
                    f"{path} job {cjid} asks for {scope}: {level}, but {jid} grants "
                    f"{granted.get(scope, 'none')}: GitHub refuses the whole run")
        assert "secrets" not in spec, f"{jid}: passes secrets to the called workflow"
        clash = set(called["jobs"]) & set(self.wf["jobs"])
        assert not clash, f"emulator limit: job ids {clash} in both the caller and {path}"
        self.run.called[jid] = f"{name}/{path}@{sha}"
        nested = Emulator(checkout / path, root=self.root, source=self.source,
                          targets=self.targets, event=self.event, payload=self.payload,
                          ref=self.ref, inputs=inputs, secrets=self.secrets, run_id=self.run_id,
                          actions=self.actions, job_workflow=(name, sha), run=self.run,
                          machines=self.machines, repository_secrets=False)
        before = set(self.run.results)
        nested.execute(only=only, assume_success=assume_success)
        mine = [self.run.results[j] for j in set(self.run.results) - before]
        self.run.order.append(jid)
        self.run.results[jid] = "failure" if "failure" in mine else "success"

    def _job(self, jid: str, spec: dict[str, Any], needs: list[str]) -> None:
        needs_ctx = self._needs_ctx(needs)
        job_funcs = self._job_funcs([v["result"] for v in needs_ctx.values()])
        ctx = {"github": self.github_ctx(self.root), "needs": needs_ctx, "inputs": self.inputs,
               "vars": {}, "env": dict(self.wf.get("env") or {}), "job": self.job_ctx()}
        if not condition(spec.get("if"), ctx, job_funcs):
            self.run.results[jid] = "skipped"
            self.run.outputs[jid] = {}
            self.run.jobs[jid] = []
            return
        self.run.order.append(jid)
        legs: list[dict[str, Any] | None] = [None]
        strategy = spec.get("strategy") or {}
        if "matrix" in strategy:
            m = interpolate(strategy["matrix"], ctx, job_funcs)
            assert isinstance(m, dict) and isinstance(m.get("include"), list), m
            assert 0 < len(m["include"]) <= MATRIX_LIMIT, "GitHub refuses this matrix"
            legs = list(m["include"])
        # Legs run at once, as on GitHub, up to max-parallel (bounded here too).
        workers = max(1, min(int(strategy.get("max-parallel") or 4), 4, len(legs)))
        with ThreadPoolExecutor(max_workers=workers) as pool:
            runs = list(pool.map(lambda leg: self._leg(jid, spec, needs_ctx, leg), legs))
        self.run.jobs[jid] = runs
        self.run.results[jid] = "failure" if any(r.result == "failure" for r in runs) else "success"

    def _leg(self, jid: str, spec: dict[str, Any], needs_ctx: dict[str, Any],
             leg: dict[str, Any] | None) -> JobRun:
        with self.lock:
            machine = self.root / f"machine-{self.run_id}-{next(self.machines)}"
        workspace, temp = machine / "workspace", machine / "temp"
        workspace.mkdir(parents=True)
        temp.mkdir()
        jr = JobRun(jid, leg, "success", workspace=workspace)
        job = _Job(jid, jr, workspace, temp)
        step_outputs: dict[str, dict[str, Any]] = {}
        environment = None
        base_ctx: dict[str, Any] = {
            "github": self.github_ctx(workspace), "needs": needs_ctx, "inputs": self.inputs,
            "matrix": leg or {}, "vars": {}, "runner": {"temp": str(temp), "os": "Linux"},
            "job": self.job_ctx(),
        }
        funcs = self._step_funcs(jr)
        if "environment" in spec:
            environment = to_str(interpolate(spec["environment"], {**base_ctx, "env": {}}, funcs))
        # A called workflow gets no repository secret unless the caller passes some (ours
        # pass none); the secrets of its jobs' environments it gets either way.
        secrets = dict(self.secrets.get("", {})) if self.repository_secrets else {}
        secrets.update(self.secrets.get(environment or "", {}))
        wf_env = {k: to_str(interpolate(v, {**base_ctx, "env": {}}, funcs))
                  for k, v in (self.wf.get("env") or {}).items()}
        job_env = {k: to_str(interpolate(v, {**base_ctx, "env": wf_env, "secrets": secrets}, funcs))
                   for k, v in (spec.get("env") or {}).items()}
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
            self.run.outputs[jid] = {k: to_str(interpolate(v, ctx, funcs))
                                     for k, v in spec["outputs"].items()}
        elif "outputs" in spec:
            self.run.outputs.setdefault(jid, {})
        return jr

    @staticmethod
    def _step_funcs(jr: JobRun) -> dict[str, Callable[..., Any]]:
        return {
            "success": lambda: jr.result == "success",
            "failure": lambda: jr.result == "failure",
            "cancelled": lambda: False,
            "always": lambda: True,
            "fromJSON": json.loads,
        }

    def _step(self, job: _Job, step: dict[str, Any], name: str, ctx: dict[str, Any],
              funcs: dict[str, Callable[..., Any]], env_ctx: dict[str, str],
              action_path: Path | None = None) -> StepRun:
        if not condition(step.get("if"), ctx, funcs):
            return StepRun(job.jid, name, "skipped")
        if "uses" in step:
            with_ = {k: to_str(interpolate(v, ctx, funcs))
                     for k, v in (step.get("with") or {}).items()}
            return self._uses(job, name, step["uses"], with_, ctx, funcs)
        if step.get("id") == "install":
            # pip installing skillsync: the test interpreter has it; its commands go on PATH.
            job.path_prepend.insert(0, str(Path(sys.executable).parent))
            return StepRun(job.jid, name, "success", 0, "", "emulated: skillsync installed",
                           outputs={"version": "emulated"})
        step_env = {k: to_str(interpolate(v, ctx, funcs))
                    for k, v in (step.get("env") or {}).items()}
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
                              capture_output=True, text=True, timeout=180, check=False)
        job.env_state.update(parse_output_file(files["GITHUB_ENV"]))
        job.path_prepend[:0] = [p for p in files["GITHUB_PATH"].read_text().splitlines() if p]
        job.run.summary += files["GITHUB_STEP_SUMMARY"].read_text()
        return StepRun(job.jid, name, "success" if proc.returncode == 0 else "failure",
                       proc.returncode, proc.stdout, proc.stderr,
                       {k: v for k, v in env.items() if k not in os.environ or
                        os.environ[k] != v}, script, parse_output_file(files["GITHUB_OUTPUT"]),
                       time.monotonic() - started)

    def _composite(self, job: _Job, name: str, path: Path, with_: dict[str, str],
                   ctx: dict[str, Any]) -> StepRun:
        """Run the composite action at `path` (its action.yml) as one step."""
        spec = load(path / "action.yml")
        assert spec["runs"]["using"] == "composite", f"{path}: not a composite action"
        declared = spec.get("inputs") or {}
        unknown = sorted(set(with_) - set(declared))
        assert not unknown, f"{name}: the action has no input(s) {unknown}"
        inputs = {k: with_.get(k, to_str(d.get("default"))) for k, d in declared.items()}
        sub = StepRun(job.jid, name, "success")
        outputs: dict[str, dict[str, Any]] = {}
        funcs = self._step_funcs(job.run)
        for i, step in enumerate(spec["runs"]["steps"]):
            if "run" in step:
                assert step.get("shell") == "bash", f"{path}: a run step needs shell: bash"
            sctx = {**ctx, "inputs": inputs, "steps": outputs}
            sr = self._step(job, step, step.get("name") or f"step {i}", sctx, funcs,
                            dict(ctx["env"]), action_path=path)
            sub.stdout += sr.stdout
            sub.stderr += sr.stderr
            if "id" in step:
                outputs[step["id"]] = {"outputs": sr.outputs, "outcome": sr.status}
            if sr.status == "failure":
                sub.status, sub.rc = "failure", sr.rc
                break
        octx = {**ctx, "inputs": inputs, "steps": outputs}
        sub.outputs = {k: to_str(interpolate(o["value"], octx, funcs))
                       for k, o in (spec.get("outputs") or {}).items()}
        return sub

    def _uses(self, job: _Job, name: str, uses: str, with_: dict[str, str],
              ctx: dict[str, Any], funcs: dict[str, Callable[..., Any]]) -> StepRun:
        jid, workspace = job.jid, job.workspace
        action, _, ref = uses.partition("@")
        if uses.startswith("./"):
            return self._composite(job, name, workspace / uses[2:], with_, ctx)
        if action in self.actions:
            dest = job.temp.parent / "_actions" / action / ref
            return self._composite(job, name, self._repository(action, ref, dest), with_, ctx)
        ok, note = True, ""
        if action == "actions/checkout":
            assert with_.get("persist-credentials") == "false", f"{jid}: checkout persists creds"
            if with_.get("repository"):
                dest = workspace / with_["path"]
                assert with_["path"] and dest.resolve().is_relative_to(workspace.resolve())
                self._repository(with_["repository"], with_.get("ref", ""), dest)
                return StepRun(jid, name, "success")
            git("clone", "-q", str(self.source), str(workspace))
            # As on a runner: origin is the GitHub URL, and with persist-credentials: false
            # nothing can fetch from it (https is not even an allowed protocol here), so a
            # step that reads the source from origin instead of the checkout fails.
            git("remote", "set-url", "origin", ORIGIN, cwd=workspace)
            if self.targets is not None and not (workspace / "targets").exists():
                (workspace / "targets").symlink_to(self.targets)
        elif action == "actions/setup-python":
            assert with_.get("python-version"), "setup-python without a version"
        elif action == "actions/upload-artifact":
            src, dst = Path(with_["path"]), self.store / with_["name"]
            if dst.exists() and with_.get("overwrite") != "true":
                ok, note = False, f"artifact {with_['name']} exists (409)"
            elif not src.exists():
                ok = with_.get("if-no-files-found", "warn") != "error"
                note = "no files found"
            else:
                shutil.rmtree(dst, ignore_errors=True)
                shutil.copytree(src, dst, symlinks=False)
                self.run.artifacts[with_["name"]] = dst
        elif action == "actions/download-artifact":
            store = self.store
            if with_.get("run-id") and with_["run-id"] != str(self.run_id):
                assert with_.get("github-token") is not None, "another run needs github-token"
                store = self.root / f"artifacts-{with_['run-id']}"
            path = Path(with_.get("path") or workspace)
            names = sorted(p.name for p in store.iterdir()) if store.exists() else []
            if with_.get("name"):
                if with_["name"] not in names:
                    return StepRun(jid, name, "failure", 1, "",
                                   f"Artifact '{with_['name']}' not found")
                shutil.copytree(store / with_["name"], path, dirs_exist_ok=True)
            else:
                chosen = [n for n in names if fnmatch.fnmatchcase(n, with_.get("pattern", "*"))]
                for n in chosen:
                    # download-artifact: one match lands in `path` itself, several in path/<name>
                    dest = path if len(chosen) == 1 else path / n
                    shutil.copytree(store / n, dest, dirs_exist_ok=True)
        else:
            raise AssertionError(f"action {action} is not emulated")
        return StepRun(jid, name, "success" if ok else "failure", 0 if ok else 1, "", note)


# =============================================================================
# skillsync's repository and an adopter's workflows, for the emulator
# =============================================================================

ROOT = Path(__file__).resolve().parent.parent


def skillsync_repository(path: Path) -> tuple[Path, str]:
    """A stand-in for skillsync's repository on GitHub: the composite action, its lock and
    the reusable workflows of this checkout (as they are now), committed once."""
    files: dict[str, Path | str] = {"action.yml": ROOT / "action.yml",
                                    "requirements/action.txt": ROOT / "requirements/action.txt"}
    for wf in sorted((ROOT / ".github" / "workflows").glob("*.yml")):
        files[f".github/workflows/{wf.name}"] = wf
    return make_repository(path, files)


def skillsync_identity() -> str:
    from skillsync.pins import identity

    return identity(None).repository


def adopter_workflow(dest: Path, name: str, sha: str, tag: str = "v0.1.0") -> Path:
    """The workflow `name` exactly as `skillsync-init` writes it, pinned to `sha`."""
    from skillsync import adopt, pins

    pin = pins.Pin(pins.identity(None), sha, tag)
    dest.mkdir(parents=True, exist_ok=True)
    path = dest / name
    path.write_text(adopt.workflow(name, pin, adopt.installed_version()))
    return path
