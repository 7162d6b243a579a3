"""Per-target summary of a run, from the files in its run directory.

`summarize` works from results/<target>.json, so it merges the output of
separate `sync-target` processes (CI matrix jobs) as well as one `sync` run.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from skillsync.fsutil import read_json
from skillsync.runlog import RunDir

SUMMARY_SCHEMA = "skillsync.summary/v1"
ORDER = ("failed", "not-attempted", "halted", "pending", "synced", "planned", "no-op", "skipped")


def _targets_meta(run: RunDir) -> dict[str, dict[str, Any]]:
    p = run.path / "targets.json"
    if p.exists():
        return {t["id"]: t for t in read_json(p)}
    return {}


def summarize(run: RunDir) -> dict[str, Any]:
    manifest = read_json(run.manifest_path) if run.manifest_path.exists() else {}
    src = manifest.get("source", {})
    meta = _targets_meta(run)
    dry = (run.path / "dry-run").exists()
    rows = []
    for p in sorted((run.path / "results").glob("*.json")):
        r = read_json(p)
        tid = r["target"]
        m = meta.get(tid) or r.get("data", {}).get("meta", {})
        dry = dry or bool(r.get("data", {}).get("dry_run"))
        fallback = run.path / "fallback" / tid
        rows.append({
            "id": tid,
            "mechanism": r["mechanism"],
            "wave": r.get("data", {}).get("wave"),
            "status": r["status"],
            "message": r["message"],
            "error": r.get("error"),
            "commit": r.get("commit"),
            "branch": r.get("branch"),
            "pull_request": r.get("pull_request"),
            "changes": r.get("changes", {"add": 0, "modify": 0, "delete": 0}),
            "rollback": f"scripts/rollback --run {run.run_id} --target {tid}",
            "fallback": str(fallback) if fallback.exists() else None,
            "owner": m.get("owner", ""),
            "escalation": m.get("escalation", ""),
            "notify": m.get("notify", {"github_issue": True, "slack": False, "email": []}),
        })
    rows.sort(key=lambda row: (row["wave"] if row["wave"] is not None else 99, row["id"]))
    counts = Counter(row["status"] for row in rows)
    if counts["failed"] or counts["not-attempted"]:
        status = "failed"
    elif counts["halted"]:
        status = "halted"
    elif dry:
        status = "dry-run"
    else:
        status = "success"
    return {
        "schema": SUMMARY_SCHEMA,
        "run": run.run_id,
        "status": status,
        "dry_run": dry,
        "release": {"version": manifest.get("version"), "ref": src.get("ref"),
                    "commit": src.get("commit"), "source": src.get("repo"),
                    "digest": manifest.get("digest")},
        "targets": rows,
        "counts": dict(sorted(counts.items())),
    }


def markdown(summary: dict[str, Any]) -> str:
    """GitHub-flavoured Markdown, suitable for $GITHUB_STEP_SUMMARY."""
    rel = summary["release"]
    lines = [
        f"## skillsync {rel.get('version') or '?'} — {summary['status']}",
        "",
        f"Run `{summary['run']}` · source `{rel.get('source')}` "
        f"@ `{(rel.get('commit') or '')[:12]}`"
        + (" · **dry run**" if summary["dry_run"] else ""),
        "",
        "| target | mechanism | wave | status | changes | details |",
        "|---|---|---|---|---|---|",
    ]
    for t in summary["targets"]:
        c = t["changes"]
        changes = f"+{c.get('add', 0)} ~{c.get('modify', 0)} -{c.get('delete', 0)}"
        detail = t["error"] or t["message"]
        pr = t.get("pull_request") or {}
        if pr.get("url"):
            detail += f" ([#{pr.get('number')}]({pr['url']}))"
        wave = "" if t["wave"] is None else str(t["wave"])
        lines.append(f"| {t['id']} | {t['mechanism']} | {wave} | {t['status']} | {changes} | "
                     f"{_cell(detail)} |")
    counts = ", ".join(f"{v} {k}" for k, v in summary["counts"].items())
    lines += ["", f"Totals: {counts or 'no targets'}."]
    failed = [t for t in summary["targets"] if t["status"] == "failed"]
    if failed:
        lines += ["", "### Roll back", "",
                  "See [docs/sync-rollback.md](docs/sync-rollback.md). Per failed target:", ""]
        lines += [f"- `{t['id']}`: `{t['rollback']}`" for t in failed]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def write_summary(run: RunDir) -> dict[str, Any]:
    s = summarize(run)
    run.write("summary.json", s)
    from skillsync.fsutil import atomic_write

    atomic_write(Path(run.path) / "summary.md", markdown(s))
    return s
