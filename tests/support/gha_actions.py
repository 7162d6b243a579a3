"""The `uses:` steps the emulator knows: composite actions (local or a registered repository
at a SHA) and the actions our workflows use, with the behaviour their READMEs give
(actions/checkout v5, setup-python v6, upload-artifact v7, download-artifact v8, and
cache/restore and cache/save v5 in gha_cache)."""

from __future__ import annotations

import fnmatch
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from support import gha_cache
from support.gha_expressions import interpolate, to_str
from support.gha_repositories import ORIGIN, git, load
from support.gha_runs import StepRun, _Job

if TYPE_CHECKING:
    from support.gha_emulator import Emulator

_BAD_NAME = '":<>|*?\r\n\\/'


def uses(emu: Emulator, job: _Job, name: str, uses: str, with_: dict[str, str],
         ctx: dict[str, Any]) -> StepRun:
    jid, workspace = job.jid, job.workspace
    action, _, ref = uses.partition("@")
    if uses.startswith("./"):
        return composite(emu, job, name, workspace / uses[2:], with_, ctx)
    if action in emu.actions:
        dest = job.temp.parent / "_actions" / action / ref
        return composite(emu, job, name, emu._repository(action, ref, dest), with_, ctx)
    if action == "actions/checkout":
        assert with_.get("persist-credentials") == "false", f"{jid}: checkout persists creds"
        if with_.get("repository"):
            dest = workspace / with_["path"]
            assert with_["path"] and dest.resolve().is_relative_to(workspace.resolve())
            emu._repository(with_["repository"], with_.get("ref", ""), dest)
        else:
            checkout_source(emu, workspace)
        return StepRun(jid, name, "success")
    if action == "actions/setup-python":
        assert with_.get("python-version"), "setup-python without a version"
        return StepRun(jid, name, "success")
    if action == "actions/upload-artifact":
        return _upload(emu, job, name, with_)
    if action == "actions/download-artifact":
        return _download(emu, job, name, with_)
    if action == "actions/cache/restore":
        return gha_cache.restore(emu, job, name, with_)
    if action == "actions/cache/save":
        return gha_cache.save(emu, job, name, with_)
    # actions/cache itself saves in a post step, which the emulator does not run.
    raise AssertionError(f"action {action} is not emulated")


def composite(emu: Emulator, job: _Job, name: str, path: Path, with_: dict[str, str],
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
    funcs = emu._step_funcs(job.run)
    for i, step in enumerate(spec["runs"]["steps"]):
        if "run" in step:
            assert step.get("shell") == "bash", f"{path}: a run step needs shell: bash"
        sctx = {**ctx, "inputs": inputs, "steps": outputs}
        sr = emu._step(job, step, step.get("name") or f"step {i}", sctx, funcs,
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


def _upload(emu: Emulator, job: _Job, name: str, with_: dict[str, str]) -> StepRun:
    artifact = with_["name"]
    assert artifact and not any(c in artifact for c in _BAD_NAME), \
        f"upload-artifact refuses the name {artifact!r}"
    src, dst = Path(with_["path"]), emu.store / artifact
    overwrite = with_.get("overwrite") == "true"
    # An artifact name is unique in a run, across its attempts: a second upload is a
    # 409 Conflict unless overwrite is set (upload-artifact v4 and later).
    if dst.exists() and not overwrite:
        return StepRun(job.jid, name, "failure", 1, "",
                       f"Failed to CreateArtifact: artifact {artifact} exists (409 Conflict)")
    if not src.exists() or not any(src.iterdir()):
        ok = with_.get("if-no-files-found", "warn") != "error"
        return StepRun(job.jid, name, "success" if ok else "failure", 0 if ok else 1, "",
                       "No files were found with the provided path")
    emu.record(job.jid, "upload", artifact, overwrite)
    shutil.rmtree(dst, ignore_errors=True)
    shutil.copytree(src, dst, symlinks=False)
    emu.run.artifacts[artifact] = dst
    return StepRun(job.jid, name, "success", 0)


def _download(emu: Emulator, job: _Job, name: str, with_: dict[str, str]) -> StepRun:
    store = emu.store
    if with_.get("run-id") and with_["run-id"] != str(emu.run_id):
        assert with_.get("github-token") is not None, "another run needs github-token"
        store = emu.root / f"artifacts-{with_['run-id']}"
    path = Path(with_.get("path") or job.workspace)
    names = sorted(p.name for p in store.iterdir()) if store.exists() else []
    if with_.get("name"):
        if with_["name"] not in names:
            return StepRun(job.jid, name, "failure", 1, "", f"Artifact '{with_['name']}' not found")
        emu.record(job.jid, "download", with_["name"])
        copy_artifact(store / with_["name"], path)
        return StepRun(job.jid, name, "success", 0)
    chosen = matching(names, with_.get("pattern", "*"))
    for n in chosen:
        emu.record(job.jid, "download", n)
        # One match lands in `path` itself, several in path/<name> (merge-multiple: false).
        copy_artifact(store / n, path if len(chosen) == 1 else path / n)
    return StepRun(job.jid, name, "success", 0)


def checkout_source(emu: Emulator, workspace: Path) -> None:
    """actions/checkout of the repository the run is for."""
    git("clone", "-q", str(emu.source), str(workspace))
    # As on a runner: origin is the GitHub URL, and with persist-credentials: false nothing
    # can fetch from it (https is not even an allowed protocol here), so a step that reads
    # the source from origin instead of the checkout fails.
    git("remote", "set-url", "origin", ORIGIN, cwd=workspace)
    if emu.targets is not None and not (workspace / "targets").exists():
        (workspace / "targets").symlink_to(emu.targets)


def copy_artifact(src: Path, dst: Path) -> None:
    shutil.copytree(src, dst, dirs_exist_ok=True)


def matching(names: list[str], pattern: str) -> list[str]:
    return [n for n in names if fnmatch.fnmatchcase(n, pattern)]
