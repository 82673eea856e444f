"""``copydesk eval ...``: benchmark commands, plugged into the CLI through an entry point.

The production CLI discovers this Typer app via the ``copydesk.cli`` entry-point group,
so production code never imports ``evals``.
"""

from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(help="Benchmarks: retrieval, PII, fact-check, end-to-end demo figures.", no_args_is_help=True)


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


@app.command("retrieval")
def retrieval(
    beir: str = typer.Option("", help="BEIR folder (corpus.jsonl, queries*.jsonl, qrels); e.g. ../shared/data/scifact"),
    xquad: str = typer.Option("", help="XQuAD as retrieval: de, en or de-en (German questions, English paragraphs)."),
    xquad_dir: str = typer.Option("../shared/data/xquad", help="Folder with xquad.de.json and xquad.en.json."),
    synthetic: int = typer.Option(0, help="Also time the store at N synthetic chunks (e.g. 50000)."),
    cache: str = typer.Option(".copydesk/cache/vectors.sqlite", help="Vector cache (filled by warm_cache)."),
    langchain: bool = typer.Option(True, help="Compare with LangChain's EnsembleRetriever(BM25, FAISS)."),
    rerank: bool = typer.Option(True, help="Add the tuned hybrid + EmbeddingMMRReranker row."),
) -> None:
    """nDCG@10, Recall@10/100, MRR@10, latency, build time: ours (BM25, vector, hybrid, +rerank) vs LangChain."""
    from pathlib import Path

    from evals.retrieval.data import load_beir, load_xquad
    from evals.retrieval.runner import run_dataset, synthetic_table

    if not (beir or xquad or synthetic):
        raise typer.BadParameter("give --beir DIR, --xquad de|en|de-en and/or --synthetic N")
    datasets = []
    if beir:
        if not Path(beir, "corpus.jsonl").exists():
            typer.echo(f"no BEIR corpus at {beir}; skipping")
        else:
            datasets.append(load_beir(Path(beir)))
    if xquad:
        if not Path(xquad_dir, "xquad.en.json").exists():
            typer.echo(f"no XQuAD at {xquad_dir}; skipping")
        else:
            datasets.append(load_xquad(Path(xquad_dir), xquad))
    for dataset in datasets:
        typer.echo(run_dataset(dataset, Path(cache), langchain=langchain, rerank=rerank, log=typer.echo))
    if synthetic:
        typer.echo(synthetic_table(synthetic))


@app.command("grounding")
def grounding(
    manuals: str = typer.Option("../shared/data/manuals", help="Manual pages, ingested as approved."),
    verbose: bool = typer.Option(False, help="List every miss and false alarm."),
) -> None:
    """Sentence-level planted-error benchmark (de+en): recall per kind, false alarms, check+guards timing."""
    from evals.grounding import main

    main(Path(manuals), verbose)


@app.command("demo")
def demo(
    warm_cache: str = typer.Option("", help="Reuse this vector cache (default: a cold, empty one)."),
    draft: bool = typer.Option(True, help="Also time a draft to the editor's interrupt with the embedded model."),
) -> None:
    """Ingest chunks/s, hybrid query p50/p95 and seconds to the editor's interrupt on the demo corpus."""
    from pathlib import Path

    from evals.demo_bench import main

    raise typer.Exit(main(Path(warm_cache) if warm_cache else None, draft=draft))


@app.command("suite")
def suite(
    subset: str = typer.Option("ci", help="ci (the CI gate, ~minutes) or full (every golden brief drafted)."),
    judge: str = typer.Option("", help="OpenAI-compatible judge URL: adds faithfulness, relevancy, correctness."),
    judge_model: str = typer.Option("judge", help="Model name at the judge endpoint."),
    out: str = typer.Option(".copydesk/eval", help="Folder for results.json, report.md and the plots."),
    gate: bool = typer.Option(True, help="Exit 1 when a gated metric regressed beyond its tolerance."),
    max_drafts: int = typer.Option(0, help="Draft at most N briefs (spread over channels/languages); 0 = all."),
) -> None:
    """Golden-set evaluation: RAGAS (non-LLM; judge metrics with --judge) and copydesk's own metrics."""
    from pathlib import Path

    from evals.suite.gate import check, diff_text, load_baseline, load_thresholds
    from evals.suite.report import write_reports
    from evals.suite.runner import SuiteConfig, run_suite

    results = run_suite(
        SuiteConfig(
            subset=subset, judge_url=judge or None, judge_model=judge_model, max_drafts=max_drafts, log=typer.echo
        )
    )
    baseline = load_baseline(subset)
    findings = check(results["summary"], baseline, load_thresholds()) if gate else []
    report = write_reports(results, baseline, findings, Path(out) / subset)
    typer.echo(diff_text(findings))
    typer.echo(f"wall time {results['wall_s']:.0f} s; report: {report}")
    raise typer.Exit(1 if any(not f.ok for f in findings) else 0)


@app.command("baseline")
def baseline(
    update: bool = typer.Option(False, "--update", help="Record the figures of a fresh run as the new baseline."),
    subset: str = typer.Option("ci", help="Which subset's baseline."),
    from_results: str = typer.Option("", help="Use this results.json instead of running the suite again."),
) -> None:
    """Show the stored baseline, or record a new one on purpose with --update."""
    import json
    from pathlib import Path

    from evals.suite.gate import load_baseline, write_baseline

    if not update:
        typer.echo(json.dumps(load_baseline(subset), indent=2, sort_keys=True) or "no baseline")
        return
    if from_results:
        results = json.loads(Path(from_results).read_text(encoding="utf-8"))
    else:
        from evals.suite.runner import SuiteConfig, run_suite

        results = run_suite(SuiteConfig(subset=subset, log=typer.echo))
    path = write_baseline(subset, results)
    typer.echo(f"baseline for {subset} written to {path}; commit it with the change that moved the figures")


@app.command("focus")
def focus(
    data: str = typer.Option("../shared/data", help="Folder with manuals/ and catalog/ (skipped when absent)."),
    sets: str = typer.Option("demo,manuals,commercetools", help="Comma-separated: demo, manuals, commercetools."),
    cache: str = typer.Option("", help="Embedding cache file (default: the data dir's cache)."),
) -> None:
    """Product focus: share of runs whose sources include the product's own pages, per set and language."""
    from pathlib import Path

    from evals.focus import SETS, main

    chosen = [s.strip() for s in sets.split(",") if s.strip()]
    unknown = [s for s in chosen if s not in SETS]
    if unknown:
        raise typer.BadParameter(f"unknown sets {unknown}; choose from {', '.join(SETS)}")
    raise typer.Exit(main(Path(data), chosen, Path(cache) if cache else None))
