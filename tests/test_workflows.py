"""The GitHub Actions workflows, checked and run locally.

Static checks hold the security rules (RELIABILITY.md 22-24): no `${{ }}` inside
any `run:`, actions pinned to commit SHAs, least permissions per job, no persisted
credentials, secrets only in the steps that need them.

Then a small emulator runs `sync-downstream.yml` itself: it reads the YAML, and runs
the `run:` steps of plan -> sync (one job per matrix entry) -> report -> notify with
bash, in a GitHub-like environment (GITHUB_OUTPUT, GITHUB_ENV, GITHUB_STEP_SUMMARY,
GITHUB_EVENT_PATH, GITHUB_WORKSPACE, RUNNER_TEMP; a fresh workspace and temp dir per
job, as on fresh runners) against a fleet of real bare repositories. `${{ }}`
expressions in `env:`, `with:`, `if:`, `strategy.matrix` and `outputs:` are
evaluated by a small evaluator that knows only the forms our workflows use (an
unknown function fails the test). `uses:` steps are emulated simply: checkout =
a clone of the source, setup-python = nothing, artifacts = directory copies (with
download-artifact's layout rules); the step with id `install` (`pip install .`) is
skipped because the test interpreter has skillsync installed already.
"""

from __future__ import annotations

import contextlib
import fnmatch
import json
import os
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import ROOT, git, make_bare_remote
from engine_fixtures import downstream, make_source, repo_state, target_yaml
from skillsync import matrix

WORKFLOWS = ROOT / ".github" / "workflows"
SYNC_WF = WORKFLOWS / "sync-downstream.yml"
ORIGIN = "https://github.invalid/acme/skills.git"   # a checkout's origin, unreachable here
SHA_PIN = re.compile(
    r"^\s*(?:-\s+)?uses:\s*([\w.-]+/[\w./-]+)@([0-9a-f]{40})\s+#\s+v\d+(\.\d+)*\s*$")


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text())
    if True in data:  # YAML 1.1 reads the key `on` as a boolean
        data["on"] = data.pop(True)
    return data


def all_workflows() -> list[Path]:
    return sorted(WORKFLOWS.glob("*.yml"))


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


