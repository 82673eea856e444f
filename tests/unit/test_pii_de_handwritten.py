"""The hand-written German PII set (issue 9): targets held, and the JSON matches its marked-up source."""

from __future__ import annotations

import json

from evals.datasets.build_pii_de_handwritten import OUT, SOURCE, parse
from evals.pii import evaluate, load_dataset


def test_json_is_built_from_the_marked_up_source() -> None:
    body = "\n".join(line for line in SOURCE.read_text(encoding="utf-8").splitlines() if not line.startswith("#"))
    records = [parse(block.strip("\n")) for block in body.split("\n%%\n") if block.strip()]
    assert records == json.loads(OUT.read_text(encoding="utf-8"))
    assert len(records) >= 150
    for record in records:
        for span in record["spans"]:  # type: ignore[attr-defined]
            assert record["full_text"][span["start_position"] : span["end_position"]] == span["entity_value"]


def test_german_person_and_phone_targets_on_realistic_text() -> None:
    report = evaluate(load_dataset(OUT), "de")
    person, phone = report.per_entity["PERSON"], report.per_entity["PHONE_NUMBER"]
    assert person.precision >= 0.85 and person.recall >= 0.80, (person.precision, person.recall)
    assert phone.precision >= 0.90, phone.precision
