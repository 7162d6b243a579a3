"""POST a JSON payload to a webhook (the `webhook` mechanism, and Slack).

The body is canonical JSON; with a secret it is signed like GitHub webhooks:
`X-Skillsync-Signature-256: sha256=<HMAC-SHA256 hex of the exact body bytes>`.
An `Idempotency-Key` header lets the receiver drop a repeat, which is what
makes retrying a POST safe. Retries (urllib3's machinery) cover 5xx and
connection errors only; a 4xx is final; only a 2xx counts as delivered.

Webhook URLs are secrets (RELIABILITY.md 16: a Slack URL is a credential):
`send` registers them for redaction and its messages never include them;
`requests` exception text, which carries the URL, is never passed on.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from skillsync import secrets

SIGNATURE_HEADER = "X-Skillsync-Signature-256"


@dataclass(frozen=True)
class WebhookResult:
    status_code: int | None      # the final HTTP status; None when no answer came
    attempts: int
    delivered: bool
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"status_code": self.status_code, "attempts": self.attempts,
                "delivered": self.delivered, "message": self.message}


def canonical_body(payload: Any) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def register_url(url: str) -> None:
    """Register a webhook URL, and its path alone (error texts often show just the path)."""
    secrets.register(url)
    parts = urlsplit(url)
    tail = parts.path + (f"?{parts.query}" if parts.query else "")
    if len(tail) >= 8:
        secrets.register(tail)
    if parts.password:
        secrets.register(parts.password)


def send(
    url: str,
    payload: Any,
    *,
    secret: str | None,
    idempotency_key: str,
    timeout: float = 15,
    retries: int = 3,
    backoff: float = 0.5,
    label: str = "webhook",
    user_agent: str = "skillsync-webhook",
) -> WebhookResult:
    """POST `payload`; never raises for delivery failures, returns a WebhookResult.

    `label` names the endpoint in messages ("webhook for target docs-portal",
    "Slack webhook"): the URL itself never appears.
    """
    import requests
    from requests.adapters import HTTPAdapter
    from urllib3.util.retry import Retry

    register_url(url)
    if secret:
        secrets.register(secret)
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return WebhookResult(None, 0, False, f"{label}: the URL is not an http(s) URL")
    body = canonical_body(payload)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": user_agent,
        "Idempotency-Key": idempotency_key,
    }
    if secret:
        headers[SIGNATURE_HEADER] = signature(secret, body)
    retry = Retry(
        total=retries, connect=retries, read=retries, status=retries,
        backoff_factor=backoff, status_forcelist=(500, 502, 503, 504),
        # POST is retried on purpose: the idempotency key makes a repeat harmless.
        allowed_methods=frozenset({"POST"}), raise_on_status=False, raise_on_redirect=False,
        respect_retry_after_header=False,
    )
    with requests.Session() as session:
        session.trust_env = False
        session.mount("http://", HTTPAdapter(max_retries=retry))
        session.mount("https://", HTTPAdapter(max_retries=retry))
        try:
            resp = session.post(url, data=body, headers=headers, timeout=timeout,
                                allow_redirects=False)
        except requests.RequestException as exc:
            from skillsync.forge import describe_error

            what = describe_error(exc, timeout, retried=False)
            return WebhookResult(None, retries + 1, False,
                                 f"{label}: {what} after {retries + 1} attempts")
        history = getattr(getattr(resp.raw, "retries", None), "history", ()) or ()
        attempts = len(history) + 1
        status = resp.status_code
        if 200 <= status < 300:
            return WebhookResult(status, attempts, True, f"{label}: delivered (HTTP {status})")
        snippet = secrets.redact(resp.text[:200].strip().replace("\n", " ")) if resp.text else ""
        return WebhookResult(
            status, attempts, False,
            f"{label}: HTTP {status}" + (f" ({snippet})" if snippet else "")
            + f" after {attempts} attempt{'s' if attempts > 1 else ''}")


