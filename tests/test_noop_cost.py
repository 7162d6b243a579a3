"""What a no-op costs one `sync-target` process (a CI matrix job), counted in git
processes through a PATH shim, not timed (issue 17): a warm no-op runs the one
`ls-remote`; a cold one (no cache) decides from the head commit's trailers and reads
no blob, no tree; neither opens the source."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import make_bare_remote, run_script
from engine_fixtures import make_source, target_yaml


def shimmed(tmp: Path) -> tuple[dict[str, str], Path]:
    """An environment whose `git` logs each subcommand, then runs the real git."""
    real = shutil.which("git")
    assert real
    shim = tmp / "shim"
    shim.mkdir()
    log = tmp / "git.log"
    (shim / "git").write_text(f'#!/bin/sh\nprintf "%s\\n" "$*" >> "{log}"\nexec "{real}" "$@"\n')
    (shim / "git").chmod(0o755)
    import os

    return {"PATH": f"{shim}:{os.environ['PATH']}"}, log


def subcommands(log: Path) -> list[str]:
    out = []
    for line in log.read_text().splitlines():
        words = [w for w in line.split() if not w.startswith(("-c", "http.low"))]
        # skip `--git-dir X`
        while words and words[0] == "--git-dir":
            words = words[2:]
        out.append(words[0] if words else "")
    return out


def test_a_no_op_sync_target_runs_one_ls_remote_warm_and_reads_no_blob_cold(
        tmp_path: Path) -> None:
    src = make_source(tmp_path)
    bare = make_bare_remote(tmp_path, "down")
    tdir = tmp_path / "targets"
    tdir.mkdir()
    (tdir / "down.yaml").write_text(target_yaml("down", bare))
    manifest = tmp_path / "m.json"
    assert run_script("build-manifest", "--source", str(src), "--ref", "v1.1.0",
                      "-o", str(manifest)).returncode == 0
    cache = tmp_path / "cache"

    def sync(run: str, env: dict[str, str] | None = None) -> dict:
        proc = run_script("sync-target", "--target", "down", "--manifest", str(manifest),
                          "--targets", str(tdir), "--run-dir", str(tmp_path / run),
                          env={"SKILLSYNC_CACHE": str(cache), **(env or {})})
        assert proc.returncode == 0, proc.stderr
        return dict(json.loads(proc.stdout))

    assert sync("r1")["status"] == "synced"
    env, log = shimmed(tmp_path)

    assert sync("r2", env)["status"] == "no-op"                     # warm: the cache answers
    assert subcommands(log) == ["ls-remote"]

    shutil.rmtree(cache)
    log.unlink()
    cold = sync("r3", env)                                          # cold: the head's trailers
    assert cold["status"] == "no-op" and "is its sync commit" in cold["message"]
    run = subcommands(log)
    assert run == ["init", "fetch", "for-each-ref"], run    # one fetch by name, its heads
    assert "cat-file" not in run and "ls-tree" not in run and "rev-parse" not in run
