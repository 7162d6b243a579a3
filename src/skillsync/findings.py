"""Validation findings: the common output of every check."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True, order=True)
class Finding:
    path: str          # file (and :line when known) the finding is about
    code: str          # stable machine code, e.g. "skill-name-invalid"
    severity: str      # "error" | "warning"
    message: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        return f"{self.path}: {self.severity}: {self.message} [{self.code}]"


def has_errors(findings: list[Finding]) -> bool:
    return any(f.severity == "error" for f in findings)
