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
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.types import Command

from app.run_status import RunStatus, refusal
from app.runs import RunRecord, RunRegistry
from graphs.draft.context import DraftServices
from graphs.draft.graph import compile_graph
from graphs.draft.nodes.review import copydesk_payload
from graphs.draft.state import DraftState
from tools.content import CHANNELS
from tools.pii import PseudonymMap

MAX_BRIEF_CHARS = 4000
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
    ) -> None:
        self.services = services
        self.registry = registry
        self.graph = compile_graph(checkpointer)
        self.owner = owner or worker_identity()
        self.lease_s = lease_s
        self.on_event = on_event
        self._heartbeat = _Heartbeat(registry, self.owner, lease_s)
        self._driving: set[str] = set()

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
            )
        )
        return run_id

    def submit_decision(self, run_id: str, decision: dict[str, Any]) -> str:
        """Record an editor's decision on a waiting run (status → ``queued``); returns its id.

        This is the review precondition, checked once: only a run in ``awaiting_review`` takes a
        decision, and only one decision wins if two editors answer at once.
        """
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
    ) -> RunView:
        """Create a run and drive it to the editor's interrupt (or to a failure)."""
        created = self.create(
            brief, channel=channel, language=language, product_id=product_id, campaign_id=campaign_id, run_id=run_id
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
        if not self.registry.claim(run_id, self.owner, self.lease_s):
            return self.get(run_id)
        self._driving.add(run_id)
        with self._heartbeat:
            try:
                graph_input = self._next_input(run_id)
                for _ in self.graph.stream(
                    graph_input, self._config(run_id), context=self.services, stream_mode="updates"
                ):
                    if self._status(run_id) != RunStatus.RUNNING:  # cancelled meanwhile
                        log.info("run %s stopped: %s", run_id, self._status(run_id))
                        return self.get(run_id)
            except Exception as exc:
                message = f"{type(exc).__name__}: {exc}"[:2000]
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
        """The run's current state; raises RunError for an unknown run."""
        return self._view(run_id, self.registry.get(run_id))

    def list(self, **filters: Any) -> list[RunRecord]:
        return self.registry.list(**filters)
