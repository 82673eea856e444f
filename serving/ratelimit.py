"""A token-bucket rate limit per endpoint: smooth bursts of calls to what a server accepts.

A campaign of 500 pieces would otherwise fire requests as fast as the worker can,
and a shared vLLM server answers with 429s. The bucket holds ``capacity`` tokens,
refills at ``rate_per_s``; a call takes one token, waiting for it up to a limit.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class TokenBucket:
    """Classic token bucket; ``acquire`` blocks (bounded) rather than failing at once."""

    def __init__(
        self,
        rate_per_s: float,
        capacity: int = 4,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate_per_s <= 0 or capacity < 1:
            raise ValueError("rate_per_s must be positive and capacity at least 1")
        self.rate_per_s = rate_per_s
        self.capacity = capacity
        self._clock = clock
        self._sleep = sleep
        self._tokens = float(capacity)
        self._updated = clock()
        self._lock = threading.Lock()

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate_per_s)
        self._updated = now

    def try_acquire(self) -> float:
        """Take a token if one is there (returns 0), else return the seconds until one will be."""
        with self._lock:
            self._refill()
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return 0.0
            return (1.0 - self._tokens) / self.rate_per_s

    def acquire(self, max_wait_s: float) -> bool:
        """Wait for a token up to ``max_wait_s``; False means "this endpoint is saturated, go elsewhere"."""
        waited = 0.0
        while True:
            wait = self.try_acquire()
            if wait == 0.0:
                return True
            if waited + wait > max_wait_s:
                return False
            self._sleep(wait)
            waited += wait
