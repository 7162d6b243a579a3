#!/usr/bin/env python3
"""skillsync benchmarks: fleet sync against the git floor and a naive baseline.

Run with `nox -s bench` (or `python benchmarks/bench.py --targets 10|50|200`). In one run
on one machine it starts a loopback git smart-HTTP server and a fake GitHub API, builds a
large deterministic skills source and a fleet of downstream repositories, and measures
(median of --repeat runs, downstreams reset between runs):

  P1  full sync of a new release to every target, through the library (run_sync, fresh
      cache), against the floor (shell: shallow clone, copy, commit, push; same
      parallelism) and a naive baseline (sequential full clones);
  P2  no-op re-sync of the same release with the warm cache and with a cold cache;
  P3  build_manifest on the large source against `git ls-tree -r` + hashing every blob;
  P4  `scripts/<each> --help` start-up against `python3 -c pass`;
  P5  forge API calls per updated pull-request target and per no-op target;
  and the peak memory of the sync process.

Results go to benchmarks/results/targets-<N>.json and .md; the table is printed. Nothing
here asserts a timing: the targets are compared and reported, never enforced.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import os
import platform
import resource
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))  # like scripts/: works from a plain checkout too

RESULTS = ROOT / "benchmarks" / "results"
SCRIPTS = ROOT / "scripts"
TOKEN_ENV = "SKILLSYNC_BENCH_TOKEN"  # noqa: S105 - the variable's name, not a token
OLD, NEW = "v1.0.0", "v1.1.0"          # the fleet holds OLD; P1 syncs NEW
OWNER = "bench"
LABEL = "skills-sync"
SUBSET = "skill-00*"                    # every fourth target takes only these skills

TARGETS = {  # what the issue asks for; reported, never asserted
    "p1_vs_floor": 1.3, "p1_naive_speedup": 5.0, "p2_vs_p1": 0.05, "p3_vs_floor": 1.5,
    "p4_vs_python": 2.0, "p5_per_updated_pr": 3, "p5_per_noop": 0,
}


# =========================================================================== helpers


def say(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def median(values: Sequence[float]) -> float:
    return round(statistics.median(values), 4) if values else 0.0


def sh(args: Sequence[str], *, cwd: Path | None = None, input: bytes | None = None,
       env: dict[str, str] | None = None) -> bytes:
    proc = subprocess.run(list(args), cwd=cwd, input=input, capture_output=True, env=env,
                          check=False, timeout=900)
    if proc.returncode != 0:
        raise SystemExit(f"bench: error: {' '.join(map(str, args))[:200]}: exit "
                         f"{proc.returncode}: {proc.stderr.decode(errors='replace')[-800:]}")
    return proc.stdout


def cpu_now() -> float:
    """CPU seconds of this process and every child it reaped (git, CGI, shells, syncs):
    the machine's work for a phase, client and server side together."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def isolate(work: Path, token: str) -> None:
    """This process and every child: no user/system git config, pinned identity."""
    home = work / "home"
    home.mkdir(parents=True, exist_ok=True)
    (work / "tmp").mkdir(exist_ok=True)
    cfg = work / "gitconfig"
    cfg.write_text("[init]\n\tdefaultBranch = main\n[gc]\n\tauto = 0\n"
                   "[maintenance]\n\tauto = false\n[advice]\n\tdetachedHead = false\n")
    for key in list(os.environ):
        if key.startswith(("GIT_", "SKILLSYNC_", "GITHUB_")):
            del os.environ[key]
    os.environ.update({
        "HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
        "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": str(cfg),
        "GIT_AUTHOR_NAME": "Bench Dev", "GIT_AUTHOR_EMAIL": "dev@bench.invalid",
        "GIT_COMMITTER_NAME": "Bench Dev", "GIT_COMMITTER_EMAIL": "dev@bench.invalid",
        "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", TOKEN_ENV: token,
        "TMPDIR": str(work / "tmp"),   # every scratch clone on the same filesystem
    })


def git_env_with_token(token: str) -> dict[str, str]:
    """Environment for the shell baselines: the token as a header, as auth_env sends it."""
    from skillsync.git import auth_env

    return {**os.environ, **auth_env(token)}


# =========================================================================== the world


def fleet_spec(n: int, canary: bool = True) -> list[dict[str, Any]]:
    """Deterministic fleet: every third target pull-request, every fourth a subset; the
    first one the low-risk canary (its own first wave) unless `canary` is off."""
    out = []
    for i in range(n):
        pr = i % 3 == 2
        out.append({
            "id": f"t{i:03d}", "mechanism": "pull-request" if pr else "push",
            "risk": "low" if canary and i == 0 and n > 1 else "medium",
            "dest": ".claude/skills" if pr else ".agents/skills",
            "skills": [SUBSET] if i % 4 == 3 else ["*"],
        })
    return out


def base_history(mb: int, commits: int = 300) -> bytes:
    """A fast-import stream (refs/heads/base): the project history the downstreams share,
    as forks of one application would: 150 source files edited over `commits` commits and
    binary assets replaced now and then, about `mb` MB of history (~6 MB current tree)."""
    import hashlib

    out: list[bytes] = []
    swaps = mb * 4                       # 256 KB assets, incompressible
    for k in range(commits):
        who = f"App Dev <app@downstream.invalid> {1_600_000_000 + k * 43200} +0000".encode()
        msg = f"app: change {k}\n".encode()
        out.append(b"commit refs/heads/base\nauthor %s\ncommitter %s\ndata %d\n%s"
                   % (who, who, len(msg), msg))
        edits = range(150) if k == 0 else (k * 7 % 150, k * 13 % 150)
        for j in edits:
            words = hashlib.shake_256(f"app:{j}:{k}".encode()).hexdigest(2000)
            text = f"# file {j}, revision {k}\n" + "\n".join(
                words[n:n + 80] for n in range(0, len(words), 80)) + "\n"
            data = text.encode() * 2
            out.append(b"M 100644 inline app/src/file_%03d.py\ndata %d\n%s\n"
                       % (j, len(data), data))
        assets = range(8) if k == 0 else (
            [k % 8] if k * max(swaps - 8, 0) // commits != (k - 1) * max(swaps - 8, 0) // commits
            else [])
        for j in assets:
            data = hashlib.shake_256(f"asset:{j}:{k}".encode()).digest(256 * 1024)
            out.append(b"M 100644 inline app/assets/img_%d.bin\ndata %d\n%s\n"
                       % (j, len(data), data))
        out.append(b"\n")
    return b"".join(out)


