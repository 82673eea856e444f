"""``copydesk stats [--since 24h]``: cost, tokens, cache hits, errors, latency per node and model, runs per status."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from app.settings import get_settings

console = Console()


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def stats(
    since: Annotated[str | None, typer.Option(help="30m, 24h, 7d or an ISO date; default: every run.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable.")] = False,
) -> None:
    """Operations figures from the run records, event logs and LLM call records."""
    from app.checkpoints import open_checkpointer
    from app.runner import DraftRunner
    from app.runs import RunRegistry
    from app.stats import collect, parse_since
    from graphs.draft.context import DraftServices

    try:
        cutoff = parse_since(since)
    except ValueError as exc:
        console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    settings = get_settings()
    registry = RunRegistry(settings.checkpoint_url, settings.runs_db_path)
    try:
        with open_checkpointer(settings.checkpoint_url, settings.sqlite_checkpoint_path) as saver:
            # reading state needs no services: nothing runs
            runner = DraftRunner(DraftServices.__new__(DraftServices), saver, registry)
            figures = collect(runner, cutoff)
    finally:
        registry.close()
    if as_json:
        print(json.dumps(figures.to_dict(), indent=2))
        return
    cost_per = figures.cost_per_output_usd
    console.print(
        f"runs {figures.runs} ({', '.join(f'{k} {v}' for k, v in figures.runs_by_status.items()) or 'none'}); "
        f"failed {0 if figures.run_error_rate is None else figures.run_error_rate:.1%}; outputs {figures.outputs}"
    )
    console.print(
        f"LLM calls {figures.llm_calls}, tokens {figures.prompt_tokens:,} in / {figures.completion_tokens:,} out, "
        f"cost ${figures.cost_usd:.4f} (${0 if cost_per is None else cost_per:.4f} per output), "
        f"cache hits {'-' if figures.cache_hit_rate is None else f'{figures.cache_hit_rate:.1%}'}, "
        f"call errors {'-' if figures.llm_error_rate is None else f'{figures.llm_error_rate:.1%}'}"
    )
    for title, rows in (("node", figures.latency_by_node), ("model", figures.latency_by_model)):
        table = Table(title, "count", "p50 ms", "p95 ms")
        for name, latency in rows.items():
            table.add_row(name, str(latency.count), _ms(latency.p50_ms), _ms(latency.p95_ms))
        console.print(table)
    if figures.runs_without_call_records:
        console.print(
            f"[dim]{figures.runs_without_call_records} runs have no LLM call records (tokens/cost unknown)[/]"
        )
