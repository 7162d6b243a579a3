"""What an emulated run records: each step's and job leg's outcome, the artifacts it
wrote and read, the caches it restored and saved, and the files GitHub's runner gives a
step (GITHUB_OUTPUT and friends)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ANNOTATIONS_PER_STEP = 10     # GitHub shows at most 10 errors (and 10 warnings) per step
_ANNOTATION = re.compile(r"^::(error|warning|notice)(?: ([^:]*))?::(.*)$")


@dataclass
class StepRun:
    job: str
    name: str
    status: str                      # success | failure | skipped
    rc: int | None = None
    stdout: str = ""
    stderr: str = ""
    env: dict[str, str] = field(default_factory=dict)
    script: str = ""
    outputs: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    annotations: list[tuple[str, str]] = field(default_factory=list)   # (level, line) shown
    dropped: int = 0                                                   # not shown by GitHub


@dataclass
class JobRun:
    job: str
    matrix: dict[str, Any] | None
    result: str
    steps: list[StepRun] = field(default_factory=list)
    summary: str = ""
    workspace: Path | None = None
    environment: str | None = None
    deployment: bool = False         # GitHub created a deployment for this leg
    attempt: int = 1


@dataclass
class ArtifactEvent:
    job: str
    op: str                          # upload | download
    name: str
    overwrite: bool = False


@dataclass
class WorkflowRun:
    order: list[str] = field(default_factory=list)            # job keys, as started
    jobs: dict[str, list[JobRun]] = field(default_factory=dict)
    results: dict[str, str] = field(default_factory=dict)
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)
    artifacts: dict[str, Path] = field(default_factory=dict)
    called: dict[str, str] = field(default_factory=dict)      # caller job -> workflow@sha
    artifact_log: list[ArtifactEvent] = field(default_factory=list)
    cache_log: list[Any] = field(default_factory=list)         # gha_cache.CacheEvent
    needs: dict[str, list[str]] = field(default_factory=dict)  # job key -> keys it needs

    def steps(self, job: str | None = None) -> Iterator[StepRun]:
        for jid, runs in self.jobs.items():
            if job is None or jid == job:
                for jr in runs:
                    yield from jr.steps

    def step(self, job: str, name: str, leg: int = 0) -> StepRun:
        return next(s for s in self.jobs[job][leg].steps if s.name == name)

    def stdout(self) -> str:
        return "".join(s.stdout for s in self.steps())

    def summary(self) -> str:
        return "".join(j.summary for runs in self.jobs.values() for j in runs)

    def failures(self) -> list[tuple[str, str, str]]:
        return [(s.job, s.name, (s.stderr or s.stdout)[-800:]) for s in self.steps()
                if s.status == "failure"]


def parse_output_file(path: Path) -> dict[str, str]:
    """$GITHUB_OUTPUT / $GITHUB_ENV: `name=value` lines and `name<<EOF` blocks."""
    out: dict[str, str] = {}
    lines = path.read_text().splitlines() if path.exists() else []
    i = 0
    while i < len(lines):
        line = lines[i]
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delim = line.split("<<", 1)
            block = []
            i += 1
            while lines[i] != delim:
                block.append(lines[i])
                i += 1
            out[name] = "\n".join(block)
        elif line:
            name, value = line.split("=", 1)
            out[name] = value
        i += 1
    return out


def _annotations(stdout: str) -> tuple[list[tuple[str, str]], int]:
    shown: list[tuple[str, str]] = []
    seen: dict[str, int] = {}
    dropped = 0
    for line in stdout.splitlines():
        m = _ANNOTATION.match(line)
        if not m:
            continue
        level = m.group(1)
        seen[level] = seen.get(level, 0) + 1
        if seen[level] <= ANNOTATIONS_PER_STEP:
            shown.append((level, line))
        else:
            dropped += 1
    return shown, dropped


@dataclass
class _Job:
    """What a running job leg needs to know, shared by its steps and composite actions."""

    jid: str
    run: JobRun
    workspace: Path
    temp: Path
    env_state: dict[str, str] = field(default_factory=dict)
    path_prepend: list[str] = field(default_factory=list)
    steps: int = 0
