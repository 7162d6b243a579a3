"""How the bench measures a sync: in one process (`run_sync`, as `scripts/sync` runs) or
one `scripts/sync-target` process per target (as the CI matrix runs), with the counters
both share: wall and CPU seconds, git HTTP requests and bytes (the git server's log),
forge API calls (the fake GitHub's log), git processes (a PATH shim) and peak memory.

Git processes are counted by a `git` shim first on PATH that appends the subcommand to a
log and execs the real git. It sees every git that skillsync (or a baseline script)
starts by name — `git.run`, the manifest's `cat-file --batch` readers — in any process,
which an in-process counter cannot do for `sync-target`. It does not see git's own
helpers (remote-http, index-pack, pack-objects): git runs those from its exec-path, which
it puts first on their PATH. One dash start-up per process is its whole cost;
`GitCounter.overhead_ms` measures it in each run. `GIT_TRACE2_EVENT` was the other
candidate; `skillsync.git.clean_env` drops it, and its event stream costs more per
process than the shim.
"""

from __future__ import annotations

import collections
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from benchmarks.fleet import NEW, OWNER, SCRIPTS, Fleet

BENCH = Path(__file__).with_name("bench.py")
GNU_TIME = "/usr/bin/time"   # peak memory of a whole process, from its exit status

SHIM = r"""#!/bin/sh
# skillsync bench: log which git subcommand runs, then become the real git.
c=
for a do
  case $c in -c|-C|--git-dir|--work-tree|--namespace) c=; continue ;; esac
  case $a in -*) c=$a ;; *) c=$a; break ;; esac
done
printf '%s\n' "${c:-?}" >>'@LOG@'
exec '@GIT@' "$@"
"""


def median(values: Sequence[float]) -> float:
    return round(statistics.median(values), 4) if values else 0.0


