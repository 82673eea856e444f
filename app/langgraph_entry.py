"""The draft graph for LangGraph tooling (``langgraph dev``, LangGraph Studio, ``langgraph.json``).

The platform supplies its own checkpointer, so the graph is compiled without one,
and it invokes the graph without copydesk's context: the nodes then use services
built once from settings (``COPYDESK_*``), registered here.
"""

from __future__ import annotations

from app.services import build_services
from app.settings import get_settings
from graphs.draft.context import set_default_services
from graphs.draft.graph import compile_graph

set_default_services(lambda: build_services(get_settings()))

graph = compile_graph()
