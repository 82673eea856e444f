"""A hook around every chat completion, for tracing, without serving knowing who listens.

Why a context variable: the graph's node wrapper (``graphs.draft.tracing``) wants one
Langfuse generation per model call with the real start and end time, and serving must
not import graphs or app. The wrapper installs an observer for the duration of a node;
:class:`serving.client.LLMClient` calls :func:`call_started` and the returned callback.
An observer that raises never breaks the call.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from typing import Any

# finish(result_or_None, error_or_None); result is a serving.client.ChatResult
CallFinish = Callable[[Any, BaseException | None], None]
CallObserver = Callable[[str, str, Sequence[Mapping[str, str]]], CallFinish]

_observer: ContextVar[CallObserver | None] = ContextVar("copydesk_llm_call_observer", default=None)
_log = logging.getLogger(__name__)


@contextlib.contextmanager
def observing(observer: CallObserver | None) -> Iterator[None]:
    """Route every model call made inside the block to ``observer(task, model, messages)``."""
    token = _observer.set(observer)
    try:
        yield
    finally:
        _observer.reset(token)


def call_started(task: str, model: str, messages: Sequence[Mapping[str, str]]) -> CallFinish:
    """Tell the current observer a call starts; returns what to call when it ends."""
    observer = _observer.get()
    if observer is None:
        return _nothing
    try:
        finish = observer(task, model, messages)
    except Exception:  # tracing must never break a model call
        _log.debug("LLM call observer failed at start", exc_info=True)
        return _nothing

    def safe_finish(result: Any, error: BaseException | None) -> None:
        try:
            finish(result, error)
        except Exception:
            _log.debug("LLM call observer failed at end", exc_info=True)

    return safe_finish


def _nothing(result: Any, error: BaseException | None) -> None:
    return None
