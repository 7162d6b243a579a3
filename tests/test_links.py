"""Pointers that work where they are read (issue 13): summaries, pull request bodies
and notifications link to the source's docs/sync-rollback.md at the release commit
and to the rollback workflow, name installed commands, and advise a rollback only
for targets the run wrote to (docs/sync-rollback.md, "When to roll back")."""

from __future__ import annotations

from typing import Any

import pytest

from skillsync import forge, links, report

COMMIT = "3f1c0e9a7b21" + "0" * 28
ACTIONS = {"GITHUB_ACTIONS": "true", "GITHUB_SERVER_URL": "https://github.com",
           "GITHUB_REPOSITORY": "acme/skills"}


@pytest.mark.parametrize(("origin", "env", "want"), [
    ("https://github.com/acme/skills.git", {}, "https://github.com/acme/skills"),
    ("https://x-access-token:s3cret@github.com/acme/skills", {}, "https://github.com/acme/skills"),
    ("git@github.com:acme/skills.git", {}, "https://github.com/acme/skills"),
    # GitHub Enterprise: known as GitHub through the server Actions names
    ("https://ghe.acme.example/acme/skills.git", {"GITHUB_SERVER_URL": "https://ghe.acme.example"},
     "https://ghe.acme.example/acme/skills"),
    ("https://gitlab.com/acme/skills.git", {}, None),      # another forge: no guessed URL
    ("/srv/skills", {}, None),
    ("file:///srv/skills", {}, None),
    ("https://github.com/acme/skills/tree/main", {}, None),
    ("https://github.com/acme/sk ills", {}, None),
])
def test_github_repo(origin: str, env: dict[str, str], want: str | None) -> None:
    assert links.github_repo(origin, env) == want


def test_rollback_doc_is_the_sources_doc_at_the_release_commit() -> None:
    rel = {"source": "https://github.com/acme/skills.git", "commit": COMMIT}
    assert links.rollback_doc(rel, {}) == (
        f"https://github.com/acme/skills/blob/{COMMIT}/docs/sync-rollback.md")
    # A recorded public origin wins over the path the source was read from.
    rel = {"source": "/home/ci/work/skills", "origin": "git@github.com:acme/skills.git",
           "commit": COMMIT}
    assert links.rollback_doc(rel, {}, links.WHEN_ANCHOR) == (
        f"https://github.com/acme/skills/blob/{COMMIT}/docs/sync-rollback.md#when-to-roll-back")
    # A checkout path in Actions: the workflow's repository is the source.
    assert links.rollback_doc({"source": ".", "commit": COMMIT}, ACTIONS) == (
        f"https://github.com/acme/skills/blob/{COMMIT}/docs/sync-rollback.md")
    # A local source outside Actions: no link, but text that names file, source, commit.
    local = {"source": "/srv/skills", "commit": COMMIT}
    assert links.rollback_doc(local, {}) is None
    assert links.rollback_doc_text(local) == "docs/sync-rollback.md in /srv/skills at 3f1c0e9a7b21"


def test_rollback_workflow_page() -> None:
    assert links.rollback_workflow({}, ACTIONS) == (
        "https://github.com/acme/skills/actions/workflows/rollback.yml")
    assert links.rollback_workflow({"source": "https://github.com/o/r.git"}, {}) == (
        "https://github.com/o/r/actions/workflows/rollback.yml")
    assert links.rollback_workflow({"source": "/srv/skills"}, {}) is None


def test_commands_quote_ids_from_the_run_directory() -> None:
    """Run and target ids come from an artifact: they stay one shell word each."""
    assert links.rollback_command("gh-7", ["a", "b"], dry_run=True) == (
        "skillsync-rollback --run gh-7 --target a --target b --dry-run")
    assert links.rollback_command("x; rm -rf ~", ["$(id)"]) == (
        "skillsync-rollback --run 'x; rm -rf ~' --target '$(id)'")
    assert links.workflow_command("gh-7", ["a", "b"]) == (
        "gh workflow run rollback.yml -f run_id=7 -f targets='a b'")
    assert links.workflow_command("20260101T000000Z-ab12cd", ["a"]) is None