def own_history(i: int, vendor: bytes = b"", commits: int = 24, base: str = "") -> bytes:
    """A fast-import stream: the downstream's own history (code, docs) on top of `base`,
    deterministic, then `vendor` (the commit that vendored the previous release)."""
    out: list[bytes] = []
    t0 = 1_700_000_000 + i * 3600
    for k in range(commits):
        who = f"Dev {i % 7} <dev{i % 7}@downstream.invalid> {t0 + k * 86400} +0000".encode()
        msg = f"downstream {i}: change {k}\n".encode()
        out.append(b"commit refs/heads/main\nmark :%d\nauthor %s\ncommitter %s\n"
                   b"data %d\n%s" % (k + 1, who, who, len(msg), msg))
        if k:
            out.append(b"from :%d\n" % k)
        elif base:
            out.append(b"from %s\n" % base.encode())
        files = {f"src/module_{k % 8}.py": f"# module {k % 8} of downstream {i}\n"
                 + "".join(f"def f{j}():\n    return {i * 1000 + k * 10 + j}\n"
                           for j in range(20 + k)),
                 f"docs/notes-{k % 5}.md": f"# Notes {k % 5}\n\n" + f"revision {k}\n" * 30}
        if k == 0:
            files["README.md"] = f"# downstream {i}\n\nOur own project; skills are vendored.\n"
        for path, text in files.items():
            data = text.encode()
            out.append(b"M 100644 inline %s\ndata %d\n%s\n" % (path.encode(), len(data), data))
        out.append(b"\n")
    if vendor:
        out.append(vendor.replace(b"@FROM@", b":%d" % commits))
    out.append(b"done\n")
    return b"".join(out)


def seed_repo(path: Path, source: Path, manifest: dict[str, Any],
              layouts: Sequence[tuple[str, str]], history_mb: int
              ) -> tuple[dict[tuple[str, str], str], str]:
    """One pack holding the vendored files of the previous release for every (dest,
    selection) layout; returns layout -> tree id. Each downstream hard-links this pack, so
    a fleet of N repositories costs one pack on disk, and the git server serves real
    objects (a downstream never borrows from the source)."""
    import fnmatch

    sh(["git", "init", "-q", "--bare", str(path)])
    (path / "objects" / "info" / "alternates").write_text(str(source / "objects") + "\n")
    out: list[bytes] = [base_history(history_mb)] if history_mb else []
    for n, (dest, sel) in enumerate(layouts):
        msg = f"layout {dest} {sel}\n".encode()
        who = b"Bench <bench@bench.invalid> 1700000000 +0000"
        out.append(b"commit refs/heads/layout-%d\nauthor %s\ncommitter %s\ndata %d\n%s"
                   % (n, who, who, len(msg), msg))
        for s in manifest["skills"]:
            if fnmatch.fnmatchcase(s["name"], sel):
                for f in s["files"]:
                    out.append(b"M %s %s %s/%s/%s\n" % (f["mode"].encode(), f["blob"].encode(),
                               dest.encode(), s["name"].encode(), f["path"].encode()))
        out.append(b"\n")
    out.append(b"done\n")
    sh(["git", "--git-dir", str(path), "fast-import", "--quiet", "--done"], input=b"".join(out))
    sh(["git", "--git-dir", str(path), "repack", "-a", "-d", "-q"])   # no -l: take the blobs
    (path / "objects" / "info" / "alternates").unlink()
    sh(["git", "--git-dir", str(path), "fsck", "--connectivity-only", "--no-progress"])
    trees = {layout: sh(["git", "--git-dir", str(path), "rev-parse",
                         f"refs/heads/layout-{n}:{layout[0]}"]).decode().strip()
             for n, layout in enumerate(layouts)}
    base = sh(["git", "--git-dir", str(path), "rev-parse", "refs/heads/base"]).decode().strip() \
        if history_mb else ""
    return trees, base


def vendor_commit(target: Any, manifest: dict[str, Any], tree: str, i: int) -> bytes:
    """The commit a previous skillsync run left on main: the release files under `dest`,
    the downstream lock (built by skillsync's own plan/lock code) and the trailers."""
    from skillsync.plan import desired_files, new_lock

    lock = new_lock(manifest, desired_files(manifest, target), "bench-previous-run")
    data = lock.to_json().encode()
    src = manifest["source"]
    msg = (f"skillsync: sync skills {manifest['version']}\n\n"
           f"Skillsync-Source: {src['repo']}\nSkillsync-Commit: {src['commit']}\n"
           f"Skillsync-Version: {manifest['version']}\nSkillsync-Run: bench-previous-run\n"
           ).encode()
    who = f"skillsync <skillsync@users.noreply.github.com> {1_710_000_000 + i} +0000".encode()
    return (b"commit refs/heads/main\nauthor %s\ncommitter %s\ndata %d\n%sfrom @FROM@\n"
            b"M 040000 %s %s\nM 100644 inline %s\ndata %d\n%s\n\n"
            % (who, who, len(msg), msg, tree.encode(), target.dest.encode(),
               target.lock_path.encode(), len(data), data))


def make_downstream(path: Path, i: int, seed: Path, vendor: bytes, base: str) -> None:
    sh(["git", "init", "-q", "--bare", "-b", "main", str(path)])
    for f in (seed / "objects" / "pack").iterdir():
        os.link(f, path / "objects" / "pack" / f.name)
    sh(["git", "--git-dir", str(path), "fast-import", "--quiet", "--done"],
       input=own_history(i, vendor, base=base))
    with open(path / "config", "a") as fh:   # no gc in the middle of a measurement
        fh.write("[receive]\n\tautogc = false\n[gc]\n\tauto = 0\n")


def target_yaml(t: dict[str, Any], git_url: str, api_url: str) -> str:
    lines = [
        f"id: {t['id']}", f"repo: {git_url}", "branch: main", f"mechanism: {t['mechanism']}",
        f"skills: {json.dumps(t['skills'])}", f"dest: {t['dest']}", f"risk: {t['risk']}",
        f"auth: {{method: token, env: {TOKEN_ENV}}}", f'owner: "@{OWNER}/team-{t["id"]}"',
    ]
    if t["mechanism"] == "pull-request":
        lines += [f"labels: [{LABEL}]",
                  f'forge: {{api_url: "{api_url}", repository: {OWNER}/{t["id"]}}}']
    return "\n".join(lines) + "\n"


