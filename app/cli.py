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

from app.cli_check import check, sentence_table
from app.settings import Settings, get_settings

app = typer.Typer(
    help="copydesk: grounded marketing drafts, fact-checked, PII-scrubbed, editor-approved.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
console = Console()


def complete_channel(incomplete: str) -> list[str]:
    """Shell completion for ``--channel``: the channels that have a drafting prompt.

    Computed when completing, not at import, so the CLI starts without reading prompts and a
    channel added as a prompt file is offered without an edit here.
    """
    from tools.channels import known_channels

    return [name for name in known_channels() if name.startswith(incomplete)]


CHANNEL_HELP = "A channel with a drafting prompt (prompts/draft/<channel>.vN.md); an unknown one is refused."


def _fail(message: str, code: int = 2) -> None:
    console.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code)


@contextlib.contextmanager
def _runner(settings: Settings) -> Iterator[Any]:
    """A DraftRunner with services, checkpointer and registry; everything closed afterwards."""
    from app.execution import open_runner

    with open_runner(settings) as runner:
        yield runner


def _ingest(
    settings: Settings,
    path: Path,
    approve: bool | None = None,
    language: str | None = None,
    doc_type: str | None = None,
    product_id_from: str | None = None,
    mapping: str | None = None,
    by: str | None = None,
) -> Any:
    from app.services import build_embedder, build_ingest_pipeline, build_library, build_store
    from tools.ingest.defaults import IngestDefaults
    from tools.ingest.mappings import MappingError, load_mapping, mapping_loader

    if language not in (None, "de", "en"):
        _fail(f"unknown language {language!r}; choose de or en")
    if product_id_from not in (None, "filename", "heading"):
        _fail(f"--product-id-from takes filename or heading, not {product_id_from!r}")
    loader = None
    if mapping:
        try:
            loader = mapping_loader(load_mapping(mapping))
        except MappingError as exc:
            _fail(str(exc))
    defaults = IngestDefaults(
        approve=bool(approve),
        language=language,  # type: ignore[arg-type]
        doc_type=doc_type,
        product_id_from=product_id_from,  # type: ignore[arg-type]
    )
    embedder = build_embedder(settings)
    store = build_store(settings)
    library = build_library(settings)
    pipeline = build_ingest_pipeline(settings, store, embedder, library)
    columns = (TextColumn("[bold]ingest[/]"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"))
    try:
        with Progress(*columns, TimeElapsedColumn(), console=console, transient=False) as progress:
            task = progress.add_task("", total=None)

            def on_progress(document_id: str, done: int, total: int) -> None:
                progress.update(task, completed=done, total=total, description=document_id)

            report = pipeline.ingest(path, progress=on_progress, defaults=defaults, loader=loader, actor=by or _actor())
    except FileNotFoundError as exc:
        _fail(str(exc))
    finally:
        library.close()
        store.close()
        embedder.close()
    from app import audit
    from app.cli_keys import cli_actor

    audit.record(  # per-document approval, retirement and deletion entries: app.cli_docs
        "documents.ingested",
        actor=cli_actor(),
        details={"path": path.name, "ingested": report.documents_ingested, "by_status": dict(report.by_status)},
        log=audit.AuditLog.from_settings(settings),
    )
    console.print(
        f"files: {report.files_seen}  ingested: {report.documents_ingested}  unchanged: {report.documents_unchanged}"
        f"  chunks: {report.chunks_written}  embedded (cache misses): {embedder.misses}"
        f"  time: {report.seconds:.1f}s  ({report.chunks_per_second:.1f} chunks/s)"
    )
    if report.by_status:
        console.print("by approval status: " + ", ".join(f"{k}={v}" for k, v in sorted(report.by_status.items())))
    if report.status_kept:
        console.print(f"{report.status_kept} document(s) kept the status set with copydesk docs approve/retire")
    for skipped in report.skipped:
        console.print(f"[yellow]skipped[/] {skipped.path}: {skipped.reason}", highlight=False)
    for warning in getattr(report, "warnings", []):
        console.print(f"[yellow]warning[/] {warning.path}: {warning.reason}", highlight=False)
    if path.is_file() and report.skipped:
        _fail(f"{path.name} was not ingested (see above); nothing of it is stored", 1)
    if report.unapproved_ids:
        example = " ".join(report.unapproved_ids[:3])
        more = " ..." if len(report.unapproved_ids) > 3 else ""
        console.print(
            f"[yellow]{len(report.unapproved_ids)} document(s) stored unapproved (draft): no run uses them.[/] "
            f"Approve those that are ready: copydesk docs approve {example}{more}"
            " (list them: copydesk docs list --status draft), or ingest again with --approve"
        )
    return report


def _actor() -> str:
    """Who runs a command, for the document change log: the same identity the audit log records."""
    from app.cli_keys import cli_actor

    return cli_actor()


@app.command()
def ingest(
    path: Annotated[Path, typer.Argument(help="A file or folder of documents, or a catalogue with --mapping.")],
    approve: Annotated[
        bool, typer.Option("--approve", help="Store files without an approval status as approved.")
    ] = False,
    language: Annotated[str | None, typer.Option(help="de | en for files that do not say (else guessed).")] = None,
    doc_type: Annotated[str | None, typer.Option(help="doc_type for files that do not say.")] = None,
    product_id_from: Annotated[
        str | None, typer.Option(help="filename | heading: product id for files that name none.")
    ] = None,
    mapping: Annotated[
        str | None, typer.Option(help="Catalogue mapping: a shipped name (commercetools, products-csv) or FILE.yaml.")
    ] = None,
    by: Annotated[str | None, typer.Option(help="Who ingests (recorded in the document log).")] = None,
) -> None:
    """Load, chunk, embed and index documents (unchanged files are skipped). A file's own metadata
    always wins over these options."""
    _ingest(get_settings(), path, approve, language, doc_type, product_id_from, mapping, by)


def _print_review(view: Any) -> None:
    review = view.review or {}
    draft = review.get("draft") or {}
    console.rule(
        f"[bold]run {view.run_id}[/] · {review.get('channel')} · {review.get('language')} · waiting for review"
    )
    if review.get("message"):
        console.print(f"[bold yellow]{review['message']}[/]")
    if review.get("translated_from"):
        console.print(
            f"[bold yellow]translation: the product has no approved pages in this language; the sources are in "
            f"{review['translated_from']} and the draft translates them (check the wording)[/]"
        )
    console.print(f"[bold]{draft.get('title', '')}[/]")
    console.print(f"[dim]{draft.get('meta_description', '')}[/]")
    for section in draft.get("sections", []):
        console.print(f"\n[bold]{section['heading']}[/]\n{section['body']}")
    console.print(sentence_table(review.get("sentences", [])))
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
    channel: Annotated[str, typer.Option(help=CHANNEL_HELP, autocompletion=complete_channel)],
    lang: Annotated[str | None, typer.Option(help="de | en (default: COPYDESK_DEFAULT_LANGUAGE)")] = None,
    product: Annotated[str | None, typer.Option(help="Product id to focus on.")] = None,
    campaign: Annotated[str | None, typer.Option(help="Campaign id to file the run under.")] = None,
) -> None:
    """Draft a piece up to the editor's review."""
    _draft(get_settings(), brief, channel, lang, product, campaign)


def _draft(
    settings: Settings, brief: str, channel: str, lang: str | None, product: str | None, campaign: str | None
) -> None:
    from app.runner import RunError, validate_request

    language = lang or settings.brand().default_language
    try:
        validate_request(brief, channel, language)
    except RunError as exc:
        _fail(str(exc))
    if not settings.brand().company_name:
        console.print("[yellow]no company name set (COPYDESK_COMPANY_NAME): the prompts name no company[/]")
    with _runner(settings) as runner:
        try:
            from app.cli_keys import cli_actor

            view = runner.start(
                brief, channel=channel, language=language, product_id=product, campaign_id=campaign, actor=cli_actor()
            )
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
    editor: Annotated[
        str | None, typer.Option(help="Who decides (recorded in the run and the audit log); default cli:OS-USER.")
    ] = None,
) -> None:
    """Approve, edit or reject a draft that waits for review."""
    from app.runner import RunError

    chosen = [name for name, on in (("approve", approve), ("reject", reject), ("edit", edit is not None)) if on]
    if len(chosen) != 1:
        _fail("choose exactly one of --approve, --reject, --edit FILE")
    from app.cli_keys import cli_actor

    decision: dict[str, Any] = {"action": chosen[0], "feedback": feedback, "editor": editor or cli_actor()}
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
    brief: Annotated[str | None, typer.Option(help="Brief for the demo piece (default: demo/brand.yaml).")] = None,
    channel: Annotated[
        str, typer.Option(help="Channel of the demo piece. " + CHANNEL_HELP, autocompletion=complete_channel)
    ] = "product_description",
    lang: Annotated[str, typer.Option(help="de | en")] = "en",
) -> None:
    """Ingest the bundled demo corpus and draft one piece, as the demo company, up to the editor's review."""
    from app.demo import DEMO_CORPUS, demo_brief, demo_settings

    settings = demo_settings(get_settings())
    console.rule(f"[bold]1. ingest the demo corpus ({settings.company_name})")
    _ingest(settings, DEMO_CORPUS)
    console.rule("[bold]2. draft one piece (embedded model, CPU)")
    _draft(settings, brief or demo_brief(), channel, lang, None, None)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Bind address.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
) -> None:
    """Serve the HTTP API (runs, reviews, campaigns); docs at /docs."""
    import uvicorn

    from app.api import create_app

    settings = get_settings()
    _refuse_open_bind_without_keys(settings, host)
    from app.execution import queue_factory

    uvicorn.run(
        create_app(lambda: _runner(settings), settings=settings, queue_factory=queue_factory(settings)),  # type: ignore[arg-type]
        host=host,
        port=port,
    )