class Emulator:
    def __init__(self, workflow: Path, *, root: Path, source: Path, targets: Path,
                 event: str, payload: dict[str, Any], ref: str,
                 inputs: dict[str, Any] | None = None,
                 secrets: dict[str, dict[str, str]] | None = None, run_id: int = 4242) -> None:
        self.wf = load(workflow)
        self.root = root
        self.source = source
        self.targets = targets
        self.event = event
        self.payload = payload
        self.inputs = inputs or {}
        self.secrets = secrets or {}
        self.run_id = run_id
        self.run = WorkflowRun()
        self.store = root / f"artifacts-{run_id}"
        self.machines = 0
        self.lock = threading.Lock()
        self.event_path = root / f"event-{run_id}.json"
        self.event_path.write_text(json.dumps(payload))
        self.ref = ref
        self.ref_name = ref.split("/", 2)[-1] if ref.startswith("refs/") else ref

    # -- contexts ---------------------------------------------------------------
    def github_ctx(self, workspace: Path) -> dict[str, Any]:
        return {
            "event_name": self.event, "event": self.payload, "ref": self.ref,
            "ref_name": self.ref_name, "repository": "acme/skills", "run_id": str(self.run_id),
            "run_attempt": "1", "sha": "0" * 40, "token": "", "workspace": str(workspace),
            "server_url": "http://127.0.0.1:9", "api_url": "http://127.0.0.1:9",
            "workflow": self.wf.get("name", ""),
        }

    def base_env(self, job: str, workspace: Path, temp: Path) -> dict[str, str]:
        env = dict(os.environ)
        env.update({
            "CI": "true", "GITHUB_ACTIONS": "true", "GITHUB_JOB": job,
            "GITHUB_WORKSPACE": str(workspace), "RUNNER_TEMP": str(temp), "RUNNER_OS": "Linux",
            "GITHUB_EVENT_NAME": self.event, "GITHUB_EVENT_PATH": str(self.event_path),
            "GITHUB_REF": self.ref, "GITHUB_REF_NAME": self.ref_name,
            "GITHUB_REPOSITORY": "acme/skills", "GITHUB_RUN_ID": str(self.run_id),
            "GITHUB_RUN_ATTEMPT": "1", "GITHUB_SHA": "0" * 40,
            "GITHUB_SERVER_URL": "http://127.0.0.1:9", "GITHUB_API_URL": "http://127.0.0.1:9",
            # A fresh runner has an empty cache.
            "SKILLSYNC_CACHE": str(temp / "skillsync-cache"),
        })
        return env

    # -- jobs -------------------------------------------------------------------
    def execute(self, only: set[str] | None = None, assume_success: set[str] = frozenset()
                ) -> WorkflowRun:
        jobs: dict[str, Any] = self.wf["jobs"]
        for jid in assume_success:
            self.run.results[jid] = "success"
            self.run.outputs[jid] = {}
        pending = [j for j in jobs if j not in assume_success and (only is None or j in only)]

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
            self._job(jid, jobs[jid], needs_of(jid))
        return self.run

    def _needs_ctx(self, needs: list[str]) -> dict[str, Any]:
        return {n: {"result": self.run.results.get(n, "skipped"),
                    "outputs": self.run.outputs.get(n, {})} for n in needs}

    def _job(self, jid: str, spec: dict[str, Any], needs: list[str]) -> None:
        needs_ctx = self._needs_ctx(needs)
        results = [v["result"] for v in needs_ctx.values()]
        job_funcs = {
            "success": lambda: all(r == "success" for r in results),
            "failure": lambda: any(r == "failure" for r in results),
            "cancelled": lambda: False,
            "always": lambda: True,
            "fromJSON": json.loads,
        }
        ctx = {"github": self.github_ctx(self.root), "needs": needs_ctx, "inputs": self.inputs,
               "vars": {}, "env": dict(self.wf.get("env") or {})}
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
            assert 0 < len(m["include"]) <= matrix.MATRIX_LIMIT, "GitHub refuses this matrix"
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
            self.machines += 1
            machine = self.root / f"machine-{self.run_id}-{self.machines}"
        workspace, temp = machine / "workspace", machine / "temp"
        workspace.mkdir(parents=True)
        temp.mkdir()
        jr = JobRun(jid, leg, "success", workspace=workspace)
        env_state: dict[str, str] = {}
        step_outputs: dict[str, dict[str, Any]] = {}
        environment = None
        base_ctx: dict[str, Any] = {
            "github": self.github_ctx(workspace), "needs": needs_ctx, "inputs": self.inputs,
            "matrix": leg or {}, "vars": {}, "runner": {"temp": str(temp), "os": "Linux"},
        }
        funcs: dict[str, Callable[..., Any]] = {
            "success": lambda: jr.result == "success",
            "failure": lambda: jr.result == "failure",
            "cancelled": lambda: False,
            "always": lambda: True,
            "fromJSON": json.loads,
        }
        if "environment" in spec:
            environment = to_str(interpolate(spec["environment"], {**base_ctx, "env": {}}, funcs))
        secrets = dict(self.secrets.get("", {}))
        secrets.update(self.secrets.get(environment or "", {}))
        wf_env = {k: to_str(interpolate(v, {**base_ctx, "env": {}}, funcs))
                  for k, v in (self.wf.get("env") or {}).items()}
        job_env = {k: to_str(interpolate(v, {**base_ctx, "env": wf_env, "secrets": secrets}, funcs))
                   for k, v in (spec.get("env") or {}).items()}
        for i, step in enumerate(spec["steps"]):
            name = step.get("name") or f"step {i}"
            env_ctx = {**wf_env, **job_env, **env_state}
            ctx = {**base_ctx, "env": env_ctx, "steps": step_outputs, "secrets": secrets}
            if not condition(step.get("if"), ctx, funcs):
                jr.steps.append(StepRun(jid, name, "skipped"))
                continue
            if step.get("id") == "install":
                jr.steps.append(StepRun(jid, name, "success"))
                continue
            if "uses" in step:
                with_ = {k: to_str(interpolate(v, ctx, funcs))
                         for k, v in (step.get("with") or {}).items()}
                sr = self._uses(jid, name, step["uses"], with_, workspace)
            else:
                step_env = {k: to_str(interpolate(v, ctx, funcs))
                            for k, v in (step.get("env") or {}).items()}
                sr = self._bash(jid, name, step["run"], workspace, temp,
                                {**self.base_env(jid, workspace, temp), **env_ctx, **step_env},
                                jr, env_state)
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

    def _bash(self, jid: str, name: str, script: str, workspace: Path, temp: Path,
              env: dict[str, str], jr: JobRun, env_state: dict[str, str]) -> StepRun:
        files = {k: temp / f"{k.lower()}-{len(jr.steps)}" for k in
                 ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_STEP_SUMMARY", "GITHUB_PATH")}
        for k, p in files.items():
            p.write_text("")
            env[k] = str(p)
        script_file = temp / f"step-{len(jr.steps)}.sh"
        script_file.write_text(script)
        started = time.monotonic()
        # GitHub's `shell: bash`: bash --noprofile --norc -eo pipefail {0}
        proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail",
                               str(script_file)], cwd=workspace, env=env, capture_output=True,
                              text=True, timeout=180, check=False)
        env_state.update(parse_output_file(files["GITHUB_ENV"]))
        jr.summary += files["GITHUB_STEP_SUMMARY"].read_text()
        return StepRun(jid, name, "success" if proc.returncode == 0 else "failure",
                       proc.returncode, proc.stdout, proc.stderr,
                       {k: v for k, v in env.items() if k not in os.environ or
                        os.environ[k] != v}, script, parse_output_file(files["GITHUB_OUTPUT"]),
                       time.monotonic() - started)

    def _uses(self, jid: str, name: str, uses: str, with_: dict[str, str],
              workspace: Path) -> StepRun:
        action = uses.split("@", 1)[0]
        ok, note = True, ""
        if action == "actions/checkout":
            assert with_.get("persist-credentials") == "false", f"{jid}: checkout persists creds"
            git("clone", "-q", str(self.source), str(workspace))
            # As on a runner: origin is the GitHub URL, and with persist-credentials: false
            # nothing can fetch from it (https is not even an allowed protocol here), so a
            # step that reads the source from origin instead of the checkout fails.
            git("remote", "set-url", "origin", ORIGIN, cwd=workspace)
            (workspace / "scripts").symlink_to(ROOT / "scripts")
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
# Fleets
# =============================================================================

