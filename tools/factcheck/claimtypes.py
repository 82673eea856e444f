"""What a published sentence asserts: its checkable facts, or why it needs no source.

Every sentence of a draft is checked, but not every sentence states a fact: a call to
action ("Bestellen Sie jetzt."), a question, or pure tone ("Enjoy a cosy winter.")
has nothing a source could confirm. Such a sentence gets the verdict ``no_claim`` with
the reason. Everything else must be supported, and these kinds of facts are found and
checked one by one (see :mod:`tools.factcheck.sentence_check`):

- quantities (numbers with units, prices, percentages, dates and durations) and names
  (product names, model numbers, IP ratings, energy classes): ``tools.factcheck.rules``;
- attribute values from the lexicon (colours, materials, connectivity);
- compatibility ("works with X", "kompatibel mit X"): X must be named by the evidence;
- superlatives and absolute claims ("the quietest", "das beste", "never", "immer",
  "the only"): the evidence must say the same, which approved pages rarely do;
- health and environmental claims ("klimaneutral", "heals allergies"): the same.

A sentence without any of these still needs support when it says something *about* a
product or the company (it names one, or starts with "It"/"Es"/"Das Gerät"…): "It has a
single touch button" is a feature claim, not tone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from tools.textnorm import fold_text

_CTA_EN = (
    r"order|buy|shop|discover|explore|get|try|find|learn|visit|contact|call|sign up|subscribe|download|start|"
    r"join|see|book|check out|request|register|ask|read|click|choose|upgrade|switch|treat yourself|don't miss|"
    r"let|make|give|bring|stay|enjoy|experience|take"
)
_CTA_DE = (
    r"jetzt|hier|bestellen|kaufen|entdecken|erfahren|besuchen|kontaktieren|testen|probieren|sichern|melden|"
    r"holen|lassen|starten|informieren|klicken|lesen|fragen|rufen|schreiben|registrieren|abonnieren|wählen|"
    r"genießen|erleben|gönnen|machen|mehr erfahren|zum shop|zur|zum"
)
_CTA = re.compile(rf"^\s*(?:{_CTA_EN}|{_CTA_DE})\b", re.IGNORECASE)
_SUBJECT_PRONOUN = re.compile(
    r"^\s*(?:it|its|they|this (?:device|thermostat|product|model|lamp|bulb|sensor|hub|purifier)|"
    r"the (?:device|thermostat|product|model|lamp|bulb|sensor|hub|purifier|app|contact|camera)|"
    r"es|er|sie|dieses? (?:gerät|modell|produkt|thermostat)|das (?:gerät|modell|produkt)|der (?:thermostat|sensor|hub)|"
    r"die (?:lampe|app|leuchte|birne))\b",
    re.IGNORECASE,
)
_COMPAT = re.compile(
    r"\b(?:works with|compatible with|connects? (?:to|with)|pairs? with|integrates? with|controllable via|"
    r"kompatibel mit|funktioniert mit|verbindet sich mit|verbunden mit|arbeitet mit|steuerbar (?:über|per|mit))\s+"
    r"(?:the |der |die |das |dem |den )?(?P<target>[A-Z][\w.+-]*(?:\s+(?:[A-Z0-9][\w.+-]*))*)",
)
_SUPERLATIVE = re.compile(
    r"\b(?:best|finest|fastest|quietest|smallest|lightest|cheapest|strongest|brightest|smartest|safest|"
    r"most (?:efficient|advanced|reliable|powerful|innovative|popular|accurate|affordable)|number one|no\.\s?1|#\s?1|"
    r"world'?s first|the only|unique|unbeatable|unrivalled|unmatched|never|always|forever|completely silent|"
    r"perfect(?:ly)?|100 ?%|flawless|infallible|unhackable|lifetime|on the market|in its class|in the world|"
    r"am markt|auf dem markt|in seiner klasse|der welt|"
    r"beste[nrms]?|am \w+sten|(?:der|die|das|den|dem) (?:\w+ )?(?:schnellste|leiseste|kleinste|leichteste|"
    r"günstigste|billigste|hellste|sicherste|effizienteste|modernste|erste)[nrms]?|einzig(?:e[nrms]?|artig)?|"
    r"nummer (?:1|eins)|nr\.\s?1|unschlagbar\w*|nie(?:mals)?|immer|perfekt\w*|lautlos|ewig|lebenslang\w*)\b",
    re.IGNORECASE,
)
_HEALTH_GREEN = re.compile(
    r"\b(?:klimaneutral\w*|co2[- ]?neutral\w*|umweltfreundlich\w*|nachhaltig\w*|ökologisch\w*|emissionsfrei\w*|"
    r"climate[- ]neutral|carbon[- ]neutral|eco[- ]friendly|environmentally friendly|sustainabl\w*|zero[- ]emission\w*|"
    r"allerg\w*|heal\w*|cur(?:e|es|ed|ing)|heil\w*|gesund\w*|health\w*|viren|virus\w*|bakteri\w*|bacteri\w*|"
    r"immun\w*|asthma|keime|germs|schlaf(?:qualität)?|sleep better|medizin\w*|medical\w*|therap\w*)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class SpecialClaim:
    """A superlative/absolute, health/environmental or compatibility statement in a sentence."""

    kind: str  # "superlative", "health_environment", "compatibility"
    surface: str
    start: int
    end: int


def special_claims(text: str) -> list[SpecialClaim]:
    """The superlatives, absolute, health/environmental and compatibility statements of ``text``."""
    folded = fold_text(text, casefold=False)
    out: list[SpecialClaim] = []
    for kind, pattern in (("superlative", _SUPERLATIVE), ("health_environment", _HEALTH_GREEN)):
        for m in pattern.finditer(folded):
            out.append(SpecialClaim(kind, m.group(0), m.start(), m.end()))
    for m in _COMPAT.finditer(folded):
        out.append(SpecialClaim("compatibility", m.group("target").rstrip("."), m.start("target"), m.end("target")))
    return out


def no_claim_reason(text: str, has_facts: bool, about_subject: bool) -> str | None:
    """Why ``text`` needs no source (None when it must be supported).

    ``has_facts``: it states a checkable fact (quantity, name, attribute, special claim);
    ``about_subject``: it names a product or the company.
    """
    stripped = text.strip()
    if has_facts:
        return None
    if stripped.endswith("?"):
        return "a question: asks, does not assert"
    if _CTA.match(stripped):
        return "a call to action: invites, does not assert a fact"
    if about_subject or _SUBJECT_PRONOUN.match(stripped):
        return None
    return "pure tone: names no product, company or checkable fact"


def is_call_to_action(text: str) -> bool:
    """Whether the sentence opens like a call to action ("Order now", "Jetzt bestellen")."""
    return bool(_CTA.match(text.strip()))