def _refuse_open_bind_without_keys(settings: Settings, host: str) -> None:
    """Single-user mode is for 127.0.0.1 only: another address needs keys first."""
    from app.auth import is_loopback
    from app.cli_keys import open_keys

    if is_loopback(host):
        return
    store = open_keys(settings)
    try:
        if not store.has_active_keys(max_age_s=0):
            _fail(
                f"refusing to serve on {host} without API keys: anyone who can reach it could approve and publish. "
                "Create keys first (copydesk keys create --role admin --name you), or serve on 127.0.0.1."
            )
    finally:
        store.close()


from app.cli_worker import register as _register_worker  # noqa: E402  (issue 10b: copydesk worker)

_register_worker(app)

from app.cli_docs import docs_app, doctor  # noqa: E402  (issue 8: document library and doctor)

app.add_typer(docs_app, name="docs")
app.command()(doctor)

llm_app = typer.Typer(help="Production model profiles (vLLM).", no_args_is_help=True)
app.add_typer(llm_app, name="llm")
from app.cli_audit import audit_app  # noqa: E402  (issue 10)
from app.cli_keys import keys_app  # noqa: E402  (issue 10)

app.add_typer(keys_app, name="keys")
app.add_typer(audit_app, name="audit")

from app.cli_prompts import app as prompts_app  # noqa: E402

app.add_typer(prompts_app, name="prompts")

from app.cli_stats import stats as _stats_command  # noqa: E402

app.command("stats")(_stats_command)
app.command("check")(check)


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


from app.cli_erase import erase_app  # noqa: E402

app.add_typer(erase_app, name="erase")
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


if __name__ == "__main__":
    main()