SECRET = "ghs_TOPSECRET-for-mid-a-0123456789"


def workspace_fleet(root: Path, spec: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A skills source with releases v1.0.0 / v1.1.0 / v2.0.0 and one bare downstream
    repository per target (push mechanism: fast, and all the workflow needs)."""
    root.mkdir(parents=True, exist_ok=True)
    src = make_source(root)
    tdir = root / "targets"
    tdir.mkdir()
    bares = {}
    for tid, extra in spec.items():
        bares[tid] = make_bare_remote(root, tid, {"README.md": f"{tid}\n"})
        (tdir / f"{tid}.yaml").write_text(target_yaml(tid, bares[tid], **extra))
    return {"root": root, "source": src, "targets": tdir, "bares": bares}


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


def run_workflow(fleet: dict[str, Any], trigger: dict[str, Any], run_id: int,
                 only: set[str] | None = None, **kw: Any) -> tuple[Emulator, WorkflowRun]:
    emu = Emulator(SYNC_WF, root=fleet["root"], source=fleet["source"],
                   targets=fleet["targets"], event=trigger["event"], payload=trigger["payload"],
                   ref=trigger["ref"], inputs=trigger.get("inputs"), run_id=run_id, **kw)
    return emu, emu.execute(only=only, assume_success={"validate"})


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
        secrets = {"skillsync-mid-a": {"SKILLSYNC_TARGET_SECRET": SECRET}}
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
        inputs = {"run_id": "103", "targets": "high", "dry_run": False}
        out["rollback"] = Emulator(
            WORKFLOWS / "rollback.yml", root=fleet["root"], source=fleet["source"],
            targets=fleet["targets"], event="workflow_dispatch", payload={"inputs": inputs},
            ref="refs/heads/main", inputs=inputs, secrets=secrets, run_id=105).execute()
        yield out


# =============================================================================
# Static checks: every workflow
# =============================================================================

def run_blocks(wf: dict[str, Any]) -> Iterator[tuple[str, str]]:
    for jid, job in wf["jobs"].items():
        for step in job.get("steps", []):
            if "run" in step:
                yield f"{jid}/{step.get('name')}", step["run"]


@pytest.mark.parametrize("path", all_workflows(), ids=lambda p: p.name)
def test_no_expression_inside_any_run_block(path: Path) -> None:
    """Event text can never become shell code: run: blocks hold no ${{ }} at all."""
    wf = load(path)
    blocks = list(run_blocks(wf))
    assert blocks
    for where, script in blocks:
        assert "${{" not in script, f"{path.name} {where}: ${{{{ }}}} inside run:"


@pytest.mark.parametrize("path", all_workflows(), ids=lambda p: p.name)
def test_actions_pinned_least_permissions_no_persisted_credentials(path: Path) -> None:
    wf = load(path)
    assert wf["permissions"] == {}, "top-level permissions must be {}"
    for line in path.read_text().splitlines():
        if re.match(r"^\s*(-\s+)?uses:", line):
            assert SHA_PIN.match(line), f"not pinned to a SHA with a version comment: {line}"
    for jid, job in wf["jobs"].items():
        assert isinstance(job.get("permissions"), dict) and job["permissions"], jid
        assert set(job["permissions"].values()) <= {"read", "write"}
        writes = {k for k, v in job["permissions"].items() if v == "write"}
        assert writes <= ({"issues"} if jid in ("notify", "dashboard") else set()), (jid, writes)
        assert "env" not in job or "secrets." not in json.dumps(job["env"]), jid
        for step in job["steps"]:
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False, jid


def test_secrets_only_in_the_steps_that_need_them() -> None:
    text_by_step = {}
    for path in all_workflows():
        wf = load(path)
        assert "secrets" not in json.dumps(wf.get("env", {}))
        for jid, job in wf["jobs"].items():
            for step in job["steps"]:
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
    for path in all_workflows():
        assert "secrets[" not in path.read_text() and "toJSON(secrets" not in path.read_text()


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


def test_triggers_and_concurrency() -> None:
    wf = load(SYNC_WF)
    on = wf["on"]
    assert on["push"] == {"tags": ["v*"]} and on["release"] == {"types": ["published"]}
    inputs = on["workflow_dispatch"]["inputs"]
    assert set(inputs) == {"ref", "targets", "dry_run", "allow_major"}
    assert inputs["dry_run"]["default"] is True and inputs["allow_major"]["default"] is False
    assert wf["concurrency"]["cancel-in-progress"] is False
    assert "github.repository" in wf["concurrency"]["group"]
    assert load(WORKFLOWS / "rollback.yml")["concurrency"] == wf["concurrency"]


def test_ci_runs_the_nox_sessions_a_developer_runs() -> None:
    wf = load(WORKFLOWS / "ci.yml")
    assert {"pull_request", "push"} <= set(wf["on"])
    assert wf["jobs"]["nox"]["strategy"]["matrix"]["session"] == ["lint", "validate", "tests"]
    assert any('nox -s "$SESSION"' in s.get("run", "") for s in wf["jobs"]["nox"]["steps"])


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
                           "dashboard": "success"}
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
    # The manifest names the origin (as on GitHub), yet every step read the checkout.
    manifest = json.loads((merged_run(emu) / "manifest.json").read_text())
    assert manifest["source"]["repo"] == ORIGIN and manifest["source"]["ref"] == "v1.0.0"


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
    fleet = {"root": root, "source": src, "targets": tdir}
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
    emu = Emulator(SYNC_WF, root=fleet["root"], source=src, targets=fleet["targets"],
                   **{k: v for k, v in tag_push("v1.0.0").items() if k != "inputs"}, run_id=501)
    run = emu.execute(only={"validate"})
    assert run.results["validate"] == "success", [s.stderr for s in run.steps("validate")]


# =============================================================================
# rollback.yml
# =============================================================================

def test_rollback_workflow_restores_a_target_from_the_run_artifact(history: dict) -> None:
    run = history["rollback"]
    assert run.results == {"prepare": "success", "rollback": "success"}, \
        [(s.name, s.stderr[-500:]) for s in run.steps() if s.status == "failure"]
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
    inputs = {"run_id": run_id, "targets": targets, "dry_run": True}
    emu = Emulator(WORKFLOWS / "rollback.yml", root=fleet["root"], source=fleet["source"],
                   targets=fleet["targets"], event="workflow_dispatch",
                   payload={"inputs": inputs}, ref="refs/heads/main", inputs=inputs, run_id=601)
    run = emu.execute()
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
