"""``copydesk bench serving``: the drafting workload against one endpoint (see :mod:`serving.bench`).

The request is the real SEO-article drafting prompt, rendered with approved pages
of the demo corpus as sources until it reaches the target input size (≈3k tokens
by default), so the benchmark measures what a run sends. Prices come from the
configured model registry (the endpoint whose URL matches, or ``--price-from``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from app.settings import get_settings

app = typer.Typer(help="Benchmarks of the serving stack.", no_args_is_help=True)
console = Console()
DEMO_PRODUCTS = Path(__file__).resolve().parent.parent / "demo" / "corpus"


def drafting_messages(input_tokens: int, language: str = "en") -> list[dict[str, str]]:
    """The SEO-article prompt with demo-corpus sources, grown to about ``input_tokens`` (≈4 chars a token)."""
    from prompts import load_prompt

    texts: list[tuple[str, str]] = []
    for path in sorted(DEMO_PRODUCTS.rglob(f"*.{language}.md")):
        body = re.sub(r"\A---\n.*?\n---\n", "", path.read_text(encoding="utf-8"), flags=re.DOTALL)
        texts += [(path.stem, part.strip()) for part in re.split(r"\n(?=#)", body) if len(part.strip()) > 80]
    if not texts:
        raise RuntimeError(f"no demo pages in {DEMO_PRODUCTS}")
    prompt = load_prompt("draft/seo_article")
    sources: list[dict[str, str]] = []

    def render() -> list[dict[str, str]]:
        return prompt.render_messages(
            company="Acme Home",
            channel_name="an SEO article",
            language_name="English" if language == "en" else "German",
            brief="An SEO article about heating and lighting your home smartly with Acme products.",
            sources=sources,
            feedback=[],
            revision=0,
            previous_title="",
        )

    index = 0
    while sum(len(m["content"]) for m in render()) < input_tokens * 4:
        title, text = texts[index % len(texts)]
        sources.append({"label": f"S{len(sources) + 1}", "title": title, "heading": "", "text": text})
        index += 1
    return render()


def _endpoint_for(url: str, name: str | None) -> Any:
    from app.llm_services import build_registry

    registry = build_registry(get_settings())
    for endpoint in registry.endpoints:
        if (name and endpoint.label() == name) or (not name and endpoint.base_url.rstrip("/") == url.rstrip("/")):
            return endpoint
    return None


@app.command("serving")
def serving(
    endpoint: Annotated[str, typer.Option(help="OpenAI-compatible base URL, e.g. http://gpu:8000/v1.")],
    model: Annotated[str | None, typer.Option(help="Model name to send; default: the server's first model.")] = None,
    concurrency: Annotated[str, typer.Option(help="Comma-separated concurrency levels.")] = "1,8,32",
    requests: Annotated[int | None, typer.Option(help="Requests per level (default 2x concurrency, min 4).")] = None,
    input_tokens: Annotated[int, typer.Option(help="Approximate prompt size.")] = 3000,
    output_tokens: Annotated[int, typer.Option(help="max_tokens per draft.")] = 800,
    ignore_eos: Annotated[bool, typer.Option(help="Ask vLLM to always write max_tokens.")] = True,
    price_from: Annotated[str | None, typer.Option(help="Registry endpoint whose prices apply.")] = None,
    out: Annotated[Path, typer.Option(help="Folder for the JSON and Markdown reports.")] = Path(".bench"),
) -> None:
    """TTFT p50/p95, output tokens/s, drafts/hour and cost per 1,000 drafts at each concurrency."""
    import httpx

    from serving.bench import markdown_table, run_bench

    levels = [int(part) for part in concurrency.split(",") if part.strip()]
    if not levels or min(levels) < 1:
        console.print("[bold red]error:[/] --concurrency takes positive integers, e.g. 1,8,32")
        raise typer.Exit(2)
    if model is None:
        try:
            listed = httpx.get(f"{endpoint.rstrip('/')}/models", timeout=10).json()
            model = str(listed["data"][0]["id"])
        except (httpx.HTTPError, KeyError, IndexError, ValueError) as exc:
            console.print(f"[bold red]error:[/] cannot list models at {endpoint}: {exc}; pass --model")
            raise typer.Exit(2) from exc
    priced = _endpoint_for(endpoint, price_from)
    messages = drafting_messages(input_tokens)
    try:
        report = run_bench(
            endpoint,
            messages,
            model=model,
            concurrencies=levels,
            requests_per_level=requests,
            max_tokens=output_tokens,
            ignore_eos=ignore_eos,
            endpoint=priced,
        )
    except RuntimeError as exc:
        console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(1) from exc
    out.mkdir(parents=True, exist_ok=True)
    (out / "serving.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    table = markdown_table(report)
    if priced is None:
        table += "\nNo registry endpoint matches this URL: costs need prices (COPYDESK_LLM_ENDPOINTS, --price-from).\n"
    (out / "serving.md").write_text(table, encoding="utf-8")
    print(table)
    print(f"reports: {out / 'serving.json'}, {out / 'serving.md'}")
