"""The embedded worker: runs queued drafts in this process, for one machine (SQLite default).

Drafting on the embedded CPU model takes seconds to minutes, so the API only records
work and answers at once; a thread pool here then advances each run with
:meth:`DraftRunner.drive`. One thread is deliberate: the model server and the CPU are
shared, and parallel drafts would only slow each other down. For more than one machine
use the PostgreSQL queue and ``copydesk worker`` processes (:mod:`app.queue`); both
implement the same small interface (:class:`RunQueue`), so the API does not care which
one it has.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Protocol

from app.run_status import PENDING, RunStatus
from app.runner import DraftRunner, RunError, RunView

log = logging.getLogger("copydesk.worker")


class RunQueue(Protocol):
    """What the API needs from whatever executes runs."""

    def submit(self, run_id: str) -> None:
        """Make sure a worker will advance this run (its row already says what to do)."""

    def busy(self, run_id: str) -> bool:
        """Whether work on the run is owed or in progress."""

    def recover(self) -> list[str]:
        """Hand runs a dead process left behind to a worker; returns their ids."""

    def shutdown(self) -> None: ...


class RunWorker:
    """Advances queued runs on a thread pool in this process."""

    def __init__(self, runner: DraftRunner, workers: int = 1) -> None:
        self.runner = runner
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="copydesk-run")
        self._pending: dict[str, Future[RunView | None]] = {}
        self._lock = threading.Lock()

    def submit(self, run_id: str) -> None:
        def guarded() -> RunView | None:
            try:
                return self.runner.drive(run_id)
            except RunError as exc:  # already recorded as failed in the registry by the runner
                log.warning("%s", exc)
                return None
            except Exception:  # the registry itself failed: the run stays queued/running for recover()
                log.exception("run %s could not be advanced", run_id)
                return None

        with self._lock:
            self._pending[run_id] = self._pool.submit(guarded)

    # the names the API used before there was one queue interface
    def enqueue(self, run_id: str) -> None:
        self.submit(run_id)

    def resume(self, run_id: str, decision: dict[str, Any]) -> None:
        """Record an editor's decision (durable), then apply it in the background."""
        self.runner.submit_decision(run_id, decision)
        self.submit(run_id)

    def retry(self, run_id: str) -> None:
        self.runner.request_retry(run_id)
        self.submit(run_id)

    def recover(self) -> list[str]:
        """Continue every run a previous process left queued or running; returns their ids.

        On one machine with one process, a run still ``running`` at start-up belonged to the
        process that died, whatever its lease says, so it is handed back at once.
        """
        self.runner.registry.requeue_stale(older_than=float("inf"))
        queued = [record.run_id for record in self.runner.list(status=RunStatus.QUEUED, limit=10_000)]
        for run_id in reversed(queued):  # oldest first
            self.submit(run_id)
        return queued

    def busy(self, run_id: str) -> bool:
        with self._lock:
            future = self._pending.get(run_id)
            if future is not None and not future.done():
                return True
        record = self.runner.registry.get(run_id)
        return record is not None and record.status in PENDING

    def wait(self, timeout_s: float | None = None) -> None:
        """Block until everything submitted so far is done (tests and shutdown)."""
        with self._lock:
            futures = list(self._pending.values())
        for future in futures:
            future.result(timeout=timeout_s)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)
