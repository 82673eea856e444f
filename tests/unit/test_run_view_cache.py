"""Run views of runs at rest are served from a cache keyed by their row, never stale.

Pollers read a run far more often than it changes; the cache must still show every
change of status, decision and revision at once, and a caller changing the view it got
must not change what the next caller sees.
"""

from __future__ import annotations

from pathlib import Path

from tests.fakes import ScriptedLLM
from tests.unit.graph_support import QUERY_PLAN, GraphHarness, draft_with


def test_a_view_at_rest_is_cached_and_follows_its_row(tmp_path: Path) -> None:
    llm = ScriptedLLM({"rewrite": [QUERY_PLAN], "draft": [draft_with("49.90")]})
    harness = GraphHarness(tmp_path, llm)
    try:
        runner = harness.runner
        run_id = runner.start(
            "Product text for the Acme Kettle K1", channel="product_description", language="en"
        ).run_id
        reads = 0
        original = runner.graph.get_state

        def counting(config):  # type: ignore[no-untyped-def]
            nonlocal reads
            reads += 1
            return original(config)

        runner.graph.get_state = counting  # type: ignore[method-assign]
        first = runner.get(run_id)
        assert first.status == "awaiting_review"
        first.state["brief"] = "changed by a caller"
        before = reads
        second = runner.get(run_id)
        assert reads == before, "a second read of an unchanged run comes from the cache"
        assert second.state["brief"] != "changed by a caller", "callers get copies"

        runner.submit_decision(run_id, {"action": "approve", "editor": "ed"})
        queued = runner.get(run_id)
        assert queued.status == "queued", "a changed row is read fresh"
        assert reads == before + 1

        runner.drive(run_id)
        published = runner.get(run_id)
        assert published.status == "published"
        assert published.published, "the view after publishing holds the publication"
    finally:
        harness.close()
