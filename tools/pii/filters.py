"""Post-filters for PERSON detections: the NER model labels streets and firms as people.

en_core_web_sm tags "Glyn St", "Villacher Strasse", "Russell Investments" or
"Box 8144" as PERSON. A real name has no digits and no street or company suffix, so
such spans are dropped before overlap resolution (an address detection then wins).

Further general rules (not tied to any data set):

* a name does not cross a line break: a span running into the next line ("Allan\\n
  Echocardiographer") is cut at the first one;
* a lower-case hyphenated prefix ("ex-Zombie Lundberg", "then-CEO Smith") is not part
  of the name and is trimmed;
* a multi-word span ending in a street-type word ("Leokadia Trail", "Inna Loop") or
  starting with a street-type word used in front of the name in many languages ("Rua",
  "Via", "ul.", "Avenida") is a street, not a person;
* a span directly followed by a house number on the same line ("Vesterskovvej 79"), or
  directly preceded by a street number ("450 Præstevænget"), is part of an address.
  A comma in between breaks that link ("Anna Schmidt, 34").
"""

from __future__ import annotations

import re
from typing import Any

from presidio_analyzer import RecognizerResult

_NOT_NAME_WORDS = frozenset(
    str.split(
        "st street str strasse straße rd road ave avenue lane ln route union coves cove pass parks park "
        "terrace square squares court drive way place plaza boulevard blvd gasse weg platz allee ring "
        "inc ltd llc gmbh ag co corp corporation company group partners investments capital bank "
        "orchestra band records studio studios university universität hotel restaurant club "
        "apt suite box street. tales pleasures salesperson discipline wisdom"
    )
)
# Words that make the name before them a firm's ("Conway Inc.", "Thomas and Sons").
_COMPANY_WORDS = frozenset(
    str.split(
        "inc ltd llc gmbh ag co corp corporation company group partners investments capital bank "
        "orchestra band records studio studios university hotel restaurant club incorporated sons "
        "brothers associates consulting consultants research technologies technology "
        "solutions systems services industries enterprises holdings ventures labs laboratories media "
        "lines movers logistics insurance agency foundation institute"
    )
)
# Street-type words that end a street name (USPS suffix list, common entries, without those
# that are also common surnames: Hill, Wells, Ford, Key, Dale, Mills, Grove, ...). Only
# checked as the *last* word of a multi-word span.
_STREET_SUFFIXES = frozenset(
    str.split(
        "alley annex arcade bayou beach bluffs bottom bridge burgs bypass camp canyon causeway "
        "center centers circle circles cliffs common commons corner corners course courts creek "
        "crescent crossing crossroad curve dam divide drives estate estates expressway extension "
        "extensions fall falls flat flats forges forks freeway garden gardens gateway harbor harbors "
        "heights highway hollow inlet island islands isle junction junctions knolls landing light "
        "lights loaf loop mall manors meadow meadows mews mission motorway mountain mountains neck "
        "orchard oval overpass parkway parkways passage path pine pines plain plains point points "
        "ports prairie radial ramp ranch rapid rapids river roads rue run shoal shoals skyway spur "
        "spurs stravenue stream streets throughway trace track trafficway trail trailer tunnel "
        "turnpike underpass unions valley valleys viaduct view views village villages ville walk "
        "walks ways"
    )
)
# Words that introduce a street name in front of it ("Rua Mina", "Via Roma", "ul. Cicha").
_STREET_PREFIXES = frozenset(
    str.split(
        "rue rua via viale vicolo piazza piazzetta corso largo avenida avda av calle carrer camino paseo "
        "plaza praça travessa estrada rambla ul ulica aleja al cite chemin allée boulevard strada"
    )
)
_DIGIT = re.compile(r"\d|://|@|/")
# The word after a span, possibly after a coordinated list of names: "Davis, Reynolds and
# Williamson Orchestra", "Conway Inc.", "Thomas and Sons" name a firm, not people.
_LIST_ITEM = re.compile(r"(?:,[ \t]*|[ \t]+(?:and|&)[ \t]+)([A-Z][\w'-]*)")
_NEXT_WORD = re.compile(r"[ \t]+([A-Za-z]+)")
# A place phrase in front of the span: "flew to Phoenix", "based in", "originally from".
_PLACE_BEFORE = re.compile(
    r"(?i:\b(?:in|flew to|fly to|flying to|travel(?:l)?ing to|travel to|returned to|return to|moved to|moved here from"
    r"|went to|go to|going to|arrived (?:at|in)|based in|located in|originally from|born in|coming to|visit|visiting"
    r"|lives in|living in|live in|work for|works for|working for|work at|works at)[ \t]+)$"
)
# An address line: contains a house number, or is an Apt/Suite/Unit line.
_ADDRESS_LINE = re.compile(r"(?i)\b\d{1,6}\b.*[A-Za-z]|\b(?:apt|suite|unit|box)\b")
_LOWER_PREFIX = re.compile(r"^[a-z]+-\S+\s+")
# An address unit word run into the span by NER ("Barbara Yudina Apt", "Diana Usamov Suite").
_UNIT_TAIL = re.compile(r"(?i)[ \t]+(?:apt|apartment|suite|unit|box|p\.?o\.?)\.?$")
_NUMBER_AFTER = re.compile(r"[ \t]+\d{1,5}(?:[ \t]?[a-zA-Z])?\b")
_NUMBER_BEFORE = re.compile(r"\b\d{1,6}[ \t]+$")


