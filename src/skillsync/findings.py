"""Validation findings: the common output of every check.

Three severities (issue 18): an *error* fails the gate; a *warning* is something a
maintainer should fix (a file dropped from a skill, a listing budget overrun) and
fails the gate only under `--strict`; an *info* is guidance (length, reference depth)
that never fails it. SARIF calls them error / warning / note.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


SEVERITIES = tuple(s.value for s in Severity)


@dataclass(frozen=True, order=True)
class Finding:
    path: str          # file (and :line when known) the finding is about
    code: str          # stable machine code, e.g. "skill-name-invalid"
    severity: str      # a Severity value: "error" | "warning" | "info"
    message: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        return f"{self.path}: {self.severity}: {self.message} [{self.code}]"

    @property
    def file(self) -> str:
        """`path` without its `:line` suffix."""
        file, sep, line = self.path.rpartition(":")
        return file if sep and line.isdigit() else self.path

    @property
    def line(self) -> int | None:
        _, sep, line = self.path.rpartition(":")
        return int(line) if sep and line.isdigit() else None


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(f.severity == Severity.ERROR for f in findings)


def counts(findings: Iterable[Finding]) -> dict[str, int]:
    """{"error": n, "warning": n, "info": n}."""
    out = dict.fromkeys(SEVERITIES, 0)
    for f in findings:
        out[f.severity] = out.get(f.severity, 0) + 1
    return out


def strict(findings: Iterable[Finding]) -> list[Finding]:
    """`--strict`: every warning becomes an error (infos stay infos)."""
    return [replace(f, severity=Severity.ERROR.value) if f.severity == Severity.WARNING else f
            for f in findings]
