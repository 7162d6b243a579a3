"""The fleet dashboard: one issue in the source repository holding the fleet status.

Like Renovate's dependency dashboard: found by a hidden marker in its body, created
once, edited afterwards (only when the Markdown changed), never duplicated.

Pinning: GitHub pins issues only through the GraphQL API (`pinIssue`); the REST API that
`skillsync.forge` speaks (and the loopback FakeGitHub implements) cannot. So the issue
carries the label `skillsync-dashboard` (filter on it, or pin it once by hand in the web
UI: a pinned issue stays pinned while it is edited). A closed dashboard is reopened on the
next run: there is exactly one, and it tells the truth; remove the workflow step to retire it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from skillsync import secrets

if TYPE_CHECKING:
    from skillsync.forge import GitHub

MARKER = "<!-- skillsync:fleet-dashboard -->"
LABEL = "skillsync-dashboard"
TITLE = "skillsync fleet dashboard"


@dataclass
class Outcome:
    action: str                 # created | updated | reopened | unchanged | would-create |
                                # would-update | skipped
    number: int | None = None
    url: str | None = None
    message: str = ""
    calls: int = 0
    closed_duplicates: tuple[int, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def render(status_markdown: str) -> str:
    """The issue body: marker, the fleet-status Markdown, a footer. No timestamp or run
    link: an unchanged fleet gives the same body, and the issue is not edited at all."""
    footer = ["---", "",
              "_Kept up to date by skillsync after every sync run (edits here are "
              "overwritten). The same table on a laptop: `skillsync-fleet-status --format "
              "table`._"]
    return secrets.redact("\n".join([MARKER, "", status_markdown.rstrip(), "", *footer]) + "\n")


def _ours(issues: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted((i for i in issues if MARKER in (i.get("body") or "")),
                  key=lambda i: int(i["number"]))


def find(gh: GitHub, repository: str) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The dashboard issue (oldest open one; else the newest closed one) and open duplicates.

    Labelled issues first (one cheap call); only when none carries the marker are all open
    issues searched, in case someone removed the label.
    """
    found = _ours(gh.list_issues(repository, label=LABEL, state="all"))
    open_ = [i for i in found if i.get("state") == "open"]
    if open_:
        return open_[0], open_[1:]
    if found:
        return found[-1], []
    unlabelled = _ours(gh.list_issues(repository, state="open"))
    return (unlabelled[0], unlabelled[1:]) if unlabelled else (None, [])


def publish(gh: GitHub, repository: str, body: str, *, dry_run: bool = False,
            title: str = TITLE) -> Outcome:
    """Create the dashboard issue once, then edit it; close stray duplicates."""
    start = gh.calls
    issue, duplicates = find(gh, repository)
    if issue is None:
        if dry_run:
            return Outcome("would-create", message=f"would open the dashboard issue in "
                           f"{repository}", calls=gh.calls - start)
        made = gh.create_issue(repository, title, body, [LABEL])
        return Outcome("created", int(made["number"]), made.get("html_url"),
                       f"opened the dashboard issue #{made['number']}", gh.calls - start)
    number = int(issue["number"])
    url = issue.get("html_url")
    changes: dict[str, Any] = {}
    if (issue.get("body") or "") != body:
        changes["body"] = body
    if issue.get("title") != title:
        changes["title"] = title
    reopen = issue.get("state") != "open"
    labelled = LABEL in {str(lb.get("name")) for lb in issue.get("labels") or []}
    if not changes and not reopen and labelled and not duplicates:
        return Outcome("unchanged", number, url, f"dashboard #{number} already up to date",
                       gh.calls - start)
    if dry_run:
        return Outcome("would-update", number, url, f"would update dashboard #{number}",
                       gh.calls - start)
    if changes or reopen:
        gh.update_issue(repository, number, state="open" if reopen else None, **changes)
    if not labelled:
        gh.add_labels(repository, number, [LABEL])
    closed = []
    for dup in duplicates:
        gh.close_issue(repository, int(dup["number"]),
                       f"Duplicate of #{number}, the skillsync fleet dashboard.")
        closed.append(int(dup["number"]))
    action = "reopened" if reopen else "updated"
    return Outcome(action, number, url, f"{action} dashboard #{number}", gh.calls - start,
                   tuple(closed))


def from_env(env: Mapping[str, str]) -> tuple[str | None, str | None, str, list[str]]:
    """(token, repository, api_url, missing variable names) from the Actions environment."""
    token = env.get("GITHUB_TOKEN") or None
    if token:
        secrets.register(token)
    repository = env.get("GITHUB_REPOSITORY") or None
    api_url = env.get("GITHUB_API_URL") or "https://api.github.com"
    missing = [n for n, v in (("GITHUB_TOKEN", token), ("GITHUB_REPOSITORY", repository))
               if not v]
    return token, repository, api_url, missing
