"""The values and texts of failure notifications (skillsync.notify): the run summary
read back, what each message says (plain text, Slack mrkdwn, the GitHub issue), with
every secret redacted and every link absolute."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from skillsync import secrets
from skillsync.errors import UsageError
from skillsync.model import Status
from skillsync.urls import redact_url

CHANNELS = ("github", "slack", "email")
LABEL = "skillsync-failure"
ROLLBACK_DOC = "docs/sync-rollback.md"
SUCCESS_STATES = ("synced", "no-op")
_MAX_LISTED = 20          # targets listed in one Slack message before "and N more"
_MAX_ERROR = 1500         # characters of one target's error in a message



@dataclass(frozen=True)
class ChannelResult:
    channel: str
    status: str               # delivered | failed | skipped | nothing-to-send | dry-run
    message: str
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"status": self.status, "message": secrets.redact(self.message),
                **secrets.redact_obj(self.details)}  # type: ignore[dict-item]


@dataclass(frozen=True)
class Report:
    run: str
    run_status: str
    failed: list[str]
    results: list[ChannelResult]
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return all(r.status != Status.FAILED for r in self.results)

    def as_dict(self) -> dict[str, Any]:
        return {"run": self.run, "status": self.run_status, "failed": self.failed,
                "dry_run": self.dry_run,
                "channels": {r.channel: r.as_dict() for r in self.results}}


@dataclass(frozen=True)
class Context:
    """What every message says about the run."""

    run: str
    status: str
    release: dict[str, Any]
    targets: list[dict[str, Any]]
    run_url: str | None
    doc_url: str              # absolute link, or the text naming file, source and commit
    workflow_url: str | None = None

    @property
    def version(self) -> str:
        return str(self.release.get("version") or self.release.get("ref") or "?")

    @property
    def when_url(self) -> str:
        """The doc's "When to roll back" section (what a failure message points to)."""
        from skillsync import links

        return self.doc_url + (links.WHEN_ANCHOR if self.doc_url.startswith("https://") else "")

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [t for t in self.targets if is_failure(t)]


# -- reading the run ---------------------------------------------------------------------
def load_summary(run_dir: Path) -> dict[str, Any]:
    path = run_dir / "summary.json"
    if not run_dir.is_dir():
        raise UsageError(f"no run directory {run_dir}")
    import json

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError("no summary.json in the run directory (has the sync finished?)",
                         where=str(path)) from None
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read summary: {exc}", where=str(path)) from None
    if not isinstance(data, dict) or not isinstance(data.get("targets"), list) or not all(
            isinstance(t, dict) and isinstance(t.get("id"), str) for t in data["targets"]):
        raise UsageError("summary is not a skillsync run summary (targets[].id missing)",
                         where=str(path))
    return data


def is_failure(target: Mapping[str, Any]) -> bool:
    """Failed targets; a halted one too when it carries an error (e.g. drift)."""
    status = target.get("status")
    return status == Status.FAILED or (status == Status.HALTED and bool(target.get("error")))


def prefs(target: Mapping[str, Any]) -> tuple[bool, bool, list[str]]:
    """(github_issue, slack, email recipients); defaults as model.Notify."""
    n = target.get("notify") or {}
    email = n.get("email") or []
    return (bool(n.get("github_issue", True)), bool(n.get("slack", False)),
            [str(e) for e in email] if isinstance(email, list) else [str(email)])


def run_url(env: Mapping[str, str]) -> str | None:
    server, repo, run_id = (env.get("GITHUB_SERVER_URL"), env.get("GITHUB_REPOSITORY"),
                            env.get("GITHUB_RUN_ID"))
    if server and repo and run_id:
        return f"{server.rstrip('/')}/{repo}/actions/runs/{run_id}"
    return None


def rollback_doc_url(release: Mapping[str, Any], env: Mapping[str, str]) -> str:
    """The source's docs/sync-rollback.md at the release commit; when the source is not
    on GitHub, the text naming the file, the source and the commit."""
    from skillsync import links

    return links.rollback_doc(release, env) or links.rollback_doc_text(release)


def rollback_command(run: str, target: Mapping[str, Any]) -> str:
    from skillsync import links

    return links.rollback_command(run, [str(target["id"])], dry_run=True)


