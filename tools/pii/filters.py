"""Post-filters for PERSON detections: the NER model labels streets and firms as people.

en_core_web_sm tags "Glyn St", "Villacher Strasse", "Russell Investments" or
"Box 8144" as PERSON. A real name has no digits and no street or company suffix, so
such spans are dropped before overlap resolution (an address detection then wins).
"""

from __future__ import annotations

import re
from typing import Any

_NOT_NAME_WORDS = frozenset(
    str.split(
        "st street str strasse straße rd road ave avenue lane ln route union coves cove pass parks park "
        "terrace square squares court drive way place plaza boulevard blvd gasse weg platz allee ring "
        "inc ltd llc gmbh ag co corp corporation company group partners investments capital bank "
        "orchestra band records studio studios university universität hotel restaurant club "
        "apt suite box street. tales pleasures salesperson discipline wisdom"
    )
)
_DIGIT = re.compile(r"\d")


def plausible_person(text: str) -> bool:
    """False for spans that cannot be a person's name (digits, street/company words, one letter)."""
    if _DIGIT.search(text) or len(text.strip()) < 2:
        return False
    words = [w.strip(".,").lower() for w in text.split()]
    return not any(w in _NOT_NAME_WORDS for w in words)


def drop_implausible(results: list[Any], text: str) -> list[Any]:
    """Remove PERSON results whose text fails :func:`plausible_person`."""
    return [r for r in results if r.entity_type != "PERSON" or plausible_person(text[r.start : r.end])]
