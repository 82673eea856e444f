"""The draft graph for LangGraph tooling (``langgraph dev``, LangGraph Studio, ``langgraph.json``).

The platform supplies its own checkpointer, so the graph is compiled without one.
Services travel as the run's context; a run started from the tooling without a
context gets services built from settings (see ``app.services``).
"""

from __future__ import annotations

from graphs.draft.graph import compile_graph

graph = compile_graph()
