"""One run model: every status a run can have and the transitions allowed between them.

The run registry changes a status only through :func:`allowed_from` (a compare-and-set on
the row), so the preconditions of review, retry and cancel are written once, here, and hold
across processes and machines: two workers, or a worker and an editor, can race for a run
and exactly one wins.

The values are also the graph state's ``status`` literal (``graphs.draft.state.RunStatus``);
``graphs`` must not import ``app``, so the literal lives there and this module checks at
import time that the enum agrees with it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import get_args

from graphs.draft.state import RunStatus as GraphRunStatus


class RunStatus(StrEnum):
    """Where a run is. ``queued`` means "waiting for a worker", whatever the worker will do next
    (start, continue after a crash, apply an editor's decision, retry)."""

    QUEUED = "queued"
    RUNNING = "running"
    AWAITING_REVIEW = "awaiting_review"
    PUBLISHED = "published"
    REJECTED = "rejected"
    FAILED = "failed"
    CANCELLED = "cancelled"


if {s.value for s in RunStatus} != set(get_args(GraphRunStatus)):  # pragma: no cover - import-time guard
    raise ImportError("app.run_status.RunStatus and graphs.draft.state.RunStatus disagree")

Q, R, A, P, J, F, C = (
    RunStatus.QUEUED,
    RunStatus.RUNNING,
    RunStatus.AWAITING_REVIEW,
    RunStatus.PUBLISHED,
    RunStatus.REJECTED,
    RunStatus.FAILED,
    RunStatus.CANCELLED,
)

#: new status -> the statuses a run may be in to move there
TRANSITIONS: dict[RunStatus, frozenset[RunStatus]] = {
    # queued: created; an editor's decision accepted (awaiting_review); a retry (failed); a dead
    # worker's run handed back (running, with its lease expired: the registry checks the lease)
    Q: frozenset({A, F, R}),
    # running: a worker claimed it (queued), or took over a dead worker's run (running, lease expired)
    R: frozenset({Q, R}),
    # the worker's outcome
    A: frozenset({R}),
    P: frozenset({R}),
    J: frozenset({R}),
    F: frozenset({R, Q}),
    # cancel: anything not finished
    C: frozenset({Q, R, A, F}),
}

TERMINAL: frozenset[RunStatus] = frozenset({P, J, C})
#: statuses in which a worker owes the run some work
PENDING: frozenset[RunStatus] = frozenset({Q, R})


def allowed_from(new: RunStatus | str) -> frozenset[RunStatus]:
    """The statuses from which a run may move to ``new``."""
    return TRANSITIONS[RunStatus(new)]


def can_move(old: RunStatus | str, new: RunStatus | str) -> bool:
    return RunStatus(old) in allowed_from(new)


def refusal(run_id: str, old: RunStatus | str, action: str) -> str:
    """Why ``action`` (review, retry, cancel) is refused for a run in status ``old``; one wording everywhere."""
    old = RunStatus(old)
    if old == P:
        return f"run {run_id} is already published"
    if old == J:
        return f"run {run_id} was rejected; start a new run"
    if old == C:
        return f"run {run_id} was cancelled"
    if action == "review":
        return f"run {run_id} is not waiting for an editor (status: {old})"
    if action == "retry":
        return f"run {run_id} cannot be retried (status: {old}); only failed runs and runs whose worker died can"
    return f"run {run_id} cannot be {action}ed (status: {old})"
