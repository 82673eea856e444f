"""Langfuse observations around graph nodes, with one generation per model call.

LangGraph emits no spans of its own, and plain OpenTelemetry spans (scope
``copydesk.graph``) are dropped by Langfuse SDK 5's default export filter, which
orphans everything below them. So each node is a Langfuse observation (retrieval
nodes as ``retriever``, fact-check as ``evaluator``, guards as ``guardrail``), and
every model call made inside a node becomes a ``generation`` child with model, token
usage, cost, latency and the prompt's name and version — from the ``llm_calls`` records
a node returns when it has them, else from the client's own response usage (caught
through :mod:`serving.observe`). Fact-check and guard outcomes and the editor's decision
become trace scores.

Nothing here runs unless the app installed a client (:func:`install`); without one a
node is called directly. Only ids, counts and verdict tallies are recorded, never text
(unless the operator asked for text capture, and then only after the client's mask).
Any tracing failure is swallowed: a trace is never worth a failed run.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from langgraph.errors import GraphBubbleUp

from prompts import PromptNotFoundError, parse_ref, prompt_by_ref
from serving.observe import observing

_log = logging.getLogger(__name__)

NODE_TYPES = {
    "retrieve": "retriever",
    "rerank": "retriever",
    "select_sources": "retriever",
    "fact_check": "evaluator",
    "guard": "guardrail",
}


@dataclass(frozen=True)
class _PromptLink:
    """What Langfuse reads from a prompt to link a generation to it (name, version)."""

    name: str
    version: int
    is_fallback: bool = False


@dataclass
class NodeTracer:
    """The installed Langfuse client plus what the wrapper needs to fill generations."""

    client: Any  # langfuse.Langfuse
    prices: Mapping[str, Mapping[str, float]] = field(default_factory=dict)  # model → USD per 1M tokens
    capture_text: bool = False


_installed: NodeTracer | None = None


def install(tracer: NodeTracer | None) -> None:
    """Use this tracer for every node from now on (``None``: stop tracing)."""
    global _installed
    _installed = tracer


def installed() -> NodeTracer | None:
    return _installed


def traced(node: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """Wrap a node in a Langfuse observation named after it; keeps the signature LangGraph inspects."""
    name = node.__name__

    @functools.wraps(node)
    def wrapper(*args: Any, **kwargs: Any) -> dict[str, Any]:
        tracer = _installed
        if tracer is None:
            return node(*args, **kwargs)
        return _run_traced(tracer, name, node, args, kwargs)

    wrapper.__signature__ = inspect.signature(node)  # type: ignore[attr-defined]
    return wrapper


@dataclass
class _Call:
    task: str
    model: str
    generation: Any
    started: float
    ended_ns: int | None = None
    seconds: float = 0.0
    result: Any = None
    error: BaseException | None = None


def _node_metadata(state: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "run_id": str(state.get("run_id", "")),
        "channel": str(state.get("channel", "")),
        "language": str(state.get("language", "")),
        "revision": int(state.get("revision", 0) or 0),
    }


def _summary(result: Mapping[str, Any] | None) -> dict[str, Any]:
    """Counts, not contents: which keys a node wrote and how many items."""
    if not result:
        return {"updated": []}
    counts = {k: len(v) for k, v in result.items() if isinstance(v, list | dict) and k not in ("events",)}
    return {"updated": sorted(result), "counts": counts}


def _run_traced(
    tracer: NodeTracer, name: str, node: Callable[..., dict[str, Any]], args: Sequence[Any], kwargs: Mapping[str, Any]
) -> dict[str, Any]:
    state: Mapping[str, Any] = args[0] if args else kwargs.get("state", {})
    client = tracer.client
    calls: list[_Call] = []

    def observer(task: str, model: str, messages: Sequence[Mapping[str, str]]) -> Callable[[Any, Any], None]:
        generation = client.start_observation(
            name=f"llm.{task}",
            as_type="generation",
            model=model,
            input=[dict(m) for m in messages] if tracer.capture_text else None,
            metadata={"task": task},
        )
        call = _Call(task=task, model=model, generation=generation, started=time.perf_counter())
        calls.append(call)

        def finish(result: Any, error: BaseException | None) -> None:
            call.ended_ns, call.seconds = time.time_ns(), time.perf_counter() - call.started
            call.result, call.error = result, error

        return finish

    stack = contextlib.ExitStack()
    try:
        observation = stack.enter_context(
            client.start_as_current_observation(
                name=name, as_type=NODE_TYPES.get(name, "span"), metadata=_node_metadata(state)
            )
        )
    except Exception:
        _log.debug("could not open a trace observation for %s", name, exc_info=True)
        return node(*args, **kwargs)
    with stack:
        try:
            with observing(observer):
                result = node(*args, **kwargs)
        except GraphBubbleUp:  # interrupt(): the run waits for the editor, not an error
            _safe(observation.update, output={"interrupted": True})
            _finish_calls(tracer, calls, {})
            raise
        except Exception as exc:
            _safe(observation.update, level="ERROR", status_message=type(exc).__name__)
            _finish_calls(tracer, calls, {})
            raise
        _finish_calls(tracer, calls, result or {})
        _safe(observation.update, output=_summary(result))
        _score(observation, name, state, result or {})
        return result


def _safe(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    try:
        fn(*args, **kwargs)
    except Exception:
        _log.debug("tracing call failed", exc_info=True)


def _prompt_for(task: str, result: Mapping[str, Any], record: Mapping[str, Any] | None) -> tuple[str, str] | None:
    """(ref, hash) of the prompt behind a call: the record's ``prompt_ref``, else the node's prompt for that role."""
    used: dict[str, str] = dict(result.get("prompts_used") or {})
    if record and record.get("prompt_ref"):
        ref = str(record["prompt_ref"])
        return ref, used.get(ref, "")
    for ref, digest in used.items():
        try:
            if prompt_by_ref(ref).role == task:
                return ref, digest
        except (PromptNotFoundError, OSError):
            continue
    return None


def _cost(tracer: NodeTracer, model: str, prompt_tokens: int, completion_tokens: int) -> dict[str, float]:
    price = tracer.prices.get(model) or {}
    cost_in = prompt_tokens * float(price.get("input", 0.0)) / 1e6
    cost_out = completion_tokens * float(price.get("output", 0.0)) / 1e6
    return {"input": cost_in, "output": cost_out, "total": cost_in + cost_out}


def _finish_calls(tracer: NodeTracer, calls: list[_Call], result: Mapping[str, Any]) -> None:
    """Fill and end every generation of a node, now that the node's prompt is known."""
    records = [r for r in result.get("llm_calls") or [] if isinstance(r, Mapping)]
    matched = records if len(records) == len(calls) else [None] * len(calls)
    for call, record in zip(calls, matched, strict=True):
        _safe(_end_generation, tracer, call, record, result)
    if not calls:  # records made without going through LLMClient.chat: generations after the fact
        for record in records:
            _safe(_generation_from_record, tracer, record, result)


