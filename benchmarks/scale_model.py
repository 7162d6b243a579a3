#!/usr/bin/env python3
"""The scale model (issue 15, item 6): what a release costs a fleet of 100, 1,000 and
10,000 targets on GitHub Actions, computed from skillsync's own code, not by hand.

- jobs: the matrix jobs per wave as `skillsync.matrix.plan_matrix(..., slots=None)`
  splits them (`wave_jobs`: at most 256 per wave, chunked beyond);
- API calls by kind and mechanism: `skillsync.pacing.expected_calls`, the calls
  skillsync.forge makes for a first sync of a release;
- minutes: `skillsync.pacing.duration`, the limiter itself run on a fake clock over
  those calls, at GitHub's default budget (80 content-creating calls a minute, 500 an
  hour, 2,000 token mints an hour);
- artifact sizes: bytes per target *measured* on a small real run (`--measure`: a real
  sync of the bundled example source to local repositories and a loopback GitHub, at two
  fleet sizes, fitted to fixed + per-target bytes), stored in
  benchmarks/results/scale-artifacts.json, then extrapolated linearly;
- what breaks first: each figure against the GitHub limit it meets.

    python benchmarks/scale_model.py              # print docs/scale.md's text
    python benchmarks/scale_model.py --write      # write docs/scale.md
    python benchmarks/scale_model.py --check      # exit 1 when docs/scale.md is stale
    python benchmarks/scale_model.py --measure    # re-measure the artifact bytes (slow)
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))  # like scripts/: works from a plain checkout too

DOC = ROOT / "docs" / "scale.md"
MEASURED = ROOT / "benchmarks" / "results" / "scale-artifacts.json"
SIZES = (100, 1_000, 10_000)
PR_EVERY = 3                 # every third target opens a pull request (as bench.py's fleet)
CANARY_SHARE = 0.01          # 1% low risk (the canary wave), at least one target
MEDIUM_SHARE = 0.60          # then medium; the rest high
# GitHub's limits the model checks against (docs: "Usage limits, billing, and
# administration" for Actions; "Rate limits for the REST API"; "Workflow syntax").
JOB_HOURS = 6                # a job on a GitHub-hosted runner is cancelled after 6 h
OUTPUTS_BYTES = 1_000_000    # outputs of one job: 1 MB
CONCURRENT_JOBS = 20         # concurrent jobs on a Free plan (Team 60, Enterprise 500)
TOKEN_LIFETIME_MIN = 60      # installation access tokens expire after an hour
STORAGE_BYTES = 500_000_000  # artifact storage of a Free plan (Team 2 GB)


# -- the fleet -------------------------------------------------------------------------
def fleet(n: int) -> list[dict[str, Any]]:
    """`n` routed targets: ids t00000.., every third a pull-request target with a label,
    the rest push; all on the GitHub App; risk low (the canary), medium, high."""
    low = max(1, round(n * CANARY_SHARE))
    medium = round(n * MEDIUM_SHARE)
    out = []
    for i in range(n):
        wave = 0 if i < low else 1 if i < low + medium else 2
        out.append({"id": f"t{i:05d}", "mechanism": "pull-request" if i % PR_EVERY == 0
                    else "push", "risk": ("low", "medium", "high")[wave], "wave": wave,
                    "decision": "sync"})
    return out


def model(n: int, measured: dict[str, Any]) -> dict[str, Any]:
    from skillsync import matrix, pacing

    routes = fleet(n)
    plan = matrix.plan_matrix(routes, slots=None)
    budget = pacing.Budget()
    calls_of = {m: pacing.expected_calls(m, labels=True, github_app=True)
                for m in ("pull-request", "push")}
    by_mech: dict[str, dict[str, int]] = {}
    for r in routes:
        c = calls_of[r["mechanism"]]
        row = by_mech.setdefault(r["mechanism"], {"targets": 0, "read": 0, "content": 0,
                                                  "token": 0})
        row["targets"] += 1
        row["read"] += c.read
        row["content"] += c.content
        row["token"] += c.token
    # One budget over the whole release, as GitHub counts it: the waves one after
    # another through one limiter on a fake clock, so a wave's calls meet the hour's
    # window the wave before it filled.
    clock = pacing.ModelClock()
    limiter = pacing.RateLimiter(budget, clock=clock, sleep=clock.sleep)
    waves = []
    for w, jobs in enumerate(plan.wave_jobs):
        members = [r for r in routes if r["wave"] == w]
        started = clock.now
        for r in members:
            c = calls_of[r["mechanism"]]
            for _ in range(c.token):
                limiter.acquire("POST", "/app/installations/1/access_tokens")
            for _ in range(c.content):
                limiter.acquire("POST", "/repos/o/r/pulls")
        seconds = clock.now - started
        per_job = max(len(j) for j in jobs)
        # One job's share (1/jobs of the wave) for its own calls: how long its last
        # target waits for a slot, against the token's hour.
        share = pacing.Budget(share=1 / len(jobs))
        job_calls = [calls_of[r["mechanism"]] for r in jobs[0]]
        job_seconds = pacing.duration(job_calls, share)
        waves.append({"wave": w, "targets": len(members), "jobs": len(jobs), "per_job": per_job,
                      "seconds": seconds, "job_seconds": job_seconds})
    outputs = len(json.dumps(plan.as_dict()["wave_jobs"], separators=(",", ":")))
    per_target = measured["per_target_bytes"]
    fixed = measured["fixed_bytes"]
    largest_job = max(w["per_job"] for w in waves)
    return {
        "n": n, "waves": waves, "by_mechanism": by_mech,
        "jobs": sum(w["jobs"] for w in waves),
        "seconds": sum(w["seconds"] for w in waves),
        "outputs_bytes": outputs,
        "merged_bytes": fixed + per_target * n,
        "job_bytes": fixed + per_target * largest_job,
        "all_jobs_bytes": sum(fixed * w["jobs"] for w in waves) + per_target * n,
    }


# -- what breaks first -------------------------------------------------------------------
def breaks(m: dict[str, Any]) -> list[str]:
    """Each limit the fleet meets, the first (lowest n) listed first in the doc."""
    out = []
    pulls = m["by_mechanism"].get("pull-request", {}).get("targets", 0)
    content = sum(r["content"] for r in m["by_mechanism"].values())
    if content > 500:
        out.append(f"GitHub's 500 content-creating calls an hour: {content:,} calls "
                   f"({pulls:,} pull requests with labels) take "
                   f"{m['seconds'] / 3600:.1f} h of pacing")
    longest = max(w["seconds"] for w in m["waves"])
    if longest > JOB_HOURS * 3600:
        out.append(f"the {JOB_HOURS} h limit of a job on a GitHub-hosted runner: the longest "
                   f"wave's jobs need {longest / 3600:.1f} h (self-hosted runners, or split "
                   "the release over several runs)")
    job_wait = max(w["job_seconds"] for w in m["waves"])
    if job_wait > TOKEN_LIFETIME_MIN * 60:
        out.append(f"the installation token's hour: at its share of the budget a job's "
                   f"writes take {job_wait / 60:.0f} min, so a target can wait longer than "
                   "its token lives for its slot (skillsync mints at the target's start; "
                   "minting again before the writes fixes it)")
    tokens = sum(r["token"] for r in m["by_mechanism"].values())
    if tokens > 2000:
        out.append(f"2,000 token requests an hour: {tokens:,} installation tokens take "
                   f"{tokens / 2000:.1f} h of minting (paced, overlapping the writes)")
    top = max(w["jobs"] for w in m["waves"])
    if top > CONCURRENT_JOBS:
        out.append(f"{CONCURRENT_JOBS} concurrent jobs (Free plan; Team 60, Enterprise 500): "
                   f"{top} jobs of one wave queue; pacing, not runners, sets the pace")
    if m["outputs_bytes"] > OUTPUTS_BYTES:
        out.append(f"1 MB of job outputs: the plan's matrices take {m['outputs_bytes']:,} B")
    if m["all_jobs_bytes"] > STORAGE_BYTES:
        out.append(f"500 MB of artifact storage (Free plan): the jobs' run directories take "
                   f"{m['all_jobs_bytes'] / 1e6:.0f} MB a release")
    return out or ["nothing: every figure is inside GitHub's limits"]


# -- the document --------------------------------------------------------------------------
def _mb(b: float) -> str:
    return f"{b / 1e6:.1f} MB" if b >= 1e6 else f"{b / 1e3:.0f} kB"


def render(measured: dict[str, Any]) -> str:
    from skillsync.pacing import human

    models = [model(n, measured) for n in SIZES]
    lines = [
        "# Scale model",
        "",
        "<!-- generated by benchmarks/scale_model.py --write; tests/test_pacing.py "
        "fails when stale -->",
        "",
        "What one release costs a fleet on GitHub Actions, computed by "
        "`benchmarks/scale_model.py` from skillsync's own code: the matrix jobs as "
        "`skillsync.matrix.wave_jobs` splits the waves, the API calls skillsync.forge makes "
        "(`skillsync.pacing.expected_calls`), and the pacing the limiter imposes on them "
        "(`skillsync.pacing.duration`, the limiter run on a fake clock at GitHub's default "
        "budget: 80 content-creating calls a minute, 500 an hour, 2,000 token mints an hour).",
        "",
        "The fleet: every third target a `pull-request` target with a label, the rest "
        f"`push`; all on the GitHub App (docs/github-app.md); {CANARY_SHARE:.0%} low risk "
        f"(the canary wave), {MEDIUM_SHARE:.0%} medium, the rest high: three waves, one after "
        "the other. A first sync of a release: re-runs and no-ops make no content calls.",
        "",
        "## Jobs",
        "",
        "| targets | wave | targets in wave | matrix jobs | targets per job |",
        "|---:|---:|---:|---:|---:|",
    ]
    for m in models:
        for w in m["waves"]:
            lines.append(f"| {m['n']:,} | {w['wave']} | {w['targets']:,} | {w['jobs']} | "
                         f"{w['per_job']} |")
    lines += ["", "Plus the plan job before the waves and the report job after them.", "",
              "## API calls by kind", "",
              "| targets | mechanism | targets | read | content-creating | token mints |",
              "|---:|---|---:|---:|---:|---:|"]
    for m in models:
        for mech, row in sorted(m["by_mechanism"].items()):
            lines.append(f"| {m['n']:,} | {mech} | {row['targets']:,} | {row['read']:,} | "
                         f"{row['content']:,} | {row['token']:,} |")
    lines += ["", "Per target: a GitHub App token costs `GET /repos/{o}/{r}/installation` and "
              "`POST /app/installations/{id}/access_tokens`; a pull request `GET .../pulls` "
              "(one list, state=all), `POST .../pulls` and `POST .../issues/{n}/labels`. "
              "Git traffic (ls-remote, fetch, push) is not API traffic.", "",
              "## Minutes under the rate model", "",
              "| targets | wave 0 | wave 1 | wave 2 | the release |", "|---:|---:|---:|---:|---:|"]
    for m in models:
        cells = " | ".join(human(w["seconds"]) for w in m["waves"])
        lines.append(f"| {m['n']:,} | {cells} | {human(m['seconds'])} |")
    lines += ["", "Pacing only: the least time GitHub's budget allows, whatever the runners. "
              "A matrix job takes `SKILLSYNC_RATE_SHARE=1/<jobs in its wave>` of the budget.",
              "", "## Artifact sizes", "",
              f"Measured on a small real run ({measured['how']}): "
              f"{measured['fixed_bytes']:,} B per run directory plus "
              f"{measured['per_target_bytes']:,} B per target "
              "(plan, snapshot, result, log lines), extrapolated linearly.", "",
              "| targets | merged run directory | largest job's | all jobs' uploads |",
              "|---:|---:|---:|---:|"]
    for m in models:
        lines.append(f"| {m['n']:,} | {_mb(m['merged_bytes'])} | {_mb(m['job_bytes'])} | "
                     f"{_mb(m['all_jobs_bytes'])} |")
    lines += ["", "## What breaks first", ""]
    for m in models:
        lines.append(f"**{m['n']:,} targets**")
        lines.append("")
        lines += [f"{i}. {b}" for i, b in enumerate(breaks(m), 1)]
        lines.append("")
    lines += ["The budget is split per wave in advance; a wave that starts within the hour "
              "of the previous wave's writes can still meet GitHub's own limit, which the "
              "limiter then honours (Retry-After, `x-ratelimit-*`) within `max_wait` before "
              "failing the target clearly.", ""]
    return "\n".join(lines)


# -- measuring -----------------------------------------------------------------------------
def _run_dir_bytes(n_push: int, n_pr: int, work: Path) -> int:
    """Bytes of the run directory of a real live sync of the example source's v1.0.0 to
    `n_push` push and `n_pr` pull-request targets (local bare repositories, loopback
    GitHub)."""
    import os
    import subprocess

    from skillsync.devservers.github import FakeGitHub
    from skillsync.examples import build_example_source
    from skillsync.manifest import build_manifest
    from skillsync.runlog import RunDir
    from skillsync.sync import Options, run_sync
    from skillsync.targets import load_targets

    os.environ["SKILLSYNC_CACHE"] = str(work / "cache")
    src = work / "source"
    if not src.exists():
        build_example_source(src)
    tdir = work / f"targets-{n_push}-{n_pr}"
    tdir.mkdir()
    with FakeGitHub(token="scale-model-token") as gh:     # noqa: S106 - loopback only
        os.environ["SCALE_TOKEN"] = "scale-model-token"  # noqa: S105 - loopback only
        for i in range(n_push + n_pr):
            bare = work / f"d{n_push}-{n_pr}-{i}.git"
            subprocess.run(["git", "init", "-q", "--bare", "-b", "main", str(bare)], check=True)
            seed = work / f"seed-{n_push}-{n_pr}-{i}"
            subprocess.run(["git", "clone", "-q", str(bare), str(seed)], check=True,
                           capture_output=True)
            (seed / "README.md").write_text("downstream\n")
            for cmd in (["add", "-A"], ["-c", "user.name=s", "-c", "user.email=s@x",
                                        "commit", "-qm", "init"], ["push", "-q", "origin",
                                                                   "HEAD:main"]):
                subprocess.run(["git", *cmd], cwd=seed, check=True, capture_output=True)
            pr = i >= n_push
            text = [f"id: t{i:03d}", f"repo: {bare}", "branch: main",
                    f"mechanism: {'pull-request' if pr else 'push'}"]
            if pr:
                text += [f"forge: {{api_url: '{gh.url}', repository: acme/t{i:03d}}}",
                         "auth: {method: token, env: SCALE_TOKEN}", "labels: [skills-sync]"]
            (tdir / f"t{i:03d}.yaml").write_text("\n".join(text) + "\n")
        manifest = build_manifest(str(src), "v1.0.0")
        run = RunDir(work / f"run-{n_push}-{n_pr}").create()
        run_sync(manifest, load_targets(tdir), run, Options())
        from skillsync.report import write_summary

        write_summary(run)
    return sum(p.stat().st_size for p in run.path.rglob("*") if p.is_file())


def measure(small: int = 3) -> dict[str, Any]:
    """Fixed and per-target bytes from two real runs (`small` and 2 x `small` targets,
    a third of them pull requests)."""
    with tempfile.TemporaryDirectory(prefix="skillsync-scale-") as tmp:
        work = Path(tmp)
        pr = max(1, small // PR_EVERY)
        a = _run_dir_bytes(small - pr, pr, work)
        b = _run_dir_bytes(2 * (small - pr), 2 * pr, work)
    per_target = max(1, math.ceil((b - a) / small))
    return {"fixed_bytes": max(0, a - per_target * small), "per_target_bytes": per_target,
            "how": f"examples/ v1.0.0 live to {small} and {2 * small} local targets, a third "
                   "of them pull requests on the loopback GitHub"}


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help="write docs/scale.md")
    mode.add_argument("--check", action="store_true",
                      help="exit 1 when docs/scale.md differs from what the model gives")
    mode.add_argument("--measure", action="store_true",
                      help=f"measure the artifact bytes into {MEASURED.relative_to(ROOT)}, "
                           "then write docs/scale.md")
    args = p.parse_args(argv)
    if args.measure:
        MEASURED.parent.mkdir(parents=True, exist_ok=True)
        MEASURED.write_text(json.dumps(measure(), indent=2, sort_keys=True) + "\n")
    measured = json.loads(MEASURED.read_text())
    text = render(measured)
    if args.check:
        if not DOC.exists() or DOC.read_text() != text:
            print(f"stale: run python {Path(__file__).relative_to(ROOT)} --write",
                  file=sys.stderr)
            return 1
        return 0
    if args.write or args.measure:
        DOC.write_text(text)
        print(f"wrote {DOC.relative_to(ROOT)}", file=sys.stderr)
        return 0
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
