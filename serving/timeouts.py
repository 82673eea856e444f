"""Request timeouts that scale with the work asked for, and, for the embedded model, with its speed.

A fixed timeout is wrong both ways: too long for a 60-token query plan on a dead
server, too short for an 800-token revision on two loaded CPU cores (the 249 s
failure of issue 13). So a timeout is ``base + prompt/prefill + max_tokens/decode``
times a safety factor. For a GPU server the speeds are configured floors; for the
embedded model they are measured (a probe at start, then every finished call,
including a timed-out one, which proves the server slower than the deadline assumed).
A serial server (llama.cpp answers one request at a time) also waits for the
requests queued before this one.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class TimeoutPolicy:
    """How deadlines are derived; the defaults suit a GPU vLLM server (≥ 20 tokens/s per request)."""

    base_s: float = 20.0
    per_output_token_s: float = 0.05
    per_input_token_s: float = 0.002
    floor_s: float = 30.0
    ceiling_s: float = 900.0
    safety: float = 3.0
    retry_growth: float = 1.5

    def static(self, prompt_tokens: int, max_tokens: int) -> float:
        """Deadline from configured per-token allowances (servers whose speed is not measured)."""
        seconds = self.base_s + prompt_tokens * self.per_input_token_s + max_tokens * self.per_output_token_s
        return self._clamp(seconds)

    def _clamp(self, seconds: float) -> float:
        return min(self.ceiling_s, max(self.floor_s, seconds))


class SpeedMeter:
    """Moving estimate of a server's prefill and decode speed (tokens/s), from probes and calls."""

    def __init__(self, alpha: float = 0.4) -> None:
        self.alpha = alpha
        self.decode_tps: float | None = None
        self.prefill_tps: float | None = None
        self.samples = 0
        self._lock = threading.Lock()

    @property
    def measured(self) -> bool:
        return self.decode_tps is not None

    def observe_probe(self, prompt_tokens: int, ttft_s: float, completion_tokens: int, total_s: float) -> None:
        """A streamed probe separates prefill (time to first token) from decoding."""
        with self._lock:
            if ttft_s > 0 and prompt_tokens > 0:
                self.prefill_tps = self._blend(self.prefill_tps, prompt_tokens / ttft_s)
            decode_s = max(total_s - ttft_s, 1e-3)
            if completion_tokens > 1:
                self.decode_tps = self._blend(self.decode_tps, (completion_tokens - 1) / decode_s)
            self.samples += 1

    def observe_call(self, prompt_tokens: int, completion_tokens: int, seconds: float) -> None:
        """A finished non-streamed call: decode speed after subtracting the estimated prefill."""
        if completion_tokens < 8 or seconds <= 0:
            return  # too short to say anything about decoding
        with self._lock:
            prefill_s = prompt_tokens / self.prefill_tps if self.prefill_tps else 0.0
            decode_s = max(seconds - prefill_s, seconds * 0.2)
            self.decode_tps = self._blend(self.decode_tps, completion_tokens / decode_s)
            self.samples += 1

    def observe_timeout(self, max_tokens: int, waited_s: float) -> None:
        """A call that did not finish in ``waited_s``: the server is at most ``max_tokens/waited_s`` fast."""
        with self._lock:
            bound = max_tokens / max(waited_s, 1e-3)
            if self.decode_tps is None or self.decode_tps > bound:
                self.decode_tps = bound * 0.8
            self.samples += 1

    def _blend(self, old: float | None, new: float) -> float:
        return new if old is None else (1 - self.alpha) * old + self.alpha * new

    def timeout(self, policy: TimeoutPolicy, prompt_tokens: int, max_tokens: int, queued_ahead: int = 0) -> float:
        """Deadline from the measured speeds; the static one until something was measured."""
        if self.decode_tps is None:
            return policy.static(prompt_tokens, max_tokens) * (1 + queued_ahead)
        prefill_s = prompt_tokens / self.prefill_tps if self.prefill_tps else prompt_tokens * policy.per_input_token_s
        one = prefill_s + max_tokens / self.decode_tps
        return policy._clamp((policy.base_s + policy.safety * one) * (1 + queued_ahead))
