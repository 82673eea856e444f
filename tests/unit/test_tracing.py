"""Runs emit one OpenTelemetry span per stage (captured in memory), and spans carry no personal data."""

from __future__ import annotations

from pathlib import Path

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tests.fakes import ScriptedLLM
from tests.unit.graph_support import QUERY_PLAN, GraphHarness, draft_with

EXPORTER = InMemorySpanExporter()


@pytest.fixture(scope="module", autouse=True)
def in_memory_tracing() -> None:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(EXPORTER))
    trace.set_tracer_provider(provider)


def test_every_stage_is_a_span_without_personal_data(tmp_path: Path) -> None:
    EXPORTER.clear()
    harness = GraphHarness(tmp_path, ScriptedLLM({"rewrite": [QUERY_PLAN], "draft": [draft_with("49.90")]}))
    try:
        view = harness.runner.start(
            "Mail Erika Mustermann (erika@example.org) about the Acme Kettle K1.", channel="crm_email", language="en"
        )
    finally:
        harness.close()
    names = [span.name for span in EXPORTER.get_finished_spans()]
    for stage in (
        "prepare_brief",
        "rewrite_queries",
        "retrieve",
        "rerank",
        "select_sources",
        "write_draft",
        "fact_check",
        "guard",
    ):
        assert f"node.{stage}" in names
    run_spans = [s for s in EXPORTER.get_finished_spans() if s.name.startswith("node.")]
    assert all(s.attributes.get("copydesk.run_id") == view.run_id for s in run_spans)
    dumped = " ".join(str(dict(s.attributes or {})) + str(s.events) for s in EXPORTER.get_finished_spans())
    assert "erika@example.org" not in dumped and "Mustermann" not in dumped
