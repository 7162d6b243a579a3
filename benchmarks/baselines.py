"""What skillsync is measured against, in the same run: the git floor and the naive
baseline for P1 (shell scripts, one target each), the floor for P3 (`git ls-tree` plus
hashing every blob), `python3 -c pass` for P4, and for the per-process no-op (issue 17
item 3) importing the `sync-target` command plus one `git ls-remote` of the target.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.fleet import NEW, OWNER, ROOT, SCRIPTS, git_env_with_token, sh
from benchmarks.measure import BENCH, Syncs, cpu_now, median, transport_summary


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


# ======================================================================== P1: shell baselines

ONE_TARGET_SH = r"""#!/usr/bin/env bash
# One target, the minimum git work: clone, copy the release files in, commit, push
# (and open the pull request). Args: id url dest stage mode(push|pull-request) depth(1|full)
set -euo pipefail
id=$1 url=$2 dest=$3 stage=$4 mode=$5 depth=$6
work=$(mktemp -d "$BENCH_TMP/$id.XXXX")
trap 'rm -rf "$work"' EXIT
if [ "$depth" = full ]; then
  git clone -q --single-branch --branch main "$url" "$work/w"
else
  git clone -q --depth 1 --single-branch --branch main "$url" "$work/w"
fi
cd "$work/w"
rm -rf -- "$dest"
mkdir -p -- "$dest"
cp -a -- "$stage/." "$dest/"
git add -A -- "$dest"
git commit -q -m "sync skills $BENCH_VERSION"
if [ "$mode" = push ]; then
  git push -q origin HEAD:refs/heads/main
else
  branch="skillsync/$BENCH_VERSION"
  git push -q origin "HEAD:refs/heads/$branch"
  printf '{"title":"skills %s","head":"%s","base":"main","body":"sync"}' \
    "$BENCH_VERSION" "$branch" |
    curl -sSf -o /dev/null -H @"$BENCH_API_HEADERS" -H 'Content-Type: application/json' \
      --data-binary @- "$BENCH_API/repos/$BENCH_OWNER/$id/pulls"
fi
"""


def run_shell(jobs: int, lines: list[str], script: Path,
              env: dict[str, str]) -> tuple[float, float]:
    """xargs -P jobs over one line per target; returns (wall, CPU) seconds."""
    cpu, t = cpu_now(), time.perf_counter()
    proc = subprocess.run(["xargs", "-P", str(jobs), "-L", "1", "bash", str(script)],
                          input="\n".join(lines).encode() + b"\n", env=env,
                          capture_output=True, check=False, timeout=3600)
    sec, cpu = time.perf_counter() - t, cpu_now() - cpu
    if proc.returncode != 0:
        raise SystemExit(f"bench: error: shell baseline failed (exit {proc.returncode}): "
                         f"{proc.stderr.decode(errors='replace')[-800:]}")
    return sec, cpu



def shell(syncs: Syncs, n: int, depth: str) -> dict[str, Any]:
    """The floor (`depth` "1", `jobs` at a time) or the naive baseline ("full", one target
    after another) over the first `n` targets, with the counters skillsync's runs get."""
    fleet, work = syncs.fleet, syncs.fleet.work
    script = work / "one-target.sh"
    script.write_text(ONE_TARGET_SH)
    headers = work / "api-headers"
    headers.write_text(f"Authorization: token {fleet.token}\n")
    headers.chmod(0o600)
    tmp = work / "shell-tmp"
    tmp.mkdir(exist_ok=True)
    env = syncs.counter.env({
        **git_env_with_token(fleet.token), "BENCH_TMP": str(tmp),
        "BENCH_VERSION": NEW.removeprefix("v"), "BENCH_API": syncs.gh.url,
        "BENCH_API_HEADERS": str(headers), "BENCH_OWNER": OWNER})
    lines = [" ".join([s["id"], fleet.url_of(s["id"]), s["dest"],
                       str(fleet.stage[s["skills"][0]]), s["mechanism"], depth])
             for s in fleet.spec(n)]
    syncs.forget()
    sec, cpu = run_shell(syncs.jobs if depth == "1" else 1, lines, script, env)
    git = syncs.counter.take()
    return {"seconds": round(sec, 4), "cpu_s": round(cpu, 3), "targets": n,
            "git_processes": sum(git.values()),
            "git_processes_by_command": dict(sorted(git.items())),
            "transport": transport_summary(syncs.git_srv), "api_requests": len(syncs.gh.requests)}


# =========================================================================== P3: the manifest


