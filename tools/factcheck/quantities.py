"""Numbers, prices, percentages and units in German and English text, normalised for exact comparison.

A marketing claim that says "1.299 €" must match a source that says "€1,299.00", and
"12 Monate" must match "12 months", but "1.299 €" must never match "1.199 €". So every
quantity is reduced to (dimension, exact decimal value in a base unit): prices keep
their currency as the dimension ("price:EUR"), durations in calendar units become
months, lengths millimetres and so on. Decimal, not float, so that equality is exact.

Separator ambiguity ("1.299" is 1299 in German and 1.299 in English) is resolved by
the text's language, except where the format itself decides (both separators present,
or more than one group separator, or a non-three-digit tail).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

_CURRENCIES: dict[str, str] = {
    "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR",
    "$": "USD", "usd": "USD", "us$": "USD", "dollar": "USD", "dollars": "USD",
    "£": "GBP", "gbp": "GBP", "chf": "CHF", "fr.": "CHF",
}  # fmt: skip

# unit word -> (dimension, factor to the base unit)
_UNITS: dict[str, tuple[str, Decimal]] = {}


def _add(dimension: str, factor: str, *names: str) -> None:
    for name in names:
        _UNITS[name] = (dimension, Decimal(factor))


_add("percent", "1", "%", "prozent", "percent", "per cent", "pct")
_add("power", "1", "w", "watt", "watts")
_add("power", "1000", "kw", "kilowatt", "kilowatts")
_add("area", "1", "m²", "m2", "qm", "quadratmeter", "square metres", "square meters", "sq m")
_add("energy", "1", "wh")
_add("energy", "1000", "kwh")
_add("charge", "1", "mah")
_add("voltage", "1", "v", "volt", "volts")
_add("current", "1", "a", "ampere", "amp", "amps")
_add("months", "1", "monat", "monate", "monaten", "monats", "month", "months", "mo.")
_add("months", "12", "jahr", "jahre", "jahren", "jahres", "year", "years", "yr", "yrs")
_add("days", "1", "tag", "tage", "tagen", "day", "days")
_add("days", "7", "woche", "wochen", "week", "weeks")
_add("seconds", "1", "s", "sek", "sek.", "sekunde", "sekunden", "sec", "second", "seconds")
_add("seconds", "60", "min", "min.", "minute", "minuten", "minutes")
_add("seconds", "3600", "h", "std", "std.", "stunde", "stunden", "hour", "hours", "hr", "hrs")
_add("length", "1", "mm", "millimeter", "millimetre", "millimeters", "millimetres")
_add("length", "10", "cm", "zentimeter", "centimeter", "centimetre", "centimeters", "centimetres")
_add("length", "1000", "m", "meter", "metre", "meters", "metres")
_add("length", "1000000", "km", "kilometer", "kilometre", "kilometers", "kilometres")
_add("length", "25.4", "zoll", "inch", "inches", "in.", '"', "″")
_add("mass", "1", "g", "gramm", "gram", "grams")
_add("mass", "1000", "kg", "kilogramm", "kilogram", "kilograms", "kilo")
_add("volume", "1", "ml", "milliliter", "millilitre", "milliliters", "millilitres")
_add("volume", "1000", "l", "liter", "litre", "liters", "litres")
_add("temperature", "1", "°c", "grad", "degrees", "°")
_add("sound", "1", "db", "db(a)", "dba")
_add("storage", "1", "gb", "gigabyte")
_add("storage", "1000", "tb", "terabyte")
_add("frequency", "1", "hz")
_add("frequency", "1000000", "mhz")
_add("frequency", "1000000000", "ghz")
_add("pressure", "1", "bar")
_add("luminous_flux", "1", "lm", "lumen")
_add("speed", "1", "u/min", "rpm")
_add("speed_kmh", "1", "km/h")
# Battery cells: "two AA" = "2 × AA" = "zwei AA-Batterien" (the count is the value).
_add("cells_aa", "1", "aa", "aa-batterien", "aa-batterie", "aa-zellen", "aa batteries", "aa cells")
_add("cells_aaa", "1", "aaa", "aaa-batterien", "aaa-batterie", "aaa batteries", "aaa cells")

_SCALES: dict[str, Decimal] = {
    "tausend": Decimal(1000), "thousand": Decimal(1000),
    "mio": Decimal(10**6), "mio.": Decimal(10**6), "million": Decimal(10**6), "millionen": Decimal(10**6),
    "millions": Decimal(10**6), "mrd": Decimal(10**9), "mrd.": Decimal(10**9), "milliarde": Decimal(10**9),
    "milliarden": Decimal(10**9), "billion": Decimal(10**9), "billions": Decimal(10**9),
}  # fmt: skip

_NUMBER_WORDS: dict[str, int] = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40,
    "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100,
    "null": 0, "eins": 1, "ein": 1, "eine": 1, "zwei": 2, "drei": 3, "vier": 4, "fünf": 5,
    "sechs": 6, "sieben": 7, "acht": 8, "neun": 9, "zehn": 10, "elf": 11, "zwölf": 12,
    "dreizehn": 13, "vierzehn": 14, "fünfzehn": 15, "sechzehn": 16, "siebzehn": 17, "achtzehn": 18, "neunzehn": 19,
    "zwanzig": 20, "dreißig": 30, "vierzig": 40, "fünfzig": 50, "hundert": 100,
}  # fmt: skip
# Number words only count when a unit follows ("zwei Jahre", "two years"): "one of the
# best" is not a quantity.
_TENS = {"twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"}


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


_NUM = r"\d{1,3}(?:[.,' \u00a0\u202f]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?"
_CUR_SYMBOL = r"€|\$|£|US\$"
_CUR_WORD = r"EUR|USD|GBP|CHF|Euro|Euros|Dollars?"
_UNIT_RE = _alternation([u for u in _UNITS if u not in {"mo."}])
_SCALE_RE = _alternation(list(_SCALES))
_WORD_RE = _alternation(list(_NUMBER_WORDS))

_QUANTITY = re.compile(
    rf"""
    (?P<pre>(?:{_CUR_SYMBOL})\s?|(?:{_CUR_WORD})\s)?
    (?<![\w.,])(?<![^\W\d]-)
    (?P<num>{_NUM}|(?:{_WORD_RE})(?:-(?:{_WORD_RE}))?)
    (?:,-|,–|\.-)?
    (?:\s?(?P<scale>{_SCALE_RE})(?![\w]))?
    (?:(?:\s?[×x]\s?(?=AA)|\s|-)?(?P<post>{_CUR_SYMBOL}|{_CUR_WORD}|{_UNIT_RE})(?![\w/]))?
    """,
    re.VERBOSE | re.IGNORECASE,
)
# A numbered list item: the number opens the line (or the sentence), then "." or ")" and a word.
_MONTHS = r"(?:jan|feb|mär|mar|apr|mai|may|jun|jul|aug|sep|okt|oct|nov|dez|dec)[a-zä]*\b"  # "1. Januar 2026" is a date
_ENUMERATOR = re.compile(
    rf"(?:(?<=^)|(?<=\n)|(?<=^\s)|(?<=\n\s))\d{{1,2}}[.)]\s+(?!{_MONTHS})(?=[^\W\d_])", re.UNICODE | re.IGNORECASE
)
_DIMENSIONS_X = re.compile(rf"(?:{_NUM})(?:\s?(?:x|×)\s?(?:{_NUM}))+\s?(?P<unit>{_UNIT_RE})(?![\w])", re.I)


@dataclass(frozen=True)
class Quantity:
    """A number found in text, with its dimension and exact value in the base unit."""

    start: int
    end: int
    surface: str
    value: Decimal
    dimension: str  # "price:EUR", "percent", "length", ..., or "number" for bare numbers
    kind: str  # "price", "percent", "unit" or "number"

    def same_value(self, other: Quantity) -> bool:
        """Whether ``other`` (from the evidence) states this (claim) quantity exactly.

        Same dimension and value; a bare number in the claim ("4 Paneele") may match
        any non-price quantity, but a claim with a unit ("700 W") needs that unit in
        the evidence, not just the number.
        """
        if self.value != other.value:
            return False
        if self.dimension == other.dimension:
            return True
        return self.dimension == "number" and other.kind != "price"


def parse_number(raw: str, language: str = "en") -> Decimal | None:
    """A numeral in German or English notation as an exact Decimal, or None."""
    text = raw.strip().replace("\u00a0", " ").replace("\u202f", " ").replace("'", " ")
    lowered = text.lower()
    if lowered in _NUMBER_WORDS:
        return Decimal(_NUMBER_WORDS[lowered])
    if "-" in lowered:
        head, _, tail = lowered.partition("-")
        if head in _TENS and tail in _NUMBER_WORDS and _NUMBER_WORDS[tail] < 10:
            return Decimal(_NUMBER_WORDS[head] + _NUMBER_WORDS[tail])
        return None
    text = text.replace(" ", "")
    dots, commas = text.count("."), text.count(",")
    if dots and commas:
        decimal_sep = "," if text.rfind(",") > text.rfind(".") else "."
    elif dots > 1 or commas > 1:
        decimal_sep = "," if dots > 1 else "."
    elif dots or commas:
        sep = "." if dots else ","
        tail = text.rsplit(sep, 1)[1]
        # A three-digit tail ("1.299" / "1,299") is ambiguous: the language decides.
        decimal_sep = sep if len(tail) != 3 else ("," if language == "de" else ".")
    else:
        decimal_sep = "."
    group_sep = "." if decimal_sep == "," else ","
    normalised = text.replace(group_sep, "").replace(decimal_sep, ".")
    try:
        return Decimal(normalised)
    except InvalidOperation:
        return None


def _unit_of(word: str) -> tuple[str, Decimal] | None:
    return _UNITS.get(word.lower())


def outside(quantities: list[Quantity], spans: list[tuple[int, int]]) -> list[Quantity]:
    """The quantities that do not overlap any span (the "500" in "Aero 500" is a name)."""
    return [q for q in quantities if all(q.end <= s or q.start >= e for s, e in spans)]


def find_quantities(text: str, language: str = "en") -> list[Quantity]:
    """Every number in ``text`` with its unit or currency, left to right.

    In "60 x 40 x 30 cm" each number gets the unit; years and other bare numbers are
    kept as dimension "number" so that a changed count ("5 Programme" -> "6") is caught.
    Memoised (quantities are frozen): the checker and the name finder ask about the same
    evidence sentences again and again within one fact-check.
    """
    return list(_find_quantities(text, language))


@lru_cache(maxsize=8192)
def _find_quantities(text: str, language: str) -> tuple[Quantity, ...]:
    shared_unit: dict[int, str] = {}
    for match in _DIMENSIONS_X.finditer(text):
        for num in re.finditer(_NUM, match.group(0)):
            shared_unit[match.start() + num.start()] = match.group("unit")
    found: list[Quantity] = []
    for match in _QUANTITY.finditer(text):
        raw = match.group("num")
        is_word = not raw[0].isdigit()
        if not is_word and not match.group("pre") and _ENUMERATOR.match(text, match.start("num")):
            continue  # "4. Press the button": a list item's number, not a quantity
        value = parse_number(raw, language)
        if value is None:
            continue
        pre, post, scale = match.group("pre"), match.group("post"), match.group("scale")
        if match.end() < len(text) and text[match.end()].isalnum() and not (post or scale):
            continue  # part of a code such as "2000abc", or a backtracked partial number
        if scale:
            value *= _SCALES[scale.lower()]
        currency = None
        if pre:
            currency = _CURRENCIES.get(pre.strip().lower())
        if post and post.strip().lower() in _CURRENCIES:
            currency = _CURRENCIES[post.strip().lower()]
        unit_word = None if currency or not post else post
        start_num = match.start("num")
        if unit_word is None and start_num in shared_unit:
            unit_word = shared_unit[start_num]
        if is_word and not (currency or unit_word) and (value < 2 or not _counts_something(text, match.end())):
            continue  # "one of the best" is no quantity; "eight heating periods" is a count
        start = match.start("pre") if pre else start_num
        end = match.end()
        if unit_word and not post:
            end = match.end("scale") if scale else match.end("num")
        surface = text[start:end].strip()
        if currency:
            found.append(Quantity(start, end, surface, value.normalize(), f"price:{currency}", "price"))
            continue
        unit = _unit_of(unit_word) if unit_word else None
        if unit is None:
            found.append(Quantity(start, end, surface, value.normalize(), "number", "number"))
            continue
        dimension, factor = unit
        kind = "percent" if dimension == "percent" else "unit"
        found.append(Quantity(start, end, surface, (value * factor).normalize(), dimension, kind))
    return tuple(found)


_NOT_COUNTED = frozenset({"of", "or", "and", "und", "oder", "von", "der", "die", "das", "the", "a", "to", "zu"})


def _counts_something(text: str, end: int) -> bool:
    """Whether a number word is followed by what it counts ("acht Heizphasen", "six periods")."""
    following = re.match(r"\s+([^\W\d_][\w-]*)", text[end:])
    return following is not None and following.group(1).lower() not in _NOT_COUNTED


def describe(quantity: Quantity) -> str:
    """What a quantity is, for reasons: "price", "percentage", "power", "number"."""
    if quantity.kind == "price":
        return "price"
    if quantity.kind == "percent":
        return "percentage"
    if quantity.dimension in {"months", "days", "seconds"}:
        return "duration"
    return quantity.dimension if quantity.kind == "unit" else "number"
