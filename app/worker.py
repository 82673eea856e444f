"""Background execution of runs for the HTTP API: one worker thread, runs in submission order.

Drafting on the embedded CPU model takes seconds to minutes, so the API only queues
work and answers at once. One worker is deliberate: the model server and the CPU are
shared, and parallel drafts would only slow each other down (with vLLM, raise
``workers``). Queued runs are in the checkpoint and the run registry, so on start the
worker picks up whatever a previous process left queued.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from app.runner import DraftRunner, RunError, RunView

log = logging.getLogger("copydesk.worker")


class RunWorker:
    """Runs queued drafts and editor decisions off the request thread."""

    def __init__(self, runner: DraftRunner, workers: int = 1) -> None:
        self.runner = runner
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="copydesk-run")
        self._pending: dict[str, Future[RunView | None]] = {}
        self._lock = threading.Lock()

    def _submit(self, run_id: str, job: Callable[[], RunView]) -> None:
        def guarded() -> RunView | None:
            try:
                return job()
            except RunError as exc:  # already recorded as failed in the registry by the runner
                log.warning("%s", exc)
                return None

        with self._lock:
            self._pending[run_id] = self._pool.submit(guarded)

    def enqueue(self, run_id: str) -> None:
        """Start a queued run in the background."""
        self._submit(run_id, lambda: self.runner.run(run_id))

    def retry(self, run_id: str) -> None:
        """Continue a failed run in the background."""
        self._submit(run_id, lambda: self.runner.retry(run_id))

    def resume(self, run_id: str, decision: dict[str, Any]) -> None:
        """Hand an editor's decision to a waiting run in the background."""
        self._submit(run_id, lambda: self.runner.resume(run_id, decision))

    def recover(self) -> list[str]:
        """Queue again every run a previous process left queued; returns their ids."""
        queued = [record.run_id for record in self.runner.list(status="queued", limit=10_000)]
        for run_id in reversed(queued):  # oldest first
            self.enqueue(run_id)
        return queued

    def busy(self, run_id: str) -> bool:
        with self._lock:
            future = self._pending.get(run_id)
            return future is not None and not future.done()

    def wait(self, timeout_s: float | None = None) -> None:
        """Block until everything submitted so far is done (tests and shutdown)."""
        with self._lock:
            futures = list(self._pending.values())
        for future in futures:
            future.result(timeout=timeout_s)

    def shutdown(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=False)
