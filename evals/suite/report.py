"""Reports people read: ``results.json``, ``report.md`` and PNG plots, compared with the baseline.

Plots (matplotlib, Agg backend, no display): per-metric bars now vs baseline, the
distribution of draft latency, and per-channel and per-language breakdowns. Only ids,
figures and the drafts' own text (which carries no planted PII unless the scrubber
failed — and then the PII leak rate says so) go into the files.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from evals.suite.gate import Finding


def _fmt(value: Any) -> str:
    return "-" if value is None else (f"{value:.3f}" if isinstance(value, float) else str(value))


def _plots(results: dict[str, Any], baseline: dict[str, float], out: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    files = []
    units = ("_ms", "latency", "cost", "tokens")  # not rates: kept out of the 0..1 bar chart
    summary = {
        k: v
        for k, v in results["summary"].items()
        if v is not None and 0.0 <= v <= 1.0 and not any(u in k for u in units)
    }
    names = sorted(summary)
    fig, ax = plt.subplots(figsize=(10, max(3, 0.35 * len(names))))
    ys = range(len(names))
    ax.barh([y + 0.2 for y in ys], [summary[n] for n in names], height=0.4, label="now")
    ax.barh([y - 0.2 for y in ys], [baseline.get(n, 0.0) or 0.0 for n in names], height=0.4, label="baseline")
    ax.set_yticks(list(ys), names, fontsize=8)
    ax.set_xlim(0, 1)
    ax.legend()
    ax.set_title(f"copydesk eval ({results['subset']}): metrics vs baseline")
    fig.tight_layout()
    fig.savefig(out / "metrics.png", dpi=90)
    plt.close(fig)
    files.append("metrics.png")

    latencies = [d["latency_s"] for d in results["drafts"]]
    if latencies:
        fig, ax = plt.subplots(figsize=(6, 3))
        ax.hist(latencies, bins=min(20, max(3, len(latencies))))
        ax.set_xlabel("seconds to the editor's interrupt")
        ax.set_ylabel("drafts")
        ax.set_title("Draft latency")
        fig.tight_layout()
        fig.savefig(out / "latency.png", dpi=90)
        plt.close(fig)
        files.append("latency.png")

    for key in ("channel", "language"):
        groups = results["breakdown"][key]
        if not groups:
            continue
        labels = sorted(groups)
        metrics = ["retrieval_recall", "fact_coverage", "grounding_rate"]
        fig, ax = plt.subplots(figsize=(8, 3.5))
        width = 0.8 / len(metrics)
        for i, metric in enumerate(metrics):
            ax.bar(
                [x + i * width for x in range(len(labels))],
                [groups[g][metric] or 0.0 for g in labels],
                width=width,
                label=metric,
            )
        ax.set_xticks([x + width for x in range(len(labels))], labels, fontsize=8)
        ax.set_ylim(0, 1)
        ax.legend(fontsize=7)
        ax.set_title(f"Per {key}")
        fig.tight_layout()
        fig.savefig(out / f"by_{key}.png", dpi=90)
        plt.close(fig)
        files.append(f"by_{key}.png")
    return files


def write_reports(results: dict[str, Any], baseline: dict[str, float], findings: list[Finding], out: Path) -> Path:
    """Write everything into ``out``; returns the Markdown report's path."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    plots = _plots(results, baseline, out)
    lines = [
        f"# copydesk evaluation — subset `{results['subset']}`",
        "",
        f"{results['counts']['briefs']} golden briefs (retrieval), {results['counts']['drafts']} drafts, "
        f"{results['counts']['qa']} XQuAD QA items; wall time {results['wall_s']:.0f} s.",
        "",
        "## Metrics vs baseline",
        "",
        "| metric | baseline | now | change |",
        "|---|---:|---:|---:|",
    ]
    for name, value in sorted(results["summary"].items()):
        base = baseline.get(name)
        change = "" if value is None or base is None else f"{value - base:+.3f}"
        lines.append(f"| {name} | {_fmt(base)} | {_fmt(value)} | {change} |")
    lines += ["", "## Gate", "", "```", *([f.line() for f in findings] or ["no thresholds"]), "```", ""]
    for key in ("channel", "language"):
        groups = results["breakdown"][key]
        lines += [
            f"## Per {key}",
            "",
            f"| {key} | retrieval recall | retrieval precision | fact coverage | grounding | latency s |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for group, row in sorted(groups.items()):
            lines.append(
                f"| {group} | {_fmt(row['retrieval_recall'])} | {_fmt(row['retrieval_precision'])} | "
                f"{_fmt(row['fact_coverage'])} | {_fmt(row['grounding_rate'])} | {_fmt(row['latency_s'])} |"
            )
        lines.append("")
    lines += [
        "## Drafts",
        "",
        "| brief | status | s | facts | grounding | cit. P | cit. R | schema | banned | PII |",
        "|---|---|---:|---:|---:|---:|---:|---|---|---|",
    ]
    for d in results["drafts"]:
        lines.append(
            f"| {d['id']} | {d['status']} | {d['latency_s']:.1f} | {_fmt(d['fact_coverage'])} | "
            f"{_fmt(d.get('grounding_rate'))} | {_fmt(d.get('citation_precision'))} | "
            f"{_fmt(d.get('citation_recall'))} | {'ok' if d['schema_valid'] else '; '.join(d['schema_problems'])} | "
            f"{', '.join(d['banned_claims']) or '-'} | {', '.join(d['pii_leaks']) or '-'} |"
        )
    lines += ["", *[f"![{p}]({p})" for p in plots], ""]
    path = out / "report.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
