"""skillsync.webhook against the loopback receiver (skillsync.devservers.receivers)."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from skillsync import secrets, webhook
from skillsync.devservers.receivers import WebhookReceiver

SECRET = "whsec_CANARY_4d1c9e7a"
CANARY_PATH = "/hooks/T000/B000/CANARYxq84TkP2"


@pytest.fixture(scope="module")
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver(secret=SECRET) as rx:
        yield rx


@pytest.fixture(autouse=True)
def _reset(receiver: WebhookReceiver) -> Iterator[None]:
    yield
    receiver.clear_injections()


def _send(url: str, payload: object = None, **kw: object) -> webhook.WebhookResult:
    options: dict[str, object] = {"secret": SECRET, "idempotency_key": "run-1:docs-portal",
                                  "backoff": 0, "timeout": 5, "label": "webhook for target docs"}
    options.update(kw)
    return webhook.send(url, payload if payload is not None else {"version": "2.0.0"},
                        **options)  # type: ignore[arg-type]


def test_signed_canonical_json_verified_by_receiver(receiver: WebhookReceiver) -> None:
    payload = {"version": "2.0.0", "skills": [{"name": "pdf-tools"}], "é": "ü"}
    result = _send(receiver.url + CANARY_PATH, payload)
    assert result.delivered and result.status_code == 200 and result.attempts == 1
    rec = receiver.requests[-1]
    assert rec.extra["signature_valid"] is True
    assert rec.raw == json.dumps(payload, sort_keys=True, separators=(",", ":"),
                                 ensure_ascii=False).encode()
    expected = hmac.new(SECRET.encode(), rec.raw, hashlib.sha256).hexdigest()
    assert rec.headers["X-Skillsync-Signature-256"] == f"sha256={expected}"
    assert rec.headers["Idempotency-Key"] == "run-1:docs-portal"
    assert rec.body == payload


def test_wrong_secret_is_rejected_by_receiver(receiver: WebhookReceiver) -> None:
    result = _send(receiver.url + "/hook", secret="not-the-secret")
    assert not result.delivered
    assert result.status_code == 401 and result.attempts == 1
    assert receiver.requests[-1].extra["signature_valid"] is False


def test_5xx_retried_with_the_same_idempotency_key(receiver: WebhookReceiver) -> None:
    receiver.fail_next(500, 503)
    start = len(receiver.requests)
    result = _send(receiver.url + "/hook", idempotency_key="run-2:docs")
    assert result.delivered and result.attempts == 3
    seen = receiver.requests[start:]
    assert [r.status for r in seen] == [500, 503, 200]
    assert {r.headers["Idempotency-Key"] for r in seen} == {"run-2:docs"}


def test_repeat_delivery_is_marked_duplicate_by_key(receiver: WebhookReceiver) -> None:
    _send(receiver.url + "/hook", idempotency_key="run-3:docs")
    _send(receiver.url + "/hook", idempotency_key="run-3:docs")
    assert [r.extra["duplicate"] for r in receiver.requests[-2:]] == [False, True]


def test_5xx_exhausted_is_not_delivered(receiver: WebhookReceiver) -> None:
    receiver.fail_next(502, 502, 502)
    result = _send(receiver.url + "/hook", retries=2)
    assert not result.delivered
    assert (result.status_code, result.attempts) == (502, 3)
    assert result.message.startswith("webhook for target docs: HTTP 502")


def test_4xx_is_not_retried(receiver: WebhookReceiver) -> None:
    receiver.fail_next(400)
    start = len(receiver.requests)
    result = _send(receiver.url + "/hook")
    assert not result.delivered
    assert (result.status_code, result.attempts) == (400, 1)
    assert len(receiver.requests) - start == 1


def test_redirect_is_not_followed(receiver: WebhookReceiver) -> None:
    receiver.inject(r".", [302], headers={"Location": "http://127.0.0.1:9/elsewhere"})
    result = _send(receiver.url + "/hook")
    assert not result.delivered and result.status_code == 302


def test_url_never_in_messages(receiver: WebhookReceiver) -> None:
    url = receiver.url + CANARY_PATH
    receiver.fail_next(500, 500)
    messages = [_send(url, retries=1).message]
    receiver.inject(r".", ["hang", "hang"], hang=5)
    messages.append(_send(url, retries=1, timeout=0.3).message)
    dead = WebhookReceiver().start()
    dead_url = dead.url + CANARY_PATH
    dead.stop()
    messages.append(_send(dead_url, retries=1).message)
    messages.append(_send("ftp://host" + CANARY_PATH).message)
    assert "timed out after 0.3s" in messages[1]
    assert "connection failed" in messages[2]
    for message in messages:
        assert "CANARY" not in message
        assert "127.0.0.1" not in message
        assert message.startswith("webhook for target docs: ")
    # and should anything else print the URL, redaction catches it, path alone too
    assert secrets.redact(f"error at {url}") == "error at ***"
    assert "CANARY" not in secrets.redact(f"Max retries exceeded with url: {CANARY_PATH}")


def test_receiver_can_leave_slack_paths_unsigned() -> None:
    with WebhookReceiver(secret=SECRET, unsigned_prefixes=("/services/",)) as rx:
        slack = webhook.send(rx.url + "/services/T/B/x", {"text": "hi"}, secret=None,
                             idempotency_key="k1", backoff=0)
        target = webhook.send(rx.url + "/hook", {"a": 1}, secret=None, idempotency_key="k2",
                              backoff=0, retries=0)
    assert slack.delivered
    assert not target.delivered and target.status_code == 401


@pytest.mark.parametrize("record", [{"payload": "x"}, {"payload": {"release": "x"}},
                                    {"payload": ["a"]}, {"payload": None, "run": "r"}])
def test_a_cached_payload_that_is_not_a_delivery_is_no_previous_delivery(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, record: dict) -> None:
    # A cache file is anyone's to edit (CI restores one): a snapshot reads past a bad one.
    from skillsync.mechanisms.webhook import Webhook, payload_cache_key
    from skillsync.model import Target
    from skillsync.store import write_cache

    monkeypatch.setenv("SKILLSYNC_CACHE", str(tmp_path / "cache"))
    target = Target(id="hook", mechanism="webhook", url="https://hooks.invalid/x",
                    source_file=str(tmp_path / "hook.yaml"))
    write_cache(payload_cache_key(target), record)
    snap = Webhook().snapshot(target, {}, {"target": "hook"}, env={}, token=None, repo=None,
                              heads=None)
    prev = snap["webhook"]
    assert prev["previous"] in (None, record["payload"]) and prev["previous_version"] is None
    assert isinstance(prev["previous"], dict) or prev["previous"] is None