def _usage(call: _Call, record: Mapping[str, Any] | None) -> tuple[int, int]:
    if record is not None:
        return int(record.get("prompt_tokens") or 0), int(record.get("completion_tokens") or 0)
    usage = getattr(call.result, "usage", None) or {}
    return int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0)


def _end_generation(
    tracer: NodeTracer, call: _Call, record: Mapping[str, Any] | None, result: Mapping[str, Any]
) -> None:
    prompt_tokens, completion_tokens = _usage(call, record)
    model = str((record or {}).get("model") or getattr(call.result, "model", "") or call.model)
    cost = _cost(tracer, model, prompt_tokens, completion_tokens)
    if record is not None and record.get("cost_usd"):  # the registry priced it (zero: no price configured there)
        cost = {"total": float(record["cost_usd"])}
    prompt = _prompt_for(call.task, result, record)
    metadata: dict[str, Any] = {
        "task": call.task,
        "latency_ms": round(float((record or {}).get("latency_ms") or call.seconds * 1000), 1),
        "endpoint": str((record or {}).get("endpoint") or getattr(call.result, "endpoint", "")),
    }
    if record is not None:
        metadata |= {"cache_hit": bool(record.get("cache_hit")), "attempts": record.get("attempts")}
    link = None
    if prompt:
        name, version = parse_ref(prompt[0])
        link = _PromptLink(name, version)
        metadata |= {"prompt_ref": prompt[0], "prompt_hash": prompt[1]}
    update: dict[str, Any] = {
        "model": model,
        "usage_details": {
            "input": prompt_tokens,
            "output": completion_tokens,
            "total": prompt_tokens + completion_tokens,
        },
        "cost_details": cost,
        "metadata": metadata,
        "prompt": link,
    }
    if tracer.capture_text and call.result is not None:
        update["output"] = getattr(call.result, "text", None)
    error = call.error or ((record or {}).get("error") and RuntimeError(str(record["error"])))  # type: ignore[index]
    if error:
        update |= {"level": "ERROR", "status_message": type(error).__name__}
    call.generation.update(**update)
    call.generation.end(end_time=call.ended_ns)


def _generation_from_record(tracer: NodeTracer, record: Mapping[str, Any], result: Mapping[str, Any]) -> None:
    task = str(record.get("task") or "llm")
    generation = tracer.client.start_observation(name=f"llm.{task}", as_type="generation", model=record.get("model"))
    call = _Call(task=task, model=str(record.get("model") or ""), generation=generation, started=time.perf_counter())
    call.ended_ns = time.time_ns()
    _end_generation(tracer, call, record, result)


def _score(observation: Any, node: str, state: Mapping[str, Any], result: Mapping[str, Any]) -> None:
    """Fact-check, guard and editor outcomes as trace scores (numbers and categories, no text)."""
    scores: list[tuple[str, float | str, str]] = []
    if node == "fact_check":
        sentences = [s for s in result.get("sentences") or [] if s.get("verdict") != "no_claim"]
        items = sentences or result.get("verdicts") or []
        supported = sum(1 for v in items if v.get("verdict") == "supported")
        if items:
            scores.append(("factcheck_supported_ratio", supported / len(items), "NUMERIC"))
        scores.append(("factcheck_unsupported", float(len(items) - supported), "NUMERIC"))
    elif node == "guard":
        blocking = sum(1 for f in result.get("guard_findings") or [] if f.get("severity") == "block")
        scores.append(("guard_blocking_findings", float(blocking), "NUMERIC"))
        scores.append(("guard_passed", 1.0 if blocking == 0 else 0.0, "BOOLEAN"))
        scores.append(("pii_findings", float(len(result.get("pii_findings") or [])), "NUMERIC"))
    elif node == "review":
        actions = [e.get("action") for e in result.get("events") or [] if e.get("node") == "review"]
        if actions and actions[-1]:
            refused = str(result.get("review_message", "")).startswith("cannot approve")
            scores.append(("editor_decision", f"{actions[-1]}{'_refused' if refused else ''}", "CATEGORICAL"))
    for name, value, data_type in scores:
        _safe(observation.score_trace, name=name, value=value, data_type=data_type)
