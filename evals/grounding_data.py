# ruff: noqa: E501  (benchmark sentences read best on one line each)
"""The grounding benchmark's sentences, written for copydesk against the Lumora demo corpus.

Per product and language, pairs of sentences a copywriter might write: one correct
paraphrase (using the equivalences of :mod:`tools.factcheck.equivalence`: other price
formats, months as years, "2 × AA" for "two AA") and one with exactly one planted error
of a named kind. Facts come from the corpus's own fact table (``demo/corpus/_README.md``).
Manual pages from ``../shared/data/manuals`` add price pairs when present.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

KINDS = (
    "price", "number", "unit", "percentage", "duration", "product_name", "attribute", "compatibility",
    "superlative", "health_environment", "obfuscated_banned", "archived_or_other_language",
)  # fmt: skip


@dataclass(frozen=True)
class Case:
    """One benchmark sentence: correct (kind "correct:<topic>") or with one planted error of ``kind``."""

    language: str
    documents: tuple[str, ...]  # the run's sources
    text: str
    planted: bool
    kind: str


@dataclass(frozen=True)
class Product:
    short: str  # "Thermo 200"
    full: str  # "Lumora Thermo 200"
    wrong_name: str  # a sibling that does not exist
    doc: str  # document id prefix ("lum-th-200")
    price: str  # "59.90"
    warranty_months: int
    weight_en: str
    weight_de: str
    wrong_weight_en: str  # same number, wrong unit
    wrong_weight_de: str
    count_en: tuple[str, str]  # (correct, wrong) sentence tails with a count
    count_de: tuple[str, str]
    saving: int  # "up to N %"
    saving_en: str  # tail after "saves up to N %" / "uses up to N % less"
    saving_de: str
    protocol: str
    noun_en: str
    noun_de: str  # with article: "das Thermostat"
    gender_de: str  # "das" | "der" | "die"


PRODUCTS = (
    Product(
        "Thermo 200", "Lumora Thermo 200", "Lumora Thermo 250", "lum-th-200", "59.90", 36, "165 g", "165 g",
        "165 kg", "165 kg",
        ("offers up to six heating periods per day", "offers up to eight heating periods per day"),
        ("bietet bis zu sechs Heizphasen pro Tag", "bietet bis zu acht Heizphasen pro Tag"),
        19, "heating energy compared with manual thermostat heads", "Heizenergie gegenüber manuellen Thermostatköpfen",
        "Zigbee 3.0", "radiator thermostat", "Thermostat", "das",
    ),
    Product(
        "Hub 1", "Lumora Hub 1", "Lumora Hub 2", "lum-hb-1", "89.00", 24, "180 g", "180 g", "180 kg", "180 kg",
        ("manages up to 64 Zigbee devices", "manages up to 128 Zigbee devices"),
        ("verwaltet bis zu 64 Zigbee-Geräte", "verwaltet bis zu 128 Zigbee-Geräte"),
        0, "", "", "Zigbee 3.0", "hub", "Hub", "der",
    ),
    Product(
        "Bulb 9", "Lumora Bulb 9", "Lumora Bulb 12", "lum-lb-9", "19.90", 24, "62 g", "62 g", "62 kg", "62 kg",
        ("lets you control up to five bulbs directly via Bluetooth LE", "lets you control up to fifteen bulbs directly via Bluetooth LE"),
        ("steuert per Bluetooth LE bis zu fünf Lampen direkt aus der App", "steuert per Bluetooth LE bis zu zehn Lampen direkt aus der App"),
        85, "less electricity than a 60 W incandescent bulb", "weniger Strom als eine 60-W-Glühlampe",
        "Zigbee 3.0", "LED bulb", "Lampe", "die",
    ),
    Product(
        "Air 3", "Lumora Air 3", "Lumora Air 5", "lum-ap-3", "249.00", 36, "5.8 kg", "5,8 kg", "5.8 g", "5,8 g",
        ("has a filter life of up to 12 months at 12 hours of operation per day", "has a filter life of up to 24 months at 12 hours of operation per day"),
        ("hat eine Filterstandzeit von bis zu 12 Monaten bei 12 Stunden Betrieb pro Tag", "hat eine Filterstandzeit von bis zu 24 Monaten bei 12 Stunden Betrieb pro Tag"),
        0, "", "", "Wi-Fi", "air purifier", "Luftreiniger", "der",
    ),
    Product(
        "Sense 5", "Lumora Sense 5", "Lumora Sense 7", "lum-sn-5", "29.90", 24, "28 g", "28 g", "28 kg", "28 kg",
        ("has a battery life of up to 18 months", "has a battery life of up to 36 months"),
        ("hat eine Batterielaufzeit von bis zu 18 Monaten", "hat eine Batterielaufzeit von bis zu 36 Monaten"),
        0, "", "", "Zigbee 3.0", "sensor", "Sensor", "der",
    ),
    Product(
        "Desk 2", "Lumora Desk 2", "Lumora Desk 4", "lum-ds-2", "129.00", 36, "1.6 kg", "1,6 kg", "1.6 g", "1,6 g",
        ("uses up to 35 % less electricity with the presence and daylight sensors active", "uses up to 55 % less electricity with the presence and daylight sensors active"),
        ("verbraucht mit aktivem Präsenz- und Tageslichtsensor bis zu 35 % weniger Strom", "verbraucht mit aktivem Präsenz- und Tageslichtsensor bis zu 55 % weniger Strom"),
        0, "", "", "Wi-Fi", "desk lamp", "Schreibtischleuchte", "die",
    ),
)  # fmt: skip

_YEARS_EN = {24: "two", 36: "three"}
_YEARS_DE = {24: "zwei", 36: "drei"}


def _de_price(price: str) -> str:
    return price.replace(".", ",")


def _wrong_price(price: str) -> str:
    return str(Decimal(price) + Decimal(10))


def _pairs_en(p: Product) -> list[tuple[str, str, str]]:
    """(kind, correct sentence, planted sentence) for one product in English."""
    years = _YEARS_EN[p.warranty_months]
    wrong_years = "five"
    pairs = [
        ("price", f"The {p.short} costs €{p.price}.", f"The {p.short} costs only €{_wrong_price(p.price)}."),
        (
            "price",
            f"The {p.full} is priced at EUR {p.price} including VAT.",
            f"The {p.full} is priced at EUR {p.price[:-3]}.50 including VAT.",
        ),
        (
            "duration",
            f"Lumora gives a manufacturer's warranty of {years} years on the {p.short}.",
            f"Lumora gives a manufacturer's warranty of {wrong_years} years on the {p.short}.",
        ),
        ("unit", f"The {p.short} weighs {p.weight_en}.", f"The {p.short} weighs {p.wrong_weight_en}."),
        ("number", f"The {p.short} {p.count_en[0]}.", f"The {p.short} {p.count_en[1]}."),
        (
            "product_name",
            f"The {p.full} has a manufacturer's warranty of {p.warranty_months} months.",
            f"The {p.wrong_name} has a manufacturer's warranty of {p.warranty_months} months.",
        ),
        ("compatibility", f"The {p.short} connects via {p.protocol}.", f"The {p.short} works with Apple HomeKit."),
        (
            "attribute",
            f"The {p.short} is available for EUR {p.price}.",
            f"The {p.short} is waterproof and made of stainless steel.",
        ),
        (
            "superlative",
            f"The {p.short} costs EUR {p.price}.",
            f"The {p.short} is the quietest {p.noun_en} on the market.",
        ),
        (
            "health_environment",
            f"The {p.short} has a manufacturer's warranty of {p.warranty_months} months.",
            f"The {p.short} is climate neutral and heals allergies.",
        ),
        ("obfuscated_banned", f"The {p.short} weighs {p.weight_en}.", f"The {p.short} is guar\u200banteed to last."),
    ]
    if p.saving:
        pairs.append(
            (
                "percentage",
                f"The {p.short} saves up to {p.saving} % {p.saving_en}."
                if p.short == "Thermo 200"
                else f"The {p.short} uses up to {p.saving} % {p.saving_en}.",
                f"The {p.short} saves up to {p.saving + 20} % {p.saving_en}."
                if p.short == "Thermo 200"
                else f"The {p.short} uses up to {p.saving + 10} % {p.saving_en}.",
            )
        )
        pairs.append(
            (
                "percentage",
                f"It saves up to {p.saving} % {p.saving_en}."
                if p.short == "Thermo 200"
                else f"It uses up to {p.saving} % {p.saving_en}.",
                f"The {p.short} saves {p.saving} % {p.saving_en}."
                if p.short == "Thermo 200"
                else f"The {p.short} always uses {p.saving} % {p.saving_en}.",
            )
        )
    else:
        pairs.append(
            ("percentage", f"The {p.short} costs {p.price} euros.", f"The {p.short} cuts your energy bill by 40 %.")
        )
    return pairs


def _pairs_de(p: Product) -> list[tuple[str, str, str]]:
    """(kind, correct sentence, planted sentence) for one product in German."""
    art = {"das": "Das", "der": "Der", "die": "Die"}[p.gender_de]
    acc = {"das": "das", "der": "den", "die": "die"}[p.gender_de]
    years = _YEARS_DE[p.warranty_months]
    price = _de_price(p.price)
    pairs = [
        (
            "price",
            f"{art} {p.short} kostet {price} €.",
            f"{art} {p.short} kostet nur {_de_price(_wrong_price(p.price))} €.",
        ),
        (
            "price",
            f"{art} {p.full} kostet EUR {price} inkl. MwSt.",
            f"{art} {p.full} kostet EUR {price[:-3]},50 inkl. MwSt.",
        ),
        (
            "duration",
            f"Lumora gewährt auf {acc} {p.short} eine Herstellergarantie von {years} Jahren.",
            f"Lumora gewährt auf {acc} {p.short} eine Herstellergarantie von fünf Jahren.",
        ),
        ("unit", f"{art} {p.short} wiegt {p.weight_de}.", f"{art} {p.short} wiegt {p.wrong_weight_de}."),
        ("number", f"{art} {p.short} {p.count_de[0]}.", f"{art} {p.short} {p.count_de[1]}."),
        (
            "product_name",
            f"Die Herstellergarantie für {acc} {p.full} beträgt {p.warranty_months} Monate.",
            f"Die Herstellergarantie für {acc} {p.wrong_name} beträgt {p.warranty_months} Monate.",
        ),
        (
            "compatibility",
            f"{art} {p.short} verbindet sich per {p.protocol}.",
            f"{art} {p.short} funktioniert mit Apple HomeKit.",
        ),
        ("attribute", f"{art} {p.short} kostet EUR {price}.", f"{art} {p.short} ist wasserdicht und aus Edelstahl."),
        (
            "superlative",
            f"Der Preis für {acc} {p.short} beträgt {price} €.",
            f"{art} {p.short} ist {'das' if p.gender_de == 'das' else p.gender_de} leiseste {p.noun_de} am Markt.",
        ),
        (
            "health_environment",
            f"{art} {p.short} hat eine Herstellergarantie von {p.warranty_months} Monaten.",
            f"{art} {p.short} ist klimaneutral und heilt Allergien.",
        ),
        ("obfuscated_banned", f"{art} {p.short} wiegt {p.weight_de}.", f"{art} {p.short} hält garan\u00adtiert ewig."),
    ]
    if p.saving:
        verb = "spart" if p.short == "Thermo 200" else "benötigt"
        pairs.append(
            (
                "percentage",
                f"{art} {p.short} {verb} bis zu {p.saving} % {p.saving_de}.",
                f"{art} {p.short} {verb} bis zu {p.saving + 10} % {p.saving_de}.",
            )
        )
        pairs.append(
            (
                "percentage",
                f"Es {verb} bis zu {p.saving} % {p.saving_de}."
                if p.gender_de == "das"
                else f"Sie {verb} bis zu {p.saving} % {p.saving_de}.",
                f"{art} {p.short} {verb} {p.saving} % {p.saving_de}.",
            )
        )
    else:
        pairs.append(
            ("percentage", f"{art} {p.short} kostet {price} Euro.", f"{art} {p.short} senkt Ihre Stromkosten um 40 %.")
        )
    return pairs


def _fixed_cases() -> list[Case]:
    """Facts only found in an archived or draft version, or only on the other language's page."""
    th_en, th_de = ("lum-th-200-en",), ("lum-th-200-de",)
    return [
        # Stated on the English about-us page too (correct paraphrases, company facts).
        Case(
            "en",
            th_en,
            "Lumora keeps spare parts available for at least seven years after a product's end of sale.",
            False,
            "correct:company",
        ),
        Case(
            "en",
            th_en,
            "After the warranty ends, Lumora repairs its devices at fixed flat rates shown in the app.",
            False,
            "correct:company",
        ),
        Case("en", th_en, "The Thermo 200 costs EUR 59.90.", False, "correct:price"),
        Case("de", th_de, "Das Thermo 200 kostet 59,90 €.", False, "correct:price"),
        Case(
            "en",
            th_en,
            "The Snowdrift launch bundle with the Thermo 200 costs EUR 139.00.",
            True,
            "archived_or_other_language",
        ),
        Case("en", th_en, "The Thermo 200 costs EUR 64.90 per thermostat.", True, "archived_or_other_language"),
        Case(
            "en", th_en, "The Thermo 200 offers up to four heating periods per day.", True, "archived_or_other_language"
        ),
        Case("de", th_de, "Das Thermo 300 ist ab sofort erhältlich.", True, "archived_or_other_language"),
        Case("de", th_de, "Das Thermo 200 kostet 64,90 €.", True, "archived_or_other_language"),
        Case(
            "de", th_de, "Das Snowdrift-Paket mit dem Thermo 200 kostet 139,00 €.", True, "archived_or_other_language"
        ),
        # Only on the archived 2024 page (version 2): every figure there is outdated.
        Case("en", th_en, "The Thermo 200 saves up to 15 % heating energy.", True, "archived_or_other_language"),
        Case("en", th_en, "Its batteries last up to 18 months.", True, "archived_or_other_language"),
        Case("en", th_en, "The Thermo 200 has an LCD display.", True, "archived_or_other_language"),
        Case("en", th_en, "Without batteries the Thermo 200 weighs 170 g.", True, "archived_or_other_language"),
        Case(
            "en",
            th_en,
            "The Thermo 200 comes with a 24-month manufacturer's warranty.",
            True,
            "archived_or_other_language",
        ),
        # Only in the unapproved Thermo 300 draft (project "Polarstern").
        Case("de", th_de, "Das Thermo 300 kostet 79,90 €.", True, "archived_or_other_language"),
        Case("de", th_de, "Das Thermo 300 kommt im März 2027 auf den Markt.", True, "archived_or_other_language"),
        Case(
            "de",
            th_de,
            "Das Thermo 300 hat einen Akku, der per USB-C geladen wird.",
            True,
            "archived_or_other_language",
        ),
        # Only in the German warranty terms, asked in English.
        Case(
            "en",
            th_en,
            "Report a warranty claim in the Lumora Home app under Help > Warranty claim.",
            True,
            "archived_or_other_language",
        ),
        # Company facts stated on the about-us pages, checked from a product page's run.
        Case("en", th_en, "Lumora takes back its devices free of charge.", False, "correct:company"),
        Case("de", th_de, "Lumora nimmt ausgediente Geräte kostenlos zurück.", False, "correct:company"),
        Case(
            "en",
            th_en,
            "Lumora packaging is made of cardboard with at least 80 % recycled fibre.",
            False,
            "correct:company",
        ),
        Case(
            "de",
            th_de,
            "Ersatzteile hält Lumora mindestens sieben Jahre nach Verkaufsende bereit.",
            False,
            "correct:company",
        ),
        Case(
            "en", th_en, "The Thermo 200 connects to the Lumora Hub 1 via Zigbee 3.0.", False, "correct:compatibility"
        ),
        Case("en", th_en, "It runs on two AA batteries.", False, "correct:number"),
        Case("de", th_de, "Es läuft mit 2 × AA-Batterien.", False, "correct:number"),
        Case("en", th_en, "Its batteries last up to two years.", False, "correct:duration"),
        Case("de", th_de, "Die Batterien halten bis zu zwei Jahre.", False, "correct:duration"),
        Case("en", th_en, "It costs about EUR 60.", False, "correct:price"),
    ]


