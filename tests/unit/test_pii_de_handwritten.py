"""The hand-written German PII set (issue 9): targets held, and the JSON matches its marked-up source."""

from __future__ import annotations

import json

import pytest

from evals.datasets.build_pii_de_handwritten import OUT, PROBE_OUT, PROBE_SOURCE, SOURCE, records_of
from evals.pii import evaluate, load_dataset


@pytest.mark.parametrize(("source", "out", "least"), [(SOURCE, OUT, 150), (PROBE_SOURCE, PROBE_OUT, 40)])
def test_json_is_built_from_the_marked_up_source(source, out, least) -> None:  # type: ignore[no-untyped-def]
    records = records_of(source)
    assert records == json.loads(out.read_text(encoding="utf-8"))
    assert len(records) >= least
    for record in records:
        for span in record["spans"]:  # type: ignore[attr-defined]
            assert record["full_text"][span["start_position"] : span["end_position"]] == span["entity_value"]


def test_german_person_and_phone_targets_on_realistic_text() -> None:
    report = evaluate(load_dataset(OUT), "de")
    person, phone = report.per_entity["PERSON"], report.per_entity["PHONE_NUMBER"]
    assert person.precision >= 0.85 and person.recall >= 0.80, (person.precision, person.recall)
    assert phone.precision >= 0.90, phone.precision
