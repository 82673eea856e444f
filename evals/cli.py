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