def cpu_now() -> float:
    """CPU seconds of this process and every child it reaped (git, CGI, shells, syncs):
    the machine's work for a phase, client and server side together."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


class GitCounter:
    """The `git` shim: `env()` puts it first on PATH, `take()` returns (and forgets) the
    subcommands it saw."""

    def __init__(self, work: Path) -> None:
        real = shutil.which("git")
        if real is None:
            raise SystemExit("bench: error: git is not on PATH")
        self.real = str(Path(real).resolve())
        self.bindir = work / "shim-bin"
        self.bindir.mkdir(parents=True, exist_ok=True)
        self.log = work / "git-processes.log"
        self.log.touch()
        shim = self.bindir / "git"
        shim.write_text(SHIM.replace("@LOG@", str(self.log)).replace("@GIT@", self.real))
        shim.chmod(0o755)

    def env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        env = dict(os.environ if base is None else base)
        # The venv's bin next: the scripts' `#!/usr/bin/env python3` finds this interpreter.
        env["PATH"] = os.pathsep.join([str(self.bindir), str(Path(sys.executable).parent),
                                       env.get("PATH", "")])
        return env

    def take(self) -> collections.Counter[str]:
        lines = self.log.read_text().split()
        self.log.write_text("")
        return collections.Counter(lines)

    def overhead_ms(self, runs: int = 30) -> float:
        """What the shim adds to one git process (median of `git --version`, alternated)."""
        env = self.env()
        shimmed: list[float] = []
        direct: list[float] = []
        for _ in range(runs):
            for argv, out in (([str(self.bindir / "git"), "--version"], shimmed),
                              ([self.real, "--version"], direct)):
                t = time.perf_counter()
                subprocess.run(argv, env=env, capture_output=True, check=True, timeout=60)
                out.append(time.perf_counter() - t)
        self.take()
        return round(float(statistics.median(shimmed) - statistics.median(direct)) * 1000, 3)


def transport_summary(srv: Any) -> dict[str, Any]:
    """What the git server saw: sessions by kind and bytes, for every method alike."""
    reqs = list(srv.requests)
    kinds = collections.Counter(f"{r.service.removeprefix('git-')}:{r.command}" for r in reqs)
    return {"requests": len(reqs), "by_kind": dict(sorted(kinds.items())),
            "bytes_out": sum(r.bytes_out for r in reqs),
            "bytes_in": sum(r.bytes_in for r in reqs),
            "failed": sum(r.status >= 400 for r in reqs)}


def api_calls(gh: Any, specs: list[dict[str, Any]]) -> dict[str, int]:
    """Forge requests per pull-request target in the last phase."""
    calls = collections.Counter(r.path.split("/")[3] for r in list(gh.requests)
                                if r.path.startswith(f"/repos/{OWNER}/"))
    return {s["id"]: calls.get(s["id"], 0) for s in specs if s["mechanism"] == "pull-request"}


# =========================================================================== in the child


def _subcommand(args: Sequence[str]) -> str:
    it = iter(args)
    for a in it:
        if a in ("-c", "-C", "--git-dir", "--work-tree"):
            next(it, None)
        elif not a.startswith("-"):
            return a
    return "?"


def peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM). Not ru_maxrss: on Linux that keeps the
    parent's peak across fork + exec, so every child would report at least the bench's."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def child_sync(cfg: dict[str, Any]) -> dict[str, Any]:
    """Run in a fresh interpreter: one run_sync, instrumented, with its cost."""
    t0 = time.perf_counter()
    from skillsync import git
    from skillsync.runlog import RunDir
    from skillsync.sync import Options, run_sync
    from skillsync.targets import load_targets

    calls: collections.Counter[str] = collections.Counter()
    busy: collections.defaultdict[str, float] = collections.defaultdict(float)  # s in git
    lock = threading.Lock()
    real_run = git.run

    def run(args: Sequence[str], *a: Any, **kw: Any) -> Any:
        t = time.perf_counter()
        try:
            return real_run(args, *a, **kw)
        finally:
            with lock:
                calls[_subcommand(args)] += 1
                busy[_subcommand(args)] += time.perf_counter() - t

    git.run = run
    manifest = json.loads(Path(cfg["manifest"]).read_text())
    targets = load_targets(Path(cfg["targets"]))
    rd = RunDir(Path(cfg["run_dir"])).create()
    t1 = time.perf_counter()
    results = run_sync(manifest, targets, rd, Options(jobs=cfg["jobs"], verify=cfg["verify"]))
    t2 = time.perf_counter()
    statuses = collections.Counter(r.status for r in results.values())
    counters: collections.Counter[str] = collections.Counter()
    for r in results.values():   # each target's TargetRepo counters (sync.py puts them here)
        counters.update(r.data.get("git") or {})
    failed = {tid: r.message for tid, r in results.items()
              if r.status not in ("synced", "no-op", "pending")}
    return {
        "seconds_run_sync": round(t2 - t1, 4),
        "seconds_setup": round(t1 - t0, 4),
        "statuses": dict(sorted(statuses.items())),
        "failed": dict(sorted(failed.items())[:5]),
        "counters": {k: counters.get(k, 0) for k in ("clones", "fetches", "ls_remote", "pushes")},
        "git_run_calls": sum(calls.values()),
        "git_by_command": dict(sorted(calls.items())),
        "git_seconds_by_command": {k: round(v, 3) for k, v in sorted(busy.items())},
        "cpu_python_s": round(sum(resource.getrusage(resource.RUSAGE_SELF)[:2]), 3),
        "cpu_git_s": round(sum(resource.getrusage(resource.RUSAGE_CHILDREN)[:2]), 3),
        "maxrss_mb": peak_rss_mb(),
    }


# =========================================================================== the two modes


class Syncs:
    """Runs skillsync's sync of a release over the first `n` targets of the fleet, in one
    process or one process per target, and returns what it cost."""

    def __init__(self, fleet: Fleet, git_srv: Any, gh: Any, counter: GitCounter,
                 jobs: int) -> None:
        self.fleet, self.git_srv, self.gh, self.counter = fleet, git_srv, gh, counter
        self.jobs = jobs
        self.runs = fleet.work / "runs"
        self.serial = 0

    def forget(self) -> None:
        """Start every counter from zero (the downstreams keep their state)."""
        self.gh.requests.clear()
        self.git_srv.clear()
        self.counter.take()

    def _common(self, out: dict[str, Any], specs: list[dict[str, Any]]) -> dict[str, Any]:
        git = self.counter.take()
        out["git_processes"] = sum(git.values())
        out["git_processes_by_command"] = dict(sorted(git.items()))
        out["transport"] = transport_summary(self.git_srv)
        out["api_requests"] = len(self.gh.requests)
        out["api_per_pr"] = api_calls(self.gh, specs)
        out["targets"] = len(specs)
        return out

    def one_process(self, n: int, cache: Path, *, verify: bool = True) -> dict[str, Any]:
        """`run_sync` in a fresh interpreter, as `scripts/sync` runs it."""
        self.forget()
        self.serial += 1
        cfg = {"manifest": str(self.fleet.manifests[NEW]),
               "targets": str(self.fleet.targets_dir(n)), "jobs": self.jobs,
               "run_dir": str(self.runs / f"run-{self.serial:03d}"), "verify": verify}
        env = self.counter.env({**os.environ, "SKILLSYNC_CACHE": str(cache)})
        cpu, t = cpu_now(), time.perf_counter()
        proc = subprocess.run([sys.executable, str(BENCH), "--child-sync", json.dumps(cfg)],
                              env=env, capture_output=True, check=False, timeout=3600)
        wall, cpu = time.perf_counter() - t, cpu_now() - cpu
        if proc.returncode != 0:
            raise SystemExit(f"bench: error: sync child failed: "
                             f"{proc.stderr.decode(errors='replace')[-1500:]}")
        out: dict[str, Any] = json.loads(proc.stdout)
        out["seconds"] = round(wall, 4)
        out["cpu_s"] = round(cpu, 3)
        return self._common(out, self.fleet.spec(n))

    def sync_target_argv(self, tid: str, n: int, run_dir: Path) -> list[str]:
        """One CI matrix job's command (sync-downstream.yml): the shared manifest from the
        job's copy of the run directory, the source checkout, the result to a file, the
        fleet's wave of the target (a job knows it from the plan)."""
        specs = self.fleet.spec(n)
        canary = any(s["risk"] == "low" for s in specs)
        wave = 0 if not canary or next(s for s in specs if s["id"] == tid)["risk"] == "low" else 1
        return [str(SCRIPTS / "sync-target"), "--target", tid, "--wave", str(wave),
                "--manifest", str(run_dir / "manifest.json"), "--run-dir", str(run_dir),
                "--source", str(self.fleet.source), "--targets", str(self.fleet.targets_dir(n)),
                "-o", str(run_dir / "result.json")]

    def job_dir(self, tid: str) -> Path:
        """A job's run directory, holding the manifest as the plan job's artifact does."""
        run_dir = self.runs / f"jobs-{self.serial:03d}" / tid
        run_dir.mkdir(parents=True)
        shutil.copyfile(self.fleet.manifests[NEW], run_dir / "manifest.json")
        return run_dir

    def per_process(self, n: int, cache: Path, *, cold: bool = False) -> dict[str, Any]:
        """One `scripts/sync-target` process per target, `jobs` at a time, wave after wave
        (the canary alone first), as the CI matrix runs them. `cache` is shared by every
        job (what `actions/cache` would restore), or with `cold` a fresh one per job."""
        self.forget()
        self.serial += 1
        specs = self.fleet.spec(n)
        waves = [[s for s in specs if s["risk"] == "low"],
                 [s for s in specs if s["risk"] != "low"]]
        cpu, t = cpu_now(), time.perf_counter()
        jobs: list[dict[str, Any]] = []
        for wave in (w for w in waves if w):
            with ThreadPoolExecutor(self.jobs) as pool:
                jobs += pool.map(lambda s: self._job(s["id"], n, cache, cold), wave)
        wall, cpu = time.perf_counter() - t, cpu_now() - cpu
        statuses = collections.Counter(j["status"] for j in jobs)
        counters: collections.Counter[str] = collections.Counter()
        for j in jobs:
            counters.update(j["counters"])
        out = {"seconds": round(wall, 4), "cpu_s": round(cpu, 3),
               "statuses": dict(sorted(statuses.items())),
               "failed": {j["id"]: j["message"] for j in jobs
                          if j["status"] not in ("synced", "no-op", "pending")},
               "counters": {k: counters.get(k, 0)
                            for k in ("clones", "fetches", "ls_remote", "pushes")},
               "process_s": [j["seconds"] for j in jobs],
               "maxrss_mb": max((j["maxrss_mb"] for j in jobs), default=0.0)}
        return self._common(out, specs)

    def _job(self, tid: str, n: int, cache: Path, cold: bool) -> dict[str, Any]:
        run_dir = self.job_dir(tid)
        env = self.counter.env({**os.environ,
                                "SKILLSYNC_CACHE": str(cache / tid if cold else cache)})
        rss = run_dir.parent / f"{tid}.rss"
        argv = self.sync_target_argv(tid, n, run_dir)
        if os.access(GNU_TIME, os.X_OK):
            argv = [GNU_TIME, "-q", "-f", "%M", "-o", str(rss), *argv]
        t = time.perf_counter()
        proc = subprocess.run(argv, env=env, capture_output=True, check=False, timeout=1800)
        seconds = time.perf_counter() - t
        try:
            result = json.loads((run_dir / "result.json").read_text())
        except (OSError, ValueError):
            result = {"status": f"exit {proc.returncode}",
                      "message": proc.stderr.decode(errors="replace")[-300:]}
        try:   # GNU time's %M: the largest of sync-target and the git processes it reaped
            maxrss = round(int(rss.read_text().split()[-1]) / 1024, 1)
        except (OSError, ValueError, IndexError):
            maxrss = 0.0
        return {"id": tid, "status": result.get("status"), "message": result.get("message"),
                "counters": (result.get("data") or {}).get("git") or {},
                "seconds": round(seconds, 4), "maxrss_mb": maxrss}