def child_manifest(cfg: dict[str, Any]) -> dict[str, Any]:
    """P3 in a fresh interpreter: build_manifest vs ls-tree + hash every blob."""

    from skillsync.manifest import build_manifest

    source, ref, n = cfg["source"], cfg["ref"], cfg["repeat"]

    def floor() -> int:
        commit = sh(["git", "--git-dir", source, "rev-parse", f"{ref}^{{commit}}"]).decode().strip()
        raw = sh(["git", "--git-dir", source, "ls-tree", "-r", "-z", "--full-tree", commit])
        oids = [rec.split(b"\t")[0].split()[2] for rec in raw.split(b"\0")
                if rec and rec.split()[1] == b"blob"]
        proc = subprocess.Popen(["git", "--git-dir", source, "cat-file", "--batch"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert proc.stdin is not None and proc.stdout is not None
        feeder = threading.Thread(target=lambda: (proc.stdin.write(  # type: ignore[union-attr]
            b"".join(o + b"\n" for o in oids)), proc.stdin.close()))  # type: ignore[union-attr]
        feeder.start()
        for _ in oids:
            size = int(proc.stdout.readline().split()[2])
            h = hashlib.sha256()
            left = size
            while left:
                chunk = proc.stdout.read(min(left, 1 << 20))
                h.update(chunk)
                left -= len(chunk)
            proc.stdout.read(1)
        feeder.join()
        proc.stdout.close()   # the pipe, not left to the garbage collector
        proc.wait()
        return len(oids)

    lib, flo = [], []
    files = 0
    for _ in range(n):   # interleaved, so drift in machine load hits both alike
        sec, m = timed(lambda: build_manifest(source, ref))
        lib.append(sec)
        sec, files = timed(floor)
        flo.append(sec)
    nfiles = sum(len(s["files"]) for s in m["skills"]) + len(m.get("adapters", []))
    return {"library_s": lib, "floor_s": flo, "manifest_files": nfiles, "tree_blobs": files,
            "skills": len(m["skills"])}



def p3(source: Path, repeat: int) -> dict[str, Any]:
    cfg = {"source": str(source), "ref": NEW, "repeat": max(5, repeat)}
    proc = subprocess.run([sys.executable, str(BENCH), "--child-manifest", json.dumps(cfg)],
                          capture_output=True, check=False, timeout=3600)
    if proc.returncode != 0:
        raise SystemExit(f"bench: error: manifest child failed: "
                         f"{proc.stderr.decode(errors='replace')[-1500:]}")
    out: dict[str, Any] = json.loads(proc.stdout)
    return out


# =========================================================================== P4: start-up

def p4_startup(runs: int) -> dict[str, Any]:
    """`--help` of every script against `python3 -c pass`, the python3 their `#!/usr/bin/env
    python3` line finds. Round-robin, so a change in machine load hits every command alike."""
    # The scripts' `#!/usr/bin/env python3` finds this interpreter first (not a version
    # manager's shim, whose own start-up would hide the scripts' cost).
    bindir = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": bindir + os.pathsep + os.environ.get("PATH", "")}
    python = shutil.which("python3", path=env["PATH"]) or sys.executable
    commands = {"python3 -c pass": [python, "-c", "pass"]}
    for p in sorted(SCRIPTS.iterdir()):
        if p.is_file() and os.access(p, os.X_OK):
            commands[p.name] = [str(p), "--help"]
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, argv in commands.items():
            t = time.perf_counter()
            proc = subprocess.run(argv, capture_output=True, check=False, timeout=60, env=env)
            times[name].append(time.perf_counter() - t)
            if proc.returncode != 0:
                raise SystemExit(f"bench: error: {name} --help: exit {proc.returncode}")
    base = median(times.pop("python3 -c pass"))
    scripts = {name: {"median_s": median(t), "vs_python": round(median(t) / base, 2)}
               for name, t in times.items()}
    return {"python_c_pass_s": base, "python3": python, "runs_each": runs, "scripts": scripts}



# =========================================================================== the no-op process


def noop_process(syncs: Syncs, n: int, cache: Path, runs: int,
                 sample: list[str]) -> dict[str, Any]:
    """Issue 17 item 3: a warm no-op `sync-target` (`cache` warm, the targets synced)
    against importing its command plus one `git ls-remote` of its target. One process at
    a time, round-robin, so the ratio is one job's cost and load drift hits all three."""
    python = shutil.which("python3", path=syncs.counter.env()["PATH"]) or sys.executable
    importing = [python, "-c", f"import sys; sys.path.insert(0, {str(ROOT / 'src')!r}); "
                 "from skillsync.commands.sync_target import main"]
    env = syncs.counter.env({**os.environ, "SKILLSYNC_CACHE": str(cache)})
    plain = git_env_with_token(syncs.fleet.token)   # the real git, no shim
    times: dict[str, dict[str, list[float]]] = {
        tid: {"sync_target": [], "import": [], "ls_remote": []} for tid in sample}
    statuses: dict[str, int] = {}
    syncs.forget()
    for _ in range(runs):
        syncs.serial += 1
        for tid in sample:
            run_dir = syncs.job_dir(tid)
            for key, argv, e in (
                    ("sync_target", syncs.sync_target_argv(tid, n, run_dir), env),
                    ("import", importing, plain),
                    ("ls_remote", ["git", "ls-remote", "--", syncs.fleet.url_of(tid),
                                   "refs/heads/main"], plain)):
                t0 = time.perf_counter()
                proc = subprocess.run(argv, env=e, capture_output=True, check=False,
                                      timeout=600)
                times[tid][key].append(time.perf_counter() - t0)
                if key != "sync_target" and proc.returncode != 0:
                    raise SystemExit(f"bench: error: {argv[:3]}: exit {proc.returncode}")
            try:
                status = json.loads((run_dir / "result.json").read_text())["status"]
            except (OSError, ValueError, KeyError):
                status = "unreadable"
            statuses[status] = statuses.get(status, 0) + 1
    git = syncs.counter.take()
    every = {k: [x for tt in times.values() for x in tt[k]] for k in ("sync_target", "import",
                                                                     "ls_remote")}
    pairs = [a / (b + c) for tt in times.values()
             for a, b, c in zip(tt["sync_target"], tt["import"], tt["ls_remote"], strict=True)]
    st, base = median(every["sync_target"]), median(every["import"]) + median(every["ls_remote"])
    return {"sync_target_s": st, "import_s": median(every["import"]),
            "ls_remote_s": median(every["ls_remote"]),
            "ratio": round(st / base, 3) if base else None,
            "ratio_min": round(min(pairs), 3) if pairs else None,
            "ratio_max": round(max(pairs), 3) if pairs else None,
            "runs_each": runs, "statuses": statuses,
            "targets": {tid: {k: median(v) for k, v in tt.items()} for tid, tt in times.items()},
            "git_processes_per_run": round(sum(git.values()) / max(1, runs * len(sample)), 2),
            "git_processes_by_command": dict(sorted(git.items()))}
