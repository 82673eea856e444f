"""``copydesk`` command line: ingest, draft, review, runs, retry, demo (and ``eval`` via plugins).

Commands print what a person needs next (the run id, the command to resume) and
exit non-zero with a one-line reason on bad input instead of a traceback.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from importlib.metadata import entry_points
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from app.settings import Settings, get_settings

app = typer.Typer(
    help="copydesk: grounded marketing drafts, fact-checked, PII-scrubbed, editor-approved.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
console = Console()
DEMO_CORPUS = Path(__file__).resolve().parent.parent / "demo" / "corpus"


def _fail(message: str, code: int = 2) -> None:
    console.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code)


@contextlib.contextmanager
def _runner(settings: Settings) -> Iterator[Any]:
    """A DraftRunner with services, checkpointer and registry; everything closed afterwards."""
    from app.checkpoints import open_checkpointer
    from app.runner import DraftRunner
    from app.runs import RunRegistry
    from app.services import build_services, close_services
    from app.tracing import setup_tracing

    setup_tracing(settings)
    services = build_services(settings)
    registry = RunRegistry(settings.checkpoint_url, settings.runs_db_path)
    try:
        with open_checkpointer(settings.checkpoint_url, settings.sqlite_checkpoint_path) as saver:
            yield DraftRunner(services, saver, registry)
    finally:
        registry.close()
        close_services(services)


def _ingest(settings: Settings, path: Path) -> Any:
    from app.services import build_embedder, build_ingest_pipeline, build_store

    embedder = build_embedder(settings)
    store = build_store(settings)
    pipeline = build_ingest_pipeline(settings, store, embedder)
    columns = (TextColumn("[bold]ingest[/]"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"))
    try:
        with Progress(*columns, TimeElapsedColumn(), console=console, transient=False) as progress:
            task = progress.add_task("", total=None)

            def on_progress(document_id: str, done: int, total: int) -> None:
                progress.update(task, completed=done, total=total, description=document_id)

            report = pipeline.ingest(path, progress=on_progress)
    except FileNotFoundError as exc:
        _fail(str(exc))
    finally:
        store.close()
        embedder.close()
    console.print(
        f"files: {report.files_seen}  ingested: {report.documents_ingested}  unchanged: {report.documents_unchanged}"
        f"  chunks: {report.chunks_written}  embedded (cache misses): {embedder.misses}"
        f"  time: {report.seconds:.1f}s  ({report.chunks_per_second:.1f} chunks/s)"
    )
    if report.by_status:
        console.print("by approval status: " + ", ".join(f"{k}={v}" for k, v in sorted(report.by_status.items())))
    for skipped in report.skipped:
        console.print(f"[yellow]skipped[/] {skipped.path}: {skipped.reason}")
    return report


@app.command()
def ingest(path: Annotated[Path, typer.Argument(help="A file or folder of approved documents.")]) -> None:
    """Load, chunk, embed and index documents (unchanged files are skipped)."""
    _ingest(get_settings(), path)


def _print_review(view: Any) -> None:
    review = view.review or {}
    draft = review.get("draft") or {}
    console.rule(
        f"[bold]run {view.run_id}[/] · {review.get('channel')} · {review.get('language')} · waiting for review"
    )
    if review.get("message"):
        console.print(f"[bold yellow]{review['message']}[/]")
    console.print(f"[bold]{draft.get('title', '')}[/]")
    console.print(f"[dim]{draft.get('meta_description', '')}[/]")
    for section in draft.get("sections", []):
        console.print(f"\n[bold]{section['heading']}[/]\n{section['body']}")
    table = Table("claim", "verdict", "reason", title="fact-check", show_lines=False)
    for verdict in review.get("verdicts", []):
        colour = "green" if verdict["verdict"] == "supported" else "red"
        table.add_row(verdict["claim"]["text"][:80], f"[{colour}]{verdict['verdict']}[/]", verdict["reason"][:90])
    console.print(table)
    for finding in review.get("guard_findings", []):
        console.print(f"guard [{finding.get('severity')}] {finding.get('validator')}: {finding.get('reason')}")
    pii = review.get("pii_findings", [])
    if pii:
        kinds = sorted({str(f.get("entity_type")) for f in pii})
        console.print(f"personal data replaced: {len(pii)} ({', '.join(kinds)})")
    for dropped in review.get("dropped_sources", []):
        console.print(f"[yellow]source dropped[/] {dropped['chunk_ids'][0]}: {dropped['reason']}")
    console.print("sources: " + ", ".join(f"{s['label']}={s['chunk_id']}" for s in review.get("sources", [])))
    if review.get("blocking"):
        console.print(f"[red]{len(review['blocking'])} blocking problem(s): approval is refused until fixed[/]")
    console.print(
        "\nnext: "
        f'copydesk review {view.run_id} --approve | --reject --feedback "..." | --edit draft.json'
        f"   (copydesk show {view.run_id} --json > draft.json to edit)"
    )


def _print_usage(view: Any) -> None:
    """Model calls of the run: which endpoint and model served each task, tokens, cost, cache hits."""
    usage = view.usage
    if not usage["calls"]:
        return
    table = Table("task", "served by", "attempts", "tokens in/out", "ms", "USD", "cache hits", title="model calls")
    for call in view.state.get("llm_calls") or []:
        table.add_row(
            call["task"],
            f"{call['endpoint'] or '-'} / {call['model'] or '-'}",
            str(call["attempts"]) + (f" [red]{call['error'][:40]}[/]" if call.get("error") else ""),
            f"{call['prompt_tokens']}/{call['completion_tokens']}",
            str(call["latency_ms"]),
            f"{call['cost_usd']:.6f}",
            "hit" if call["cache_hit"] else "",
        )
    console.print(table)
    console.print(
        f"model calls: {usage['calls']}  tokens: {usage['prompt_tokens']} in / {usage['completion_tokens']} out"
        f"  cost: {usage['cost_usd']:.6f} USD  cache hits: {usage['cache_hits']}"
    )
    console.print("served by: " + ", ".join(f"{name} ({part['calls']})" for name, part in usage["by_model"].items()))


def _print_view(view: Any) -> None:
    _print_usage(view)
    if view.status == "awaiting_review":
        _print_review(view)
    elif view.status == "published":
        console.print(f"[green]published[/] run {view.run_id}: {view.published.get('html')}")
        console.print(f"JSON-LD: {view.published.get('jsonld')}")
    else:
        console.print(f"run {view.run_id}: {view.status}" + (f" ({view.error})" if view.error else ""))


@app.command()
def draft(
    brief: Annotated[str, typer.Option(help="What the piece should say.")],
    channel: Annotated[
        str, typer.Option(help="seo_article | product_description | ad_copy | crm_email | landing_page")
    ],
    lang: Annotated[str, typer.Option(help="de | en")] = "en",
    product: Annotated[str | None, typer.Option(help="Product id to focus on.")] = None,
    campaign: Annotated[str | None, typer.Option(help="Campaign id to file the run under.")] = None,
) -> None:
    """Draft a piece up to the editor's review."""
    from app.runner import RunError, validate_request

    try:
        validate_request(brief, channel, lang)
    except RunError as exc:
        _fail(str(exc))
    with _runner(get_settings()) as runner:
        try:
            view = runner.start(brief, channel=channel, language=lang, product_id=product, campaign_id=campaign)
        except RunError as exc:
            _fail(str(exc), code=1)
        _print_view(view)


