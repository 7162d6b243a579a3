"""Fan-out and fan-in of a run across GitHub Actions matrix jobs.

Fan-out (`plan_matrix`): the routed targets become matrices for the sync jobs of
`.github/workflows/sync-downstream.yml`: the canary wave (wave 0) in one matrix,
the later waves in chunks of at most 256 entries, because GitHub refuses a matrix
larger than that. A fleet that does not fit the workflow's jobs is an error that
names the fix; it is never truncated.

`wave_jobs` (issue 15.3, no cap on fleet size): one matrix per wave, never mixing
two waves, of at most 256 jobs; when a wave holds more targets than that, each job
takes a chunk of consecutive targets (all the same size but the last) and syncs
them with the local worker pool. With `slots=None` the plan checks no sync-rest
slots, so any fleet fits.

Fan-in (`merge_run_dirs`, `complete_results`): every matrix job uploads its own
copy of the run directory; the report job merges them back into one, and records
the targets that never produced a result (their job was skipped because the
canary failed, was cancelled, or its runner was lost) as not attempted, so the
report and the notifications cannot miss them.
"""

from __future__ import annotations

import filecmp
import json
import shutil
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from skillsync.errors import ConfigError, UsageError
from skillsync.model import Status, Target
from skillsync.runlog import RunDir, read_events

MATRIX_LIMIT = 256  # GitHub Actions: "a matrix can generate a maximum of 256 jobs"
SCHEMA = "skillsync.matrix/v1"

# Files every matrix job carries unchanged from the plan; differing copies of these
# are expected (run.json holds a creation time) or fatal (a different release).
_PER_JOB = frozenset({"run.json"})
_SAME_RELEASE = frozenset({"manifest.json", "routes.json", "matrix.json"})


@dataclass(frozen=True)
class MatrixPlan:
    """The matrices of one run: the canary wave, then the later waves in chunks."""

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
            "wave_jobs": [{"wave": w, "include": [job_entry(w, k, job)
                                                  for k, job in enumerate(jobs)]}
                          for w, jobs in enumerate(self.wave_jobs)],
        }


def job_entry(wave: int, index: int, job: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """One matrix job of a wave: which targets it syncs (`sync --only ID...`)."""
    return {"wave": wave, "chunk": index, "ids": [str(e["id"]) for e in job],
            "count": len(job)}


def wave_jobs(items: Sequence[Mapping[str, Any]], max_jobs: int = MATRIX_LIMIT
              ) -> list[list[list[dict[str, Any]]]]:
    """For each wave 0..N-1 (by the entries' "wave"), its entries split into at most
    `max_jobs` chunks: chunk size ceil(len / max_jobs), so a wave of up to `max_jobs`
    targets gets one target per job and a larger one the fewest jobs that fit. Every
    entry lands in exactly one chunk; a wave with no entries gets no jobs."""
    if max_jobs < 1:
        raise UsageError(f"max jobs per matrix must be at least 1 (got {max_jobs})")
    nwaves = max((int(e["wave"]) for e in items), default=-1) + 1
    out: list[list[list[dict[str, Any]]]] = []
    for w in range(nwaves):
        members = [dict(e) for e in items if int(e["wave"]) == w]
        size = max(1, -(-len(members) // max_jobs))
        out.append(chunk(members, size) if members else [])
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
    when none), which the workflow maps to the repository secret of that name.
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

    `slots` is how many matrix jobs the workflow has for the later waves (and for
    the whole list, in `chunks`); None for a workflow that runs `wave_jobs` (one
    matrix per wave, chunked: no cap). Raises UsageError when the fleet does not
    fit, naming what to change; nothing is ever dropped.
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
            f"({chunk_size}); a canary should be a few low-risk targets: give the others "
            "risk: medium or high")
    rest = chunk(later, chunk_size)
    if slots is not None and len(rest) > slots:
        raise UsageError(
            f"{len(later)} targets after the canary wave need {len(rest)} matrices of "
            f"{chunk_size}, but the workflow has {slots} sync-rest job(s): add sync-rest-N jobs "
            "to .github/workflows/sync-downstream.yml and pass --slots (docs/architecture.md)")
    nwaves = max((e["wave"] for e in items), default=-1) + 1
    waves = [[e["id"] for e in items if e["wave"] == w] for w in range(nwaves)]
    not_synced = [{"id": str(r["id"]), "decision": str(r.get("decision")),
                   "reason": str(r.get("reason", ""))}
                  for r in routes if r.get("decision", "sync") != "sync"]
    return MatrixPlan(canary=canary, rest=rest, waves=waves, chunks=chunk(items, chunk_size),
                      chunk_size=chunk_size, not_synced=not_synced,
                      wave_jobs=wave_jobs(items, chunk_size))


def github_outputs(plan: MatrixPlan, slots: int) -> dict[str, str]:
    """`name -> value` for $GITHUB_OUTPUT: compact one-line JSON, so no value can
    break the `name=value` line format; an empty matrix comes with has_* = false
    (GitHub fails a job whose matrix is empty, so the workflow skips it instead)."""
    def js(obj: Any) -> str:
        return json.dumps(obj, separators=(",", ":"), sort_keys=True, ensure_ascii=True)

    out = {
        "canary": js({"include": plan.canary}),
        "has_canary": js(bool(plan.canary)),
        "waves": js(plan.waves),
        "count": str(plan.total),
    }
    for i in range(slots):
        rest = plan.rest[i] if i < len(plan.rest) else []
        out[f"rest_{i}"] = js({"include": rest})
        out[f"has_rest_{i}"] = js(bool(rest))
        part = plan.chunks[i] if i < len(plan.chunks) else []
        out[f"matrix_{i}"] = js({"include": part})
        out[f"has_matrix_{i}"] = js(bool(part))
    return out


def write_github_outputs(path: str | Path, values: Mapping[str, str]) -> None:
    """Append `name=value` lines to a $GITHUB_OUTPUT file."""
    for name, value in values.items():
        if "\n" in value or "\r" in value:  # cannot happen with compact JSON; guard anyway
            raise UsageError(f"output {name} would span lines")
    with open(path, "a", encoding="utf-8") as fh:
        fh.writelines(f"{name}={value}\n" for name, value in values.items())


# -- fan-in -------------------------------------------------------------------

def _looks_like_run(path: Path) -> bool:
    return any((path / name).exists() for name in ("run.json", "log.jsonl", "results",
                                                  "manifest.json"))


def expand_parts(paths: Iterable[str | Path]) -> list[Path]:
    """Run directories among `paths`: each path is a run directory, or a folder of
    them. actions/download-artifact with a pattern puts each artifact in a folder
    named after it, except when exactly one artifact matched: then its files land
    directly in the path. Both layouts are accepted."""
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if not p.is_dir():
            raise UsageError("not a directory", where=str(p))
        if _looks_like_run(p):
            out.append(p)
        else:
            out.extend(sorted(c for c in p.iterdir() if c.is_dir() and _looks_like_run(c)))
    return out


@dataclass
class MergeReport:
    run: str
    parts: int = 0
    files: int = 0
    events: int = 0
    completed: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"run": self.run, "parts": self.parts, "files": self.files,
                "events": self.events, "completed": self.completed}