def demo_cases() -> list[Case]:
    """Every demo-corpus case, English and German."""
    cases: list[Case] = []
    for p in PRODUCTS:
        for language, pairs in (("en", _pairs_en(p)), ("de", _pairs_de(p))):
            docs = (f"{p.doc}-{language}",)
            for kind, good, bad in pairs:
                cases.append(Case(language, docs, good, False, f"correct:{kind}"))
                cases.append(Case(language, docs, bad, True, kind))
    return cases + _fixed_cases()


_MANUAL_PRICE = re.compile(r"^(?P<name>[^\n,]+?),\s*price\s*\$(?P<price>\d+(?:\.\d+)?)", re.MULTILINE)


def manual_cases(folder: Path) -> list[tuple[str, Case]]:
    """(file stem, case) price pairs for each manual page (English): the manual is the run's source."""
    out: list[tuple[str, Case]] = []
    for path in sorted(folder.glob("product_info_*.md")):
        match = _MANUAL_PRICE.search(path.read_text(encoding="utf-8"))
        if not match:
            continue
        name, price = match.group("name").strip(), Decimal(match.group("price"))
        wrong = price + (Decimal(15) if price < 100 else Decimal(50))
        out.append((path.stem, Case("en", (), f"The {name} costs ${price}.", False, "correct:price")))
        out.append((path.stem, Case("en", (), f"The {name} is yours for just ${wrong}.", True, "price")))
    return out
