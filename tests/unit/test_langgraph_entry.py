"""``langgraph.json`` points at a graph LangGraph tooling can load and run without copydesk's context."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

from langgraph.checkpoint.memory import InMemorySaver

from graphs.draft.context import set_default_services
from tests.conftest import REPO_ROOT
from tests.fakes import ScriptedLLM
from tests.unit.graph_support import QUERY_PLAN, build_services, draft_with


def test_langgraph_json_names_a_compiled_graph() -> None:
    spec = json.loads((REPO_ROOT / "langgraph.json").read_text(encoding="utf-8"))
    path, attribute = spec["graphs"]["draft"].split(":")
    module = importlib.import_module(Path(path).with_suffix("").as_posix().lstrip("./").replace("/", "."))
    graph = getattr(module, attribute)
    assert {"prepare_brief", "write_draft", "review", "publish"} <= set(graph.get_graph().nodes)


def test_graph_runs_without_context_on_default_services(tmp_path: Path) -> None:
    from graphs.draft.graph import compile_graph

    services = build_services(tmp_path, ScriptedLLM({"rewrite": [QUERY_PLAN], "draft": [draft_with("49.90")]}))
    set_default_services(lambda: services)
    try:
        graph = compile_graph(InMemorySaver())
        config = {"configurable": {"thread_id": "studio-1"}}
        graph.invoke(
            {"run_id": "studio-1", "brief": "Acme Kettle K1 price", "channel": "ad_copy", "language": "en"}, config
        )
        assert graph.get_state(config).next == ("review",)
    finally:
        set_default_services(None)
        services.store.close()


def test_agent_inbox_answers_map_to_copydesk_decisions() -> None:
    from graphs.draft.nodes.review import as_decision, copydesk_payload

    draft = {"title": "T", "meta_description": "M", "sections": [], "claims": []}
    assert as_decision([{"type": "accept", "args": None}])["action"] == "approve"
    edited = as_decision([{"type": "edit", "args": {"action": "review_draft", "args": draft}}])
    assert edited["action"] == "edit" and edited["draft"] == draft
    assert as_decision([{"type": "response", "args": "shorter"}]) | {"editor": ""} == {
        "action": "reject", "feedback": "shorter", "editor": "", "decision_id": ""
    }  # fmt: skip
    assert as_decision({"type": "ignore", "args": None})["action"] == "reject"
    assert as_decision({"action": "approve", "editor": "eva"}) == {"action": "approve", "editor": "eva"}
    payload = {"draft": draft, "blocking": []}
    assert copydesk_payload([{"action_request": {}, "copydesk": payload}]) == payload
    assert copydesk_payload(payload) == payload  # checkpoints written before the Agent Inbox format