@app.command()
def review(
    run_id: Annotated[str, typer.Argument(help="The run (thread) id.")],
    approve: Annotated[bool, typer.Option("--approve", help="Publish the draft.")] = False,
    reject: Annotated[bool, typer.Option("--reject", help="Reject; with --feedback the draft is revised.")] = False,
    feedback: Annotated[str, typer.Option(help="What to change (with --reject).")] = "",
    edit: Annotated[Path | None, typer.Option(help="A JSON file with the edited draft.")] = None,
    editor: Annotated[str, typer.Option(help="Who decides (recorded in the run).")] = "editor",
) -> None:
    """Approve, edit or reject a draft that waits for review."""
    from app.runner import RunError

    chosen = [name for name, on in (("approve", approve), ("reject", reject), ("edit", edit is not None)) if on]
    if len(chosen) != 1:
        _fail("choose exactly one of --approve, --reject, --edit FILE")
    decision: dict[str, Any] = {"action": chosen[0], "feedback": feedback, "editor": editor}
    if edit is not None:
        try:
            data = json.loads(edit.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            _fail(f"cannot read the edited draft {edit}: {exc}")
        decision["draft"] = data.get("draft", data) if isinstance(data, dict) else data
    with _runner(get_settings()) as runner:
        try:
            view = runner.resume(run_id, decision)
        except RunError as exc:
            _fail(str(exc), code=1)
        _print_view(view)


@app.command()
def show(
    run_id: Annotated[str, typer.Argument(help="The run id.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the draft as JSON (to edit it).")] = False,
) -> None:
    """Show a run: the draft and its checks, or where it ended."""
    from app.runner import RunError

    with _runner(get_settings()) as runner:
        try:
            view = runner.get(run_id)
        except RunError as exc:
            _fail(str(exc), code=1)
        if as_json:
            print(json.dumps({"draft": view.state.get("draft")}, ensure_ascii=False, indent=2))
        else:
            _print_view(view)


@app.command()
def retry(run_id: Annotated[str, typer.Argument(help="A failed run.")]) -> None:
    """Continue a failed run from the stage that failed."""
    from app.runner import RunError

    with _runner(get_settings()) as runner:
        try:
            view = runner.retry(run_id)
        except RunError as exc:
            _fail(str(exc), code=1)
        _print_view(view)


@app.command()
def runs(
    status: Annotated[str | None, typer.Option(help="Only runs with this status.")] = None,
    campaign: Annotated[str | None, typer.Option(help="Only runs of this campaign.")] = None,
) -> None:
    """List runs and their status."""
    from app.runs import RunRegistry

    settings = get_settings()
    registry = RunRegistry(settings.checkpoint_url, settings.runs_db_path)
    records = registry.list(status=status, campaign_id=campaign)
    registry.close()
    table = Table("run", "status", "channel", "lang", "rev", "updated", "brief")
    for record in records:
        table.add_row(
            record.run_id,
            record.status,
            record.channel,
            record.language,
            str(record.revision),
            record.updated_at,
            record.brief_preview[:50],
        )
    console.print(table if records else "no runs yet: copydesk draft --channel ... --brief ...")


@app.command()
def demo(
    brief: Annotated[str, typer.Option(help="Brief for the demo piece.")] = (
        "Product description of the Lumora Thermo 200 smart radiator thermostat: price, battery life, savings."
    ),
    channel: Annotated[str, typer.Option(help="Channel of the demo piece.")] = "product_description",
    lang: Annotated[str, typer.Option(help="de | en")] = "en",
) -> None:
    """Ingest the bundled demo corpus and draft one piece up to the editor's review."""
    settings = get_settings()
    console.rule("[bold]1. ingest the demo corpus")
    _ingest(settings, DEMO_CORPUS)
    console.rule("[bold]2. draft one piece (embedded model, CPU)")
    draft(brief=brief, channel=channel, lang=lang, product=None, campaign=None)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Bind address.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
) -> None:
    """Serve the HTTP API (runs, reviews, campaigns); docs at /docs."""
    import uvicorn

    from app.api import create_app

    settings = get_settings()
    uvicorn.run(create_app(lambda: _runner(settings)), host=host, port=port)


