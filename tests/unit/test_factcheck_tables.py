"""Table rows as evidence units, and numbers checked against the attribute they are given for."""

from __future__ import annotations

from tools.factcheck import Claim, ContradictionRules, FactChecker
from tools.factcheck.attributes import attribute_of
from tools.factcheck.evidence import candidates_from_chunks
from tools.factcheck.quantities import find_quantities
from tools.factcheck.sentences import split_sentences
from tools.models import Chunk

SPEC_EN = """The Kelvo K4 is a smart kettle for up to 1.7 litres.

| Attribute | Value |
|---|---|
| Product ID | KEL-K4 |
| Weight | 1.2 kg (empty) |
| Battery | none |
| Filter life | up to 12 months |
| Standby time | up to 24 months |
| Manufacturer's warranty | 36 months |
| Matter | via Kelvo Hub H2 |
| Power consumption | 2,200 W |"""

SPEC_DE = """| Merkmal | Wert |
|---|---|
| Gewicht | 1,2 kg |
| Batterielaufzeit | bis zu 24 Monate |
| Herstellergarantie | 36 Monate |"""

CHUNK_EN = Chunk(
    id="k4-en::003",
    document_id="k4-en",
    ordinal=3,
    text=SPEC_EN,
    title="Kelvo K4 – Smart Kettle",
    heading_path=["Kelvo K4 – Smart Kettle", "Technical data"],
    product_ids=["KEL-K4"],
)
CHUNK_DE = Chunk(
    id="k4-de::003",
    document_id="k4-de",
    ordinal=3,
    language="de",
    text=SPEC_DE,
    title="Kelvo K4 – Smarter Wasserkocher",
    heading_path=["Kelvo K4 – Smarter Wasserkocher", "Technische Daten"],
    product_ids=["KEL-K4"],
)


def _check(text: str, chunk: Chunk, known: tuple[str, ...] = ()) -> tuple[str, str]:
    checker = FactChecker(contradiction_rules=ContradictionRules(known_products=known))
    [verdict] = checker.check([Claim(text=text, chunk_ids=[chunk.id])], {chunk.id: chunk}, language=chunk.language)
    return verdict.verdict, verdict.reason


def test_each_table_row_is_its_own_unit_with_cells_and_header() -> None:
    units = split_sentences(SPEC_EN)
    assert units[0].text == "The Kelvo K4 is a smart kettle for up to 1.7 litres."
    rows = units[1:]
    assert [r.label for r in rows] == [
        "Product ID", "Weight", "Battery", "Filter life", "Standby time", "Manufacturer's warranty", "Matter",
        "Power consumption",
    ]  # fmt: skip
    assert all(r.header == ("Attribute", "Value") for r in rows)
    assert rows[1].cells == ("Weight", "1.2 kg (empty)")
    for unit in units:  # offsets point into the chunk text
        assert SPEC_EN[unit.start : unit.end] == unit.text
    assert not any("---" in u.text or u.text == "| Attribute | Value |" for u in units)


def test_prose_splitting_is_unchanged_and_list_items_start_new_units() -> None:
    assert [s.text for s in split_sentences("It costs 1.299 €. Dr. Smith agrees.")] == [
        "It costs 1.299 €.",
        "Dr. Smith agrees.",
    ]
    steps = split_sentences("1. Unscrew the head\n2. Fit the adapter\n- **Quiet:** below 30 dB(A)")
    assert [s.text for s in steps] == ["1. Unscrew the head", "2. Fit the adapter", "- **Quiet:** below 30 dB(A)"]


def test_row_quantities_carry_the_row_attribute_and_rows_do_not_pass_on_subjects() -> None:
    candidates = candidates_from_chunks([CHUNK_EN])
    by_label = {c.label: c for c in candidates if c.is_row}
    assert by_label["Manufacturer's warranty"].attributes == ("warranty",)
    assert by_label["Weight"].attributes == ("weight",)
    assert by_label["Filter life"].attributes == ("row:filter life",)
    assert by_label["Power consumption"].attributes == ("power",)
    # "via Kelvo Hub H2" in one row does not make the next row about the hub.
    assert by_label["Power consumption"].subjects == by_label["Weight"].subjects