def plausible_person(text: str) -> bool:
    """False for spans that cannot be a person's name (digits, street/company words, one letter)."""
    if _DIGIT.search(text) or len(text.strip()) < 2:
        return False
    words = [w.strip(".,").lower() for w in text.split()]
    if any(w in _NOT_NAME_WORDS or w in _COMPANY_WORDS for w in words):
        return False
    return not (len(words) > 1 and (words[-1] in _STREET_SUFFIXES or words[0] in _STREET_PREFIXES))


def _firm_follows(text: str, pos: int) -> bool:
    """Whether a company word follows ``pos``, directly or after a list of names."""
    for _ in range(6):
        m = _NEXT_WORD.match(text, pos)
        if m and m.group(1).lower() in _COMPANY_WORDS:
            return True
        item = _LIST_ITEM.match(text, pos)
        if not item:
            return False
        if item.group(1).lower() in _COMPANY_WORDS:
            return True
        pos = item.end()
    return False


def _in_address(start: int, end: int, text: str) -> bool:
    """Whether the span is part of an address or a firm name rather than a person.

    True when a house number follows it, a street number precedes it, a place phrase
    precedes it ("flew to", "based in"), a company word follows it (also after a list of
    names), or it fills a whole line directly below an address line (a city in a postal
    address block).
    """
    if _NUMBER_AFTER.match(text, end) or _NUMBER_BEFORE.search(text, max(0, start - 12), start):
        return True
    if _PLACE_BEFORE.search(text, max(0, start - 30), start):
        return True
    if _firm_follows(text, end):
        return True
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end == -1 else line_end
    if line_start > 0 and not text[line_start:start].strip(" \t>?") and not text[end:line_end].strip(" \t.,"):
        previous = text[: line_start - 1].rstrip().rsplit("\n", 1)[-1]
        if len(previous) <= 60 and _ADDRESS_LINE.search(previous):  # an address line, not a sentence
            return True
    return False


def _trim(r: Any, text: str) -> Any:
    """Cut a PERSON span at its first line break and drop a lower-case hyphenated prefix."""
    start, end = r.start, r.end
    value = text[start:end]
    head = value.lstrip()
    start += len(value) - len(head)
    newline = head.find("\n")
    if newline > 0:
        head = head[:newline]
    head = head.rstrip(" \t>,;:")
    m = _LOWER_PREFIX.match(head)
    if m:
        start += m.end()
        head = head[m.end() :]
    m = _UNIT_TAIL.search(head)
    if m and m.start() > 0:
        head = head[: m.start()]
    end = start + len(head)
    if (start, end) == (r.start, r.end):
        return r
    return RecognizerResult(r.entity_type, start, end, r.score, r.analysis_explanation, r.recognition_metadata)


def drop_implausible(results: list[Any], text: str) -> list[Any]:
    """Trim PERSON results, then remove those that fail :func:`plausible_person` or sit in an address."""
    out = []
    for r in results:
        if r.entity_type == "PERSON":
            r = _trim(r, text)
            if not plausible_person(text[r.start : r.end]) or _in_address(r.start, r.end, text):
                continue
        out.append(r)
    return out
