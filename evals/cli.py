"""``copydesk eval ...``: benchmark commands, plugged into the CLI through an entry point.

The production CLI discovers this Typer app via the ``copydesk.cli`` entry-point group,
so production code never imports ``evals``.
"""

from __future__ import annotations

import typer

app = typer.Typer(help="Benchmarks: retrieval, PII, fact-check, RAGAS, end-to-end demo figures.", no_args_is_help=True)


@app.command("factcheck")
def factcheck(
    dataset: str = typer.Option("../shared/data/scifact", help="Folder with corpus.jsonl and claims*.jsonl."),
    no_embed: bool = typer.Option(False, "--no-embed", help="Lexical support score only."),
    limit: int = typer.Option(0, help="Only the first N claims (0 = all)."),
) -> None:
    """Claim-level fact-check on SciFact-style data: tuned on one half, reported on the other and all."""
    from evals.factcheck import main

    args = ["--dataset", dataset, *(["--no-embed"] if no_embed else []), *(["--limit", str(limit)] if limit else [])]
    raise typer.Exit(main(args))


@app.command("factcheck-planted")
def factcheck_planted() -> None:
    """Recall of planted wrong prices, numbers and attributes in a fictional product draft."""
    from evals.factcheck_planted import main

    raise typer.Exit(main())


@app.command("pii")
def pii(
    dataset: str = typer.Option(
        "../shared/data/pii/synth_dataset_v2.json", help="presidio-research style JSON (full_text + spans)."
    ),
    language: str = typer.Option("en", help="Language the scrubber analyses the texts in: en or de."),
    limit: int = typer.Option(0, help="Only the first N records (0 = all)."),
    show_errors: int = typer.Option(0, help="Print up to N records with a miss or a false positive."),
) -> None:
    """Precision, recall and F2 per entity type of the PII scrubber (matching rule: evals/pii.py)."""
    from pathlib import Path

    from evals.pii import evaluate, format_report, load_dataset

    path = Path(dataset)
    if not path.exists():
        typer.echo(f"dataset {path} not found; skipping")
        raise typer.Exit(0)
    if language not in ("en", "de"):
        raise typer.BadParameter("language must be en or de")
    report = evaluate(load_dataset(path), language, limit or None, keep_errors=show_errors)
    typer.echo(format_report(report, f"PII detection on {path.name} ({language})"))
    for err in report.errors:
        typer.echo(f"\n--- {err['text']!r}\n    gold={err['gold']}\n    pred={err['pred']}")
