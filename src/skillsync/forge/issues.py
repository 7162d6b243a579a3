"""Issues: one per failing target (notify), found again by a hidden marker."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    pass

from skillsync.forge.client import Client


class Issues(Client):
    # -- issues (failure notifications) ------------------------------------------
    def list_issues(
        self, repository: str, *, label: str | None = None, state: str = "open"
    ) -> list[dict[str, Any]]:
        """Issues (not pull requests, which the issues endpoint also returns)."""
        params: dict[str, Any] = {"state": state}
        if label:
            params["labels"] = label
        return [i for i in self.paginate(f"{self._repo(repository)}/issues", params)
                if "pull_request" not in i]

    def find_issue_by_marker(
        self, repository: str, marker: str, label: str
    ) -> dict[str, Any] | None:
        """The oldest open issue labelled `label` whose body holds `marker`."""
        found = [i for i in self.list_issues(repository, label=label)
                 if marker in (i.get("body") or "")]
        return min(found, key=lambda i: int(i["number"])) if found else None

    def create_issue(
        self, repository: str, title: str, body: str, labels: Sequence[str] = ()
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {"title": title, "body": body}
        if labels:
            payload["labels"] = list(labels)
        data: dict[str, Any] = self._json("POST", f"{self._repo(repository)}/issues",
                                          json=payload)
        return data

    def update_issue(
        self, repository: str, number: int, *, title: str | None = None,
        body: str | None = None, state: str | None = None, state_reason: str | None = None,
    ) -> dict[str, Any]:
        payload = {k: v for k, v in (("title", title), ("body", body), ("state", state),
                                     ("state_reason", state_reason)) if v is not None}
        data: dict[str, Any] = self._json(
            "PATCH", f"{self._repo(repository)}/issues/{int(number)}", json=payload)
        return data

    def close_issue(
        self, repository: str, number: int, comment: str | None = None
    ) -> dict[str, Any]:
        if comment:
            self.comment_issue(repository, number, comment)
        return self.update_issue(repository, number, state="closed", state_reason="completed")