def test_claim_quantities_get_the_attribute_named_next_to_them() -> None:
    claim = "The K4 costs EUR 59.90 and comes with a warranty of 36 months."
    price, period = [q for q in find_quantities(claim) if q.kind != "number"]
    assert attribute_of(claim, price) == "price"
    assert attribute_of(claim, period) == "warranty"
    battery = "The battery lasts up to 24 months."
    assert attribute_of(battery, find_quantities(battery)[0]) == "battery life"
    de = "Die Herstellergarantie beträgt 24 Monate."
    assert attribute_of(de, find_quantities(de, "de")[0]) == "warranty"
    assert attribute_of("It lasts 24 months.", find_quantities("It lasts 24 months.")[0]) is None


def test_a_value_of_another_attribute_does_not_support_and_the_right_one_contradicts() -> None:
    verdict, reason = _check("The Kelvo K4 comes with a manufacturer's warranty of 24 months.", CHUNK_EN)
    assert verdict == "contradicted"
    assert "warranty 24 months not in cited source; source says 36 months" in reason


def test_german_attribute_scoping() -> None:
    verdict, reason = _check("Die Herstellergarantie für den Kelvo K4 beträgt 24 Monate.", CHUNK_DE)
    assert verdict == "contradicted"
    assert "source says 36 Monate" in reason
    assert _check("Das Gewicht des Kelvo K4 beträgt 1,2 kg.", CHUNK_DE)[0] == "supported"


def test_value_only_under_an_unrelated_row_is_not_found() -> None:
    chunk = CHUNK_EN.model_copy(update={"text": "| Attribute | Value |\n|---|---|\n| Filter life | up to 12 months |"})
    verdict, reason = _check("The Kelvo K4 has a warranty of 12 months.", chunk)
    assert verdict == "not_found"
    assert "warranty 12 months not in cited source" in reason
    assert "filter life" in reason


def test_correct_row_facts_are_supported_despite_negations_in_other_rows() -> None:
    # "| Battery | none |" and "not covered" sentences are about other attributes.
    assert _check("The Kelvo K4 weighs 1.2 kg.", CHUNK_EN)[0] == "supported"
    assert _check("The Kelvo K4 has a warranty of 36 months.", CHUNK_EN)[0] == "supported"
    prose = CHUNK_EN.model_copy(
        update={"text": SPEC_EN + "\n\nKelvo gives a warranty of 36 months on the K4. Filters are not covered."}
    )
    assert _check("Its standby time is up to 24 months.", prose)[0] == "supported"


def test_wide_table_columns_name_the_attribute() -> None:
    chunk = Chunk(
        id="range::0",
        document_id="range",
        ordinal=0,
        text="| Model | Price | Warranty |\n|---|---|---|\n| Aero 500 | EUR 1,199.00 | 24 months |\n"
        "| Aero 700 | EUR 1,499.00 | 36 months |",
    )
    known = ("Aero 500", "Aero 700")
    [row] = [c for c in candidates_from_chunks([chunk], known) if c.label == "Aero 500"]
    assert row.attributes == ("price", "warranty")
    assert row.subjects == {"aero500"}
    verdict, reason = _check("The Aero 500 has a warranty of 36 months.", chunk, known)
    assert verdict == "contradicted"
    assert "source says 24 months" in reason
    assert _check("The Aero 700 costs EUR 1,499.00.", chunk, known)[0] == "supported"


def test_lumen_is_a_unit() -> None:
    [flux] = find_quantities("a luminous flux of 806 lm")
    assert (flux.dimension, flux.value) == ("luminous_flux", 806)
    assert attribute_of("a luminous flux of 806 lm", flux) == "luminous flux"