def merge_run_dirs(into: str | Path, parts: Sequence[str | Path]) -> MergeReport:
    """Merge the run directories in `parts` into `into` (created if needed).

    Files new to `into` are copied; identical ones are skipped; the log lines of
    every part are merged, de-duplicated and ordered by time. Two parts that hold
    different bytes for one file (say, two results for one target, or manifests of
    two releases) are a ConfigError naming the file, and nothing of that part is
    written over what is there.
    """
    from skillsync import artifacts

    run = RunDir(into).create()
    report = MergeReport(run.run_id)
    events = [ev for ev in read_events(run.log_path) if isinstance(ev, dict)]
    for part in expand_parts(parts):
        if part.resolve() == run.path.resolve():
            continue
        report.parts += 1
        files = sorted(p for p in part.rglob("*") if p.is_file() and not p.is_symlink())
        # A part is another job's artifact: every file of a known kind is checked
        # before anything of the part is copied (skillsync.artifacts).
        artifacts.check_tree(part, [p.relative_to(part).as_posix() for p in files])
        plan: list[tuple[Path, Path]] = []
        for src in files:
            rel = src.relative_to(part)
            if rel.as_posix() == "log.jsonl":
                continue
            dst = run.path / rel
            if dst.exists():
                if rel.as_posix() in _PER_JOB or filecmp.cmp(src, dst, shallow=False):
                    continue
                what = ("a different release" if rel.as_posix() in _SAME_RELEASE
                        else "different content")
                raise ConfigError(f"{rel.as_posix()} conflicts with {dst} ({what})",
                                  where=str(part))
            plan.append((src, dst))
        for src, dst in plan:
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
            report.files += 1
        # A log line that is valid JSON but not an event object is dropped like a
        # line cut by a SIGKILL: the log is a record, not an input the merge obeys.
        events.extend(ev for ev in read_events(part / "log.jsonl") if isinstance(ev, dict))
    seen: set[str] = set()
    unique = []
    for ev in events:
        key = json.dumps(ev, sort_keys=True, ensure_ascii=False)
        if key not in seen:
            seen.add(key)
            unique.append((str(ev.get("ts", "")), key))
    unique.sort(key=lambda pair: pair[0])  # stable: same-time events keep their order
    from skillsync.fsutil import atomic_write

    if unique:
        atomic_write(run.log_path, "".join(key + "\n" for _, key in unique))
    report.events = len(unique)
    return report


def complete_results(run: RunDir, targets: Sequence[Target]) -> list[str]:
    """Write a result for every routed target of `run` that has none (from
    routes.json, as `route-targets --all` wrote it, and matrix.json): halted or
    skipped by policy, else not attempted, or unknown when its branch is at a commit
    of this run (skillsync.report.account reads it). Returns the ids written."""
    from skillsync.report import unaccounted

    written = []
    for result in unaccounted(run, targets):
        tid = result["target"]
        run.write(f"results/{tid}.json", result)
        run.log("result", result["status"], result["message"], target=tid)
        written.append(tid)
    return written


# -- annotations ----------------------------------------------------------------

def _escape_data(text: str) -> str:
    # GitHub's workflow-command escaping (@actions/core): a message can never end
    # the command line early or start a second command.
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def workflow_annotations(summary: Mapping[str, Any]) -> list[str]:
    """`::error::` lines for failed, not-attempted and unknown targets, `::warning::` for
    halted ones, from a run summary (skillsync.report.summarize)."""
    lines = []
    for t in summary.get("targets", []):
        status = t.get("status")
        if status in (Status.FAILED, Status.NOT_ATTEMPTED, Status.UNKNOWN):
            level = "error"
        elif status == Status.HALTED:
            level = "warning"
        else:
            continue
        detail = str(t.get("error") or t.get("message") or status)
        if status == Status.FAILED and t.get("rollback"):
            detail += f" (roll back: {t['rollback']})"
        title = f"skillsync {t.get('id')}: {status}"
        lines.append(f"::{level} title={_escape_property(title)}::{_escape_data(detail)}")
    return lines
