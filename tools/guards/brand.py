"""Brand safety: banned terms always block; banned claims block unless a source backs them.

The built-in rules encode what a German marketing lawyer flags first (UWG §5 misleading
claims, HWG health advertising, the EU green-claims rules): absolute promises,
unprovable superlatives, health and environmental claims. Guidelines add to them.
"""

from __future__ import annotations

from collections.abc import Iterable

from tools.guards.findings import GuardFinding, excerpt_of
from tools.guards.guidelines import BannedPhrase

_ABS = "absolute promise, not provable (UWG §5)"
_SUP = "unprovable superlative"
_HEALTH = "health claim (HWG/Health Claims Regulation): only with an approved source"
_GREEN = "environmental claim: only with a certificate or source (EU green claims)"

DEFAULT_BANNED_TERMS: tuple[BannedPhrase, ...] = (
    BannedPhrase.make("garantiert", _ABS),
    BannedPhrase.make("100 %", _ABS),
    BannedPhrase.make("100-prozentig*", _ABS),
    BannedPhrase.make("guaranteed", _ABS),
    BannedPhrase.make("risikofrei", _ABS),
    BannedPhrase.make("risk-free", _ABS),
    BannedPhrase.make("best on the market", _SUP),
    BannedPhrase.make("regex:\\b(?:das|der|die)\\s+beste\\w*\\s+(?:\\w+\\s+)?(?:auf\\s+dem|am)\\s+markt\\b", _SUP),
    BannedPhrase.make("regex:\\b(?:nummer|nr\\.?)\\s*(?:1|eins)\\b|#\\s?1\\b|\\bnumber\\s+one\\b", _SUP),
    BannedPhrase.make("regex:\\b(?:world'?s|weltweit)\\s+(?:best|beste\\w*)\\b", _SUP),
)
DEFAULT_BANNED_CLAIMS: tuple[BannedPhrase, ...] = (
    BannedPhrase.make("klimaneutral", _GREEN, unless_source=True),
    BannedPhrase.make("CO2-neutral", _GREEN, unless_source=True),
    BannedPhrase.make("CO₂-neutral", _GREEN, unless_source=True),
    BannedPhrase.make("carbon neutral", _GREEN, unless_source=True),
    BannedPhrase.make("climate neutral", _GREEN, unless_source=True),
    BannedPhrase.make("umweltfreundlich", _GREEN, unless_source=True),
    BannedPhrase.make("eco-friendly", _GREEN, unless_source=True),
    BannedPhrase.make("regex:\\bklinisch\\s+(?:getestet|bewiesen|erwiesen|geprüft)\\b", _HEALTH, True),
    BannedPhrase.make("regex:\\bclinically\\s+(?:proven|tested)\\b", _HEALTH, True),
    BannedPhrase.make("regex:\\b(?:heilt|heilen|cures?|curing)\\b", _HEALTH, True),
    BannedPhrase.make(
        "regex:\\b(?:beugt|prevents?)\\b(?:\\s+\\w+){0,3}\\s+(?:krebs|cancer|krankheit\\w*|disease\\w*|"
        "infektion\\w*|infection\\w*)",
        _HEALTH,
        True,
    ),
    BannedPhrase.make(
        "regex:\\b(?:dermatologisch|dermatologically)\\s+(?:getestet|tested|bestätigt|approved)\\b", _HEALTH, True
    ),
)


def _source_backs(phrase: BannedPhrase, sources: Iterable[str]) -> bool:
    return any(phrase.pattern.search(src) for src in sources)


def check_banned(
    text: str, terms: Iterable[BannedPhrase], claims: Iterable[BannedPhrase], sources: list[str]
) -> list[GuardFinding]:
    """One finding per occurrence of a banned term, or of a banned claim no source supports."""
    findings: list[GuardFinding] = []
    seen: set[tuple[int, int]] = set()
    for kind, phrases in (("banned_term", terms), ("banned_claim", claims)):
        for phrase in phrases:
            if kind == "banned_claim" and phrase.unless_source and _source_backs(phrase, sources):
                continue
            for m in phrase.pattern.finditer(text):
                if m.end() == m.start() or (m.start(), m.end()) in seen:
                    continue
                seen.add((m.start(), m.end()))
                why = phrase.reason or ("banned term" if kind == "banned_term" else "banned claim")
                if phrase.unless_source:
                    why += "; no source document supports it"
                findings.append(
                    GuardFinding(
                        kind,
                        phrase.severity,
                        f"{why} [{phrase.term}]",
                        m.start(),
                        m.end(),
                        excerpt_of(text, m.start(), m.end()),
                    )
                )
    return findings
