"""Product names, model codes and coded attributes (IP rating, energy class) in text.

Names must match exactly: "HX-2000" is not "HX-2500". Known names come from the
caller (the catalogue) and from chunks' ``product_ids``; unknown ones are recognised
by shape: letter-digit model codes ("X200", "HX-2000"), CamelCase brand words
("AquaPure") and words marked with ™ or ®. Comparison ignores case, spaces and
hyphens, so "hx 2000" equals "HX-2000".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from tools.factcheck.quantities import find_quantities

_CODE = re.compile(
    r"(?<![\w-])(?:[A-Za-zÄÖÜäöü]+-?\d[\w-]*|\d+[A-Za-z]+\d[\w-]*|[A-Z][a-zäöü]{2,}(?:[A-Z][a-zäöü]{2,})+"
    r"|[A-Z][\wäöü-]*[™®])(?![\w-])"
)
# A menu path in an app or on a device ("Help > Warranty claim", "Einstellungen › Räume"): an exact
# fact like a model code; a path the sources do not give sends the reader to a screen that is not there.
_PATH_STEP = r"[A-ZÄÖÜ][\w-]*"
_MENU_PATH = re.compile(rf"{_PATH_STEP}(?:\s*[>›→]\s*{_PATH_STEP})+")
_IP = re.compile(r"(?<![\w])IP\s?(?:\d{2}|X\d)(?![\w])", re.I)
_ENERGY = re.compile(
    r"(?:Energieeffizienzklasse|Energieklasse|Effizienzklasse|energy(?:[- ]efficiency)? class|energy rating)"
    r"\s*:?\s*(?P<cls>[A-G](?:\+{1,3})?)(?![\w+])",
    re.I,
)


@dataclass(frozen=True)
class Name:
    """A product name or code found in text."""

    start: int
    end: int
    surface: str
    kind: str  # "product" (known), "code" (shape), "ip rating", "energy class", "menu path"
    canonical: str = ""  # the known name a short form stands for ("Kettle 200" → "Acme Kettle 200")

    @property
    def key(self) -> str:
        return normalise_name(self.canonical or self.surface)


def normalise_name(text: str) -> str:
    """Case-, space- and hyphen-insensitive form used for every name comparison."""
    return re.sub(r"[^0-9a-zäöüß+]", "", text.lower().replace("™", "").replace("®", ""))


def _families(known: Iterable[str]) -> list[re.Pattern[str]]:
    """Patterns for siblings of known names: "Aero 500" makes "Aero 900" a product name too."""
    prefixes = set()
    for name in known:
        match = re.match(r"^(.*?[^\W\d_])[\s-]?\d+\w*$", name.strip())
        if match:
            prefixes.add(match.group(1))
            words = match.group(1).split()
            if len(words) >= 2:  # "Acme Kettle 200" makes "Kettle 300" a (sibling) product name too
                prefixes.add(words[-1])
    return [
        re.compile(r"(?<![\w])" + re.escape(p) + r"[\s-]?\d+[A-Za-z]*(?![\w])", re.I)
        for p in sorted(prefixes, key=len, reverse=True)
    ]


@lru_cache(maxsize=64)
def _known_patterns(known: tuple[str, ...]) -> list[tuple[re.Pattern[str], str]]:
    """Compiled patterns for the known names and their aliases, longest first (built once per catalogue)."""
    out = []
    for alias, name in sorted(_aliases(known), key=lambda pair: len(pair[0]), reverse=True):
        pattern = r"(?<![\w])" + r"[\s-]?".join(re.escape(ch) for ch in normalise_name(alias)) + r"(?![\w])"
        out.append((re.compile(pattern, re.I), name))
    return out


@lru_cache(maxsize=64)
def _cached_families(known: tuple[str, ...]) -> list[re.Pattern[str]]:
    return _families(known)


def _aliases(known: Iterable[str]) -> list[tuple[str, str]]:
    """(how a text may write it, the known name): the name itself, and without the brand word
    when what remains is still a model name ("Acme Kettle 200" → "Kettle 200")."""
    out: dict[str, str] = {}
    for name in (n.strip() for n in known if n.strip()):
        out.setdefault(name, name)
        words = name.split()
        if len(words) >= 3:  # "Aero 500" keeps its brand-free form; a bare "500" is no name
            tail = " ".join(words[1:])
            if any(ch.isdigit() for ch in tail):
                out.setdefault(tail, name)
    return list(out.items())


def _quantity_spans(text: str) -> list[tuple[int, int]]:
    return [(q.start, q.end) for q in find_quantities(text)]


def find_names(text: str, known: Iterable[str] = ()) -> list[Name]:
    """Known product names, model codes, IP ratings and energy classes in ``text``.

    Memoised (names are frozen): one fact-check asks about the same evidence sentences for
    every draft sentence, and the scan was a third of a 1,000-word check.
    """
    return list(_find_names(text, tuple(known)))


@lru_cache(maxsize=8192)
def _find_names(text: str, known: tuple[str, ...]) -> tuple[Name, ...]:
    names: list[Name] = []
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    for match in _ENERGY.finditer(text):
        names.append(Name(match.start("cls"), match.end("cls"), match.group("cls").upper(), "energy class"))
        taken.append((match.start("cls"), match.end("cls")))
    for match in _MENU_PATH.finditer(text):
        names.append(Name(match.start(), match.end(), match.group(0), "menu path"))
        taken.append(match.span())
    for match in _IP.finditer(text):
        names.append(Name(match.start(), match.end(), match.group(0).upper().replace(" ", ""), "ip rating"))
        taken.append(match.span())
    for pattern, name in _known_patterns(known):
        for match in pattern.finditer(text):
            if free(*match.span()):
                names.append(Name(match.start(), match.end(), match.group(0), "product", canonical=name))
                taken.append(match.span())
    for family in _cached_families(known):
        for match in family.finditer(text):
            if free(*match.span()):
                names.append(Name(match.start(), match.end(), match.group(0), "code"))
                taken.append(match.span())
    units = _quantity_spans(text)
    for match in _CODE.finditer(text):
        start, end = match.span()
        if not free(start, end):
            continue
        if any(s <= start and end <= e for s, e in units):
            continue  # "24h", "2000W": a quantity with a glued unit, not a name
        names.append(Name(start, end, match.group(0), "code"))
        taken.append((start, end))
    return tuple(sorted(names, key=lambda n: n.start))
