"""Per-target summary of a run, from the files in its run directory.

`summarize` works from results/<target>.json, so it merges the output of
separate `sync-target` processes (CI matrix jobs) as well as one `sync` run.
Every file is checked on the way in (skillsync.artifacts: a bad one is exit 2).

A run killed part-way (SIGKILL, a lost runner) leaves routed targets without a
result (RELIABILITY 39). The summary lists each of them: "not attempted", or
"unknown" when the target was found at a commit of this run (its branch head is
read and compared with the plan; this needs the target files) or could not be
checked though the run had begun writing to it. Either way the run has failed,
and `sync --rerun-failed` takes those targets.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from skillsync import artifacts
from skillsync.errors import SkillsyncError
from skillsync.model import Decision, Target
from skillsync.runlog import RunDir

SUMMARY_SCHEMA = "skillsync.summary/v1"
ORDER = ("failed", "unknown", "not-attempted", "halted", "pending", "synced", "planned", "no-op",
         "skipped")
FAILING = ("failed", "not-attempted", "unknown")     # the run failed; --rerun-failed takes them
NOT_ATTEMPTED = "not attempted: the run stopped before this target"
CHECK_JOBS = 8   # branch heads read at once for targets without a result (read only)


def summarize(run: RunDir, targets: Sequence[Target] | None = None) -> dict[str, Any]:
    """The run's summary. `targets`: the target files, to check where each routed
    target without a result is (None: not checked, said so in its message)."""
    manifest = artifacts.manifest(run) or {}
    src = manifest.get("source", {})
    meta = artifacts.targets_meta(run)
    dry = (run.path / "dry-run").exists()
    results = artifacts.results(run)
    rows = []
    for r in [*results.values(), *unaccounted(run, targets, manifest, have=set(results))]:
        tid = r["target"]
        data = r.get("data") or {}
        m = meta.get(tid) or data.get("meta") or {}
        dry = dry or bool(data.get("dry_run"))
        fallback = run.path / "fallback" / tid
        rows.append({
            "id": tid,
            "mechanism": r["mechanism"],
            "wave": data.get("wave"),
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
    if any(counts[s] for s in FAILING):
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
        # Summed over targets (workers waiting at once each count): skillsync.pacing.
        "rate_wait_seconds": round(sum(float((r.get("data") or {}).get("rate_wait_seconds") or 0)
                                       for r in results.values()), 3),
    }


# -- routed targets without a result ----------------------------------------------------------
def routed(run: RunDir) -> list[dict[str, Any]]:
    """Every target the run routed: routes.json, plus any target only matrix.json
    names (CI writes both; a run directory may hold either)."""
    out = list(artifacts.routes(run) or [])
    seen = {r["id"] for r in out}
    m = artifacts.matrix(run)
    if m:
        for part in [m["canary"], *m["rest"], *m["chunks"]]:
            for e in part["include"]:
                if e["id"] not in seen:
                    seen.add(e["id"])
                    out.append({"id": e["id"], "mechanism": e.get("mechanism"),
                                "wave": e["wave"], "decision": "sync"})
        for e in m.get("not_synced", []):
            if e["id"] not in seen:
                seen.add(e["id"])
                out.append({"id": e["id"], "decision": e.get("decision", "skip"),
                            "wave": None, "reason": e.get("reason", "")})
    return out


def lacking(run: RunDir) -> list[dict[str, Any]]:
    """The routes of targets that have no results/<id>.json."""
    have = set(artifacts.ids(run, "result"))
    return [r for r in routed(run) if r["id"] not in have]


def unaccounted(run: RunDir, targets: Sequence[Target] | None,
                manifest: Mapping[str, Any] | None = None, *,
                have: set[str] | None = None) -> list[dict[str, Any]]:
    """A result (as results/<id>.json holds it) for every routed target that has none:
    halted or skipped by its route, else not attempted or unknown (`account`)."""
    from skillsync.sync import target_meta

    have = set(artifacts.ids(run, "result")) if have is None else have
    routes = [r for r in routed(run) if r["id"] not in have]
    if not routes:
        return []
    by_id = {t.id: t for t in targets or ()}
    dry = (run.path / "dry-run").exists()
    if manifest is None:
        # Only a branch check needs the release (version, digest): read it only then.
        check = not dry and any(r["id"] in by_id and (r.get("decision") or "sync") == "sync"
                                for r in routes)
        manifest = (artifacts.manifest(run) or {}) if check else {}

    def one(r: dict[str, Any]) -> dict[str, Any]:
        tid, t = r["id"], by_id.get(r["id"])
        decision = r.get("decision") or "sync"
        commit = branch = None
        if decision != "sync":
            status = {"halt": "halted", "skip": "skipped"}[decision]
            message = str(r.get("reason", ""))
        elif dry:
            status, message = "not-attempted", NOT_ATTEMPTED + " (dry run: nothing was written)"
        else:
            status, message, branch, commit = account(run, tid, t, manifest,
                                                      checked=targets is not None)
        return {
            "target": tid, "mechanism": str(r.get("mechanism") or (t.mechanism if t else "")),
            "status": status, "message": message,
            "error": message if status in FAILING else None,
            "commit": commit, "branch": branch, "pull_request": None,
            "changes": {"add": 0, "modify": 0, "delete": 0},
            "data": {"wave": r.get("wave"), "dry_run": dry,
                     "meta": target_meta(t) if t is not None else {}},
        }

    with ThreadPoolExecutor(max_workers=min(CHECK_JOBS, len(routes))) as pool:
        return list(pool.map(one, routes))


def account(run: RunDir, tid: str, target: Target | None, manifest: Mapping[str, Any], *,
            checked: bool) -> tuple[str, str, str | None, str | None]:
    """(status, message, branch, commit) of a routed target the run left without a
    result: "unknown" when its branch head is a commit of this run (or holds this
    release), "not-attempted" otherwise; when it cannot be read, the plan decides
    (a plan to write means the run may have written: unknown)."""
    plan = artifacts.plan(run, tid)
    began = plan is not None and plan["decision"] == Decision.UPDATE
    why = None
    if target is None:
        why = "it has no target file" if checked else "give --targets to check it"
    elif not target.repo:
        why = "a webhook endpoint cannot be read back"
    else:
        try:
            hit = _our_commit(run, target, plan, manifest)
        except SkillsyncError as exc:
            why = f"reading it failed: {exc}"
        else:
            if hit is None:
                return "not-attempted", NOT_ATTEMPTED, None, None
            return "unknown", hit[2], hit[0], hit[1]
    if began:
        return ("unknown", "unknown: the run stopped while syncing this target and recorded "
                f"no result (not checked: {why})", None, None)
    return "not-attempted", f"{NOT_ATTEMPTED} (not checked: {why})", None, None


def _our_commit(run: RunDir, target: Target, plan: Mapping[str, Any] | None,
                manifest: Mapping[str, Any]) -> tuple[str, str, str] | None:
    """(branch, commit, message) when a branch the run writes to is at a sync commit of
    this run (trailer Skillsync-Run) or holds this release (lock digest); else None.
    Read only: one ls-remote, and a blob-less fetch of a tip the plan did not see."""
    from skillsync import mechanisms
    from skillsync.downstream import TargetRepo
    from skillsync.sync import Options, context_for

    assert target.repo is not None
    plan = plan or {}
    version = str(manifest.get("version") or plan.get("version") or "")
    work = plan.get("work_branch") or (
        mechanisms.kind(target.mechanism).work_branch(target, version) if version else None)
    branches = [b for b in dict.fromkeys([work, plan.get("branch") or target.branch]) if b]
    seen = {plan.get("base_head"), (plan.get("data") or {}).get("work_head")}
    env = context_for(target, dict(manifest), run, None, Options(dry_run=True)).git_env
    digest = manifest.get("digest")
    with TargetRepo(target.repo, env) as repo:
        heads = repo.heads(branches)
        tips = [(b, heads[b]) for b in branches if heads.get(b) and heads[b] not in seen]
        if not tips:
            return None
        repo.open([])
        repo.fetch_commits([sha for _, sha in tips])
        for branch, sha in tips:
            trailers = repo.trailers(sha)
            if trailers.get("Skillsync-Run") == run.run_id and \
                    "Skillsync-Rollback-Of" not in trailers:
                return branch, sha, (f"unknown: the target moved to our commit {sha[:12]} "
                                     "(no result was recorded)")
            lock = repo.read_lock(sha, target.lock_path)
            if digest and lock is not None and lock.manifest_digest == digest:
                return branch, sha, (f"unknown: the target holds this release at {sha[:12]} "
                                     f"on {branch} (no result was recorded)")
    return None


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
    # pending: pushed, the pull request not merged yet (a branch) -- or a re-run that
    # found it still open and wrote nothing (no branch): nothing of that run to undo.
    written = by["synced"] + [t for t in by["pending"] if t.get("branch")]
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


def write_summary(run: RunDir, targets: Sequence[Target] | None = None) -> dict[str, Any]:
    s = summarize(run, targets)
    run.write("summary.json", s)
    from skillsync.fsutil import atomic_write

    atomic_write(Path(run.path) / "summary.md", markdown(s))
    return s
