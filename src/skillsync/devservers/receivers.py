"""Loopback receivers for notifications and webhook targets.

- `WebhookReceiver`: a Slack-incoming-webhook / generic webhook endpoint. It
  records every POST (JSON body, headers minus Authorization), verifies the
  `X-Skillsync-Signature-256: sha256=<hmac>` header when given a secret (401 on
  a bad or missing signature), notes repeated `Idempotency-Key`s, and fails on
  demand (`inject`, or `fail_next`). Answers "ok" like Slack does.
- `SmtpServer`: aiosmtpd on 127.0.0.1 storing every message; optional AUTH
  (accepts one user/password, without TLS, since this is loopback only).
"""

from __future__ import annotations

import hashlib
import hmac
import socket
import threading
from dataclasses import dataclass
from email import message_from_bytes
from email.message import Message
from typing import Any

from skillsync.devservers._base import LoopbackServer, Recorded

SIGNATURE_HEADER = "X-Skillsync-Signature-256"


def sign(secret: str, body: bytes) -> str:
    """The signature header value for `body` (GitHub's webhook scheme)."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookReceiver(LoopbackServer):
    name = "webhook"

    def __init__(self, secret: str | None = None, *, host: str = "127.0.0.1", port: int = 0,
                 extra_state: Any = None, unsigned_prefixes: tuple[str, ...] = ()) -> None:
        super().__init__(host=host, port=port)
        self.secret = secret
        # Paths accepted without a signature, so one receiver can stand in for
        # Slack (/services/...) and a signed webhook target at once (demo).
        self.unsigned_prefixes = unsigned_prefixes
        self._keys: set[str] = set()
        self._extra_state = extra_state   # callable adding e.g. SMTP messages to /_state

    def fail_next(self, *statuses: int) -> None:
        """The next requests (any path) get these statuses."""
        self.inject(r".", list(statuses))

    @property
    def deliveries(self) -> list[Recorded]:
        """Accepted POSTs (2xx), in order."""
        return [r for r in self.requests if r.method == "POST" and 200 <= r.status < 300]

    def bodies(self) -> list[Any]:
        return [r.body for r in self.deliveries]

    def state(self) -> dict[str, Any]:
        state: dict[str, Any] = {"received": [
            {"path": r.path, "status": r.status, "body": r.body,
             "signature_valid": r.extra.get("signature_valid"),
             "idempotency_key": r.headers.get("Idempotency-Key")} for r in self.requests
            if r.method == "POST"]}
        if self._extra_state is not None:
            state.update(self._extra_state())
        return state

    def route(self, rec: Recorded, authorization: str | None) -> tuple[int, Any, dict[str, str]]:
        if rec.method == "GET" and rec.path == "/_state":
            return 200, self.state(), {}
        if rec.method != "POST":
            return 405, {"message": "POST only"}, {}
        if self.secret is not None and not rec.path.startswith(self.unsigned_prefixes):
            given = rec.headers.get(SIGNATURE_HEADER, "")
            ok = hmac.compare_digest(given, sign(self.secret, rec.raw))
            rec.extra["signature_valid"] = ok
            if not ok:
                return 401, {"message": "bad signature"}, {}
        key = rec.headers.get("Idempotency-Key")
        if key:
            with self._lock:
                rec.extra["duplicate"] = key in self._keys
                self._keys.add(key)
        if rec.body is None:
            return 400, "invalid_payload", {}
        return 200, "ok", {}


# -- SMTP ------------------------------------------------------------------------------------
@dataclass
class Mail:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    auth_user: str | None

    @property
    def message(self) -> Message:
        return message_from_bytes(self.data)

    @property
    def subject(self) -> str:
        return str(self.message.get("Subject", ""))

    @property
    def text(self) -> str:
        msg = self.message
        part = next((p for p in msg.walk() if p.get_content_type() == "text/plain"), msg)
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes):
            return payload.decode(part.get_content_charset() or "utf-8", "replace")
        return str(part.get_payload())


def _free_port(host: str) -> int:
    # aiosmtpd's Controller probes its port after start, so it cannot take port 0.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


class SmtpServer:
    """`SmtpServer(user="u", password="p").start()`; `.messages` holds what arrived."""

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0, user: str | None = None,
                 password: str | None = None) -> None:
        if host not in ("127.0.0.1", "localhost"):
            raise ValueError("loopback servers bind to 127.0.0.1 only")
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.messages: list[Mail] = []
        self.auth_attempts: list[tuple[str, bool]] = []
        self.fail_with: str | None = None     # e.g. "451 4.3.0 try later" rejects DATA
        self._lock = threading.Lock()
        self._controller: Any = None

    @property
    def url(self) -> str:
        user = f"{self.user}@" if self.user else ""
        return f"smtp://{user}{self.host}:{self.port}"

    def start(self) -> SmtpServer:
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult, LoginPassword

        owner = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                if owner.fail_with:
                    return owner.fail_with
                # AUTH is enforced here, not with aiosmtpd's auth_required, which
                # warns when TLS is not required too (we are loopback-only).
                if owner.password is not None and not session.authenticated:
                    return "530 5.7.0 Authentication required"
                auth = session.auth_data
                user = auth.login.decode() if isinstance(auth, LoginPassword) else None
                with owner._lock:
                    owner.messages.append(Mail(envelope.mail_from, list(envelope.rcpt_tos),
                                               bytes(envelope.content), user))
                return "250 Message accepted for delivery"

        def authenticator(server: Any, session: Any, envelope: Any, mechanism: str,
                          auth_data: Any) -> Any:
            if not isinstance(auth_data, LoginPassword):
                return AuthResult(success=False, handled=False)
            login = auth_data.login.decode()
            ok = (login == self.user and self.password is not None
                  and auth_data.password.decode() == self.password)
            with self._lock:
                self.auth_attempts.append((login, ok))
            return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

        if not self.port:
            self.port = _free_port(self.host)
        kwargs: dict[str, Any] = {}
        if self.password is not None:
            kwargs.update(authenticator=authenticator, auth_require_tls=False)
        self._controller = Controller(Handler(), hostname=self.host, port=self.port,
                                      ready_timeout=5, **kwargs)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def state(self) -> dict[str, Any]:
        with self._lock:
            return {"emails": [{"from": m.mail_from, "to": m.rcpt_tos, "subject": m.subject,
                                "text": m.text} for m in self.messages]}
