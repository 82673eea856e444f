"""The model registry: named OpenAI-compatible endpoints, what each costs, and which tasks it serves.

Configuration, not code: an operator lists endpoints (a vLLM server with an AWQ
model for drafting, a small FP8 one for query rewriting, the embedded CPU model
as the last resort) and copydesk routes every call by its task. The registry only
describes endpoints and orders them into a chain per task; calling them, retrying
and falling back is :mod:`serving.client`'s job.

``embedded`` is a reserved name: the llama.cpp server copydesk starts itself. Its
URL is only known once it runs, so its ``base_url`` is the placeholder ``embedded``
and the client starts the server when a chain first reaches it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import yaml

JsonDialect = Literal["json_schema", "json_object"]

#: Every task copydesk routes. ``factcheck_judge`` judges entailment of claims; ``eval_judge`` scores
#: benchmark answers. ``revise`` is a redraft after feedback (longer prompts than ``draft``).
TASKS: tuple[str, ...] = ("rewrite", "draft", "revise", "factcheck_judge", "eval_judge", "qa")  # qa: eval answers
EMBEDDED = "embedded"


class RegistryError(ValueError):
    """The registry configuration is inconsistent (unknown fallback, unknown task, duplicate name)."""


@dataclass
class Endpoint:
    """One OpenAI-compatible server and the model it serves.

    ``model`` None means "the client's default model, or the route for the task"
    (the pre-registry settings ``COPYDESK_LLM_MODEL`` / ``COPYDESK_LLM_ROUTES``).
    ``tasks`` empty means every task. ``dialect`` may be corrected at run time.
    Prices: per 1M input/output tokens, or ``gpu_hour_usd`` with the throughput the GPU
    is assumed to sustain (aggregate tokens/s over all concurrent requests).
    """

    base_url: str
    api_key: str = "none"
    dialect: JsonDialect = "json_schema"
    name: str = ""
    model: str | None = None
    quantization: str | None = None
    context_length: int | None = None
    tasks: tuple[str, ...] = ()
    price_in_per_m: float = 0.0
    price_out_per_m: float = 0.0
    gpu_hour_usd: float | None = None
    assumed_output_tokens_per_s: float | None = None
    assumed_input_tokens_per_s: float | None = None
    rate_per_s: float | None = None
    burst: int = 4
    timeout_s: float | None = None
    timeout_per_token_s: float | None = None
    serial: bool = False
    measure_speed: bool = False
    adapters: dict[str, str] = field(default_factory=dict)
    adapter_tasks: tuple[str, ...] = ("draft", "revise")

    def label(self) -> str:
        return self.name or self.base_url

    def serves(self, task: str) -> bool:
        return not self.tasks or task in self.tasks

    @property
    def is_embedded(self) -> bool:
        return self.base_url == EMBEDDED

    def model_for(self, task: str, default_model: str, routes: Mapping[str, str], brand: str | None = None) -> str:
        """The model name sent for a task: a brand's LoRA adapter, the endpoint's model, or the route."""
        if brand and brand in self.adapters and task in self.adapter_tasks:
            return self.adapters[brand]
        if self.model:
            return self.model
        return routes.get(task, default_model)


_FIELDS = set(Endpoint.__dataclass_fields__)


def endpoint_from_dict(data: Mapping[str, Any]) -> Endpoint:
    """An endpoint from configuration (YAML/JSON); unknown keys and tasks are errors, not ignored."""
    unknown = set(data) - _FIELDS
    if unknown:
        raise RegistryError(f"unknown endpoint field(s) {sorted(unknown)}; known: {sorted(_FIELDS)}")
    if "base_url" not in data and data.get("name") != EMBEDDED:
        raise RegistryError(f"endpoint {data.get('name', '?')!r} needs a base_url")
    values = dict(data)
    if values.get("name") == EMBEDDED:
        values.setdefault("base_url", EMBEDDED)
    for key in ("tasks", "adapter_tasks"):
        if key in values:
            values[key] = tuple(values[key])
            bad = set(values[key]) - set(TASKS)
            if bad:
                raise RegistryError(f"endpoint {values.get('name', '?')!r}: unknown task(s) {sorted(bad)}")
    return Endpoint(**values)


def embedded_endpoint(**overrides: Any) -> Endpoint:
    """The embedded llama.cpp server: serial (one request at a time), timeouts from its measured speed."""
    base = Endpoint(
        base_url=EMBEDDED,
        name=EMBEDDED,
        dialect="json_object",
        serial=True,
        measure_speed=True,
        quantization="gguf-q4_1",
        context_length=8192,
    )
    return replace(base, **overrides)


@dataclass
class ModelRegistry:
    """Endpoints in preference order plus the fallback chain appended to every task's chain."""

    endpoints: list[Endpoint]
    fallbacks: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        names = [e.label() for e in self.endpoints]
        duplicates = {n for n in names if names.count(n) > 1}
        if duplicates:
            raise RegistryError(f"duplicate endpoint name(s) {sorted(duplicates)}")
        missing = [f for f in self.fallbacks if f not in names]
        if missing:
            raise RegistryError(f"fallback(s) {missing} name no endpoint; known: {names}")
        if not self.endpoints:
            raise RegistryError("the registry needs at least one endpoint")

    def get(self, name: str) -> Endpoint:
        for endpoint in self.endpoints:
            if endpoint.label() == name:
                return endpoint
        raise RegistryError(f"unknown endpoint {name!r}")

    def chain(self, task: str) -> list[Endpoint]:
        """Who is asked for a task, in order: the endpoints that serve it, then the fallbacks.

        A fallback serves any task (it is there for when the right model is down), so it
        is appended even when its ``tasks`` do not list this one.
        """
        if task not in TASKS:
            raise RegistryError(f"unknown task {task!r}; tasks are {', '.join(TASKS)}")
        fallback_names = set(self.fallbacks)
        primary = [e for e in self.endpoints if e.serves(task) and e.label() not in fallback_names]
        chain = primary + [self.get(name) for name in self.fallbacks]
        if not chain:
            raise RegistryError(f"no endpoint serves task {task!r} and no fallback is configured")
        return chain

    @classmethod
    def from_config(
        cls,
        data: Mapping[str, Any],
        extra_fallbacks: Sequence[str] = (),
        embedded_overrides: Mapping[str, Any] | None = None,
    ) -> ModelRegistry:
        """``{"endpoints": [...], "fallbacks": [...]}``; a fallback may also be a URL or ``embedded``."""
        endpoints = [endpoint_from_dict(item) for item in data.get("endpoints") or []]
        fallbacks = [*(data.get("fallbacks") or []), *extra_fallbacks]
        return cls.build(endpoints, fallbacks, embedded_overrides)

    @classmethod
    def build(
        cls,
        endpoints: Iterable[Endpoint],
        fallbacks: Iterable[str],
        embedded_overrides: Mapping[str, Any] | None = None,
    ) -> ModelRegistry:
        """Endpoints plus fallbacks given by name, URL or ``embedded`` (added to the registry if new)."""
        listed = list(endpoints)
        names = {e.label() for e in listed}
        chain: list[str] = []
        for item in fallbacks:
            if item in names:
                chain.append(item)
            elif item == EMBEDDED:
                listed.append(embedded_endpoint(**dict(embedded_overrides or {})))
                names.add(EMBEDDED)
                chain.append(EMBEDDED)
            elif item.startswith(("http://", "https://")):
                listed.append(Endpoint(base_url=item, name=item))
                names.add(item)
                chain.append(item)
            else:
                raise RegistryError(f"fallback {item!r} is neither an endpoint name, a URL nor 'embedded'")
        listed = [replace(e, **dict(embedded_overrides)) if e.is_embedded and embedded_overrides else e for e in listed]
        return cls(listed, list(dict.fromkeys(chain)))


def load_registry_file(path: Path) -> dict[str, Any]:
    """Read a registry YAML (or JSON) file: ``endpoints:`` and ``fallbacks:``."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise RegistryError(f"cannot read the model registry {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise RegistryError(f"{path}: expected a mapping with 'endpoints' and 'fallbacks'")
    return data
