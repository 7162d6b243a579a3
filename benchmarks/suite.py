"""One bench run: for each link, `--repeat` repetitions of every measurement (skillsync in
each mode, then the floor and the naive baseline, interleaved so drift in the machine's
load hits them alike), then peak memory at each fleet size, P3 and P4. Returns the
results document; `benchmarks.report` judges and renders it.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
from pathlib import Path
from typing import Any

from benchmarks import baselines
from benchmarks.fleet import NEW, OLD, ROOT, Link, say, sh
from benchmarks.measure import Syncs, median

MODES = {"one": "one process", "process": "per process"}
SCHEMA = "skillsync.bench/v2"


def stats(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Median, min and max seconds of `runs`; counters from the median run."""
    secs = [o["seconds"] for o in runs]
    mid = sorted(runs, key=lambda o: o["seconds"])[len(runs) // 2]
    n = max(1, mid["targets"])
    reqs = [o["transport"]["requests"] for o in runs]
    out = {"runs_s": secs, "median_s": median(secs), "min_s": min(secs), "max_s": max(secs),
           "cpu_s": median([o["cpu_s"] for o in runs]), "transport": mid["transport"],
           "http_requests": median(reqs), "http_per_target": round(median(reqs) / n, 2),
           "git_processes": mid["git_processes"],
           "git_per_target": round(mid["git_processes"] / n, 2),
           "git_processes_by_command": mid["git_processes_by_command"],
           "api_requests": max(o["api_requests"] for o in runs),
           "api_per_target": round(max(o["api_requests"] for o in runs) / n, 3)}
    for key in ("statuses", "counters", "api_per_pr", "git_by_command", "git_seconds_by_command",
                "git_run_calls"):
        if key in mid:
            out[key] = mid[key]
    for key in ("cpu_python_s", "cpu_git_s", "seconds_run_sync"):
        if key in mid:
            out[key] = median([o[key] for o in runs])
    if "maxrss_mb" in mid:
        out["maxrss_mb"] = max(o["maxrss_mb"] for o in runs)
    if "process_s" in mid:
        out["process_median_s"] = median(mid["process_s"])
    return out


def ratio(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> dict[str, Any] | None:
    """median(a) / median(b), and the min and max of the per-repetition pairs."""
    if not a or not b:
        return None
    pairs = [x["seconds"] / y["seconds"] for x, y in zip(a, b, strict=False) if y["seconds"]]
    top = median([y["seconds"] for y in b])
    return {"value": round(median([x["seconds"] for x in a]) / top, 3) if top else None,
            "min": round(min(pairs), 3) if pairs else None,
            "max": round(max(pairs), 3) if pairs else None}


def noop_sample(specs: list[dict[str, Any]]) -> list[str]:
    """A push and a pull-request target of the later wave (what most CI jobs are)."""
    rest = [s for s in specs if s["risk"] != "low"] or specs
    out = [next((s["id"] for s in rest if s["mechanism"] == m), "") for m in ("push",
                                                                              "pull-request")]
    return [x for x in out if x] or [specs[0]["id"]]


def measure_link(args: argparse.Namespace, link: Link, syncs: Syncs,
                 problems: list[str], findings: list[str]) -> dict[str, Any]:
    fleet, n, work = syncs.fleet, args.targets, syncs.fleet.work
    link.apply(syncs.git_srv)
    raw: dict[str, dict[str, list[dict[str, Any]]]] = {
        m: {"p1": [], "p2_warm": [], "p2_cold": [], "p1_no_verify": []} for m in args.modes}
    floor: list[dict[str, Any]] = []
    naive: list[dict[str, Any]] = []
    noop: dict[str, Any] | None = None
    for r in range(args.repeat):
        say(f"  {link.label}: repetition {r + 1}/{args.repeat}")
        for mode in args.modes:
            go = syncs.one_process if mode == "one" else syncs.per_process
            fleet.reset(syncs.git_srv, syncs.gh)
            cache = work / f"cache-{link.name}-{mode}-{r}"
            out = go(n, cache)
            raw[mode]["p1"].append(out)
            if r == 0:
                problems += fleet.check(f"skillsync {MODES[mode]}, {link.label}", n)
            say(f"    P1 {MODES[mode]:19} {out['seconds']:7.2f}s  {out['statuses']}")
            out = go(n, cache)
            raw[mode]["p2_warm"].append(out)
            say(f"    P2 warm {MODES[mode]:14} {out['seconds']:7.2f}s  {out['statuses']}")
            out = (syncs.one_process(n, work / f"cache-cold-{link.name}-{r}") if mode == "one"
                   else syncs.per_process(n, work / f"cache-cold-{link.name}-pp-{r}", cold=True))
            raw[mode]["p2_cold"].append(out)
            say(f"    P2 cold {MODES[mode]:14} {out['seconds']:7.2f}s  {out['statuses']}")
            if mode == "process" and r == 0 and args.startup_runs:
                noop = baselines.noop_process(syncs, n, cache, args.startup_runs,
                                              noop_sample(fleet.spec(n)))
                say(f"    no-op sync-target {noop['sync_target_s']:.3f}s vs import + ls-remote "
                    f"{noop['import_s'] + noop['ls_remote_s']:.3f}s")
            if mode == "one" and args.no_verify_variant:
                fleet.reset(syncs.git_srv, syncs.gh)
                out = syncs.one_process(n, work / f"cache-nv-{link.name}-{r}", verify=False)
                raw[mode]["p1_no_verify"].append(out)
                say(f"    P1 no verify           {out['seconds']:7.2f}s  {out['statuses']}")
        fleet.reset(syncs.git_srv, syncs.gh)
        floor.append(baselines.shell(syncs, n, "1"))
        if r == 0:
            problems += fleet.check(f"floor, {link.label}", n)
        say(f"    P1 floor               {floor[-1]['seconds']:7.2f}s")
        if r < args.naive_repeat:
            fleet.reset(syncs.git_srv, syncs.gh)
            naive.append(baselines.shell(syncs, n, "full"))
            if r == 0:
                problems += fleet.check(f"naive, {link.label}", n, sample=3)
            say(f"    P1 naive               {naive[-1]['seconds']:7.2f}s")
    # A sync that did not deliver makes the run meaningless (problems, exit 1); a re-sync
    # that did more than a no-op is a finding, reported with P2.
    out_link: dict[str, Any] = {"link": {"name": link.name, "label": link.label,
                                         "mbps": link.mbps, "latency_ms": link.latency_ms},
                                "floor": stats(floor), "naive": stats(naive) if naive else None}
    for mode, m in raw.items():
        for label, runs in (("P1", m["p1"]), ("P1 no verify", m["p1_no_verify"])):
            for o in runs:
                if o["statuses"] != {"synced": n}:
                    problems.append(f"{label} {MODES[mode]}, {link.label}: expected {n} synced,"
                                    f" got {o['statuses']}: {o['failed']}")
        for key in ("p2_warm", "p2_cold"):
            bad = [o["statuses"] for o in m[key] if not nothing_to_do(o["statuses"], n)]
            if bad:
                findings.append(f"{key} {MODES[mode]}, {link.label}: expected {n} no-op "
                                f"or pending, got {bad[0]}")
        out_link[mode] = {k: stats(v) for k, v in m.items() if v}
        out_link[mode]["ratios"] = {
            "p1_vs_floor": ratio(m["p1"], floor), "naive_speedup": ratio(naive, m["p1"]),
            "p2_warm_vs_p1": ratio(m["p2_warm"], m["p1"]),
            "p2_cold_vs_p1": ratio(m["p2_cold"], m["p1"])}
        if m["p1_no_verify"]:
            out_link[mode]["ratios"]["no_verify_vs_floor"] = ratio(m["p1_no_verify"], floor)
    if noop is not None:
        out_link["process"]["noop_process"] = noop
        if not nothing_to_do(noop["statuses"], sum(noop["statuses"].values())):
            findings.append(f"no-op sync-target, {link.label}: got {noop['statuses']}")
    return out_link


def nothing_to_do(statuses: dict[str, int], n: int) -> bool:
    """A re-run found nothing to write for all `n` targets: `no-op`, or `pending` (a pull
    request target whose sync PR, opened by P1, awaits its merge)."""
    return set(statuses) <= {"no-op", "pending"} and sum(statuses.values()) == n


def memory(args: argparse.Namespace, syncs: Syncs, links: dict[str, Any],
           problems: list[str]) -> dict[str, Any]:
    """Peak memory of a one-process full sync at each fleet size (zero latency)."""
    sizes: dict[str, Any] = {}
    loop = links.get("loopback", {}).get("one")
    for size in args.memory_sizes:
        if size == args.targets and loop:
            sizes[str(size)] = {"maxrss_mb": loop["p1"]["maxrss_mb"],
                                "seconds": loop["p1"]["median_s"], "from": "P1, zero latency"}
            continue
        say(f"  memory: one-process full sync of {size} targets")
        Link().apply(syncs.git_srv)
        syncs.fleet.reset(syncs.git_srv, syncs.gh)
        out = syncs.one_process(size, syncs.fleet.work / f"cache-mem-{size}")
        if out["statuses"] != {"synced": size}:
            problems.append(f"memory run at {size}: expected {size} synced, got "
                            f"{out['statuses']}: {out['failed']}")
        sizes[str(size)] = {"maxrss_mb": out["maxrss_mb"], "seconds": out["seconds"],
                            "from": "a P1 of its own, zero latency"}
    return sizes


def run(args: argparse.Namespace, syncs: Syncs, load_start: list[float]) -> dict[str, Any]:
    """Every measurement; `load_start` is the load average when the bench started."""
    fleet = syncs.fleet
    code = code_version()   # before measuring: what ran, even if the tree changes meanwhile
    problems: list[str] = []
    findings: list[str] = []
    shim_ms = syncs.counter.overhead_ms()
    links = {link.name: measure_link(args, link, syncs, problems, findings)
             for link in args.links}
    problems += fleet.pristine_problems()
    mem = memory(args, syncs, links, problems)
    say("  P3 build_manifest")
    p3 = baselines.p3(fleet.source, args.repeat)
    p4: dict[str, Any] | None = None
    if args.startup_runs:
        say("  P4 start-up")
        p4 = baselines.p4_startup(args.startup_runs)
        worst = max(p4["scripts"].items(), key=lambda kv: kv[1]["median_s"])
        p4 |= {"worst": worst[0], "worst_vs_python": worst[1]["vs_python"]}
    specs = fleet.spec(args.targets)
    prs = sum(s["mechanism"] == "pull-request" for s in specs)
    return {
        "schema": SCHEMA,
        "config": {"targets": args.targets, "repeat": args.repeat, "jobs": args.jobs,
                   "history_mb": args.history_mb, "canary": not args.no_canary,
                   "links": [link.name for link in args.links], "modes": list(args.modes),
                   "memory_sizes": list(args.memory_sizes), "startup_runs": args.startup_runs,
                   "pull_request_targets": prs, "push_targets": args.targets - prs,
                   "subset_targets": sum(s["skills"] != ["*"] for s in specs),
                   "release": f"{OLD} -> {NEW}", "naive_runs": min(args.repeat,
                                                                   args.naive_repeat)},
        "code": code,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "scratch_fs": filesystem_of(fleet.work), "loadavg_start": load_start,
                    "loadavg_end": [round(x, 2) for x in os.getloadavg()],
                    "git": sh(["git", "--version"]).decode().split()[-1],
                    "platform": platform.platform(terse=True)},
        "source": {"skills": fleet.release_skills, "files": fleet.release_files,
                   "bytes": fleet.release_bytes, "repo_bytes": fleet.source_bytes, "tags": 3},
        "fleet_bytes": fleet.fleet_bytes,
        "setup": fleet.timings,
        "git_shim_overhead_ms": shim_ms,
        "links": links,
        "memory": mem,
        "p3": {"library_s": median(p3["library_s"]), "floor_s": median(p3["floor_s"]),
               "vs_floor": round(median(p3["library_s"]) / median(p3["floor_s"]), 3),
               "runs": p3},
        "p4": p4,
        "problems": problems,
        "findings": findings,
    }


def code_version() -> dict[str, Any]:
    """The commit measured (`git rev-parse HEAD`) and whether the tree had changes to
    tracked files then (results the bench writes itself do not count)."""
    def git(*a: str) -> str:
        try:
            return subprocess.run(["git", "-C", str(ROOT), *a], capture_output=True,
                                  text=True, timeout=30).stdout
        except (OSError, subprocess.SubprocessError):
            return ""

    # "XY path" records, NUL-terminated (a rename adds its old path as one more record)
    status = git("status", "--porcelain", "-z", "--untracked-files=no").split("\0")
    dirty = [r[3:] for r in status if len(r) > 3 and r[2] == " "
             and not r[3:].startswith("benchmarks/results/")]
    head = git("rev-parse", "HEAD").strip() or "unknown"
    # The engine measured is src/ and scripts/: the last commit that changed them says
    # which main revision a bench-only commit on top of it measures.
    engine = git("log", "-1", "--format=%H", "--", "src", "scripts").strip()
    return {"commit": head, "short": head[:12], "dirty": bool(dirty), "dirty_paths": dirty[:20],
            "branch": git("rev-parse", "--abbrev-ref", "HEAD").strip(),
            "engine_commit": engine}


def filesystem_of(path: Path) -> str:
    best, kind = "", "unknown"
    try:
        with open("/proc/mounts") as fh:
            for line in fh:
                parts = line.split()
                if len(parts) > 2 and str(path).startswith(parts[1]) and len(parts[1]) > len(best):
                    best, kind = parts[1], parts[2]
    except OSError:
        pass
    return kind


SERVE_SCRIPTS = {
    # Each runs one measured command with the fleet's environment (env.sh, mode 0600: the
    # bench's loopback token is in it, and the header ls-remote sends, as auth_env builds
    # it: in the environment, never in an argv).
    "sync-target.sh": "exec {sync_target}\n",
    "python.sh": "exec python3 -c pass\n",
    "import.sh": "exec python3 -c 'import sys; sys.path.insert(0, \"{src}\"); "
                 "from skillsync.commands.sync_target import main'\n",
    "ls-remote.sh": ". {auth}\nexec git ls-remote -- {url} refs/heads/main\n",
}


def serve(args: argparse.Namespace, syncs: Syncs) -> None:
    """Sync the fleet once (one process, warm cache), write scripts that time a warm no-op
    `sync-target` of t001 and its baselines from outside, and serve the fleet for
    `args.serve` seconds (Ctrl-C stops sooner)."""
    import shlex
    import signal
    import time

    from benchmarks.fleet import TOKEN_ENV

    fleet, work = syncs.fleet, syncs.fleet.work
    fleet.reset(syncs.git_srv, syncs.gh)
    cache = work / "cache-serve"
    out = syncs.one_process(args.targets, cache)
    if out["statuses"] != {"synced": args.targets}:
        raise SystemExit(f"bench: error: the fleet did not sync: {out['failed']}")
    tid = fleet.spec(args.targets)[min(1, args.targets - 1)]["id"]
    job = syncs.job_dir(tid)
    keep = ("HOME", "XDG_CONFIG_HOME", "GIT_CONFIG_NOSYSTEM", "GIT_CONFIG_GLOBAL", "LC_ALL",
            "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL",
            "GIT_TERMINAL_PROMPT", "TMPDIR", "PYTHONPYCACHEPREFIX", TOKEN_ENV)
    env = {k: os.environ[k] for k in keep} | {
        "SKILLSYNC_CACHE": str(cache), "PATH": syncs.counter.env()["PATH"].split(
            os.pathsep, 1)[1]}   # the venv first, no git shim
    d = work / "noop"
    d.mkdir()
    (d / "env.sh").write_text("unset PYTHONDONTWRITEBYTECODE\n" + "".join(
        f"export {k}={shlex.quote(v)}\n" for k, v in env.items()))
    (d / "env.sh").chmod(0o600)
    from skillsync.git import auth_env

    (d / "auth.sh").write_text("".join(f"export {k}={shlex.quote(v)}\n"
                                       for k, v in auth_env(fleet.token).items()))
    (d / "auth.sh").chmod(0o600)
    fields = {"sync_target": shlex.join(syncs.sync_target_argv(tid, args.targets, job)),
              "src": str(ROOT / "src"), "auth": str(d / "auth.sh"), "url": fleet.url_of(tid)}
    for name, body in SERVE_SCRIPTS.items():
        (d / name).write_text(f'#!/bin/bash\n. "{d}/env.sh"\n' + body.format(**fields))
        (d / name).chmod(0o700)
    say(f"bench: serving {args.targets} synced targets for {args.serve}s; time from outside:")
    for name in SERVE_SCRIPTS:
        say(f"  {d / name}")
    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt   # SIGTERM too: the servers stop their CGI children

    signal.signal(signal.SIGTERM, stop)
    try:
        for _ in range(int(args.serve)):   # bounded: one second a turn
            time.sleep(1)
    except KeyboardInterrupt:
        pass