def next_step(run: str, target: Mapping[str, Any]) -> str:
    """What the owner of a failing target does, per docs/sync-rollback.md: nothing was
    written to it, so it is fixed and synced again, never rolled back."""
    from skillsync import links

    if target.get("status") == Status.HALTED:
        return ("nothing was written to this target; decide on the reason above, then "
                "sync again with the option it names")
    return ("nothing was written to this target (no rollback needed); fix the cause, then "
            f"re-sync: {links.rerun_command(run)}")


def _error(target: Mapping[str, Any]) -> str:
    text = str(target.get("error") or target.get("message") or "no error message recorded")
    text = secrets.redact(text.strip())
    return text if len(text) <= _MAX_ERROR else text[:_MAX_ERROR] + " [...]"


# -- rendering ---------------------------------------------------------------------------
def _release_line(ctx: Context) -> str:
    r = ctx.release
    ref = f" ({r['ref']})" if r.get("ref") and r.get("ref") != ctx.version else ""
    commit = f" at {str(r['commit'])[:12]}" if r.get("commit") else ""
    source = f" from {redact_url(str(r['source']))}" if r.get("source") else ""
    return f"Release {ctx.version}{ref}{source}{commit}"


def render_text(ctx: Context, targets: Sequence[Mapping[str, Any]]) -> tuple[str, str]:
    """(subject, plain text): the email, and the Slack fallback text."""
    if targets and all(is_failure(t) for t in targets):
        subject = (f"skillsync: release {ctx.version} failed for {len(targets)} "
                   f"target{'s' if len(targets) != 1 else ''} (run {ctx.run})")
        lines = [subject, "", _release_line(ctx), f"Run: {ctx.run} (status: {ctx.status})"]
        if ctx.run_url:
            lines.append(f"CI run: {ctx.run_url}")
        lines += ["", "Failed targets:"]
        for t in targets:
            lines.append("")
            lines.append(f"* {t['id']} ({t.get('mechanism', '?')}"
                         + (f", owner {t['owner']}" if t.get("owner") else "") + ")")
            lines.append(f"  Error: {_error(t)}")
            lines.append(f"  Next: {next_step(ctx.run, t)}")
            if t.get("fallback"):
                lines.append(f"  Manual fallback bundle: {t['fallback']}")
            if t.get("escalation"):
                lines.append(f"  Escalation: {t['escalation']}")
        lines += ["", f"When to roll back, and when not: {ctx.when_url}"]
    else:
        counts: dict[str, int] = {}
        for t in ctx.targets:
            counts[str(t.get("status"))] = counts.get(str(t.get("status")), 0) + 1
        summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
        subject = f"skillsync: release {ctx.version} run {ctx.run}: {ctx.status} ({summary})"
        lines = [subject, "", _release_line(ctx), f"Run: {ctx.run} (status: {ctx.status})"]
        if ctx.run_url:
            lines.append(f"CI run: {ctx.run_url}")
        lines += ["", "Targets:"]
        for t in targets:
            lines.append(f"* {t['id']}: {t.get('status')}"
                         + (f" - {t['message']}" if t.get("message") else ""))
        written = [t for t in targets if t.get("status") in (Status.SYNCED, Status.PENDING)]
        if written:
            lines += ["", "Should this release be wrong for a target it reached:"]
            lines += [f"  {rollback_command(ctx.run, t)}" for t in written]
            if ctx.workflow_url:
                lines.append(f"  or the rollback workflow: {ctx.workflow_url}")
        lines += ["", f"How to roll back: {ctx.doc_url}"]
    return secrets.redact(subject), secrets.redact("\n".join(lines) + "\n")