def row(tid: str, status: str, **kw: Any) -> dict[str, Any]:
    return {"id": tid, "mechanism": "push", "wave": 0, "status": status,
            "message": kw.get("message", status), "error": kw.get("error"),
            "pull_request": None, "changes": {"add": 1, "modify": 0, "delete": 0},
            "fallback": kw.get("fallback")}


def summary(run: str, rows: list[dict[str, Any]], *, dry_run: bool = False,
            source: str = "https://github.com/acme/skills.git") -> dict[str, Any]:
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    return {"run": run, "status": "failed", "dry_run": dry_run,
            "release": {"version": "1.1.0", "ref": "v1.1.0", "commit": COMMIT,
                        "source": source},
            "targets": rows, "counts": counts}


def section(md: str, title: str) -> str:
    start = md.index(f"### {title}")
    end = md.find("\n### ", start + 1)
    return md[start:end if end >= 0 else None]


def test_summary_advises_per_status_as_the_rollback_doc_does() -> None:
    md = report.markdown(summary("gh-42", [
        # pending with a branch: pushed, its pull request awaits merge (issue 16)
        row("ok", "synced"), {**row("pr", "pending"), "branch": "skillsync/1.1.0"},
        row("bad", "failed", error="401",
                                                      fallback="RUN/fallback/bad"),
        row("later", "not-attempted"), row("stop", "halted"), row("same", "no-op")]), ACTIONS)
    doc = f"https://github.com/acme/skills/blob/{COMMIT}/docs/sync-rollback.md"
    failed = section(md, "Failed: fix, then re-sync")
    assert "skillsync-sync --rerun-failed gh-42" in failed
    assert "`bad`, `later`" in failed and "targets: bad later" in failed
    assert f"({doc}#when-to-roll-back)" in failed
    assert "RUN/fallback/bad" in failed and f"({doc}#manual-fallback)" in failed
    assert "rollback --run" not in failed                 # a failed target is not rolled back
    assert "`stop`" in section(md, "Halted: nothing written")
    back = section(md, "Roll back")
    assert "(`ok`, `pr`)" in back                         # only what this run wrote to
    assert "bad" not in back and "same" not in back and "stop" not in back
    assert "[the rollback workflow](https://github.com/acme/skills/actions/workflows/" \
           "rollback.yml) with `run_id` 42" in back
    assert "gh workflow run rollback.yml -f run_id=42 -f targets='ok pr'" in back
    assert "gh run download 42 -n skillsync-run -D .skillsync/runs/gh-42" in back
    assert "skillsync-rollback --run gh-42 --target ok --target pr --dry-run" in back
    assert f"({doc})" in back
    assert "scripts/" not in md and "](docs/" not in md   # nothing relative to a checkout


def test_summary_of_a_dry_run_or_a_clean_run_offers_no_rollback() -> None:
    dry = report.markdown(summary("r1", [row("a", "planned")], dry_run=True), {})
    assert "### " not in dry
    clean = report.markdown(summary("r2", [row("a", "no-op"), row("b", "skipped")]), {})
    assert "### " not in clean


def test_summary_of_a_local_source_names_the_doc_without_a_link() -> None:
    md = report.markdown(summary("r3", [row("a", "synced")], source="/srv/skills"), {})
    back = section(md, "Roll back")
    assert "`docs/sync-rollback.md in /srv/skills at 3f1c0e9a7b21`" in back
    assert "workflow" not in back                         # a laptop run has no CI artifact
    assert "skillsync-rollback --run r3 --target a --dry-run" in back


def test_pull_request_body_links_the_doc_and_the_workflow() -> None:
    rel = {"repo": "https://github.com/acme/skills.git", "commit": COMMIT}
    body = forge.pull_request_body(
        version="1.1.0", source=rel["repo"], commit=COMMIT, run_id="gh-42",
        target_id="acme-agents", rollback_doc=links.rollback_doc(rel, ACTIONS),
        rollback_workflow=links.rollback_workflow(rel, ACTIONS))
    assert (f"[docs/sync-rollback.md](https://github.com/acme/skills/blob/{COMMIT}/docs/"
            "sync-rollback.md)") in body
    assert ("[rollback workflow](https://github.com/acme/skills/actions/workflows/rollback.yml)"
            " with `run_id` 42 and `targets` `acme-agents`") in body
    assert "skillsync-rollback --run gh-42 --target acme-agents --dry-run" in body
    assert "scripts/" not in body
