"""Builders for graph tests: real store, fact-checker, Presidio and guards; scripted model.

Also runnable as a script (``python -m tests.unit.graph_support DIR``) so a test can
start a run in one process and resume it in another.
"""

from __future__ import annotations

import re
import sqlite3
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from langgraph.checkpoint.sqlite import SqliteSaver

from app.runner import DraftRunner
from app.runs import RunRegistry
from graphs.draft.context import DraftOptions, DraftServices
from tests.conftest import write_corpus
from tests.fakes import HashingEmbedder, ScriptedLLM
from tools.factcheck import FactChecker
from tools.guards import GuardSuite
from tools.ingest.pipeline import IngestPipeline
from tools.pii import PiiScrubber
from tools.stores.embedded import EmbeddedHybridStore

QUERY_PLAN = {
    "keyword_query": "Acme Kettle K1 price",
    "question_query": "What does the Acme Kettle K1 cost?",
    "hypothetical_passage": "The Acme Kettle K1 costs 49.90 EUR and holds 1.7 litres.",
}


def label_of(messages: Sequence[Mapping[str, str]], needle: str) -> str:
    """The source label whose text contains ``needle`` in the drafting prompt."""
    text = "\n".join(m["content"] for m in messages)
    for match in re.finditer(r"^\[(S\d+)\][^\n]*\n(.*?)(?=^\[S\d+\]|\Z)", text, re.MULTILINE | re.DOTALL):
        if needle in match.group(2):
            return match.group(1)
    return "S1"


def draft_with(price: str, extra_body: str = "") -> Any:
    """A scripted draft answer claiming the kettle costs ``price``."""

    def answer(messages: Sequence[Mapping[str, str]]) -> dict[str, Any]:
        label = label_of(messages, "49.90")
        return {
            "title": "Acme Kettle K1",
            "meta_description": "The Acme Kettle K1 kettle: price and technical data.",
            "sections": [{"heading": "Price", "body": f"The Acme Kettle K1 costs {price} EUR [{label}]. {extra_body}"}],
            "claims": [{"text": f"The Acme Kettle K1 costs {price} EUR.", "sources": [label]}],
        }

    return answer


def build_services(root: Path, llm: Any, max_revisions: int = 2) -> DraftServices:
    embedder = HashingEmbedder()
    store = EmbeddedHybridStore(root / "index")
    if store.count() == 0:
        IngestPipeline(store, embedder).ingest(write_corpus(root / "corpus"))
    return DraftServices(
        llm=llm,
        embedder=embedder,
        store=store,
        fact_checker=FactChecker(),
        scrubber=PiiScrubber(),
        guards=GuardSuite(banned_terms=["guaranteed"], banned_claims=[], check_pii=False),
        options=DraftOptions(
            max_revisions=max_revisions,
            output_dir=root / "published",
            company="Acme",
            public_terms=("Acme Kettle K1", "ACME-K1"),
        ),
    )


class GraphHarness:
    """A DraftRunner over SQLite files in ``root``; reopenable to simulate a new process."""

    def __init__(self, root: Path, llm: Any, max_revisions: int = 2) -> None:
        self.root = root
        self.services = build_services(root, llm, max_revisions)
        self.connection = sqlite3.connect(str(root / "checkpoints.sqlite"), check_same_thread=False)
        saver = SqliteSaver(self.connection)
        saver.setup()
        self.registry = RunRegistry(None, root / "runs.sqlite")
        self.runner = DraftRunner(self.services, saver, self.registry)

    def close(self) -> None:
        self.registry.close()
        self.connection.close()
        self.services.store.close()


def main(root: str) -> None:
    """Start a run up to review and print its id (used by the restart test)."""
    llm = ScriptedLLM({"rewrite": [QUERY_PLAN], "draft": [draft_with("49.90")]})
    harness = GraphHarness(Path(root), llm)
    view = harness.runner.start("Product text for the Acme Kettle K1", channel="product_description", language="en")
    print(view.run_id, view.status)
    harness.close()


if __name__ == "__main__":
    main(sys.argv[1])
