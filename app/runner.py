"""Start, resume and inspect draft runs: the one place where the graph meets a caller.

The CLI, the HTTP API and campaigns all go through :class:`DraftRunner`. A failure
inside the graph (model down, invalid JSON twice) marks the run ``failed`` with the
reason; the checkpoint still holds every finished stage, so ``retry`` continues
from the stage that failed instead of starting over.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.types import Command

from app.runs import RunRecord, RunRegistry
from graphs.draft.context import DraftServices
from graphs.draft.graph import compile_graph
from graphs.draft.state import DraftState
from tools.content import CHANNELS
from tools.pii import PseudonymMap

MAX_BRIEF_CHARS = 4000


class RunError(Exception):
    """A request about a run that cannot be served; the message is meant for the user."""


class RunNotFoundError(RunError):
    """No run with that id."""


class RunConflictError(RunError):
    """The run exists but is in a state that does not allow the request (e.g. already published)."""


@dataclass
class RunView:
    """A run as callers see it."""

    run_id: str
    status: str
    review: dict[str, Any] | None = None
    published: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    state: dict[str, Any] = field(default_factory=dict)

    @property
    def usage(self) -> dict[str, Any]:
        """Model calls of the run: tokens, latency, cost, cache hits, who served them (issue 13)."""
        from app.llm_usage import run_usage

        return run_usage(self.state)


def validate_request(brief: str, channel: str, language: str) -> str:
    """Reject bad input before any work starts; returns the trimmed brief."""
    text = (brief or "").strip()
    if not text:
        raise RunError("the brief is empty: say what the piece should be about")
    if len(text) > MAX_BRIEF_CHARS:
        raise RunError(f"the brief is {len(text):,} characters; the limit is {MAX_BRIEF_CHARS:,}")
    if channel not in CHANNELS:
        raise RunError(f"unknown channel {channel!r}; choose one of {', '.join(CHANNELS)}")
    if language not in ("de", "en"):
        raise RunError(f"unknown language {language!r}; choose de or en")
    return text


class DraftRunner:
    """Runs of the draft graph over one checkpointer, one registry and one set of services."""

    def __init__(self, services: DraftServices, checkpointer: BaseCheckpointSaver[str], registry: RunRegistry) -> None:
        self.services = services
        self.registry = registry
        self.graph = compile_graph(checkpointer)

    @staticmethod
    def _config(run_id: str) -> RunnableConfig:
        return {"configurable": {"thread_id": run_id}, "recursion_limit": 60}

    def create(
        self,
        brief: str,
        *,
        channel: str,
        language: str,
        product_id: str | None = None,
        campaign_id: str | None = None,
        run_id: str | None = None,
    ) -> str:
        """Validate and record a run without running it (status ``queued``); returns its id.

        The input is written to the run's checkpoint, so a queued run survives a restart
        and any process can start it with :meth:`run`.
        """
        text = validate_request(brief, channel, language)
        run_id = run_id or uuid.uuid4().hex[:12]
        if self.registry.get(run_id) is not None:
            raise RunConflictError(f"run {run_id} already exists")
        # Pseudonymise before the graph sees the brief: the run's first checkpoint and the run
        # list store it, and personal data must not be persisted there in clear.
        pseudonyms = PseudonymMap()
        scrubbed = self.services.scrubber.scrub(text, language, pseudonyms, allow=self.services.options.public_terms)
        self.registry.create(
            RunRecord(
                run_id=run_id,
                channel=channel,
                language=language,
                brief_preview=scrubbed.text[:120],
                status="queued",
                campaign_id=campaign_id,
            )
        )
        initial: dict[str, Any] = {
            "run_id": run_id,
            "brief": scrubbed.text,
            "pseudonyms": pseudonyms.to_dict(),
            "brief_findings": [{**f.to_dict(), "where": "brief"} for f in scrubbed.findings],
            "channel": channel,
            "language": language,
            "product_id": product_id,
            "campaign_id": campaign_id,
        }
        self.graph.update_state(self._config(run_id), initial, as_node="__start__")
        return run_id

    def run(self, run_id: str) -> RunView:
        """Drive a queued run to the editor's interrupt (or to a failure)."""
        view = self.get(run_id)
        if view.status != "queued":
            raise RunConflictError(f"run {run_id} is not queued (status: {view.status})")
        return self._drive(run_id, None)

    def start(
        self,
        brief: str,
        *,
        channel: str,
        language: str,
        product_id: str | None = None,
        campaign_id: str | None = None,
        run_id: str | None = None,
    ) -> RunView:
        """Create a run and drive it to the editor's interrupt (or to a failure)."""
        created = self.create(
            brief, channel=channel, language=language, product_id=product_id, campaign_id=campaign_id, run_id=run_id
        )
        return self._drive(created, None)

    def resume(self, run_id: str, decision: dict[str, Any]) -> RunView:
        """Hand the editor's decision to a waiting run."""
        view = self.get(run_id)
        if view.status == "published":
            raise RunConflictError(f"run {run_id} is already published ({view.published.get('html', '')})")
        if view.status == "rejected":
            raise RunConflictError(f"run {run_id} was rejected; start a new run")
        if view.status != "awaiting_review":
            raise RunConflictError(f"run {run_id} is not waiting for an editor (status: {view.status})")
        return self._drive(run_id, Command(resume=decision))

    def retry(self, run_id: str) -> RunView:
        """Continue a failed or crashed run from the stage where it stopped."""
        view = self.get(run_id)
        # "running" with nothing in flight means the process that drove it died (killed, crashed):
        # the checkpoint holds every finished stage, so it continues like a failed run.
        if view.status not in ("failed", "running"):
            raise RunConflictError(f"run {run_id} cannot be retried (status: {view.status})")
        return self._drive(run_id, None)

    def _drive(self, run_id: str, graph_input: Any) -> RunView:
        self.registry.update(run_id, status="running")
        try:
            self.graph.invoke(graph_input, self._config(run_id), context=self.services)
        except Exception as exc:
            message = f"{type(exc).__name__}: {exc}"
            self.registry.update(run_id, status="failed", error=message[:2000])
            raise RunError(f"run {run_id} failed: {message} (fix the cause, then `copydesk retry {run_id}`)") from exc
        view = self.get(run_id)
        self.registry.update(run_id, status=view.status, revision=int(view.state.get("revision", 0)))
        return view

    def get(self, run_id: str) -> RunView:
        """The run's current state; raises RunError for an unknown run."""
        record = self.registry.get(run_id)
        snapshot = self.graph.get_state(self._config(run_id))
        if record is None and not snapshot.values:
            raise RunNotFoundError(f"unknown run {run_id!r} (see `copydesk runs`)")
        state: DraftState = snapshot.values  # type: ignore[assignment]
        interrupts = [i for task in snapshot.tasks for i in task.interrupts]
        if interrupts:
            status = "awaiting_review"
        elif record is not None and record.status == "failed":
            status = "failed"
        else:
            status = state.get("status") or (record.status if record else "running")
        return RunView(
            run_id=run_id,
            status=status,
            review=interrupts[0].value if interrupts else None,
            published=dict(state.get("published") or {}),
            error=record.error if record else None,
            state=dict(state),
        )

    def list(self, **filters: Any) -> list[RunRecord]:
        return self.registry.list(**filters)