def _mrkdwn(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _link(url: str, text: str) -> str:
    if url.startswith(("http://", "https://")):
        return f"<{url}|{_mrkdwn(text)}>"
    return f"`{_mrkdwn(url)}`"


def render_slack(ctx: Context, targets: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """An incoming-webhook payload: Block Kit blocks plus `text` as the fallback."""
    subject, text = render_text(ctx, targets)
    failing = bool(targets) and all(is_failure(t) for t in targets)
    meta = f"*Run* `{_mrkdwn(ctx.run)}` · {_mrkdwn(_release_line(ctx))}"
    if ctx.run_url:
        meta += f" · {_link(ctx.run_url, 'CI run')}"
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": subject[:150]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": meta[:3000]}},
    ]
    for t in list(targets)[:_MAX_LISTED]:
        if failing:
            who = f" · owner {_mrkdwn(str(t['owner']))}" if t.get("owner") else ""
            body = (f"*{_mrkdwn(str(t['id']))}* ({_mrkdwn(str(t.get('mechanism', '?')))}){who}\n"
                    f"```{_mrkdwn(_error(t))}```\n"
                    f"Next: {_mrkdwn(next_step(ctx.run, t))}")
            if t.get("fallback"):
                body += f"\nManual fallback bundle: `{_mrkdwn(str(t['fallback']))}`"
            if t.get("escalation"):
                body += f"\nEscalation: {_mrkdwn(str(t['escalation']))}"
        else:
            body = f"*{_mrkdwn(str(t['id']))}*: {_mrkdwn(str(t.get('status')))}"
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": body[:3000]}})
    if len(targets) > _MAX_LISTED:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text":
                       f"... and {len(targets) - _MAX_LISTED} more (see the run summary)"}]})
    label = "When to roll back, and when not" if failing else "How to roll back"
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text":
                   f"{label}: {_link(ctx.when_url if failing else ctx.doc_url, ROLLBACK_DOC)}"}]})
    payload = {"text": text, "blocks": blocks}
    return secrets.redact_obj(payload)  # type: ignore[return-value]


def marker(target_id: str) -> str:
    return f"<!-- skillsync:target={target_id} -->"


def render_issue(ctx: Context, t: Mapping[str, Any]) -> tuple[str, str]:
    title = f"skillsync: sync to {t['id']} is failing"
    return title, secrets.redact("\n".join([
        marker(str(t["id"])),
        f"Sync of **{t['id']}** ({t.get('mechanism', '?')}) failed in run `{ctx.run}`.",
        "",
        _details(ctx, t),
        "",
        "skillsync comments here when this target fails again and closes this issue "
        "when a later run syncs it.",
        "",
    ]))


def render_issue_comment(ctx: Context, t: Mapping[str, Any]) -> str:
    return secrets.redact(f"Failed again in run `{ctx.run}`.\n\n{_details(ctx, t)}\n")


def render_close_comment(ctx: Context, t: Mapping[str, Any]) -> str:
    return secrets.redact(
        f"Run `{ctx.run}` synced this target ({_release_line(ctx)}; target status: "
        f"{t.get('status')})" + (f", CI run: {ctx.run_url}" if ctx.run_url else "")
        + ". Closing.\n")


def _details(ctx: Context, t: Mapping[str, Any]) -> str:
    lines = [f"- {_release_line(ctx)}", f"- Run: `{ctx.run}`"]
    if ctx.run_url:
        lines.append(f"- CI run: {ctx.run_url}")
    if t.get("owner"):
        lines.append(f"- Owner: {t['owner']}")
    if t.get("escalation"):
        lines.append(f"- Escalation: {t['escalation']}")
    if t.get("fallback"):
        lines.append(f"- Manual fallback bundle: `{t['fallback']}`")
    doc = (f"[{ROLLBACK_DOC}]({ctx.when_url})" if ctx.when_url.startswith("https://")
           else f"`{ctx.doc_url}`")
    lines += ["", "Error:", "", "```", _error(t), "```", "",
              f"Next: {next_step(ctx.run, t)}.", "",
              f"When to roll back, and when not: {doc}."]
    return "\n".join(lines)


def _secret(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name)
    return secrets.register(value) if value else None


# -- channels ----------------------------------------------------------------------------
@dataclass
class Options:
    on_success: bool = False
    dry_run: bool = False
    timeout: float = 15.0
    retries: int = 3
    backoff: float = 0.5
    max_wait: float = 60.0


def _chosen(ctx: Context, opts: Options, index: int) -> list[dict[str, Any]]:
    """Targets a Slack (index 1) or email (index 2) message covers."""
    if ctx.failed:
        return [t for t in ctx.failed if prefs(t)[index]]
    if opts.on_success:
        return [t for t in ctx.targets if prefs(t)[index]]
    return []


def github_access(env: Mapping[str, str]) -> tuple[str, str] | ChannelResult:
    """(token, owner/name) for opening issues in the source repository, or the
    ChannelResult that says the GitHub channel is skipped and why."""
    token = _secret(env, "GITHUB_TOKEN")
    repository = env.get("GITHUB_REPOSITORY")
    if not token or not repository:
        missing = [n for n, v in (("GITHUB_TOKEN", token), ("GITHUB_REPOSITORY", repository))
                   if not v]
        return ChannelResult("github", "skipped", f"skipped: {', '.join(missing)} not set")
    return token, repository
