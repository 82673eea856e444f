"""PII detection benchmark on presidio-research style JSON (``copydesk eval pii``).

Input: a JSON list of records ``{"full_text": str, "spans": [{"entity_type", "start_position",
"end_position", "entity_value"?}]}`` (e.g. ``../shared/data/pii/synth_dataset_v2.json`` or
``evals/datasets/pii_de.json``).

Entity mapping (dataset label -> copydesk/Presidio label), applied to gold spans; gold
labels not listed (ORGANIZATION, GPE, DATE_TIME, TITLE, AGE, NRP, ...) are not scored,
because copydesk deliberately does not scrub them from marketing text:

    PERSON -> PERSON              EMAIL_ADDRESS -> EMAIL_ADDRESS   PHONE_NUMBER -> PHONE_NUMBER
    CREDIT_CARD -> CREDIT_CARD    IBAN_CODE -> IBAN_CODE           IP_ADDRESS -> IP_ADDRESS
    STREET_ADDRESS -> ADDRESS     ZIP_CODE -> ADDRESS              US_SSN -> US_SSN
    DOMAIN_NAME -> URL            ADDRESS -> ADDRESS               DE_TAX_ID -> DE_TAX_ID
    DE_VAT_ID -> DE_VAT_ID

Matching rule (character overlap, per entity type, after resolving overlapping
predictions the way the scrubber does):

* a gold span is *found* (recall) when predictions of the same mapped type cover at
  least half of its characters;
* a prediction is *correct* (precision) when gold spans of the same mapped type cover
  at least half of its characters. Predictions of types that are not scored are ignored.

So "Dr. Anna Schmidt" predicted for gold "Anna Schmidt" counts, and an address split
into street and city predictions counts once per gold span. F2 weights recall twice as
much as precision: for PII, a miss is worse than an over-redaction.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ENTITY_MAP: dict[str, str] = {
    "PERSON": "PERSON",
    "EMAIL_ADDRESS": "EMAIL_ADDRESS",
    "PHONE_NUMBER": "PHONE_NUMBER",
    "CREDIT_CARD": "CREDIT_CARD",
    "IBAN_CODE": "IBAN_CODE",
    "IP_ADDRESS": "IP_ADDRESS",
    "STREET_ADDRESS": "ADDRESS",
    "ZIP_CODE": "ADDRESS",
    "ADDRESS": "ADDRESS",
    "US_SSN": "US_SSN",
    "DOMAIN_NAME": "URL",
    "URL": "URL",
    "DE_TAX_ID": "DE_TAX_ID",
    "DE_VAT_ID": "DE_VAT_ID",
}
MIN_OVERLAP = 0.5


@dataclass
class Counts:
    """Per-entity tallies: gold spans found / total, predictions correct / total."""

    gold: int = 0
    found: int = 0
    pred: int = 0
    correct: int = 0

    @property
    def precision(self) -> float:
        return self.correct / self.pred if self.pred else 1.0 if not self.gold else 0.0

    @property
    def recall(self) -> float:
        return self.found / self.gold if self.gold else 1.0

    @property
    def f2(self) -> float:
        p, r = self.precision, self.recall
        return 5 * p * r / (4 * p + r) if (4 * p + r) else 0.0


@dataclass
class Report:
    """Scores per mapped entity type plus the micro-averaged overall row."""

    per_entity: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    records: int = 0
    seconds: float = 0.0
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def overall(self) -> Counts:
        total = Counts()
        for c in self.per_entity.values():
            total.gold += c.gold
            total.found += c.found
            total.pred += c.pred
            total.correct += c.correct
        return total

    def rows(self) -> list[tuple[str, Counts]]:
        return [*sorted(self.per_entity.items()), ("OVERALL", self.overall)]


def _covered(span: tuple[int, int], others: Iterable[tuple[int, int]]) -> float:
    """Fraction of ``span``'s characters covered by the union of ``others``."""
    start, end = span
    if end <= start:
        return 0.0
    marks = bytearray(end - start)
    for s, e in others:
        lo, hi = max(s, start), min(e, end)
        if lo < hi:
            marks[lo - start : hi - start] = b"\x01" * (hi - lo)
    return sum(marks) / (end - start)


def score_record(gold: list[tuple[str, int, int]], pred: list[tuple[str, int, int]], report: Report) -> None:
    """Add one record's gold and predicted spans (already mapped to scored types) to ``report``."""
    types = {t for t, _, _ in gold} | {t for t, _, _ in pred}
    for t in types:
        g = [(s, e) for tt, s, e in gold if tt == t]
        p = [(s, e) for tt, s, e in pred if tt == t]
        c = report.per_entity[t]
        c.gold += len(g)
        c.pred += len(p)
        c.found += sum(_covered(span, p) >= MIN_OVERLAP for span in g)
        c.correct += sum(_covered(span, g) >= MIN_OVERLAP for span in p)


def load_dataset(path: Path) -> list[dict[str, Any]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise ValueError(f"{path}: expected a JSON list of records")
    return data


def evaluate(records: list[dict[str, Any]], language: str, limit: int | None = None, keep_errors: int = 0) -> Report:
    """Run the production scrubber's detector over ``records`` and score it."""
    from tools.pii import PiiScrubber

    scored_types = sorted(set(ENTITY_MAP.values()))
    scrubber = PiiScrubber(entities=scored_types)
    report = Report()
    started = time.perf_counter()
    for record in records[:limit] if limit else records:
        text = record["full_text"]
        gold = [
            (ENTITY_MAP[s["entity_type"]], int(s["start_position"]), int(s["end_position"]))
            for s in record.get("spans", [])
            if s["entity_type"] in ENTITY_MAP
        ]
        pred = [(r.entity_type, r.start, r.end) for r in scrubber.detect(text, language)]
        before = {k: (v.found, v.correct, v.pred) for k, v in report.per_entity.items()}
        score_record(gold, pred, report)
        report.records += 1
        if keep_errors and len(report.errors) < keep_errors:
            after = {k: (v.found, v.correct, v.pred) for k, v in report.per_entity.items()}
            if any(
                report.per_entity[t].gold
                and after[t] != before.get(t)
                and (
                    after[t][0] - before.get(t, (0, 0, 0))[0] < sum(1 for g in gold if g[0] == t)
                    or after[t][1] - before.get(t, (0, 0, 0))[1] < after[t][2] - before.get(t, (0, 0, 0))[2]
                )
                for t in after
            ):
                report.errors.append({"text": text, "gold": gold, "pred": pred})
    report.seconds = time.perf_counter() - started
    return report


def format_report(report: Report, title: str) -> str:
    """Plain-text table: entity, gold, predicted, precision, recall, F2."""
    lines = [title, f"{'entity':<16}{'gold':>6}{'pred':>6}{'P':>8}{'R':>8}{'F2':>8}"]
    for name, c in report.rows():
        lines.append(f"{name:<16}{c.gold:>6}{c.pred:>6}{c.precision:>8.3f}{c.recall:>8.3f}{c.f2:>8.3f}")
    lines.append(f"{report.records} records in {report.seconds:.1f} s")
    return "\n".join(lines)
