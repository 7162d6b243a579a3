"""Fan-in of a run's CI matrix jobs: their run directories merged back into one, every routed
target without a result accounted for, and the annotations the report job prints.

Every matrix job uploads its own part of the run directory (`skillsync-part-w<wave>-c<chunk>-
a<attempt>`); the report job merges them into the plan's run directory, and records the
targets that never produced a result (their wave was stopped because an earlier one failed,
the job was cancelled, or its runner was lost) as not attempted, so the report and the
notifications cannot miss them. A job re-run (GitHub's "Re-run failed jobs") uploads a part
of a later attempt; only the latest attempt of each job is merged.
"""

from __future__ import annotations

import filecmp
import json
import re
import shutil
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from skillsync.errors import ConfigError, UsageError
from skillsync.model import Status, Target
from skillsync.runlog import RunDir, read_events

# Files each job writes for itself: differing copies are expected (run.json holds a creation
# time; a job's summary covers its own chunk, and the report writes the run's summary), so
# the merged run keeps its own. A job's routes.json routes only its chunk: when the run
# directory merged into has the plan's routes, those are the run's.
_PER_JOB = frozenset({"run.json", "summary.json", "summary.md"})
# Files that name the release: a differing copy is a part of another run, refused.
_SAME_RELEASE = frozenset({"manifest.json", "routes.json", "matrix.json"})
_ATTEMPT = re.compile(r"^(?P<job>.+)-a(?P<attempt>[0-9]{1,4})$")
ANNOTATIONS_PER_STEP = 10   # GitHub shows at most 10 error and 10 warning annotations a step


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
            out.extend(latest_attempts(c for c in p.iterdir()
                                       if c.is_dir() and _looks_like_run(c)))
    return out


def latest_attempts(parts: Iterable[Path]) -> list[Path]:
    """`parts` (sorted) without the earlier attempts of a job: of folders named JOB-aN
    (the artifact of job JOB in attempt N of the run) only the one with the largest N."""
    best: dict[str, tuple[int, Path]] = {}
    others: list[Path] = []
    for p in parts:
        m = _ATTEMPT.match(p.name)
        if m is None:
            others.append(p)
            continue
        n = int(m["attempt"])
        if m["job"] not in best or n > best[m["job"]][0]:
            best[m["job"]] = (n, p)
    return sorted([*others, *(p for _, p in best.values())])


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

    Files new to `into` are copied; identical ones are skipped, and so are a job's own
    files (run.json, its summary, and its routes.json when `into` holds the plan's); the
    log lines of every part are merged, de-duplicated and ordered by time. Two parts that
    hold different bytes for one file (say, two results for one target, or manifests of
    two releases) are a ConfigError naming the file, and nothing of that part is
    written over what is there.
    """
    from skillsync import artifacts

    run = RunDir(into).create()
    has_routes = (run.path / "routes.json").exists()
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
            if rel.as_posix() in _PER_JOB or (rel.as_posix() == "routes.json" and has_routes):
                continue
            if dst.exists():
                if filecmp.cmp(src, dst, shallow=False):
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


def workflow_annotations(summary: Mapping[str, Any],
                         limit: int = ANNOTATIONS_PER_STEP) -> list[str]:
    """`::error::` lines for failed, not-attempted and unknown targets, `::warning::` for
    halted ones, from a run summary (skillsync.report.summarize). GitHub drops the
    annotations of a step past the 10th of each level, silently: past `limit`, the first
    `limit - 1` are printed and the last line says how many more the job summary lists."""
    by_level: dict[str, list[str]] = {"error": [], "warning": []}
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
        by_level[level].append(
            f"::{level} title={_escape_property(title)}::{_escape_data(detail)}")
    lines = []
    for level, found in by_level.items():
        if len(found) > limit:
            more = len(found) - (limit - 1)
            what = "failing" if level == "error" else "halted"
            found = [*found[:limit - 1],
                     f"::{level} title={_escape_property(f'skillsync: {more} more {what}')}::"
                     f"and {more} more {what} target(s): the job summary lists every target"]
        lines.extend(found)
    return lines
