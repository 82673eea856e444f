"""Start, resume and inspect draft runs: the one place where the graph meets a caller.

The CLI, the HTTP API, ``copydesk worker`` and campaigns all go through :class:`DraftRunner`.
Every change of a run's status goes through the registry's compare-and-set
(:mod:`app.run_status` holds the transitions), so the same rules hold whether one process
drives the run or a fleet of workers on several machines does:

- an editor's decision is written to the run's row (status ``queued``) before anyone
  answers "accepted", and a worker applies it from there: it is never dropped;
- a worker *claims* a run with a lease it renews while it works (heartbeat); a run whose
  worker died keeps its lease until it expires, then any worker may claim it and it
  continues from its last checkpoint — it is never left ``running``;
- a failure marks the run ``failed`` with the reason; ``retry`` continues from the stage that
  failed; ``cancel`` stops a run at the next stage boundary.
"""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import threading
import time
import uuid
from collections.abc import Callable
from copy import deepcopy
from dataclasses import dataclass, field
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.types import Command

from app import audit as audit_log
from app.audit import AuditLog
from app.run_status import PENDING, RunStatus, refusal
from app.runs import RunRecord, RunRegistry
from app.tracing import run_trace, trace_attributes
from graphs.draft.context import DraftServices
from graphs.draft.graph import compile_graph
from graphs.draft.nodes.review import copydesk_payload
from graphs.draft.state import DraftState
from tools.channels import known_channels, unknown_channel_message
from tools.guards import neutralize_injections
from tools.pii import PseudonymMap
from tools.pii.evidence import scrub_decision

MAX_BRIEF_CHARS = 4000
_TECHNICAL_WORD = re.compile(r"\b(?:[A-Z]{2,}[A-Za-z0-9]*|[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+)\b")
log = logging.getLogger("copydesk.runner")

#: called with (event type, run id, data) when a run reaches a state the outside world cares about
EventSink = Callable[[str, str, dict[str, Any]], object]
EVENT_OF_STATUS = {
    RunStatus.AWAITING_REVIEW: "review.pending",
    RunStatus.PUBLISHED: "run.published",
    RunStatus.FAILED: "run.failed",
    RunStatus.CANCELLED: "run.cancelled",
}


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
    if channel not in known_channels():
        raise RunError(unknown_channel_message(channel))
    if language not in ("de", "en"):
        raise RunError(f"unknown language {language!r}; choose de or en")
    return text