llm_app = typer.Typer(help="Production model profiles (vLLM).", no_args_is_help=True)
app.add_typer(llm_app, name="llm")


@llm_app.command("profiles")
def llm_profiles() -> None:
    """List the vLLM profiles (serving/vllm/*.yaml, the files `copydesk models serve` starts)."""
    from serving.profiles import PROFILES

    table = Table("profile", "quantization", "model", "what for")
    for profile in PROFILES.values():
        table.add_row(profile.name, profile.quantization or "-", profile.model, profile.description)
    console.print(table)


@llm_app.command("command")
def llm_command(
    profile: Annotated[str, typer.Argument(help="A profile from `copydesk llm profiles`.")],
    host: Annotated[str, typer.Option(help="Host vLLM binds to.")] = "0.0.0.0",
    port: Annotated[int, typer.Option(help="Port vLLM listens on.")] = 8000,
    base_url: Annotated[str, typer.Option(help="URL copydesk reaches vLLM at.")] = "http://localhost:8000/v1",
) -> None:
    """Print the vLLM launch command and the COPYDESK_* settings that go with it."""
    from serving.profiles import get_profile

    try:
        chosen = get_profile(profile)
    except KeyError as exc:
        _fail(str(exc.args[0]))
    print(chosen.shell(host, port))
    for key, value in chosen.settings(base_url).items():
        print(f"export {key}='{value}'")


from app.cli_bench import app as bench_app  # noqa: E402  (issue 13: copydesk bench serving)
from app.cli_models import app as models_app  # noqa: E402  (issue 13: copydesk models list|serve)

app.add_typer(models_app, name="models")
app.add_typer(bench_app, name="bench")


def _mount_plugins() -> None:
    """Mount sub-apps registered under the ``copydesk.cli`` entry-point group (e.g. ``eval``)."""
    for plugin in entry_points(group="copydesk.cli"):
        try:
            app.add_typer(plugin.load(), name=plugin.name)
        except ImportError as exc:  # a plugin that cannot load must not break the core CLI
            console.print(f"[dim]plugin {plugin.name} unavailable: {exc}[/]")


def main() -> None:
    _mount_plugins()
    app()
