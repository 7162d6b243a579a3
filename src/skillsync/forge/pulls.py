"""Pull requests: list, find, open or update (never a duplicate), close, label; and the
texts skillsync writes on them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from skillsync import secrets
from skillsync.urls import redact_url

if TYPE_CHECKING:
    pass

from skillsync.forge.client import (
    ROLLBACK_DOC,
    Client,
    ForgeError,
    PullRequestOutcome,
    _safe_origin,
    closed_by_skillsync,
)


class PullRequests(Client):
    def list_pull_requests(
        self, repository: str, *, head: str, base: str | None = None, state: str = "open"
    ) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"state": state, "head": self._qualified_head(repository, head)}
        if base:
            params["base"] = base
        return list(self.paginate(f"{self._repo(repository)}/pulls", params))

    def list_open_pull_requests(self, repository: str, *, base: str) -> list[dict[str, Any]]:
        """Every open pull request into `base` (bounded pagination)."""
        return list(self.paginate(f"{self._repo(repository)}/pulls",
                                  {"state": "open", "base": base}))

    def list_comments(self, repository: str, number: int) -> list[dict[str, Any]]:
        return list(self.paginate(f"{self._repo(repository)}/issues/{int(number)}/comments"))

    def find_pull_request(self, repository: str, head: str) -> dict[str, Any] | None:
        """The open pull request from `head` (branch or owner:branch), or None."""
        pulls = self.list_pull_requests(repository, head=head)
        return pulls[0] if pulls else None

    def get_pull_request(self, repository: str, number: int) -> dict[str, Any]:
        data: dict[str, Any] = self._json("GET", f"{self._repo(repository)}/pulls/{int(number)}")
        return data

    def close_pull_request(
        self, repository: str, number: int, comment: str | None = None
    ) -> dict[str, Any]:
        if comment:
            self.comment_issue(repository, number, comment)
        data: dict[str, Any] = self._json(
            "PATCH", f"{self._repo(repository)}/pulls/{int(number)}", json={"state": "closed"})
        return data

    def add_labels(self, repository: str, number: int, labels: Sequence[str]) -> list[Any]:
        data: list[Any] = self._json(
            "POST", f"{self._repo(repository)}/issues/{int(number)}/labels",
            json={"labels": list(labels)})
        return data

    def open_or_update_pull_request(
        self,
        repository: str,
        *,
        head: str,
        base: str,
        title: str,
        body: str,
        labels: Sequence[str] = (),
        listed: list[dict[str, Any]] | None = None,
    ) -> PullRequestOutcome:
        """Open the pull request `head` -> `base`, or update the open one; never a duplicate.
        `listed`: the list call's answer already in hand (the plan read it before the
        push), so none is made here.

        One list call (state=all) finds both an open pull request and one a person
        closed; then at most one write (+1 to add missing labels). A closed,
        unmerged pull request for this head is left closed ("skipped-closed"):
        reopening would override a person's decision (RELIABILITY.md 5).
        """
        start = self.calls
        path = self._repo(repository)
        pulls = listed if listed is not None else self.list_pull_requests(
            repository, head=head, base=base, state="all")
        outcome = self._decide(repository, pulls, title=title, body=body, labels=labels)
        if outcome is None:
            try:
                pr = self._json("POST", f"{path}/pulls", json={
                    "title": title, "head": head, "base": base, "body": body,
                    "maintainer_can_modify": True,
                })
            except ForgeError as exc:
                # 422 "already exists": another run opened it between our list and
                # create; 5xx: GitHub may have created it anyway. Look again once.
                if exc.status not in (422, 500, 502, 503, 504):
                    raise
                pulls = self.list_pull_requests(repository, head=head, base=base, state="all")
                outcome = self._decide(repository, pulls, title=title, body=body, labels=labels)
                if outcome is None:
                    raise
            else:
                if labels:
                    self.add_labels(repository, int(pr["number"]), labels)
                outcome = PullRequestOutcome("opened", int(pr["number"]), str(pr["url"]),
                                             str(pr["html_url"]))
        return PullRequestOutcome(outcome.action, outcome.number, outcome.url, outcome.html_url,
                                  calls=self.calls - start)

    def _decide(
        self, repository: str, pulls: list[dict[str, Any]], *, title: str, body: str,
        labels: Sequence[str],
    ) -> PullRequestOutcome | None:
        open_prs = [p for p in pulls if p.get("state") == "open"]
        if open_prs:
            pr = min(open_prs, key=lambda p: int(p["number"]))
            number = int(pr["number"])
            changes = {}
            if pr.get("title") != title:
                changes["title"] = title
            if (pr.get("body") or "") != body:
                changes["body"] = body
            if changes:
                now = self._json("PATCH", f"{self._repo(repository)}/pulls/{number}",
                                 json=changes)
                if isinstance(now, dict) and now.get("state") == "closed":
                    # Closed since the list was read (a person, while we pushed): decided
                    # as if the list had said so.
                    return self._decide(repository, [now], title=title, body=body,
                                        labels=labels)
            have = {str(lb.get("name")) for lb in pr.get("labels") or []}
            missing = [lb for lb in labels if lb not in have]
            if missing:
                self.add_labels(repository, number, missing)
            action = "updated" if changes or missing else "unchanged"
            return PullRequestOutcome(action, number, str(pr["url"]), str(pr["html_url"]))
        # A pull request skillsync closed itself (a rollback, a newer release) is not a
        # person's decision: the sync opens a new one. One a person closed stays closed.
        closed = [p for p in pulls if p.get("state") == "closed" and not p.get("merged_at")
                  and not closed_by_skillsync(p)]
        if closed:
            pr = max(closed, key=lambda p: int(p["number"]))
            return PullRequestOutcome("skipped-closed", int(pr["number"]), str(pr["url"]),
                                      str(pr["html_url"]))
        return None


# -- pull request text -------------------------------------------------------------
def commit_url(source: str, commit: str) -> str | None:
    """Web link to `commit` when `source` is a forge URL (https or git@host:path)."""
    m = re.fullmatch(r"git@([^:/]+):(.+?)(?:\.git)?/?", source or "")
    if m:
        return f"https://{m.group(1)}/{m.group(2)}/commit/{commit}"
    parts = urlsplit(source or "")
    if parts.scheme in ("http", "https") and parts.hostname:
        path = re.sub(r"\.git/?$", "", parts.path.rstrip("/"))
        return f"{_safe_origin(source)}{path}/commit/{commit}"
    return None


def pull_request_title(version: str, source_name: str | None = None) -> str:
    what = f"{source_name} skills" if source_name else "skills"
    return f"skillsync: sync {what} {version}"


def pull_request_body(
    *,
    version: str,
    source: str,
    commit: str,
    run_id: str,
    target_id: str,
    ref: str | None = None,
    skills: Sequence[str] = (),
    added: Sequence[str] = (),
    modified: Sequence[str] = (),
    deleted: Sequence[str] = (),
    rollback_doc: str | None = None,
    rollback_workflow: str | None = None,
    max_files: int = 30,
) -> str:
    """Markdown body of a sync pull request: what, from where, and the way back.

    The body is read in the downstream repository, so the way back is absolute:
    `rollback_doc` the source's docs/sync-rollback.md at the release commit and
    `rollback_workflow` its rollback workflow's page (skillsync.links), else text
    naming where the doc is; commands are the installed console names.
    Deterministic: the same inputs (a re-run of the same run) give the same
    bytes, so open-or-update finds it unchanged and makes no write.
    """
    from skillsync import links
    from skillsync.paths import show

    link = commit_url(source, commit)
    commit_text = f"[`{commit[:12]}`]({link})" if link else f"`{commit}`"
    source_text = secrets.redact(redact_url(source))
    n = len(added) + len(modified) + len(deleted)
    lines = [
        f"Release **{version}**" + (f" (`{ref}`)" if ref and ref != version else "")
        + f" of `{source_text}` at {commit_text}.",
        "",
        f"- Skills ({len(skills)}): " + (", ".join(f"`{s}`" for s in skills) or "none"),
        f"- Files changed: {n} ({len(added)} added, {len(modified)} modified, "
        f"{len(deleted)} deleted)",
        f"- Run: `{run_id}`",
        "",
    ]
    if n:
        lines.append("<details><summary>Changed files</summary>")
        lines.append("")
        listed = 0
        for mark, paths in (("A", added), ("M", modified), ("D", deleted)):
            for p in sorted(paths):
                if listed >= max_files:
                    break
                lines.append(f"- {mark} `{p}`")
                listed += 1
        if n > listed:
            lines.append(f"- ... and {n - listed} more (see the run's plan)")
        lines += ["", "</details>", ""]
    doc = (f"[{ROLLBACK_DOC}]({rollback_doc})" if rollback_doc
           else f"`{ROLLBACK_DOC}` in `{source_text}` at `{commit[:12]}`")
    number = links.ci_run_number(run_id)
    lines += ["Should this release be wrong here, the source's maintainers can undo this "
              f"sync (how, per mechanism: {doc}):", ""]
    if number:
        where = f"[rollback workflow]({rollback_workflow})" if rollback_workflow else \
            "rollback workflow"
        lines.append(f"- the {where} with `run_id` {number} and `targets` "
                     f"`{show(target_id)}` (a dry run by default), or")
    lines += [
        "- with skillsync installed and this run's directory at hand:",
        "",
        "```",
        links.rollback_command(run_id, [target_id], dry_run=True),
        links.rollback_command(run_id, [target_id]),
        "```",
        "",
        # Not notify's issue marker (skillsync:target=): a PR must never match it.
        f"<!-- skillsync:pull-request target={target_id} -->",
        "",
    ]
    return "\n".join(lines)
