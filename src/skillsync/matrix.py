"""Fan-out of a run across GitHub Actions matrix jobs, and the plan job's checks.

`plan_matrix` turns the routed targets into the matrices of the reusable workflow
`.github/workflows/sync-downstream.yml`. Its wave layout (`wave_jobs`, issue 15 items 2-3):
one matrix per wave, never two waves in one matrix, at most 256 jobs each (GitHub refuses a
larger matrix). A wave has one job slot per possible wave in the workflow (`WAVES`: one per
risk tier), each a call of `sync-wave.yml`, so a wave starts only after the one before it
succeeded. Within a wave:

- a target whose credential is a per-target secret (`auth.env`: a token or an HMAC secret)
  gets a job of its own in the environment `skillsync-<id>`, the only place that secret
  lives: GitHub gives a job the secrets of its one environment, so no job ever holds
  another target's secret. Such a wave holds at most 256 of them (an error naming the fix);
- every other target (the GitHub App, or no credential) is pooled: the rest of the wave's
  job slots each take a chunk of them (all the same size but the last) and sync it with the
  local worker pool, in the environment `skillsync-fleet` (which holds the App's key). No
  job holds a long-lived secret of one target, and a wave of any size fits: no cap.

Each job entry carries its rate share (`SKILLSYNC_RATE_SHARE=1/<jobs in the wave>`,
skillsync.pacing). The slot layout (`slots`: the canary matrix plus N later-wave matrices)
stays for the rollback workflow and tools, and refuses what does not fit.

`newer_release` is the plan job's "superseded" check: a run for a release older than the
newest tag of the source exits cleanly instead of halting every target on downgrade.

Fan-in (merging the jobs' run directories, annotations) is skillsync.fanin.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from skillsync.errors import UsageError
from skillsync.model import RISKS, Target

MATRIX_LIMIT = 256  # GitHub Actions: "a matrix can generate a maximum of 256 jobs"
SCHEMA = "skillsync.matrix/v1"
WAVES = len(RISKS)  # wave jobs in sync-downstream.yml: routing numbers waves over the tiers
FLEET_ENVIRONMENT = "skillsync-fleet"   # pooled jobs: the GitHub App's key lives here


@dataclass(frozen=True)
class MatrixPlan:
    """The matrices of one run: per wave its jobs; the slot layout for older callers."""

    canary: list[dict[str, Any]]
    rest: list[list[dict[str, Any]]]
    waves: list[list[str]]
    chunks: list[list[dict[str, Any]]]   # every entry, all waves, in chunks (rollback, tools)
    chunk_size: int = MATRIX_LIMIT
    not_synced: list[dict[str, Any]] = field(default_factory=list)
    # per wave, the jobs of its matrix, each a chunk of that wave's entries (wave_jobs)
    wave_jobs: list[list[list[dict[str, Any]]]] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(len(c) for c in self.chunks)

    def job_entries(self, wave: int) -> list[dict[str, Any]]:
        jobs = self.wave_jobs[wave] if wave < len(self.wave_jobs) else []
        return [job_entry(wave, k, job, len(jobs)) for k, job in enumerate(jobs)]

    def as_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "chunk_size": self.chunk_size,
            "total": self.total,
            "waves": self.waves,
            "canary": {"include": self.canary},
            "rest": [{"include": c} for c in self.rest],
            "chunks": [{"include": c} for c in self.chunks],
            "not_synced": self.not_synced,
            "wave_jobs": [{"wave": w, "include": self.job_entries(w)}
                          for w in range(len(self.wave_jobs))],
        }


def solo(entry: Mapping[str, Any]) -> bool:
    """A target whose credential is a secret of its own environment needs a job of its own."""
    return bool(entry.get("auth_env"))


def job_entry(wave: int, index: int, job: Sequence[Mapping[str, Any]], jobs: int = 1
              ) -> dict[str, Any]:
    """One matrix job of a wave: which targets it syncs (`sync --only ID...`), in which
    environment, with which credential variable and which share of the rate budget."""
    ids = [str(e["id"]) for e in job]
    alone = len(job) == 1 and solo(job[0])
    name = ids[0] if len(ids) == 1 else f"{ids[0]} .. {ids[-1]} ({len(ids)} targets)"
    return {"wave": wave, "chunk": index, "ids": ids, "count": len(job), "name": name,
            "environment": f"skillsync-{ids[0]}" if alone else FLEET_ENVIRONMENT,
            "auth_env": str(job[0].get("auth_env") or "") if alone else "",
            "rate_share": f"1/{max(1, jobs)}"}


def wave_jobs(items: Sequence[Mapping[str, Any]], max_jobs: int = MATRIX_LIMIT
              ) -> list[list[list[dict[str, Any]]]]:
    """For each wave 0..N-1 (by the entries' "wave"), its entries as at most `max_jobs`
    jobs: one job per target with a per-target secret (`solo`), then the others in chunks
    of ceil(len / slots left), so a wave of up to `max_jobs` targets gets one target per
    job and a larger one the fewest jobs that fit. Every entry lands in exactly one job; a
    wave with no entries gets no jobs. UsageError when the solo targets alone need more
    jobs than a matrix holds, naming the fix."""
    if max_jobs < 1:
        raise UsageError(f"max jobs per matrix must be at least 1 (got {max_jobs})")
    nwaves = max((int(e["wave"]) for e in items), default=-1) + 1
    out: list[list[list[dict[str, Any]]]] = []
    for w in range(nwaves):
        members = [dict(e) for e in items if int(e["wave"]) == w]
        alone = [e for e in members if solo(e)]
        pooled = [e for e in members if not solo(e)]
        free = max_jobs - len(alone)
        if free < (1 if pooled else 0):
            raise UsageError(
                f"wave {w} has {len(alone)} targets with a per-target secret (auth.env), each "
                f"needing a job of its own, and {len(pooled)} more, but a matrix holds "
                f"{max_jobs} jobs: move targets to the GitHub App (auth: {{method: "
                "github-app}, docs/github-app.md), whose targets share jobs")
        size = max(1, -(-len(pooled) // free)) if pooled else 1
        out.append([[e] for e in alone] + chunk(pooled, size))
    return out


def chunk(items: Sequence[Any], size: int = MATRIX_LIMIT) -> list[list[Any]]:
    """`items` in consecutive slices of at most `size` (no empty slice)."""
    if size < 1:
        raise UsageError(f"chunk size must be at least 1 (got {size})")
    return [list(items[i:i + size]) for i in range(0, len(items), size)]


def routes_from_json(data: Any, where: str) -> list[dict[str, Any]]:
    """route-targets output, either form: a list, or `{"include": [...]}` (--matrix),
    checked against schemas/routes.schema.json (a bad entry is exit 2 naming its
    JSON path)."""
    from skillsync import artifacts

    return artifacts.check_routes(data, where)


def entries(routes: Sequence[Mapping[str, Any]],
            targets: Sequence[Target] | None = None) -> list[dict[str, Any]]:
    """Matrix entries for the routes that sync, ordered by (wave, id).

    An entry carries what a sync job needs to know before it reads any file: the
    target id, its wave, and the NAME of its credential variable (`auth_env`, ""
    when none), which the workflow maps to the secret of the target's environment.
    """
    by_id = {t.id: t for t in targets or ()}
    out = []
    for r in routes:
        if r.get("decision", "sync") != "sync":
            continue
        tid = str(r["id"])
        t = by_id.get(tid)
        if targets is not None and t is None:
            raise UsageError(f"routed target {tid!r} has no target file")
        wave = r.get("wave")
        out.append({
            "id": tid,
            "wave": wave if isinstance(wave, int) else 0,
            "mechanism": str(r.get("mechanism") or (t.mechanism if t else "")),
            "risk": str(r.get("risk") or (t.risk if t else "")),
            "auth_env": (t.auth.env or "") if t else str(r.get("auth_env") or ""),
        })
    out.sort(key=lambda e: (e["wave"], e["id"]))
    return out


def plan_matrix(routes: Sequence[Mapping[str, Any]], targets: Sequence[Target] | None = None,
                *, chunk_size: int = MATRIX_LIMIT, slots: int | None = 2) -> MatrixPlan:
    """Split the routed targets into the workflow's matrices.

    `slots` is how many matrix jobs a slot-layout workflow has for the later waves (and
    for the whole list, in `chunks`); None for the wave layout (`wave_jobs`: no cap).
    Raises UsageError when the fleet does not fit, naming what to change; nothing is
    ever dropped.
    """
    if not 1 <= chunk_size <= MATRIX_LIMIT:
        raise UsageError(f"--chunk-size must be between 1 and {MATRIX_LIMIT} (got {chunk_size})")
    if slots is not None and slots < 1:
        raise UsageError(f"--slots must be at least 1 (got {slots})")
    items = entries(routes, targets)
    canary = [e for e in items if e["wave"] == 0]
    later = [e for e in items if e["wave"] != 0]
    if len(canary) > chunk_size and slots is not None:
        raise UsageError(
            f"the canary wave has {len(canary)} targets, more than one matrix holds "
            f"({chunk_size}); a canary should be a few targets: give the others "
            "a higher risk tier")
    rest = chunk(later, chunk_size)
    if slots is not None and len(rest) > slots:
        raise UsageError(
            f"{len(later)} targets after the canary wave need {len(rest)} matrices of "
            f"{chunk_size}, but the workflow has {slots} sync-rest job(s): use the wave "
            "layout (matrix-chunks --waves), which has no cap")
    nwaves = max((e["wave"] for e in items), default=-1) + 1
    if slots is None and nwaves > WAVES:
        raise UsageError(f"the release routes to {nwaves} waves; the workflow has {WAVES}")
    waves = [[e["id"] for e in items if e["wave"] == w] for w in range(nwaves)]
    not_synced = [{"id": str(r["id"]), "decision": str(r.get("decision")),
                   "reason": str(r.get("reason", ""))}
                  for r in routes if r.get("decision", "sync") != "sync"]
    return MatrixPlan(canary=canary, rest=rest, waves=waves, chunks=chunk(items, chunk_size),
                      chunk_size=chunk_size, not_synced=not_synced,
                      wave_jobs=wave_jobs(items, chunk_size))


def _js(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), sort_keys=True, ensure_ascii=True)


def github_outputs(plan: MatrixPlan, slots: int) -> dict[str, str]:
    """The slot layout's `name -> value` for $GITHUB_OUTPUT: compact one-line JSON, so no
    value can break the `name=value` line format; an empty matrix comes with has_* =
    false (GitHub fails a job whose matrix is empty, so the workflow skips it instead)."""
    out = {
        "canary": _js({"include": plan.canary}),
        "has_canary": _js(bool(plan.canary)),
        "waves": _js(plan.waves),
        "count": str(plan.total),
    }
    for i in range(slots):
        rest = plan.rest[i] if i < len(plan.rest) else []
        out[f"rest_{i}"] = _js({"include": rest})
        out[f"has_rest_{i}"] = _js(bool(rest))
        part = plan.chunks[i] if i < len(plan.chunks) else []
        out[f"matrix_{i}"] = _js({"include": part})
        out[f"has_matrix_{i}"] = _js(bool(part))
    return out


def wave_outputs(plan: MatrixPlan) -> dict[str, str]:
    """The wave layout's outputs: `wave_0`..`wave_{WAVES-1}` (the matrix of each wave's
    jobs, `{"include": [...]}`), `has_wave_I`, `count`, `jobs` (all waves)."""
    out = {"count": str(plan.total),
           "jobs": str(sum(len(jobs) for jobs in plan.wave_jobs))}
    for w in range(WAVES):
        include = plan.job_entries(w)
        out[f"wave_{w}"] = _js({"include": include})
        out[f"has_wave_{w}"] = _js(bool(include))
    return out


def write_github_outputs(path: str | Path, values: Mapping[str, str]) -> None:
    """Append `name=value` lines to a $GITHUB_OUTPUT file."""
    for name, value in values.items():
        if "\n" in value or "\r" in value:  # cannot happen with compact JSON; guard anyway
            raise UsageError(f"output {name} would span lines")
    with open(path, "a", encoding="utf-8") as fh:
        fh.writelines(f"{name}={value}\n" for name, value in values.items())


# -- the plan job: superseded releases ---------------------------------------------------

def newer_release(ref: str, tags: Sequence[str]) -> str | None:
    """The newest release tag among `tags` that supersedes release `ref`, or None.

    A stable release is superseded only by a newer stable one (a pre-release of the next
    version must not stop stable-channel targets from taking this one); a pre-release by
    any newer release. Tags that are not release tags are ignored (they are someone's
    text, never an error here)."""
    import semver

    from skillsync.policy import parse_release

    mine = parse_release(ref)
    best: tuple[semver.Version, str] | None = None
    for tag in tags:
        try:
            rel = parse_release(tag)
        except UsageError:
            continue
        if rel.is_prerelease and not mine.is_prerelease:
            continue
        v = semver.Version.parse(rel.version)
        if best is None or v > best[0]:
            best = (v, tag)
    if best is not None and best[0] > semver.Version.parse(mine.version):
        return best[1]
    return None


def source_tags(source: str | Path) -> list[str]:
    """The tag names of the git repository at `source` (a checkout with its tags);
    UsageError when it is not one."""
    from skillsync import git
    from skillsync.errors import GitError

    try:
        text = git.out(["for-each-ref", "--format=%(refname:strip=2)", "refs/tags/"],
                       cwd=source)
    except (GitError, OSError):
        raise UsageError("not a git checkout (the tags of the source are read from it)",
                         where=str(source)) from None
    return [t for t in text.splitlines() if t]
