"""The one package that talks to the GitHub REST API (STYLE.md: one forge; split by API
area since issue 14: client, pulls, repos, issues).

Built on `requests` with urllib3's retry machinery for 5xx and connection
errors (bounded, with backoff), plus our own handling of GitHub's rate limits,
which urllib3 does not understand: `Retry-After` (seconds or HTTP-date) and
`x-ratelimit-remaining: 0` + `x-ratelimit-reset`, waited out up to `max_wait`
seconds in total (RELIABILITY.md 18-20). Every call has a timeout. Errors name
the call ("GET /repos/o/r/pulls") and the status, never the token or a full
URL: `requests` exception text carries URLs, so it is never passed through.

Every call first takes its turn from the one limiter all clients of the process
share for that host (skillsync.pacing, issue 15): content-creating calls are kept
under GitHub's secondary limits, and when GitHub says the account is limited (a
403/429 with Retry-After, or `x-ratelimit-remaining: 0` on any answer) the other
threads hold their calls too.

The GitHub App calls (`repo_installation`, `create_installation_token`) are made
with the App's JWT as the token; skillsync.ghapp builds it and the request.

Works with GitHub Enterprise: `api_url` is e.g. https://ghe.example/api/v3.
"""

from __future__ import annotations

from typing import Any

from skillsync import secrets
from skillsync.forge.client import (
    API_VERSION,
    CLOSED_BY_SKILLSYNC,
    DEFAULT_API_URL,
    ROLLED_BACK_LABEL,
    SUPERSEDED_LABEL,
    ForgeAuthError,
    ForgeError,
    ForgeRateLimitError,
    PullRequestOutcome,
    closed_by_skillsync,
    describe_error,
)
from skillsync.forge.issues import Issues
from skillsync.forge.pulls import PullRequests, commit_url, pull_request_body, pull_request_title
from skillsync.forge.repos import Repositories


class GitHub(PullRequests, Repositories, Issues):
    """The GitHub REST client: every call skillsync makes to the API."""


def client_for(api_url: str | None, token_env: str | None, **kw: Any) -> GitHub:
    """A client for a target: the token is read from the variable the target names.

    A named but unset variable is a clear per-target error, not a crash.
    """
    token = secrets.from_env(token_env) if token_env else None
    if token_env and not token:
        raise ForgeAuthError(f"${token_env} is not set or empty (the target's auth.env names it)")
    return GitHub(api_url or DEFAULT_API_URL, token, token_env=token_env, **kw)


__all__ = ["API_VERSION", "CLOSED_BY_SKILLSYNC", "DEFAULT_API_URL", "ROLLED_BACK_LABEL",
           "SUPERSEDED_LABEL", "ForgeAuthError", "ForgeError", "ForgeRateLimitError", "GitHub",
           "PullRequestOutcome", "client_for", "closed_by_skillsync", "commit_url",
           "describe_error", "pull_request_body", "pull_request_title"]
