"""The `uses:` steps the emulator knows: composite actions (local or a registered repository
at a SHA) and the four actions our workflows use, with the behaviour their READMEs give
(actions/checkout v5, setup-python v6, upload-artifact v7, download-artifact v8)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

from support.gha_emulator import StepRun, _Job, checkout_source, copy_artifact, matching

if TYPE_CHECKING:
    from support.gha_emulator import Emulator

_BAD_NAME = '":<>|*?\r\n\\/'


def uses(emu: Emulator, job: _Job, name: str, uses: str, with_: dict[str, str],
         ctx: dict[str, Any]) -> StepRun:
    jid, workspace = job.jid, job.workspace
    action, _, ref = uses.partition("@")
    if uses.startswith("./"):
        return emu.composite(job, name, workspace / uses[2:], with_, ctx)
    if action in emu.actions:
        dest = job.temp.parent / "_actions" / action / ref
        return emu.composite(job, name, emu._repository(action, ref, dest), with_, ctx)
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
    raise AssertionError(f"action {action} is not emulated")


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