def worker_identity() -> str:
    """A name unique to this process, recorded as the lease owner of the runs it drives."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class _Heartbeat:
    """Renews the leases of the runs this process drives, every third of the lease."""

    def __init__(self, registry: RunRegistry, owner: str, lease_s: float) -> None:
        self._registry, self._owner, self._lease_s = registry, owner, lease_s
        self._active = 0
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> None:
        with self._lock:
            self._active += 1
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="copydesk-heartbeat", daemon=True)
                self._thread.start()

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._active -= 1

    def _loop(self) -> None:
        while not self._wake.wait(self._lease_s / 3):
            with self._lock:
                if self._active <= 0:
                    self._thread = None
                    return
            try:
                self._registry.renew(self._owner, self._lease_s)
            except Exception:  # a blip of the database must not kill the heartbeat
                log.exception("lease renewal failed")


class _ViewCache:
    """Views of runs at rest, keyed by their row, for a few seconds.

    The key is everything a worker changes when a run moves on (status, ``updated_at``,
    revision, pending decision), so a cached view is never older than its row. The short
    age bound covers what changes a checkpoint without touching the row, from another
    process: the retention purge (``copydesk erase --expired``). Erasing a subject deletes
    the row too, so its runs miss the cache at once. Callers get a copy they may change.
    """

    def __init__(self, max_age_s: float = 2.0, size: int = 4096) -> None:
        self._max_age_s, self._size = max_age_s, size
        self._entries: dict[str, tuple[float, tuple[Any, ...], RunView]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _key(record: RunRecord) -> tuple[Any, ...]:
        return (record.status, record.updated_at, record.revision, record.decision_id, record.error)

    def get(self, record: RunRecord) -> RunView | None:
        with self._lock:
            entry = self._entries.get(record.run_id)
        if entry is None or entry[1] != self._key(record) or time.monotonic() - entry[0] > self._max_age_s:
            return None
        return deepcopy(entry[2])

    def put(self, record: RunRecord, view: RunView) -> None:
        with self._lock:
            if len(self._entries) >= self._size:
                self._entries.clear()
            self._entries[record.run_id] = (time.monotonic(), self._key(record), deepcopy(view))


class DraftRunner:
    """Runs of the draft graph over one checkpointer, one registry and one set of services."""

    def __init__(
        self,
        services: DraftServices,
        checkpointer: BaseCheckpointSaver[str],
        registry: RunRegistry,
        *,
        lease_s: float = 60.0,
        owner: str | None = None,
        on_event: EventSink | None = None,
        audit: AuditLog | None = None,
    ) -> None:
        self.services = services
        self.registry = registry
        self.graph = compile_graph(checkpointer)
        self.owner = owner or worker_identity()
        self.lease_s = lease_s
        self.on_event = on_event
        self._heartbeat = _Heartbeat(registry, self.owner, lease_s)
        self._driving: set[str] = set()
        self.audit = audit
        self._views = _ViewCache()

    @staticmethod
    def _config(run_id: str) -> RunnableConfig:
        return {"configurable": {"thread_id": run_id}, "recursion_limit": 60}

    def _emit(self, status: RunStatus | str, run_id: str, **data: Any) -> None:
        kind = EVENT_OF_STATUS.get(RunStatus(status))
        if kind and self.on_event is not None:
            try:
                self.on_event(kind, run_id, {"run_id": run_id, "status": str(status), **data})
            except Exception:  # notifications never fail a run
                log.exception("event %s for run %s not recorded", kind, run_id)

    # --- audit hooks (issue 10): creation, decisions, publication --------------------------
    def _audit(self, action: str, actor: str, run_id: str, details: dict[str, Any]) -> None:
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
        self._audit("run.decision", str(decision.get("editor") or "editor"), run_id, details)

    def _record_outcome(self, run_id: str, view: RunView, decision: dict[str, Any] | None) -> None:
        if self.audit is None or not decision:
            return
        actor = str(decision.get("editor") or "editor")
        if view.status == "published":
            details = {**audit_log.run_provenance(view.state, self.services), "published": dict(view.published)}
            self._audit("run.published", actor, run_id, details)
        elif decision.get("action") == "approve" and view.status == "awaiting_review":
            message = str(view.state.get("review_message") or "")[:500]
            self._audit("run.approval_refused", actor, run_id, {"reason": message})

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

    def _scrub_message(self, run_id: str, message: str) -> str:
        """An error message fit for the run list and logs: it may quote model output or sources."""
        record = self.registry.get(run_id)
        language = record.language if record and record.language in ("de", "en") else "en"
        # Acronyms and CamelCase words (JSON, HTTP, StructuredOutputError) are code, not people.
        technical = sorted(set(_TECHNICAL_WORD.findall(message)))
        try:
            return scrub_decision(  # type: ignore[no-any-return]
                {"feedback": message}, self.services.scrubber, language, technical
            )["feedback"]
        except Exception:  # the scrubber itself failed: say so rather than store the raw text
            return f"{message.split(':', 1)[0]}: (details withheld: they could not be scrubbed)"

    # --- creating and deciding (durable before anyone answers "accepted") --------------------

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

        The input is written to the run's checkpoint first and the registry row second, so a
        row always has its input: any worker can start it with :meth:`drive`.
        """
        text = validate_request(brief, channel, language)
        run_id = run_id or uuid.uuid4().hex[:12]
        if self.registry.get(run_id) is not None:
            raise RunConflictError(f"run {run_id} already exists")
        # Pseudonymise before the graph sees the brief: the run's first checkpoint and the run
        # list store it, and personal data must not be persisted there in clear.
        pseudonyms = PseudonymMap()
        scrubbed = self.services.scrubber.scrub(text, language, pseudonyms, allow=self.services.options.public_terms)
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
        self.registry.create(
            RunRecord(
                run_id=run_id,
                channel=channel,
                language=language,
                brief_preview=scrubbed.text[:120],
                status=RunStatus.QUEUED,
                campaign_id=campaign_id,
                created_by=actor,
            )
        )
        self._audit(
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

    def submit_decision(self, run_id: str, decision: dict[str, Any]) -> str:
        """Record an editor's decision on a waiting run (status → ``queued``); returns its id.

        This is the review precondition, checked once: only a run in ``awaiting_review`` takes a
        decision, and only one decision wins if two editors answer at once.
        """
        view = self.get(run_id)
        decision = self._clean_decision(view, decision)
        decision_id = uuid.uuid4().hex[:16]
        payload = {**decision, "decision_id": decision_id}

        moved = self.registry.transition(
            run_id,
            RunStatus.QUEUED,
            only_from=frozenset({RunStatus.AWAITING_REVIEW}),
            fields={"decision": json.dumps(payload, ensure_ascii=False), "decision_id": decision_id, "error": None},
        )
        if not moved:
            raise RunConflictError(refusal(run_id, self._status(run_id), "review"))
        self._record_decision(run_id, view, decision)  # once, where the decision becomes durable
        return decision_id

    def request_retry(self, run_id: str) -> None:
        """Queue a failed run again, or a run whose worker died (``running``, lease expired)."""
        record = self._record(run_id)
        if record.status == RunStatus.RUNNING:
            # dead: its lease ran out, or it was this process's own run and nothing here drives it now
            orphaned = record.lease_owner == self.owner and run_id not in self._driving
            if (record.lease_expired() or orphaned) and self.registry.transition(
                run_id,
                RunStatus.QUEUED,
                only_from=frozenset({RunStatus.RUNNING}),
                fields={"lease_owner": None, "lease_until": None},
            ):
                return
            left = max(0.0, (record.lease_until or 0.0) - time.time())
            raise RunConflictError(
                f"run {run_id} is running on {record.lease_owner}; if that worker died, its lease runs out "
                f"in {left:.0f} s and the run is continued (or retry it then)"
            )
        if not self.registry.transition(run_id, RunStatus.QUEUED, only_from=frozenset({RunStatus.FAILED})):
            raise RunConflictError(refusal(run_id, self._status(run_id), "retry"))

    def cancel(self, run_id: str) -> RunView:
        """Cancel a run that has not finished; a worker driving it stops at the next stage."""
        self._record(run_id)
        if not self.registry.transition(
            run_id, RunStatus.CANCELLED, fields={"decision": None, "decision_id": None, "lease_until": None}
        ):
            raise RunConflictError(refusal(run_id, self._status(run_id), "cancel"))
        self._emit(RunStatus.CANCELLED, run_id)
        return self.get(run_id)

    # --- the synchronous forms the CLI uses ------------------------------------------------

    def run(self, run_id: str) -> RunView:
        """Drive a queued run to the editor's interrupt (or to a failure)."""
        if self._status(run_id) != RunStatus.QUEUED:
            raise RunConflictError(f"run {run_id} is not queued (status: {self._status(run_id)})")
        return self.drive(run_id)

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
        return self.drive(created)

    def resume(self, run_id: str, decision: dict[str, Any]) -> RunView:
        """Hand the editor's decision to a waiting run and apply it now."""
        self._record(run_id)
        self.submit_decision(run_id, decision)
        return self.drive(run_id)

    def retry(self, run_id: str) -> RunView:
        """Continue a failed or crashed run from the stage where it stopped."""
        self.request_retry(run_id)
        return self.drive(run_id)

    # --- the worker's side ---------------------------------------------------------------

    def drive(self, run_id: str) -> RunView:
        """Claim a queued run (or a dead worker's) and advance it as far as it goes.

        Whatever the run needs next follows from its row and its checkpoint: its input (a new
        run), the editor's pending decision, or nothing (continue after a crash or a failure).
        Returns the run as it stands; does nothing if another worker holds it.
        """
        before = self.registry.get(run_id)  # for the trace: queued fresh, resumed or retried
        if not self.registry.claim(run_id, self.owner, self.lease_s):
            return self.get(run_id)
        self._driving.add(run_id)
        pending_decision = self._record(run_id).pending_decision  # for the audit entry of its outcome
        with self._heartbeat:
            try:
                graph_input = self._next_input(run_id)
                with run_trace(run_id, **trace_attributes(before, graph_input)):  # one trace per run, resumed too
                    for _ in self.graph.stream(
                        graph_input, self._config(run_id), context=self.services, stream_mode="updates"
                    ):
                        if self._status(run_id) != RunStatus.RUNNING:  # cancelled meanwhile
                            log.info("run %s stopped: %s", run_id, self._status(run_id))
                            return self.get(run_id)
            except Exception as exc:
                message = self._scrub_message(run_id, f"{type(exc).__name__}: {exc}")[:2000]
                if self.registry.transition(
                    run_id,
                    RunStatus.FAILED,
                    owner=self.owner,
                    fields={"error": message, "lease_owner": None, "lease_until": None},
                ):
                    self._emit(RunStatus.FAILED, run_id, error=message)
                raise RunError(
                    f"run {run_id} failed: {message} (fix the cause, then `copydesk retry {run_id}`)"
                ) from exc
            finally:
                self._driving.discard(run_id)
        view = self._view(run_id, None)
        outcome = RunStatus(view.status) if view.status in RunStatus.__members__.values() else RunStatus.RUNNING
        if outcome not in (RunStatus.AWAITING_REVIEW, RunStatus.PUBLISHED, RunStatus.REJECTED):
            outcome = RunStatus.FAILED
            view.error = "the graph stopped without reaching review or an end"
        fields: dict[str, Any] = {
            "decision": None,
            "decision_id": None,
            "revision": int(view.state.get("revision", 0)),
            "error": view.error if outcome == RunStatus.FAILED else None,
            "lease_owner": None,
            "lease_until": None,
        }
        if self.registry.transition(run_id, outcome, owner=self.owner, fields=fields):
            self._emit(outcome, run_id, published=view.published or None)
            self._record_outcome(run_id, view, pending_decision)
        return self.get(run_id)

    def _next_input(self, run_id: str) -> Any:
        """The editor's pending decision if the run still waits for it, else ``None`` (continue)."""
        record = self._record(run_id)
        decision = record.pending_decision
        if not decision:
            return None
        snapshot = self.graph.get_state(self._config(run_id))
        waiting = any(task.interrupts for task in snapshot.tasks)
        applied = (snapshot.values or {}).get("last_decision_id")
        if waiting and applied != record.decision_id:
            return Command(resume=decision)
        return None  # already applied before a crash: just continue

    # --- reading --------------------------------------------------------------------------

    def _record(self, run_id: str) -> RunRecord:
        record = self.registry.get(run_id)
        if record is None:
            raise RunNotFoundError(f"unknown run {run_id!r} (see `copydesk runs`)")
        return record

    def _status(self, run_id: str) -> str:
        return self._record(run_id).status

    def _view(self, run_id: str, record: RunRecord | None) -> RunView:
        """The run from its checkpoint; the status from the row when there is one."""
        snapshot = self.graph.get_state(self._config(run_id))
        if record is None and not snapshot.values:
            raise RunNotFoundError(f"unknown run {run_id!r} (see `copydesk runs`)")
        state: DraftState = snapshot.values  # type: ignore[assignment]
        interrupts = [i for task in snapshot.tasks for i in task.interrupts]
        if record is not None:
            status = record.status
        elif interrupts:
            status = RunStatus.AWAITING_REVIEW
        else:
            status = state.get("status") or RunStatus.RUNNING
            if status == RunStatus.RUNNING and not snapshot.next:
                status = RunStatus.FAILED
        review = copydesk_payload(interrupts[0].value) if interrupts and status == RunStatus.AWAITING_REVIEW else None
        return RunView(
            run_id=run_id,
            status=str(status),
            review=review,
            published=dict(state.get("published") or {}),
            error=record.error if record else None,
            state=dict(state),
        )

    def get(self, run_id: str) -> RunView:
        """The run's current state; raises RunError for an unknown run.

        Pollers read a run far more often than it changes: a run that is neither queued nor
        running changes its checkpoint only after its row changes, so its view is served from
        :class:`_ViewCache` while the row stays the same (status and row are always read fresh).
        """
        record = self.registry.get(run_id)
        if record is None or record.status in PENDING or run_id in self._driving:
            return self._view(run_id, record)
        cached = self._views.get(record)
        if cached is not None:
            return cached
        view = self._view(run_id, record)
        self._views.put(record, view)
        return view

    def list(self, **filters: Any) -> list[RunRecord]:
        return self.registry.list(**filters)
