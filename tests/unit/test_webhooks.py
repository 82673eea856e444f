"""Webhooks: Standard Webhooks signatures (checked by the independent ``standardwebhooks`` package),
retries with backoff, the delivery log, and the allow-list of targets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from app.runs import RunRegistry
from app.webhooks import WebhookConfigError, WebhookOutbox, check_target, new_secret, sign
from tests.fakes import ScriptedLLM
from tests.unit.graph_support import QUERY_PLAN, GraphHarness, draft_with

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def test_signature_matches_the_reference_implementation() -> None:
    body = '{"type":"run.published","data":{"run_id":"r1"}}'
    headers = {"webhook-id": "msg_1", "webhook-timestamp": "1700000000"}
    signature = sign(SECRET, "msg_1", 1700000000, body)
    assert signature == Webhook(SECRET).sign(
        "msg_1", __import__("datetime").datetime.fromtimestamp(1700000000, tz=__import__("datetime").UTC), body
    )
    with pytest.raises(WebhookVerificationError):  # stale timestamp is refused by the reference, too
        Webhook(SECRET).verify(body, {**headers, "webhook-signature": signature})


def test_targets_outside_the_allow_list_are_refused(tmp_path: Path) -> None:
    check_target("https://hooks.example.com/x", ["hooks.example.com"])
    for url in ("http://169.254.169.254/latest", "file:///etc/passwd", "https://evil.example.com/"):
        with pytest.raises(WebhookConfigError):
            check_target(url, ["hooks.example.com"])
    registry = RunRegistry(None, tmp_path / "runs.sqlite")
    with pytest.raises(WebhookConfigError, match="not allowed"):
        WebhookOutbox(registry, ["http://10.0.0.1/"], allowed_hosts=["hooks.example.com"], secret=SECRET)
    with pytest.raises(WebhookConfigError, match="SECRET"):
        WebhookOutbox(registry, ["http://hooks.example.com/"], allowed_hosts=["hooks.example.com"], secret=None)
    assert new_secret().startswith("whsec_")
    registry.close()


class Target:
    """An httpx transport that fails ``failures`` times, then accepts; keeps every request."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if len(self.requests) <= self.failures:
            return httpx.Response(503)
        return httpx.Response(204)


def test_events_are_signed_retried_with_backoff_and_logged(tmp_path: Path) -> None:
    harness = GraphHarness(tmp_path, ScriptedLLM({"rewrite": [QUERY_PLAN], "draft": [draft_with("49.90")]}))
    outbox = WebhookOutbox(
        harness.registry, ["http://hooks.test/in"], allowed_hosts=["hooks.test"], secret=SECRET, backoff_s=0.01
    )
    harness.runner.on_event = outbox.emit
    target = Target(failures=2)
    client = httpx.Client(transport=httpx.MockTransport(target))
    try:
        view = harness.runner.start("Product text for the Acme Kettle K1", channel="ad_copy", language="en")
        harness.runner.resume(view.run_id, {"action": "approve"})
        import time

        for _ in range(50):
            outbox.deliver_due(client)
            if len(target.requests) >= 4:
                break
            time.sleep(0.02)
        log = outbox.deliveries(run_id=view.run_id)
        assert {d.event_type: d.status for d in log} == {"review.pending": "delivered", "run.published": "delivered"}
        assert sorted(d.attempts for d in log) == [2, 2] and all(d.last_status_code == 204 for d in log)
        assert len(target.requests) == 4  # each event: one 503, then delivered with the same webhook-id
        verifier = Webhook(SECRET)
        seen: dict[str, Any] = {}
        for request in target.requests:
            payload = verifier.verify(request.content, dict(request.headers))
            seen.setdefault(request.headers["webhook-id"], payload)
        assert sorted(p["type"] for p in seen.values()) == ["review.pending", "run.published"]
        assert all(p["data"]["run_id"] == view.run_id for p in seen.values())
        tampered = dict(target.requests[-1].headers)
        with pytest.raises(WebhookVerificationError):
            verifier.verify(target.requests[-1].content + b" ", tampered)
    finally:
        client.close()
        harness.close()


def test_a_target_that_never_answers_is_given_up_and_logged(tmp_path: Path) -> None:
    registry = RunRegistry(None, tmp_path / "runs.sqlite")
    outbox = WebhookOutbox(
        registry, ["http://hooks.test/in"], allowed_hosts=["hooks.test"], secret=SECRET, max_attempts=2, backoff_s=0.0
    )
    outbox.emit("run.failed", "r9", {"run_id": "r9", "error": "model down"})

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with httpx.Client(transport=httpx.MockTransport(down)) as client:
        outbox.deliver_due(client, now=1e12)
        outbox.deliver_due(client, now=1e12)
        assert outbox.deliver_due(client, now=1e12) == 0
    [delivery] = outbox.deliveries()
    assert delivery.status == "failed" and delivery.attempts == 2 and "ConnectError" in (delivery.last_error or "")
    registry.close()
