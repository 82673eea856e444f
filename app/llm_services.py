"""The model client a run uses, built from settings: registry, fallbacks, cache, embedded server.

Settings give the registry three ways, from richest to simplest: a YAML file
(``COPYDESK_LLM_REGISTRY_FILE``), JSON endpoints (``COPYDESK_LLM_ENDPOINTS``), or the
original single URL (``COPYDESK_LLM_BASE_URL`` with ``COPYDESK_LLM_MODEL``/``_ROUTES``).
Fallbacks (``COPYDESK_LLM_FALLBACK_BASE_URLS``) are names, URLs or ``embedded``. With
nothing configured the chain is the embedded llama.cpp server alone. The embedded
server is started only when a chain first reaches it, so a healthy GPU deployment
with ``embedded`` as last resort never starts it.
"""

from __future__ import annotations

import atexit
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel

from app.settings import Settings
from serving.cache import RedisResponseCache, ResponseCache, SQLiteResponseCache
from serving.client import LLMClient, RetryPolicy
from serving.embedded import MODEL_ALIAS, EmbeddedServer, EmbeddedServerConfig
from serving.registry import EMBEDDED, Endpoint, ModelRegistry, endpoint_from_dict, load_registry_file
from serving.structured import StructuredClient
from serving.timeouts import TimeoutPolicy

T = TypeVar("T", bound=BaseModel)


def build_registry(settings: Settings) -> ModelRegistry:
    """The registry the settings describe (see the module docstring for the precedence)."""
    dialect = None if settings.llm_json_dialect == "auto" else settings.llm_json_dialect
    embedded_overrides: dict[str, Any] = {"model": MODEL_ALIAS}
    if dialect:
        embedded_overrides["dialect"] = dialect
    entries: list[dict[str, Any]] = []
    fallbacks: list[str] = []
    if settings.llm_registry_file is not None:
        data = load_registry_file(settings.llm_registry_file)
        entries += list(data.get("endpoints") or [])
        fallbacks += list(data.get("fallbacks") or [])
    entries += list(settings.llm_endpoints)
    for entry in [e for e in entries if e.get("name") == EMBEDDED]:
        entries.remove(entry)
        embedded_overrides.update({k: v for k, v in entry.items() if k not in ("name", "base_url")})
    endpoints: list[Endpoint] = []
    for entry in entries:
        price = settings.llm_prices.get(str(entry.get("model") or ""))  # one price table: COPYDESK_LLM_PRICES
        if price and "price_in_per_m" not in entry and "price_out_per_m" not in entry:
            entry = {**entry, "price_in_per_m": price.get("input", 0.0), "price_out_per_m": price.get("output", 0.0)}
        endpoint = endpoint_from_dict({"api_key": settings.llm_api_key, **entry})
        if dialect and "dialect" not in entry:
            endpoint.dialect = dialect
        endpoints.append(endpoint)
    if settings.llm_base_url:
        endpoints.insert(
            0,
            Endpoint(
                base_url=settings.llm_base_url,
                name="primary",
                api_key=settings.llm_api_key,
                dialect=dialect or "json_schema",
            ),
        )
    fallbacks += list(settings.llm_fallback_base_urls)
    if not endpoints and EMBEDDED not in fallbacks:
        # Nothing configured: the embedded model serves every task.
        fallbacks.insert(0, EMBEDDED)
    return ModelRegistry.build(endpoints, fallbacks, embedded_overrides)


def build_cache(settings: Settings) -> ResponseCache | None:
    """The temperature-0 response cache: SQLite in the data dir, Redis when configured, or none."""
    if settings.llm_cache == "off":
        return None
    if settings.llm_cache == "redis":
        if not settings.llm_cache_url:
            raise ValueError("COPYDESK_LLM_CACHE=redis needs COPYDESK_LLM_CACHE_URL (redis://host:6379/0)")
        return RedisResponseCache(settings.llm_cache_url, settings.llm_cache_prefix, settings.llm_cache_ttl_s)
    return SQLiteResponseCache(settings.llm_cache_path, ttl_s=settings.llm_cache_ttl_s)


def build_client(settings: Settings, starter: Callable[[], str] | None) -> LLMClient:
    """An LLMClient over the configured registry (``starter`` starts the embedded server on demand)."""
    return LLMClient(
        build_registry(settings),
        settings.llm_model,
        routes=settings.llm_routes,
        cache=build_cache(settings),
        retry=RetryPolicy(
            retries=settings.llm_retries,
            backoff_base_s=settings.llm_backoff_base_s,
            backoff_max_s=settings.llm_backoff_max_s,
        ),
        timeouts=TimeoutPolicy(
            floor_s=settings.llm_timeout_s,
            per_output_token_s=settings.llm_timeout_per_token_s,
            ceiling_s=settings.llm_timeout_max_s,
        ),
        breaker_failures=settings.llm_breaker_failures,
        breaker_cooldown_s=settings.llm_breaker_cooldown_s,
        embedded_starter=starter,
        brand=settings.tenant,
    )


class LazyLLM:
    """A StructuredLLM that connects (and, for the embedded model, starts the server) on first use.

    ``copydesk review --approve`` never needs a model, so it never pays for one.
    """

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._client: StructuredClient | None = None
        self._server: EmbeddedServer | None = None
        self._lock = threading.Lock()

    def _start_embedded(self) -> str:
        settings = self._settings
        if self._server is None:
            self._server = EmbeddedServer(
                EmbeddedServerConfig(
                    host=settings.embedded_llm_host,
                    port=settings.embedded_llm_port,
                    threads=settings.embedded_llm_threads,
                    context_size=settings.embedded_llm_ctx,
                    start_timeout_s=settings.embedded_llm_start_timeout_s,
                    log_path=settings.data_dir / "logs" / "llm-server.log",
                )
            )
            atexit.register(self._server.stop)
        return self._server.ensure_running()

    def _build(self) -> StructuredClient:
        settings = self._settings
        client = build_client(settings, self._start_embedded)
        return StructuredClient(client, temperature=settings.llm_temperature, temperatures=settings.llm_temperatures)

    @property
    def client(self) -> LLMClient:
        self.warm_up()
        assert self._client is not None
        return self._client.client

    def warm_up(self) -> None:
        """Build the client now instead of on the first call (the embedded server starts on first use)."""
        with self._lock:
            if self._client is None:
                self._client = self._build()

    def generate(
        self,
        task: str,
        messages: Sequence[Mapping[str, str]],
        schema: type[T],
        *,
        json_schema: dict[str, Any] | None = None,
        check: Callable[[T], None] | None = None,
        max_tokens: int = 512,
    ) -> T:
        self.warm_up()
        assert self._client is not None
        return self._client.generate(
            task, messages, schema, json_schema=json_schema, check=check, max_tokens=max_tokens
        )

    def complete(self, messages: list[dict[str, str]], task: str = "factcheck_judge") -> str:
        """Plain text completion for the judges (``factcheck_judge``, ``eval_judge``)."""
        self.warm_up()
        assert self._client is not None
        temperature = self._client.temperature_for(task)
        return self._client.client.chat(messages, task=task, temperature=temperature, max_tokens=300).text

    def close(self) -> None:
        if self._client is not None:
            self._client.client.close()
        if self._server is not None:
            self._server.stop()
