"""Per-target summary of a run, from the files in its run directory.

`summarize` works from results/<target>.json, so it merges the output of
separate `sync-target` processes (CI matrix jobs) as well as one `sync` run.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Mapping
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


def markdown(summary: dict[str, Any], env: Mapping[str, str] | None = None) -> str:
    """GitHub-flavoured Markdown, suitable for $GITHUB_STEP_SUMMARY.

    The closing sections say what to do per outcome, as docs/sync-rollback.md does:
    a failed, not-attempted or halted target was not changed, so it is fixed and
    re-synced, never rolled back; a rollback is offered only for the targets this
    run wrote to. Links are absolute (skillsync.links): the summary is read on the
    run page or from a downloaded artifact, not in a checkout."""
    from skillsync import links

    env = os.environ if env is None else env
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
    run = str(summary["run"])

    def doc(anchor: str) -> str:
        url = links.rollback_doc(rel, env, anchor)
        return f"[{links.ROLLBACK_DOC}]({url})" if url else f"`{links.rollback_doc_text(rel)}`"

    def ids(rows: list[dict[str, Any]]) -> str:
        return ", ".join(f"`{t['id']}`" for t in rows)

    by = {s: [t for t in summary["targets"] if t["status"] == s] for s in ORDER}
    to_fix = by["failed"] + by["not-attempted"]
    if to_fix:
        lines += ["", "### Failed: fix, then re-sync", "",
                  f"Nothing was written to {ids(to_fix)}: every write is fast-forward or "
                  "leased and atomic, so there is nothing to roll back. Fix the cause (the "
                  "details above), then re-sync only these targets, at the same pinned commit:",
                  "", "```sh", links.rerun_command(run), "```", ""]
        if links.ci_run_number(run):
            lines += ["Or, in GitHub Actions, run the sync workflow by hand with `targets: "
                      + " ".join(str(t["id"]) for t in to_fix) + "`.", ""]
        lines += [f"When a rollback is (not) the answer: {doc(links.WHEN_ANCHOR)}."]
        bundles = [t for t in to_fix if t.get("fallback")]
        if bundles:
            lines += ["", "A target that refused the write has a ready-to-apply bundle "
                      f"({doc(links.FALLBACK_ANCHOR)}):", ""]
            lines += [f"- `{t['id']}`: `{t['fallback']}`" for t in bundles]
    if by["halted"]:
        lines += ["", "### Halted: nothing written", "",
                  f"{ids(by['halted'])}: stopped by release policy or drift before any "
                  "write; the details say what to decide (an `accept_major` opt-in, "
                  "`--allow-major`, or the edited files to keep or `--overwrite-drift`)."]
    written = by["synced"] + by["pending"]
    if written and not summary["dry_run"]:
        tids = [str(t["id"]) for t in written]
        lines += ["", "### Roll back", "",
                  f"Only if this release is wrong for a target it reached ({ids(written)}). "
                  f"How, per mechanism: {doc('')}.", ""]
        wf = links.rollback_workflow(rel, env)
        gh = links.workflow_command(run, tids)
        if gh:
            where = f"[the rollback workflow]({wf})" if wf else "the rollback workflow"
            lines += [f"- From CI: {where} with `run_id` "
                      f"{links.ci_run_number(run)} (a dry run by default), or `{gh}`"]
        fetch = (f" (after `gh run download {links.ci_run_number(run)} -n skillsync-run -D "
                 f".skillsync/runs/{links.arg(run)}`)" if gh else "")
        lines += [f"- From a laptop{fetch}: "
                  f"`{links.rollback_command(run, tids, dry_run=True)}`, then without "
                  "`--dry-run`"]
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def write_summary(run: RunDir) -> dict[str, Any]:
    s = summarize(run)
    run.write("summary.json", s)
    from skillsync.fsutil import atomic_write

    atomic_write(Path(run.path) / "summary.md", markdown(s))
    return s