def stage_release(source: Path, manifest: dict[str, Any], selection: str, dest: Path) -> int:
    """The files a target of `selection` receives, laid out as `<skill>/<path>` (what the
    floor and naive scripts copy in). Returns the file count."""
    import fnmatch

    files = [(f"{s['name']}/{f['path']}", f) for s in manifest["skills"]
             if fnmatch.fnmatchcase(s["name"], selection) for f in s["files"]]
    proc = subprocess.Popen(["git", "--git-dir", str(source), "cat-file", "--batch"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None
    feeder = threading.Thread(target=lambda: (proc.stdin.write(  # type: ignore[union-attr]
        "".join(f["blob"] + "\n" for _, f in files).encode()), proc.stdin.close()))  # type: ignore[union-attr]
    feeder.start()
    for rel, f in files:
        header = proc.stdout.readline().split()
        data = proc.stdout.read(int(header[2]))
        proc.stdout.read(1)
        p = dest / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
        if f["mode"] == "100755":
            p.chmod(0o755)
    feeder.join()
    proc.wait()
    return len(files)


def restore(pristine: Path, serve: Path) -> None:
    """Every downstream back to the pre-release state: a hard-link copy of the pristine
    repositories (git never rewrites an object or ref file in place; refs change by rename)."""
    if serve.exists():
        shutil.rmtree(serve)
    shutil.copytree(pristine, serve, copy_function=os.link)


def refs_of(git_dir: Path) -> str:
    return sh(["git", "--git-dir", str(git_dir), "for-each-ref",
               "--format=%(refname) %(objectname)"]).decode()


# =========================================================================== the child sync


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
    busy: collections.Counter[str] = collections.Counter()   # seconds inside git, by command
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

    git.run = run  # type: ignore[assignment]
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
              if r.status not in ("synced", "no-op")}
    return {
        "seconds_run_sync": round(t2 - t1, 4),
        "seconds_setup": round(t1 - t0, 4),
        "statuses": dict(sorted(statuses.items())),
        "failed": dict(sorted(failed.items())[:5]),
        "counters": {k: counters.get(k, 0) for k in ("clones", "fetches", "ls_remote", "pushes")},
        "git_processes": sum(calls.values()),
        "git_by_command": dict(sorted(calls.items())),
        "git_seconds_by_command": {k: round(v, 3) for k, v in sorted(busy.items())},
        "cpu_python_s": round(sum(resource.getrusage(resource.RUSAGE_SELF)[:2]), 3),
        "cpu_git_s": round(sum(resource.getrusage(resource.RUSAGE_CHILDREN)[:2]), 3),
        "maxrss_mb": peak_rss_mb(),
    }


def child_manifest(cfg: dict[str, Any]) -> dict[str, Any]:
    """P3 in a fresh interpreter: build_manifest vs ls-tree + hash every blob."""
    import hashlib

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


# =========================================================================== the shell baselines

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


# =========================================================================== the bench


class Bench:
    def __init__(self, args: argparse.Namespace, work: Path) -> None:
        self.args = args
        self.work = work
        self.n = args.targets
        self.jobs = args.jobs
        self.token = secrets.token_hex(16)
        self.fleet = fleet_spec(self.n, not args.no_canary)
        self.source = work / "source.git"
        self.serve = work / "serve"
        self.pristine = work / "pristine"
        self.tdir = work / "targets"
        self.runs = work / "runs"
        self.counter = 0
        self.timings: dict[str, float] = {}
        self.load_start = [round(x, 2) for x in os.getloadavg()]

    # -- setup -------------------------------------------------------------------------------
    def setup(self, git_srv: Any, gh: Any) -> None:
        from skillsync.examples import generate_source
        from skillsync.fsutil import dumps
        from skillsync.manifest import build_manifest

        t = time.perf_counter()
        generate_source(self.source, skills=200, files_per_skill=10, binary_bytes=45_000,
                        releases=3, seed=0, bare=True)
        self.timings["generate_source_s"] = round(time.perf_counter() - t, 2)
        self.source_bytes = sum(p.stat().st_size for p in self.source.rglob("*") if p.is_file())
        self.manifests = {}
        for ref in (OLD, NEW):
            m = build_manifest(str(self.source), ref)
            p = self.work / f"manifest-{ref}.json"
            p.write_text(dumps(m))
            self.manifests[ref] = p
        new = json.loads(self.manifests[NEW].read_text())
        self.release_files = sum(len(s["files"]) for s in new["skills"])
        self.release_bytes = sum(f["size"] for s in new["skills"] for f in s["files"])
        self.release_skills = len(new["skills"])
        # Staged release trees for the shell baselines (not timed: a stricter floor).
        self.stage = {}
        for sel in ("*", SUBSET):
            d = self.work / "stage" / ("all" if sel == "*" else "subset")
            stage_release(self.source, new, sel, d)
            self.stage[sel] = d
        # The fleet as it looks before a release: each downstream's own history, then the
        # previous release vendored by skillsync (pull requests merged). Built directly, so
        # the setup does not depend on the engine under test.
        from skillsync.targets import load_targets

        t = time.perf_counter()
        old = json.loads(self.manifests[OLD].read_text())
        self.tdir.mkdir()
        for spec in self.fleet:
            (self.tdir / f"{spec['id']}.yaml").write_text(
                target_yaml(spec, git_srv.url_for(f"{spec['id']}.git"), gh.url))
        targets = {tg.id: tg for tg in load_targets(self.tdir)}
        layouts = sorted({(s["dest"], s["skills"][0]) for s in self.fleet})
        trees, base = seed_repo(self.work / "seed.git", self.source, old, layouts,
                                self.args.history_mb)
        self.serve.mkdir(parents=True)
        vendors: dict[tuple[str, str], bytes] = {}
        for i, spec in enumerate(self.fleet):
            layout = (spec["dest"], spec["skills"][0])
            if layout not in vendors:   # same lock text for the same layout
                vendors[layout] = vendor_commit(targets[spec["id"]], old, trees[layout], 0)
            make_downstream(self.serve / f"{spec['id']}.git", i, self.work / "seed.git",
                            vendors[layout], base)
        self.serve.rename(self.pristine)
        self.pristine_refs = {p.name: refs_of(p) for p in sorted(self.pristine.iterdir())}
        self.fleet_bytes = sum(p.stat().st_size for p in self.pristine.rglob("*") if p.is_file())
        self.timings["setup_fleet_s"] = round(time.perf_counter() - t, 2)

    def reset(self, git_srv: Any, gh: Any) -> None:
        restore(self.pristine, self.serve)
        with gh._lock:   # forget the pull requests of the previous repetition
            gh.repos.clear()
            gh.requests.clear()
        git_srv.clear()

    # -- one library sync in a child process ----------------------------------------------
    def sync(self, manifest: Path, cache: Path, *, verify: bool = True) -> dict[str, Any]:
        self.counter += 1
        cfg = {"manifest": str(manifest), "targets": str(self.tdir), "jobs": self.jobs,
               "run_dir": str(self.runs / f"run-{self.counter:03d}"), "verify": verify}
        env = {**os.environ, "SKILLSYNC_CACHE": str(cache)}
        cpu, t = cpu_now(), time.perf_counter()
        proc = subprocess.run([sys.executable, __file__, "--child-sync", json.dumps(cfg)],
                              env=env, capture_output=True, check=False, timeout=3600)
        wall, cpu = time.perf_counter() - t, cpu_now() - cpu
        if proc.returncode != 0:
            raise SystemExit(f"bench: error: sync child failed: "
                             f"{proc.stderr.decode(errors='replace')[-1500:]}")
        out: dict[str, Any] = json.loads(proc.stdout)
        out["seconds"] = round(wall, 4)
        out["cpu_s"] = round(cpu, 3)
        return out

    # -- the shell baselines --------------------------------------------------------------
    def shell(self, depth: str, gh: Any) -> tuple[float, float]:
        script = self.work / "one-target.sh"
        script.write_text(ONE_TARGET_SH)
        headers = self.work / "api-headers"
        headers.write_text(f"Authorization: token {self.token}\n")
        headers.chmod(0o600)
        tmp = self.work / "shell-tmp"
        tmp.mkdir(exist_ok=True)
        env = {**git_env_with_token(self.token), "BENCH_TMP": str(tmp),
               "BENCH_VERSION": NEW.removeprefix("v"), "BENCH_API": gh.url,
               "BENCH_API_HEADERS": str(headers), "BENCH_OWNER": OWNER}
        lines = [" ".join([s["id"], f"{self.git_url}/{s['id']}.git", s["dest"],
                           str(self.stage[s["skills"][0]]), s["mechanism"], depth])
                 for s in self.fleet]
        jobs = self.jobs if depth == "1" else 1
        return run_shell(jobs, lines, script, env)

    def check_fleet(self, label: str, sample: int = 0) -> list[str]:
        """Every target's branch holds the release files (the same blobs for every method)."""
        problems = []
        version = NEW.removeprefix("v")
        want: dict[str, str] = {}
        for sel, d in self.stage.items():
            want[sel] = sh(["git", "hash-object", "--stdin-paths"], input="\n".join(
                sorted(str(p) for p in d.rglob("*") if p.is_file())).encode()).decode()
        for spec in self.fleet[: sample or None]:
            gd = self.serve / f"{spec['id']}.git"
            ref = "main" if spec["mechanism"] == "push" else f"skillsync/{version}"
            raw = sh(["git", "--git-dir", str(gd), "ls-tree", "-r", f"{ref}:{spec['dest']}"])
            rows = sorted((ln.split("\t")[1], ln.split()[2]) for ln in raw.decode().splitlines()
                          if not ln.endswith(".skillsync-lock.json"))
            d = self.stage[spec["skills"][0]]
            paths = sorted(str(p) for p in d.rglob("*") if p.is_file())
            expect = sorted(zip((str(Path(p).relative_to(d)) for p in paths),
                                want[spec["skills"][0]].split(), strict=True))
            if rows != expect:
                problems.append(f"{label}: {spec['id']} {ref} does not hold the release")
        return problems

    # -- the measurements -------------------------------------------------------------------
    def run(self, git_srv: Any, gh: Any) -> dict[str, Any]:
        self.git_url = git_srv.url
        reps = self.args.repeat
        p1: list[dict[str, Any]] = []
        p2w: list[dict[str, Any]] = []
        p2c: list[dict[str, Any]] = []
        floor: list[tuple[float, float]] = []
        naive: list[tuple[float, float]] = []
        p1_nv: list[dict[str, Any]] = []
        api_p1: list[dict[str, int]] = []
        api_p2: dict[str, list[int]] = {"warm": [], "cold": []}
        transport: dict[str, Any] = {}
        problems: list[str] = []
        findings: list[str] = []
        for r in range(reps):
            say(f"  repetition {r + 1}/{reps}")
            # P1 through the library, then P2 warm and cold on the state it left.
            self.reset(git_srv, gh)
            cache = self.work / f"cache-p1-{r}"
            out = self.sync(self.manifests[NEW], cache)
            p1.append(out)
            if r == 0:
                transport["skillsync_p1"] = transport_summary(git_srv)
                problems += self.check_fleet("skillsync")
            api_p1.append(api_calls(gh, self.fleet))
            say(f"    P1 skillsync   {out['seconds']:7.2f}s  {out['statuses']}")
            for label, store, c in (("P2 warm", p2w, cache),
                                    ("P2 cold", p2c, self.work / f"cache-cold-{r}")):
                gh.requests.clear()
                git_srv.clear()
                out = self.sync(self.manifests[NEW], c)
                store.append(out)
                api_p2[label.split()[1]].append(len(gh.requests))
                if r == 0:
                    transport["skillsync_" + label.replace(" ", "_").lower()] = \
                        transport_summary(git_srv)
                say(f"    {label:14} {out['seconds']:7.2f}s  {out['statuses']}")
            if self.args.no_verify_variant:
                self.reset(git_srv, gh)
                out = self.sync(self.manifests[NEW], self.work / f"cache-nv-{r}", verify=False)
                p1_nv.append(out)
                say(f"    P1 no verify   {out['seconds']:7.2f}s  {out['statuses']}")
            self.reset(git_srv, gh)
            floor.append(self.shell("1", gh))
            if r == 0:
                transport["floor"] = transport_summary(git_srv)
                problems += self.check_fleet("floor")
            say(f"    P1 floor       {floor[-1][0]:7.2f}s")
            if r < self.args.naive_repeat:
                self.reset(git_srv, gh)
                naive.append(self.shell("full", gh))
                if r == 0:
                    transport["naive"] = transport_summary(git_srv)
                    problems += self.check_fleet("naive", sample=3)
                say(f"    P1 naive       {naive[-1][0]:7.2f}s")
        for name, before in self.pristine_refs.items():
            if refs_of(self.pristine / name) != before:
                problems.append(f"pristine copy of {name} changed: hard-link reset unsafe")
        # A sync that did not deliver makes the run meaningless (problems, exit 1); a
        # re-sync that did more than a no-op is a finding, reported with P2.
        for runs in (p1, p1_nv):
            for out in runs:
                if out["statuses"] != {"synced": self.n}:
                    problems.append(f"P1: expected {self.n} synced, got {out['statuses']}: "
                                    f"{out['failed']}")
        for label, runs in (("warm", p2w), ("cold", p2c)):
            for out in runs:
                if out["statuses"] != {"no-op": self.n}:
                    findings.append(f"P2 {label}: expected {self.n} no-op, got "
                                    f"{out['statuses']}")
                    break
        say("  P3 build_manifest")
        p3 = self.p3()
        say("  P4 start-up")
        p4 = p4_startup(self.args.startup_runs)
        return self.report(p1, p1_nv, p2w, p2c, floor, naive, api_p1, api_p2, p3, p4,
                           transport, problems, findings)

    def p3(self) -> dict[str, Any]:
        cfg = {"source": str(self.source), "ref": NEW, "repeat": max(5, self.args.repeat)}
        proc = subprocess.run([sys.executable, __file__, "--child-manifest", json.dumps(cfg)],
                              capture_output=True, check=False, timeout=3600)
        if proc.returncode != 0:
            raise SystemExit(f"bench: error: manifest child failed: "
                             f"{proc.stderr.decode(errors='replace')[-1500:]}")
        out: dict[str, Any] = json.loads(proc.stdout)
        return out

    def report(self, p1: list[dict[str, Any]], p1_nv: list[dict[str, Any]],
               p2w: list[dict[str, Any]], p2c: list[dict[str, Any]],
               floor: list[tuple[float, float]], naive: list[tuple[float, float]],
               api_p1: list[dict[str, int]], api_p2: dict[str, list[int]],
               p3: dict[str, Any], p4: dict[str, Any], transport: dict[str, Any],
               problems: list[str], findings: list[str]) -> dict[str, Any]:
        p1_s = median([o["seconds"] for o in p1])
        floor_s = median([w for w, _ in floor])
        naive_s = median([w for w, _ in naive]) if naive else None
        p2w_s = median([o["seconds"] for o in p2w])
        p2c_s = median([o["seconds"] for o in p2c])
        prs = [s for s in self.fleet if s["mechanism"] == "pull-request"]
        per_pr = [c for calls in api_p1 for c in calls.values()]
        p3_lib, p3_floor = median(p3["library_s"]), median(p3["floor_s"])
        worst = max(p4["scripts"].items(), key=lambda kv: kv[1]["median_s"])

        def ratio(a: float | None, b: float | None) -> float | None:
            return round(a / b, 3) if a is not None and b else None

        def stats(runs: list[dict[str, Any]]) -> dict[str, Any]:
            mid = sorted(runs, key=lambda o: o["seconds"])[len(runs) // 2]
            return {"runs_s": [o["seconds"] for o in runs],
                    "median_s": median([o["seconds"] for o in runs]),
                    "cpu_s": median([o["cpu_s"] for o in runs]),
                    "cpu_python_s": median([o["cpu_python_s"] for o in runs]),
                    "cpu_git_s": median([o["cpu_git_s"] for o in runs]),
                    "run_sync_median_s": median([o["seconds_run_sync"] for o in runs]),
                    "counters": mid["counters"], "git_processes": mid["git_processes"],
                    "git_by_command": mid["git_by_command"], "statuses": mid["statuses"],
                    "maxrss_mb": max(o["maxrss_mb"] for o in runs)}

        data: dict[str, Any] = {
            "schema": "skillsync.bench/v1",
            "config": {"targets": self.n, "repeat": self.args.repeat, "jobs": self.jobs,
                       "history_mb": self.args.history_mb,
                       "canary": not self.args.no_canary,
                       "latency_ms": self.args.latency_ms,
                       "bandwidth_mbps": self.args.bandwidth_mbps,
                       "pull_request_targets": len(prs), "push_targets": self.n - len(prs),
                       "subset_targets": sum(s["skills"] != ["*"] for s in self.fleet),
                       "release": f"{OLD} -> {NEW}", "naive_runs": len(naive)},
            "code": code_version(),
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                        "scratch_fs": filesystem_of(self.work),
                        "loadavg_start": self.load_start,
                        "loadavg_end": [round(x, 2) for x in os.getloadavg()],
                        "git": sh(["git", "--version"]).decode().split()[-1],
                        "platform": platform.platform(terse=True)},
            "source": {"skills": self.release_skills, "files": self.release_files,
                       "bytes": self.release_bytes, "repo_bytes": self.source_bytes,
                       "tags": 3},
            "fleet_bytes": self.fleet_bytes,
            "setup": self.timings,
            "p1": {"skillsync": stats(p1),
                   "floor": {"runs_s": [round(w, 4) for w, _ in floor], "median_s": floor_s,
                             "cpu_s": median([c for _, c in floor])},
                   "naive": {"runs_s": [round(w, 4) for w, _ in naive], "median_s": naive_s,
                             "cpu_s": median([c for _, c in naive]) if naive else None},
                   "vs_floor": ratio(p1_s, floor_s), "naive_speedup": ratio(naive_s, p1_s)},
            "p2": {"warm": stats(p2w), "cold": stats(p2c),
                   "warm_vs_p1": ratio(p2w_s, p1_s), "cold_vs_p1": ratio(p2c_s, p1_s)},
            "p3": {"library_s": median(p3["library_s"]), "floor_s": median(p3["floor_s"]),
                   "vs_floor": ratio(p3_lib, p3_floor), "runs": p3},
            "p4": p4 | {"worst": worst[0], "worst_vs_python": worst[1]["vs_python"]},
            "p5": {"pull_request_targets": len(prs),
                   "per_updated_pr_max": max(per_pr, default=0),
                   "per_updated_pr_mean": round(statistics.mean(per_pr), 2) if per_pr else 0,
                   "per_noop_target_warm": round(max(api_p2["warm"], default=0) / self.n, 3),
                   "per_noop_target_cold": round(max(api_p2["cold"], default=0) / self.n, 3)},
            "peak_memory_mb": {"sync_python": stats(p1)["maxrss_mb"],
                               "sync_python_p2_cold": stats(p2c)["maxrss_mb"]},
            "transport": transport,
            "targets": TARGETS,
            "problems": problems,
            "findings": findings,
        }
        if p1_nv:
            data["p1"]["skillsync_no_verify"] = stats(p1_nv)
            data["p1"]["no_verify_vs_floor"] = ratio(median([o["seconds"] for o in p1_nv]),
                                                     floor_s)
        data["verdict"] = verdict(data)
        return data


def api_calls(gh: Any, fleet: list[dict[str, Any]]) -> dict[str, int]:
    """Forge requests per pull-request target in the last phase."""
    calls = collections.Counter(r.path.split("/")[3] for r in list(gh.requests)
                                if r.path.startswith(f"/repos/{OWNER}/"))
    return {s["id"]: calls.get(s["id"], 0) for s in fleet if s["mechanism"] == "pull-request"}


def transport_summary(srv: Any) -> dict[str, Any]:
    """What the git server saw: sessions by kind and bytes, for every method alike."""
    reqs = list(srv.requests)
    kinds = collections.Counter(f"{r.service.removeprefix('git-')}:{r.command}" for r in reqs)
    return {"requests": len(reqs), "by_kind": dict(sorted(kinds.items())),
            "bytes_out": sum(r.bytes_out for r in reqs),
            "bytes_in": sum(r.bytes_in for r in reqs),
            "failed": sum(r.status >= 400 for r in reqs)}


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


def verdict(d: dict[str, Any]) -> dict[str, Any]:
    """Each target of the issue: the measured value and whether it is met (reported only)."""
    t = TARGETS
    p1, p2, p5 = d["p1"], d["p2"], d["p5"]
    clones = p2["warm"]["counters"]["clones"] + p2["cold"]["counters"]["clones"] + \
        p2["warm"]["git_by_command"].get("clone", 0) + p2["cold"]["git_by_command"].get("clone", 0)
    rows = {
        "P1 vs floor": (p1["vs_floor"], f"<= {t['p1_vs_floor']}",
                        p1["vs_floor"] is not None and p1["vs_floor"] <= t["p1_vs_floor"]),
        "P1 speed-up over naive": (p1["naive_speedup"], f">= {t['p1_naive_speedup']}",
                                   p1["naive_speedup"] is not None
                                   and p1["naive_speedup"] >= t["p1_naive_speedup"]),
        "P2 warm vs P1": (p2["warm_vs_p1"], f"<= {t['p2_vs_p1']}, 0 clones",
                          p2["warm_vs_p1"] is not None and p2["warm_vs_p1"] <= t["p2_vs_p1"]
                          and clones == 0),
        "P2 cold vs P1": (p2["cold_vs_p1"], f"<= {t['p2_vs_p1']}, 0 clones",
                          p2["cold_vs_p1"] is not None and p2["cold_vs_p1"] <= t["p2_vs_p1"]
                          and clones == 0),
        "P3 vs floor": (d["p3"]["vs_floor"], f"<= {t['p3_vs_floor']}",
                        d["p3"]["vs_floor"] is not None
                        and d["p3"]["vs_floor"] <= t["p3_vs_floor"]),
        "P4 worst script vs python": (d["p4"]["worst_vs_python"], f"<= {t['p4_vs_python']}",
                                      d["p4"]["worst_vs_python"] <= t["p4_vs_python"]),
        "P5 calls per updated PR target": (p5["per_updated_pr_max"],
                                           f"<= {t['p5_per_updated_pr']}",
                                           p5["per_updated_pr_max"] <= t["p5_per_updated_pr"]),
        "P5 calls per no-op target (warm)": (p5["per_noop_target_warm"],
                                             f"== {t['p5_per_noop']}",
                                             p5["per_noop_target_warm"] == t["p5_per_noop"]),
        "P5 calls per no-op target (cold)": (p5["per_noop_target_cold"],
                                             f"== {t['p5_per_noop']}",
                                             p5["per_noop_target_cold"] == t["p5_per_noop"]),
    }
    return {k: {"value": v, "target": tgt, "met": met} for k, (v, tgt, met) in rows.items()}


# =========================================================================== output


def markdown(d: dict[str, Any]) -> str:
    c, p1, p2, p3, p4, p5 = d["config"], d["p1"], d["p2"], d["p3"], d["p4"], d["p5"]
    s = d["source"]
    lines = [
        f"# skillsync bench: {c['targets']} targets",
        "",
        f"{c['targets']} downstreams ({c['push_targets']} push, {c['pull_request_targets']} "
        f"pull-request, {c['subset_targets']} taking a subset; "
        f"{'a canary wave of 1, then the rest' if c['canary'] else 'one wave'}), "
        f"release {c['release']}; "
        f"source {s['skills']} skills, {s['files']} files, {s['bytes'] / 1e6:.1f} MB; "
        f"downstream history {c['history_mb']} MB each, git latency {c['latency_ms']} ms, "
        f"bandwidth {c['bandwidth_mbps'] or 'unlimited'} Mbit/s; "
        f"jobs {c['jobs']}; median of {c['repeat']} "
        f"(naive: {c['naive_runs']}); {d['machine']['cpus']} CPUs, git {d['machine']['git']}, "
        f"Python {d['machine']['python']}, scratch on {d['machine']['scratch_fs']}, load average "
        f"{d['machine']['loadavg_start'][0]} at start, {d['machine']['loadavg_end'][0]} at end; "
        f"code {d['code']}.",
        "",
        "| measure | value | baseline | ratio | target | met |",
        "|---|---|---|---|---|---|",
    ]

    def fmt(x: float | None, unit: str = "s") -> str:
        return "n/a" if x is None else f"{x:.3f} {unit}".strip()

    v = d["verdict"]

    def met(key: str) -> str:
        return "yes" if v[key]["met"] else "**no**"

    sk = p1["skillsync"]
    lines += [
        f"| P1 full sync (skillsync) | {fmt(sk['median_s'])} | floor {fmt(p1['floor']['median_s'])}"
        f" | {p1['vs_floor']}x | {v['P1 vs floor']['target']} | {met('P1 vs floor')} |",
        f"| P1 vs naive | {fmt(sk['median_s'])} | naive {fmt(p1['naive']['median_s'])} | "
        f"{p1['naive_speedup']}x faster | {v['P1 speed-up over naive']['target']} | "
        f"{met('P1 speed-up over naive')} |",
    ]
    if "skillsync_no_verify" in p1:
        lines.append(f"| P1 without verify (info) | {fmt(p1['skillsync_no_verify']['median_s'])}"
                     f" | floor {fmt(p1['floor']['median_s'])} | {p1['no_verify_vs_floor']}x "
                     "| - | - |")
    for key, label in (("warm", "P2 no-op, warm cache"), ("cold", "P2 no-op, cold cache")):
        r = p2[key]
        cnt = r["counters"]
        lines.append(
            f"| {label} | {fmt(r['median_s'])} | P1 {fmt(sk['median_s'])} | "
            f"{p2[key + '_vs_p1']}x | <= 0.05x, 0 clones | {met(f'P2 {key} vs P1')} |")
        lines.append(f"| ↳ {key}: clones / fetches / ls-remotes / pushes | "
                     f"{cnt['clones']} / {cnt['fetches']} / {cnt['ls_remote']} / {cnt['pushes']}"
                     f" | git processes {r['git_processes']} | | | |")
    lines += [
        f"| P3 build_manifest | {fmt(p3['library_s'])} | ls-tree + hash {fmt(p3['floor_s'])} | "
        f"{p3['vs_floor']}x | <= 1.5x | {met('P3 vs floor')} |",
        f"| P4 slowest `--help` ({p4['worst']}) | "
        f"{fmt(p4['scripts'][p4['worst']]['median_s'])} | python3 -c pass "
        f"{fmt(p4['python_c_pass_s'])} | {p4['worst_vs_python']}x | <= 2x | "
        f"{met('P4 worst script vs python')} |",
        f"| P5 API calls per updated PR target | {p5['per_updated_pr_max']} (mean "
        f"{p5['per_updated_pr_mean']}) | | | <= 3 | {met('P5 calls per updated PR target')} |",
        f"| P5 API calls per no-op target, warm cache | {p5['per_noop_target_warm']} | | | 0 | "
        f"{met('P5 calls per no-op target (warm)')} |",
        f"| P5 API calls per no-op target, cold cache | {p5['per_noop_target_cold']} | | | 0 | "
        f"{met('P5 calls per no-op target (cold)')} |",
        f"| peak memory (VmHWM), sync process | {d['peak_memory_mb']['sync_python']} MB | "
        f"P2 cold {d['peak_memory_mb']['sync_python_p2_cold']} MB | | | |",
        "",
        "Cost per method: wall and CPU seconds (median; CPU = client, git server and shells"
        " together), and what the git server saw in the first repetition:",
        "",
        "| method | wall s | CPU s | HTTP requests | MB served | MB received | "
        "git processes (client) |",
        "|---|---|---|---|---|---|---|",
    ]
    rows = (("skillsync_p1", "P1 skillsync", sk), ("floor", "P1 floor", p1["floor"]),
            ("naive", "P1 naive", p1["naive"]), ("skillsync_p2_warm", "P2 warm", p2["warm"]),
            ("skillsync_p2_cold", "P2 cold", p2["cold"]))
    for key, label, m in rows:
        t = d["transport"].get(key)
        if t is None or m.get("median_s") is None:
            continue
        lines.append(f"| {label} | {m['median_s']:.2f} | {m['cpu_s']:.2f} | {t['requests']} | "
                     f"{t['bytes_out'] / 1e6:.1f} | {t['bytes_in'] / 1e6:.1f} | "
                     f"{m.get('git_processes', '')} |")
    lines += ["", "`--help` start-up per script (median of "
              f"{p4['runs_each']}): " + ", ".join(
                  f"{k} {x['median_s'] * 1000:.0f} ms ({x['vs_python']}x)"
                  for k, x in p4["scripts"].items()) + "."]
    if d["findings"]:
        lines += ["", "Findings: " + "; ".join(d["findings"]) + "."]
    if d["problems"]:
        lines += ["", "**Problems (results not valid):** " + "; ".join(d["problems"])]
    return "\n".join(lines) + "\n"


def growth(results: Path) -> str:
    """One row per fleet size found in `results`: how the cost grows with the fleet."""
    rows = []
    for f in results.glob("targets-*.json"):
        try:
            d = json.loads(f.read_text())
        except (OSError, ValueError):
            continue
        if d.get("schema") == "skillsync.bench/v1":
            rows.append(d)
    lines = ["# skillsync bench: growth with fleet size", "",
             "Seconds (median); ratios as in each targets-N.md. Regenerated by every run.", "",
             "| targets | canary | history MB | latency ms | Mbit/s | repeat | P1 skillsync | "
             "floor | naive | P1/floor | naive/P1 | P2 warm | P2 cold | P2 warm/P1 | "
             "CPU s skillsync / floor | peak MB | code |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for d in sorted(rows, key=lambda d: (not d["config"].get("canary"),
                                         d["config"].get("history_mb", 0),
                                         d["config"].get("latency_ms", 0),
                                         d["config"].get("bandwidth_mbps", 0),
                                         d["config"]["targets"])):
        p1, p2 = d["p1"], d["p2"]
        naive = p1["naive"]["median_s"]
        if "cpu_s" not in p1["floor"]:
            continue   # written by an older version of this script
        lines.append(
            f"| {d['config']['targets']} | {'yes' if d['config'].get('canary') else 'no'} | "
            f"{d['config'].get('history_mb')} | "
            f"{d['config'].get('latency_ms')} | {d['config'].get('bandwidth_mbps') or '-'} | "
            f"{d['config']['repeat']} | "
            f"{p1['skillsync']['median_s']:.1f} | {p1['floor']['median_s']:.1f} | "
            f"{'n/a' if naive is None else f'{naive:.1f}'} | {p1['vs_floor']} | "
            f"{p1['naive_speedup']} | {p2['warm']['median_s']:.2f} | "
            f"{p2['cold']['median_s']:.1f} | {p2['warm_vs_p1']} | "
            f"{p1['skillsync']['cpu_s']:.1f} / {p1['floor']['cpu_s']:.1f} | "
            f"{d['peak_memory_mb']['sync_python']} | {d.get('code', '')} |")
    return "\n".join(lines) + "\n"


