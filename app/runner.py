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

from app import audit as audit_log
from app.audit import AuditLog
from app.runs import RunRecord, RunRegistry
from graphs.draft.context import DraftServices
from graphs.draft.graph import compile_graph
from graphs.draft.state import DraftState
from tools.content import CHANNELS
from tools.guards import neutralize_injections
from tools.pii import PseudonymMap
from tools.pii.evidence import scrub_decision

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

    def __init__(
        self,
        services: DraftServices,
        checkpointer: BaseCheckpointSaver[str],
        registry: RunRegistry,
        audit: AuditLog | None = None,
    ) -> None:
        self.services = services
        self.registry = registry
        self.graph = compile_graph(checkpointer)
        self.audit = audit

    # --- audit hooks (issue 10): creation, decisions, publication --------------------------
    def _record(self, action: str, actor: str, run_id: str, details: dict[str, Any]) -> None:
        if self.audit is not None:
            audit_log.record(action, actor=actor, run_id=run_id, details=details, log=self.audit)

    def _scrub(self, text: str, language: str) -> str:
        """Free text for the audit log without personal data in clear."""
        if not text:
            return text
        return self.services.scrubber.scrub(
            text, language, PseudonymMap(), allow=self.services.options.public_terms
        ).text

    def _record_decision(self, run_id: str, view: RunView, decision: dict[str, Any]) -> None:
        if self.audit is None:
            return
        language = str(view.state.get("language") or "en")
        details: dict[str, Any] = {
            "decision": decision.get("action"),
            "revision": int(view.state.get("revision", 0)),
            "prompt": view.state.get("prompt_ref"),
        }
        if decision.get("feedback"):
            details["feedback"] = self._scrub(str(decision["feedback"]), language)
        if decision.get("action") == "edit" and isinstance(decision.get("draft"), dict):
            diff = audit_log.draft_diff(view.state.get("draft"), decision["draft"])
            details["diff"] = self._scrub(diff, language)
        self._record("run.decision", str(decision.get("editor") or "editor"), run_id, details)

    def _record_outcome(self, run_id: str, view: RunView, decision: dict[str, Any]) -> None:
        actor = str(decision.get("editor") or "editor")
        if view.status == "published":
            details = {**audit_log.run_provenance(view.state, self.services), "published": dict(view.published)}
            self._record("run.published", actor, run_id, details)
        elif decision.get("action") == "approve" and view.status == "awaiting_review":
            message = str(view.state.get("review_message") or "")[:500]
            self._record("run.approval_refused", actor, run_id, {"reason": message})

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
        actor: str = "local",
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
        self._record(
            "run.created",
            actor,
            run_id,
            {
                "channel": channel,
                "language": language,
                "product_id": product_id,
                "campaign_id": campaign_id,
                "brief": scrubbed.text[:500],
            },
        )
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
        actor: str = "local",
    ) -> RunView:
        """Create a run and drive it to the editor's interrupt (or to a failure)."""
        created = self.create(
            brief,
            channel=channel,
            language=language,
            product_id=product_id,
            campaign_id=campaign_id,
            run_id=run_id,
            actor=actor,
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
        decision = self._clean_decision(view, decision)
        self._record_decision(run_id, view, decision)
        after = self._drive(run_id, Command(resume=decision))
        self._record_outcome(run_id, after, decision)
        return after

    def _clean_decision(self, view: RunView, decision: dict[str, Any]) -> dict[str, Any]:
        """Feedback and edits without personal data or instructions to the model (the resume value is
        checkpointed as is, and feedback reaches the revise prompt)."""
        if not isinstance(decision, dict):
            return decision
        language = str(view.state.get("language") or "en")
        allow = [self.services.options.company, *self.services.options.public_terms]
        cleaned = scrub_decision(decision, self.services.scrubber, language, allow)
        if isinstance(cleaned.get("feedback"), str):
            cleaned["feedback"] = neutralize_injections(cleaned["feedback"])
            screen = self.services.injection_screen
            if screen is not None:
                for hit in sorted(screen(cleaned["feedback"]), key=lambda h: h.start, reverse=True):
                    text = cleaned["feedback"]
                    cleaned["feedback"] = text[: hit.start] + "[removed: instruction-like text]" + text[hit.end :]
        return cleaned

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
            message = self._scrub_message(run_id, f"{type(exc).__name__}: {exc}")
            self.registry.update(run_id, status="failed", error=message[:2000])
            raise RunError(f"run {run_id} failed: {message} (fix the cause, then `copydesk retry {run_id}`)") from exc
        view = self.get(run_id)
        self.registry.update(run_id, status=view.status, revision=int(view.state.get("revision", 0)))
        return view

    def _scrub_message(self, run_id: str, message: str) -> str:
        """An error message fit for the run list and logs: it may quote model output or sources."""
        record = self.registry.get(run_id)
        language = record.language if record and record.language in ("de", "en") else "en"
        try:
            return scrub_decision({"feedback": message}, self.services.scrubber, language)["feedback"]  # type: ignore[no-any-return]
        except Exception:  # the scrubber itself failed: say so rather than store the raw text
            return f"{message.split(':', 1)[0]}: (details withheld: they could not be scrubbed)"

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
