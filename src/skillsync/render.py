"""Rendering for people: the fleet-status table and Markdown (the dashboard issue, a
terminal). The run summary's Markdown is report.markdown; both escape what they show
(a newline in a message cannot forge a row)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ATTENTION = ("unreachable", "drifted", "pending-pr", "behind", "never-synced", "current",
             "disabled")

def _order(row: Mapping[str, Any]) -> tuple[int, str]:
    return (ATTENTION.index(row["status"]), row["id"])


def _pr_cell(row: Mapping[str, Any], *, md: bool) -> str:
    pr = row.get("pull_request")
    if not pr:
        return ""
    if pr.get("number"):
        text = f"#{pr['number']} {pr['state']}"
        if md and pr.get("url"):
            text = f"[#{pr['number']}]({pr['url']}) {pr['state']}"
        return f"{text} ({pr['version']})"
    return f"{pr['branch']} (branch)"


def _last_cell(row: Mapping[str, Any]) -> str:
    last = row.get("last_run")
    if not last:
        return ""
    return f"{last['status']}" + (" (dry run)" if last.get("dry_run") else "") + \
        f" @ {last['run']}"


def _cells(row: Mapping[str, Any], *, md: bool) -> list[str]:
    behind = "" if row.get("behind") is None else str(row["behind"])
    return [row["id"], row["mechanism"], row["status"], row.get("release") or "—", behind,
            _pr_cell(row, md=md), _last_cell(row), row.get("reason") or ""]


HEADERS = ["target", "mechanism", "status", "release", "behind", "pull request", "last run",
           "details"]


def table(doc: Mapping[str, Any], width: int = 160) -> str:
    """A plain aligned table for a terminal."""
    rows = [_cells(r, md=False) for r in sorted(doc["targets"], key=_order)]
    cols = HEADERS[:-1]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(cols)]
    lines = []
    used = sum(widths) + 2 * len(widths)
    room = max(20, width - used)

    def fmt(cells: list[str]) -> str:
        head = "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=False))
        tail = cells[-1] if len(cells[-1]) <= room else cells[-1][: room - 1] + "…"
        return f"{head}  {tail}".rstrip()

    lines.append(fmt(HEADERS))
    for r in rows:
        lines.append(fmt(r))
    lines.append("")
    lines.append(summary_line(doc))
    return "\n".join(lines) + "\n"


def summary_line(doc: Mapping[str, Any]) -> str:
    src = doc["source"]
    counts = ", ".join(f"{v} {k}" for k, v in doc["counts"].items()) or "no targets"
    newest = src["newest"].get("stable") or src["newest"].get("prerelease")
    rel = f"newest release {newest}" if newest else "newest release unknown"
    if src.get("error"):
        rel += f" ({src['error']})"
    return f"{len(doc['targets'])} target(s): {counts}; {rel}"


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(doc: Mapping[str, Any]) -> str:
    """GitHub-flavoured Markdown (the dashboard issue body and $GITHUB_STEP_SUMMARY).

    No timestamp: the same fleet gives the same bytes, so the dashboard is only edited
    when something changed.
    """
    src = doc["source"]
    newest = src["newest"]
    lines = ["## skillsync fleet status", ""]
    rel = []
    if newest.get("stable"):
        rel.append(f"newest release **{newest['stable']}**")
    if newest.get("prerelease") and newest.get("prerelease") != newest.get("stable"):
        rel.append(f"newest pre-release **{newest['prerelease']}**")
    if not rel:
        rel.append("newest release unknown" + (f" ({src['error']})" if src.get("error") else ""))
    if src.get("repo"):
        rel.append(f"source `{src['repo']}`")
    lines += [" · ".join(rel), ""]
    counts = ", ".join(f"{v} {k}" for k, v in doc["counts"].items()) or "no targets"
    lines += [f"{len(doc['targets'])} target(s): {counts}.", ""]
    lines.append("| " + " | ".join(HEADERS) + " |")
    lines.append("|" + "---|" * len(HEADERS))
    for r in sorted(doc["targets"], key=_order):
        cells = _cells(r, md=True)
        cells[0] = f"`{cells[0]}`"
        lines.append("| " + " | ".join(_md_cell(c) for c in cells) + " |")
    drifted = [r for r in doc["targets"] if r["status"] == "drifted"]
    if drifted:
        lines += ["", "### Drift", "",
                  "These files were changed downstream since the last sync; the next sync "
                  "halts for these targets until someone decides (`--overwrite-drift` takes "
                  "them over).", ""]
        for r in sorted(drifted, key=_order):
            files = ", ".join(f"`{p}`" for p in r["drift"][:20])
            more = f" and {len(r['drift']) - 20} more" if len(r["drift"]) > 20 else ""
            lines.append(f"- `{r['id']}`: {files}{more}")
    return "\n".join(lines) + "\n"
