#!/usr/bin/env python3
"""skillsync benchmarks: fleet sync against the git floor and a naive baseline.

Run with `nox -s bench` (or `python benchmarks/bench.py --targets 10|50|200`). In one run
on one machine it starts a loopback git smart-HTTP server and a fake GitHub API, builds a
large deterministic skills source and a fleet of downstream repositories, and measures on
each modelled link (median of --repeat runs, downstreams reset between runs):

  P1  full sync of a new release to every target, in one process (run_sync) and one
      `scripts/sync-target` process per target (the CI matrix), fresh cache, against the
      floor (shell: shallow clone, copy, commit, push; same parallelism) and a naive
      baseline (sequential full clones);
  P2  no-op re-sync of the same release with the warm cache and with a cold cache, and a
      warm no-op `sync-target` against importing it plus one `git ls-remote`;
  P3  build_manifest on the large source against `git ls-tree -r` + hashing every blob;
  P4  `scripts/<each> --help` start-up against `python3 -c pass`;
  P5  forge API calls per updated pull-request target and per no-op target;
  with git HTTP requests and git processes per target, and peak memory at each fleet size.

Results go to benchmarks/results/targets-<N>.json and .md; the table is printed. Nothing
here asserts a timing: the goals are compared and reported, never enforced.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]  # like scripts/: works from a plain checkout

from benchmarks import report, suite  # noqa: E402
from benchmarks.fleet import DEFAULT_LINKS, Fleet, Link, isolate, parse_links, say, servers  # noqa: E402
from benchmarks.measure import GitCounter, Syncs, child_sync  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"


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


def _sizes(text: str) -> list[int]:
    return sorted({int(x) for x in text.split(",") if x.strip()})


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="bench", description=__doc__.split("\n\n")[0] if __doc__ else "",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--targets", type=int, default=50, help="fleet size (default 50)")
    p.add_argument("--repeat", type=int, default=3, help="repetitions per measure (default 3)")
    p.add_argument("--jobs", type=int, default=None,
                   help="parallel targets, for skillsync (both modes) and the floor "
                        "(default: skillsync's)")
    p.add_argument("--startup-runs", type=int, default=10,
                   help="runs per --help and per no-op sync-target (default 10)")
    p.add_argument("--history-mb", type=int, default=20, metavar="MB",
                   help="size of the project history every downstream shares (default 20;"
                        " 0: only 24 small commits of its own)")
    p.add_argument("--source-skills", type=int, default=200, metavar="N",
                   help="skills in the generated source (default 200: ~2,000 files, 10 MB)")
    p.add_argument("--links", default=DEFAULT_LINKS, metavar="LIST",
                   help="links to measure on, comma-separated: loopback, 100mbps, 30ms, "
                        f"100mbps-30ms, ... (default {DEFAULT_LINKS})")
    p.add_argument("--latency-ms", type=float, default=None, metavar="MS",
                   help="measure on one link only, with this delay before every git HTTP "
                        "answer, like a forge's round trip (with --bandwidth-mbps)")
    p.add_argument("--bandwidth-mbps", type=float, default=None, metavar="MBIT",
                   help="measure on one link only, with this cap on all git HTTP answers "
                        "together, like a runner's link to its forge (with --latency-ms)")
    p.add_argument("--modes", default="one,process", metavar="LIST",
                   help="one (run_sync in one process), process (one sync-target per "
                        "target, as CI runs), or both (default one,process)")
    p.add_argument("--memory-sizes", type=_sizes, default=[10, 50, 200], metavar="LIST",
                   help="fleet sizes whose one-process full sync's peak memory is measured "
                        "(default 10,50,200; '' skips)")
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
    p.add_argument("--serve", type=float, default=0, metavar="SECONDS",
                   help="instead of measuring: sync the fleet once, write scripts that time a "
                        "warm no-op sync-target and its baselines from outside into "
                        "WORKDIR/noop/, and serve the fleet this long (needs --workdir)")
    p.add_argument("--child-sync", help=argparse.SUPPRESS)
    p.add_argument("--child-manifest", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if min(args.targets, args.repeat, args.source_skills) < 1 or min(args.startup_runs,
                                                                      args.naive_repeat) < 0:
        p.error("--targets, --repeat and --source-skills must be >= 1, --startup-runs and "
                "--naive-repeat >= 0")
    if args.serve and not args.workdir:
        p.error("--serve needs --workdir (the scripts it writes live there)")
    if args.serve:
        args.memory_sizes = []
    if any(s < 1 for s in args.memory_sizes):
        p.error("--memory-sizes: fleet sizes are >= 1")
    try:
        args.links = parse_links(args.links)
    except ValueError as exc:
        p.error(f"--links: {exc}")
    if args.latency_ms is not None or args.bandwidth_mbps is not None:
        args.links = [Link(args.bandwidth_mbps or 0.0, args.latency_ms or 0.0)]
    args.modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    if not args.modes or set(args.modes) - set(suite.MODES):
        p.error("--modes: one, process, or one,process")
    args.modes = [m for m in suite.MODES if m in args.modes]
    if args.jobs is None:
        from skillsync.sync import DEFAULT_JOBS

        args.jobs = DEFAULT_JOBS
    return args


def stem(args: argparse.Namespace) -> str:
    """targets-<N>[-history<MB>][-<link>...][-oneprocess|-perprocess][-nocanary]; the
    default links and both modes add nothing."""
    links = ""
    if [link.name for link in args.links] != DEFAULT_LINKS.split(","):
        links = "".join((f"-latency{link.latency_ms:g}" if link.latency_ms else "")
                        + (f"-mbps{link.mbps:g}" if link.mbps else "")
                        or "-loopback" for link in args.links)
    modes = {"one": "-oneprocess", "process": "-perprocess"}.get(
        args.modes[0], "") if len(args.modes) == 1 else ""
    return (f"targets-{args.targets}"
            + (f"-history{args.history_mb}" if args.history_mb != 20 else "")
            + links + modes + ("-nocanary" if args.no_canary else ""))


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child_sync:
        print(json.dumps(child_sync(json.loads(args.child_sync))))
        return 0
    if args.child_manifest:
        from benchmarks.baselines import child_manifest

        print(json.dumps(child_manifest(json.loads(args.child_manifest))))
        return 0
    started = time.perf_counter()
    load_start = [round(x, 2) for x in os.getloadavg()]
    work = args.workdir or Path(tempfile.mkdtemp(prefix="skillsync-bench-",
                                                 dir=args.scratch or default_scratch()))
    work.mkdir(parents=True, exist_ok=True)
    if any(work.iterdir()):
        raise SystemExit(f"bench: error: {work}: workdir must be empty")
    token = secrets.token_hex(16)
    isolate(work, token)
    from skillsync.secrets import register

    register(token)
    try:
        with servers(work, token) as (git_srv, gh):
            what = "serving" if args.serve else (
                f"links {', '.join(link.label for link in args.links)}, modes "
                f"{', '.join(args.modes)}, repeat {args.repeat}")
            say(f"bench: {args.targets} targets, {what}, jobs {args.jobs}, work dir {work}")
            fleet = Fleet(work, token, max([args.targets, *args.memory_sizes]),
                          canary=not args.no_canary, history_mb=args.history_mb,
                          skills=args.source_skills)
            fleet.setup(git_srv, gh, args.memory_sizes)
            say(f"  setup: source {fleet.timings['generate_source_s']}s, fleet "
                f"{fleet.timings['setup_fleet_s']}s")
            syncs = Syncs(fleet, git_srv, gh, GitCounter(work), args.jobs)
            if args.serve:
                suite.serve(args, syncs)
                return 0
            data = suite.run(args, syncs, load_start)
    finally:
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)
    data["total_s"] = round(time.perf_counter() - started, 1)
    base = report.write(data, args.out, stem(args))
    print(report.markdown(data))
    say(f"bench: wrote {base}.json and .md in {data['total_s']}s")
    if data["problems"]:
        say("bench: problems: " + "; ".join(data["problems"]))
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