# =========================================================================== main


@contextlib.contextmanager
def servers(work: Path, token: str, latency_ms: float,
            mbps: float) -> Iterator[tuple[Any, Any]]:
    from skillsync.devservers.git_http import GitHttpServer
    from skillsync.devservers.github import FakeGitHub

    git_srv = GitHttpServer(work / "serve", token=token, max_log=200_000,
                            latency=latency_ms / 1000, bandwidth=mbps * 1e6 / 8).start()
    gh = FakeGitHub(token=token).start()
    try:
        yield git_srv, gh
    finally:
        gh.stop()
        git_srv.stop()


def code_version() -> str:
    """The commit measured (+ "-dirty" with uncommitted changes), or "unknown"."""
    try:
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short=12", "HEAD"],
                              capture_output=True, text=True, timeout=30).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--",
                                "src", "scripts"], capture_output=True, text=True,
                               timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return (head or "unknown") + ("-dirty" if dirty else "")


def default_scratch() -> str | None:
    """tmpfs when there is one with room: the benchmark measures git and skillsync, not the
    disk (on a slow virtual disk a work-tree checkout costs seconds and varies run to run)."""
    shm = Path("/dev/shm")
    try:
        st = os.statvfs(shm)
    except OSError:
        return None
    if os.access(shm, os.W_OK) and st.f_bavail * st.f_frsize > 4 << 30:
        return str(shm)
    return None


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


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="bench", description=__doc__.split("\n\n")[0] if __doc__ else "",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--targets", type=int, default=50, help="fleet size (default 50)")
    p.add_argument("--repeat", type=int, default=3, help="repetitions per measure (default 3)")
    p.add_argument("--jobs", type=int, default=None,
                   help="parallel targets, for skillsync and the floor (default: skillsync's)")
    p.add_argument("--startup-runs", type=int, default=10, help="runs per --help (default 10)")
    p.add_argument("--history-mb", type=int, default=20, metavar="MB",
                   help="size of the project history every downstream shares (default 20;"
                        " 0: only 24 small commits of its own)")
    p.add_argument("--latency-ms", type=float, default=0.0, metavar="MS",
                   help="delay before every git HTTP answer, like a forge's round trip "
                        "(default 0: plain loopback)")
    p.add_argument("--bandwidth-mbps", type=float, default=0.0, metavar="MBIT",
                   help="cap on all git HTTP answers together, like a runner's link to its "
                        "forge (default 0: unlimited loopback)")
    p.add_argument("--no-canary", action="store_true",
                   help="one risk tier, one wave (default: t000 is a low-risk canary wave)")
    p.add_argument("--naive-repeat", type=int, default=1, metavar="N",
                   help="repetitions of the slow naive baseline (default 1; 0 skips it)")
    p.add_argument("--no-verify-variant", action="store_true",
                   help="also time P1 with verification off (explains the verify cost)")
    p.add_argument("--out", type=Path, default=RESULTS, help="results directory")
    p.add_argument("--scratch", type=Path, default=None, metavar="DIR",
                   help="where the scratch repositories go (default: /dev/shm when it has room,"
                        " else the system temp dir); removed at the end")
    p.add_argument("--workdir", type=Path,
                   help="an empty directory for the scratch repositories, kept afterwards")
    p.add_argument("--child-sync", help=argparse.SUPPRESS)
    p.add_argument("--child-manifest", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.targets < 1 or args.repeat < 1 or args.startup_runs < 1 or args.naive_repeat < 0:
        p.error("--targets, --repeat and --startup-runs must be >= 1, --naive-repeat >= 0")
    if args.jobs is None:
        from skillsync.sync import DEFAULT_JOBS

        args.jobs = DEFAULT_JOBS
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child_sync:
        print(json.dumps(child_sync(json.loads(args.child_sync))))
        return 0
    if args.child_manifest:
        print(json.dumps(child_manifest(json.loads(args.child_manifest))))
        return 0
    started = time.perf_counter()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="skillsync-bench-",
                                                 dir=args.scratch or default_scratch()))
    work.mkdir(parents=True, exist_ok=True)
    if any(work.iterdir()):
        raise SystemExit(f"bench: error: {work}: workdir must be empty")
    bench = Bench(args, work)
    isolate(work, bench.token)
    from skillsync.secrets import register

    register(bench.token)
    try:
        with servers(work, bench.token, args.latency_ms, args.bandwidth_mbps) as (git_srv, gh):
            say(f"bench: {args.targets} targets, repeat {args.repeat}, jobs {args.jobs}, "
                f"work dir {work}")
            bench.setup(git_srv, gh)
            say(f"  setup: source {bench.timings['generate_source_s']}s, fleet "
                f"{bench.timings['setup_fleet_s']}s")
            data = bench.run(git_srv, gh)
    finally:
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)
    data["total_s"] = round(time.perf_counter() - started, 1)
    args.out.mkdir(parents=True, exist_ok=True)
    stem = args.out / (f"targets-{args.targets}"
                       + (f"-history{args.history_mb}" if args.history_mb != 20 else "")
                       + (f"-latency{args.latency_ms:g}" if args.latency_ms else "")
                       + (f"-mbps{args.bandwidth_mbps:g}" if args.bandwidth_mbps else "")
                       + ("-nocanary" if args.no_canary else ""))
    stem.with_suffix(".json").write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    md = markdown(data)
    stem.with_suffix(".md").write_text(md)
    (args.out / "fleet-sizes.md").write_text(growth(args.out))
    print(md)
    say(f"bench: wrote {stem}.json and .md in {data['total_s']}s")
    if data["problems"]:
        say("bench: problems: " + "; ".join(data["problems"]))
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
