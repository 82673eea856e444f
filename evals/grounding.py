"""``copydesk eval grounding``: sentence-level planted-error benchmark, plus the check+guards timing.

Runs every case of :mod:`evals.grounding_data` through the graph's sentence checker and
guards (:mod:`evals.grounding_support`) on the demo corpus, and on ``../shared/data/manuals``
ingested as approved when that folder exists (skipped cleanly otherwise). A planted error
counts as caught when its sentence is ``contradicted``/``not_found`` or a blocking guard
finding covers it; a correct sentence is a false alarm when either happens. Prints recall
per kind, false alarms per kind and overall, and the time the check plus guards take on a
1,000-word draft.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from evals.grounding_data import Case, demo_cases, manual_cases
from evals.grounding_support import DEMO_CORPUS, GroundingBench
from tools.factcheck import clear_caches
from tools.factcheck.segment import segment_field


def _approved_copy(manuals: Path, target: Path) -> Path:
    """The manuals with front matter marking them approved English product pages (temp folder only)."""
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(manuals.glob("product_info_*.md")):
        body = path.read_text(encoding="utf-8")
        title = body.splitlines()[1].split(",")[0].strip() if len(body.splitlines()) > 1 else path.stem
        front = (
            f"---\nid: manual-{path.stem}\ntitle: {title}\nlanguage: en\napproval_status: approved\n"
            f"doc_type: product_page\n---\n"
        )
        (target / path.name).write_text(front + body, encoding="utf-8")
    return target


def _flagged(bench: GroundingBench, case: Case) -> tuple[bool, str]:
    results = bench.check(case.text, case.language, list(case.documents))
    sources = [c.text for doc in case.documents for c in bench.store.chunks_of_document(doc)]
    guards = bench.blocking_guard(case.text, case.language, sources=sources)
    bad = [r for r in results if r["verdict"] in {"contradicted", "not_found"}]
    if bad:
        return True, f"{bad[0]['verdict']}: {bad[0]['reason']}"
    if guards:
        return True, f"guard: {guards[0].reason}"
    return False, "; ".join(f"{r['verdict']}: {r['reason']}" for r in results)


def run(manuals: Path | None, verbose: bool = False) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        folders = [DEMO_CORPUS]
        cases: list[Case] = demo_cases()
        if manuals is not None and manuals.exists():
            folders.append(_approved_copy(manuals, Path(tmp) / "manuals"))
            cases += [
                Case(c.language, (f"manual-{stem}",), c.text, c.planted, c.kind) for stem, c in manual_cases(manuals)
            ]
        bench = GroundingBench(Path(tmp) / "bench", folders=folders)
        try:
            caught: dict[str, list[bool]] = defaultdict(list)
            alarms: dict[str, list[bool]] = defaultdict(list)
            misses: list[str] = []
            for case in cases:
                flagged, why = _flagged(bench, case)
                if case.planted:
                    caught[case.kind].append(flagged)
                    if not flagged:
                        misses.append(f"MISSED [{case.kind}/{case.language}] {case.text} — {why}")
                else:
                    alarms[case.kind.removeprefix("correct:")].append(flagged)
                    if flagged:
                        misses.append(f"FALSE ALARM [{case.kind}/{case.language}] {case.text} — {why}")
            citations = _citations(bench, [c for c in cases if not c.planted and c.documents])
            timing = _timing(bench)
        finally:
            bench.close()
    planted = [x for v in caught.values() for x in v]
    correct = [x for v in alarms.values() for x in v]
    return {
        "sentences": len(cases),
        "planted": len(planted),
        "correct": len(correct),
        "recall": sum(planted) / max(len(planted), 1),
        "false_alarm_rate": sum(correct) / max(len(correct), 1),
        "recall_by_kind": {k: (sum(v) / len(v), len(v)) for k, v in sorted(caught.items())},
        "false_alarms_by_kind": {k: (sum(v) / len(v), len(v)) for k, v in sorted(alarms.items())},
        "languages": sorted({c.language for c in cases}),
        "manuals": manuals is not None and manuals.exists(),
        "misses": misses,
        "timing_ms": timing,
        "citations": citations,
    }


def _citations(bench: GroundingBench, cases: list[Case]) -> dict[str, float]:
    """ALCE-style citation figures on correct sentences, each deliberately cited to the wrong page.

    The run's sources are a distractor page (another product's) followed by the sentence's own
    page, and the sentence carries the distractor's first label. Precision: the corrected citation
    no longer points at the distractor's page, and points at the sentence's own page or at a general
    page that states it (a company fact is cited to the about-us page, not the product page);
    recall: every supported sentence ends up cited.
    """
    supported = cited = correct = corrected = 0
    for case in cases:
        own = case.documents[0]
        distractor = ("lum-hb-1-" if not own.startswith("lum-hb-1") else "lum-th-200-") + case.language
        sources = bench.sources(distractor, own)
        text = f"{case.text} [S1]"
        [result] = bench.checker(case.language).check(
            segment_field("sections[0].body", text), sources, case.language, search=bench.search(case.language)
        )
        if result["verdict"] != "supported":
            continue
        supported += 1
        by_label = {s.label: s.chunks[0].document_id for s in sources}
        labels = result["citations"]
        cited += bool(labels) or bool(result.get("new_source_chunk"))
        docs = {by_label.get(label, "") for label in labels} or {(result["evidence"] or {}).get("document_id", "")}
        on_distractor = any(d.startswith(distractor.rsplit("-", 1)[0]) for d in docs)
        own_or_general = all(d.startswith(own.rsplit("-", 1)[0]) or not d.startswith("lum-") for d in docs)
        correct += bool(docs) and not on_distractor and own_or_general
        corrected += bool(result["citation_corrected"])
    return {
        "sentences": float(len(cases)),
        "supported": float(supported),
        "precision": correct / max(supported, 1),
        "recall": cited / max(supported, 1),
        "corrected": corrected / max(supported, 1),
    }


def _timing(bench: GroundingBench) -> dict[str, float]:
    """Median ms of sentence check + guards over a 1,000-word English draft (run's sources: two pages)."""
    good = [c.text for c in demo_cases() if not c.planted and c.language == "en"]
    words: list[str] = []
    body_parts: list[str] = []
    while len(words) < 1000:
        for sentence in good:
            body_parts.append(sentence)
            words += sentence.split()
            if len(words) >= 1000:
                break
    body = " ".join(body_parts)
    documents = [f"{p}-en" for p in ("lum-th-200", "lum-hb-1", "lum-lb-9", "lum-ap-3", "lum-sn-5", "lum-ds-2")]
    sources = bench.sources(*documents)
    texts = [c.text for s in sources for c in s.chunks]
    runs: list[float] = []
    cpu: list[float] = []
    for _ in range(5):
        clear_caches()  # every run cold: the same body again must not be served from the scans' memo
        checker = bench.checker("en")  # a new checker per run, as the graph builds one per fact-check
        start, start_cpu = time.perf_counter(), time.process_time()
        checker.check(segment_field("sections[0].body", body), sources, "en", search=bench.search("en"))
        bench.guards.check_draft(body, channel="seo_article", language="en", sources=texts)
        runs.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return {
        "words": float(len(body.split())),
        "first_ms": runs[0],  # cold: evidence sentences of the pages not yet split
        "median_ms": statistics.median(runs[1:]),
        "max_ms": max(runs[1:]),
        "cpu_median_ms": statistics.median(cpu[1:]),
        "sentences": float(len(segment_field("b", body))),
    }


def format_report(report: dict[str, object], verbose: bool = False) -> str:
    lines = [
        f"grounding benchmark: {report['sentences']} sentences ({report['planted']} planted errors, "
        f"{report['correct']} correct), languages {', '.join(report['languages'])}"  # type: ignore[arg-type]
        f"{', manuals included' if report['manuals'] else ', manuals absent (skipped)'}",
        f"recall on planted errors: {report['recall']:.3f}   false alarms on correct sentences: "
        f"{report['false_alarm_rate']:.3f}",
        "recall per kind:",
    ]
    for kind, (value, n) in report["recall_by_kind"].items():  # type: ignore[attr-defined]
        lines.append(f"  {kind:28s} {value:.3f}  (n={n})")
    lines.append("false alarms per kind (correct sentences):")
    for kind, (value, n) in report["false_alarms_by_kind"].items():  # type: ignore[attr-defined]
        lines.append(f"  {kind:28s} {value:.3f}  (n={n})")
    timing = report["timing_ms"]
    lines.append(
        f"check + guards on a {timing['words']:.0f}-word draft ({timing['sentences']:.0f} sentences, six source "  # type: ignore[index]
        f"pages): median {timing['median_ms']:.0f} ms wall, {timing['cpu_median_ms']:.0f} ms CPU; "  # type: ignore[index]
        f"max {timing['max_ms']:.0f} ms; first (cold) run {timing['first_ms']:.0f} ms"  # type: ignore[index]
    )
    cit = report["citations"]
    lines.append(
        f"citations (correct sentences cited to another product's page, {cit['supported']:.0f} supported of "  # type: ignore[index]
        f"{cit['sentences']:.0f}): precision {cit['precision']:.3f}, recall {cit['recall']:.3f}, "  # type: ignore[index]
        f"corrected {cit['corrected']:.3f}"  # type: ignore[index]
    )
    misses = report["misses"]
    if verbose or len(misses) <= 20:  # type: ignore[arg-type]
        lines += list(misses)  # type: ignore[call-overload]
    else:
        lines.append(f"{len(misses)} misses/false alarms (use --verbose to list them)")  # type: ignore[arg-type]
    return "\n".join(lines)


def main(manuals: Path | None, verbose: bool = False) -> None:
    print(format_report(run(manuals, verbose), verbose))
