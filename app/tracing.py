"""Langfuse tracing: one trace per run, built here from settings; off without keys.

A run's trace id is derived from its run id (``Langfuse.create_trace_id(seed=run_id)``),
so the first drive, every resume after an editor's decision and every retry land in the
same trace. The campaign is the Langfuse session and the signed-in identity (when the
caller knows one, see :func:`acting_as`) the user. Nodes and model calls are observed
by :mod:`graphs.draft.tracing`, which this module installs.

A Langfuse server that is down or slow must never block or slow a run: spans and
scores leave through the SDK's background exporters (bounded queues that drop when
full), HTTP calls have a short timeout, and process exit waits for the last flush at
most ``langfuse_shutdown_timeout_s``. Everything is masked (:func:`mask_for_export`)
before export, on top of the rule that only ids and counts are recorded.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import re
import threading
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from typing import Any

from app.settings import Settings
from graphs.draft import tracing as node_tracing

_log = logging.getLogger(__name__)
_lock = threading.Lock()
_client: Any = None
_shutdown_timeout_s = 3.0
_identity: ContextVar[str | None] = ContextVar("copydesk_trace_identity", default=None)

# Personal data that must never reach an exported span, whatever a caller put in it.
_MASKS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), "<EMAIL>"),
    (re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){3,7}(?:[ ]?[A-Z0-9]{1,3})?\b"), "<IBAN>"),
    (re.compile(r"\b(?:\d[ -]?){13,19}\b"), "<NUMBER>"),
    (re.compile(r"(?<![\w.])\+?\d[\d ()/.-]{7,}\d\b"), "<PHONE>"),
)


def mask_text(text: str) -> str:
    """E-mail addresses, IBANs, card-like and phone-like numbers replaced by placeholders."""
    for pattern, placeholder in _MASKS:
        text = pattern.sub(placeholder, text)
    return text


def mask_for_export(*, data: Any, **_: Any) -> Any:
    """Langfuse ``mask`` hook: applied to every input, output and metadata before export."""
    if isinstance(data, str):
        return mask_text(data)
    if isinstance(data, Mapping):
        return {k: mask_for_export(data=v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [mask_for_export(data=v) for v in data]
    return data


def setup_tracing(settings: Settings) -> bool:
    """Start Langfuse export if keys are set (once per process); returns whether tracing is on."""
    global _client, _shutdown_timeout_s
    with _lock:
        if _client is not None:
            return True
        if not (settings.langfuse_public_key and settings.langfuse_secret_key):
            return False
        from langfuse import Langfuse
        from opentelemetry.sdk.trace import TracerProvider

        client = Langfuse(
            public_key=settings.langfuse_public_key,
            secret_key=settings.langfuse_secret_key,
            base_url=settings.langfuse_host or "http://localhost:3000",
            timeout=max(1, int(settings.langfuse_timeout_s)),
            flush_interval=settings.langfuse_flush_interval_s,
            mask=mask_for_export,
            # its own provider: copydesk's spans go to Langfuse, nothing else's, and no global is replaced
            tracer_provider=TracerProvider(),
            environment=settings.langfuse_environment,
        )
        resources = getattr(client, "_resources", None)
        if resources is not None:  # replace the SDK's unbounded exit flush with a bounded one
            atexit.unregister(resources.shutdown)
        _shutdown_timeout_s = settings.langfuse_shutdown_timeout_s
        atexit.register(shutdown_tracing)
        _client = client
        node_tracing.install(
            node_tracing.NodeTracer(
                client=client, prices=settings.llm_prices, capture_text=settings.langfuse_capture_text
            )
        )
        return True


def tracing_client() -> Any:
    """The Langfuse client, or ``None`` when tracing is off."""
    return _client


def shutdown_tracing(timeout_s: float | None = None) -> bool:
    """Flush and stop, waiting at most ``timeout_s``; returns whether the flush finished in time."""
    global _client
    with _lock:
        client, _client = _client, None
        node_tracing.install(None)
    if client is None:
        return True
    worker = threading.Thread(target=client.shutdown, name="langfuse-shutdown", daemon=True)
    worker.start()
    worker.join(_shutdown_timeout_s if timeout_s is None else timeout_s)
    if worker.is_alive():
        _log.warning("Langfuse did not answer in time; unsent spans are dropped")
        return False
    return True


def flush_tracing(timeout_s: float = 5.0) -> bool:
    """Flush without stopping (tests, the eval suite), bounded like :func:`shutdown_tracing`."""
    client = _client
    if client is None:
        return True
    worker = threading.Thread(target=client.flush, name="langfuse-flush", daemon=True)
    worker.start()
    worker.join(timeout_s)
    return not worker.is_alive()


def trace_id_for(run_id: str) -> str:
    """The Langfuse trace id of a run (the same for every drive of it)."""
    from langfuse import Langfuse

    return str(Langfuse.create_trace_id(seed=f"copydesk-run:{run_id}"))


@contextlib.contextmanager
def acting_as(identity: str | None) -> Iterator[None]:
    """Within the block, runs are traced with this user (the API sets the signed-in identity)."""
    token = _identity.set(identity)
    try:
        yield
    finally:
        _identity.reset(token)


@contextlib.contextmanager
def run_trace(
    run_id: str,
    *,
    action: str,
    campaign_id: str | None = None,
    channel: str | None = None,
    language: str | None = None,
    user_id: str | None = None,
) -> Iterator[None]:
    """One drive of a run (start, resume, retry) as the root observation of the run's trace."""
    client = _client
    if client is None:
        yield
        return
    from langfuse import propagate_attributes

    user = _identity.get() or user_id
    stack = contextlib.ExitStack()
    try:
        stack.enter_context(
            propagate_attributes(
                session_id=campaign_id or None,
                user_id=user or None,
                trace_name="copydesk draft",
                tags=[t for t in (channel, language) if t],
                metadata={"run_id": run_id, **({"channel": channel} if channel else {})},
            )
        )
        root = stack.enter_context(
            client.start_as_current_observation(
                name=f"run.{action}",
                as_type="agent",
                trace_context={"trace_id": trace_id_for(run_id)},
                metadata={"run_id": run_id, "action": action},
            )
        )
    except Exception:
        _log.debug("could not open the run trace", exc_info=True)
        stack.close()
        yield
        return
    with stack:
        try:
            yield
        except Exception as exc:
            with contextlib.suppress(Exception):
                root.update(level="ERROR", status_message=type(exc).__name__)
            raise


def trace_attributes(record: Any, graph_input: Any) -> dict[str, Any]:
    """Trace attributes of one drive from the run record (campaign, channel) and its input."""
    resume = getattr(graph_input, "resume", None)
    decision = resume if isinstance(resume, Mapping) else {}
    return {
        "action": "resume"
        if resume is not None
        else ("start" if graph_input is None and record is not None and record.status == "queued" else "retry"),
        "campaign_id": getattr(record, "campaign_id", None),
        "channel": getattr(record, "channel", None),
        "language": getattr(record, "language", None),
        # the deciding editor when a decision resumes the run; before that, whoever queued it
        "user_id": str(decision.get("editor") or getattr(record, "created_by", None) or "") or None,
    }


def score_run(run_id: str, name: str, value: float | str, *, data_type: str = "NUMERIC", comment: str = "") -> None:
    """Attach a score (an evaluation result, say) to a run's trace; a no-op without tracing."""
    client = _client
    if client is None:
        return
    try:
        client.create_score(
            name=name, value=value, trace_id=trace_id_for(run_id), data_type=data_type, comment=comment or None
        )
    except Exception:
        _log.debug("could not score run %s", run_id, exc_info=True)
