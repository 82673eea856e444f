"""Brand safety: banned terms always block; banned claims block unless a source backs them.

The built-in rules encode what a German marketing lawyer flags first (UWG §5 misleading
claims, HWG health advertising, the EU green-claims rules): absolute promises,
unprovable superlatives, health and environmental claims. Guidelines add to them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from tools.guards.findings import GuardFinding, excerpt_of
from tools.guards.guidelines import BannedPhrase
from tools.textnorm import Folded, fold, fold_text, has_invisible, mixes_scripts

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


_ABSOLUTE = "absolute claim, not provable: only with a source that states it"
_SUPERLATIVE_CLASS = "superlative: only with a source that states it (UWG §5)"

# Superlatives and absolute claims as classes, German and English (blocked unless a source says the same).
CLASS_RULES: tuple[BannedPhrase, ...] = (
    BannedPhrase.make(
        "regex:\\b(?:the\\s+)?(?:best|finest|fastest|quietest|smallest|lightest|cheapest|strongest|brightest|"
        "smartest|safest|most\\s+(?:efficient|advanced|reliable|powerful|innovative|accurate))\\b",
        _SUPERLATIVE_CLASS,
        True,
        rule_class="superlative",
    ),
    BannedPhrase.make(
        "regex:\\b(?:der|die|das|den|dem)\\s+(?:\\w+\\s+)?(?:beste|schnellste|leiseste|kleinste|leichteste|"
        "günstigste|billigste|hellste|sicherste|effizienteste|modernste)[nrms]?\\b|\\bam\\s+(?:besten|"
        "schnellsten|leisesten|günstigsten|effizientesten|sichersten)\\b",
        _SUPERLATIVE_CLASS,
        True,
        rule_class="superlative",
    ),
    BannedPhrase.make(
        "regex:\\b(?:the\\s+only|world'?s\\s+first|unbeatable|unrivalled|unmatched|never\\s+(?:fails?|breaks?)|"
        "forever|lifetime|flawless|unhackable|completely\\s+(?:safe|silent|secure))\\b",
        _ABSOLUTE,
        True,
        rule_class="absolute",
    ),
    BannedPhrase.make(
        "regex:\\b(?:der|die|das)\\s+einzige\\w*|\\bweltweit\\s+erste\\w*|\\bunschlagbar\\w*|\\bniemals\\b|"
        "\\bnie\\s+wieder\\b|\\bvöllig\\s+(?:sicher|lautlos)\\b|\\blebenslang\\w*|\\bfehlerfrei\\w*",
        _ABSOLUTE,
        True,
        rule_class="absolute",
    ),
)


_PROMISE_ENDINGS = ("ieren", "iert", "ierte", "ierten", "ierter", "iertes", "iertem", "ed", "ing")


def _source_backs(phrase: BannedPhrase, sources: Iterable[tuple[Folded, Folded]]) -> bool:
    return any(
        phrase.pattern.search(src.text) or (phrase.squashed is not None and phrase.squashed.search(squashed.text))
        for src, squashed in sources
    )


def _squash(folded: Folded) -> Folded:
    """Folded text without hyphens ("klima-neutral" → "klimaneutral"), index map kept."""
    keep = [i for i, ch in enumerate(folded.text) if ch != "-"]
    return Folded("".join(folded.text[i] for i in keep), [folded.index[i] for i in keep])


def _matches(phrase: BannedPhrase, folded: Folded, squashed: Folded) -> list[tuple[int, int, bool]]:
    """(start, end, exact) spans in the *original* text; exact=False for stem-family words."""
    out: list[tuple[int, int, bool]] = []
    for pattern, text in ((phrase.pattern, folded), (phrase.squashed, squashed)):
        if pattern is None or text is None:
            continue
        for m in pattern.finditer(text.text):
            if m.end() > m.start():
                out.append((*text.span(m.start(), m.end()), True))
    if phrase.family is not None:
        for m in phrase.family.finditer(folded.text):
            span = folded.span(m.start(), m.end())
            if all(span[0] >= e or span[1] <= s for s, e, _ in out):
                out.append((*span, False))
    return out


def check_banned(
    text: str,
    terms: Iterable[BannedPhrase],
    claims: Iterable[BannedPhrase],
    sources: list[str],
    allowed: Iterable[str] = (),
) -> list[GuardFinding]:
    """One finding per occurrence of a banned term, or of a banned claim no source supports.

    Matching runs on the folded text (:mod:`tools.textnorm`), so a zero-width space, a soft
    hyphen or a Cyrillic letter inside a banned word does not hide it; spans point into
    ``text``. Occurrences inside an ``allowed`` phrase (per-brand override) are skipped.
    """
    folded = fold(text)
    squashed = _squash(folded)
    folded_sources = [(f, _squash(f)) for f in (fold(src) for src in sources)]
    allowed_spans = [
        folded.span(m.start(), m.end())
        for phrase in allowed
        if phrase.strip()
        for m in re.finditer(re.escape(fold_text(phrase)), folded.text)
    ]
    findings: list[GuardFinding] = []
    seen: set[tuple[int, int]] = set()
    for kind, phrases in (("banned_term", terms), ("banned_claim", claims)):
        for phrase in phrases:
            if kind == "banned_claim" and phrase.unless_source and _source_backs(phrase, folded_sources):
                continue
            for start, end, exact in _matches(phrase, folded, squashed):
                if (start, end) in seen or any(s <= start and end <= e for s, e in allowed_spans):
                    continue
                if any(s <= start and end <= e for s, e in seen):
                    continue
                seen.add((start, end))
                why = phrase.reason or ("banned term" if kind == "banned_term" else "banned claim")
                if phrase.unless_source:
                    why += "; no source document supports it"
                severity = phrase.severity
                if not exact:
                    why = f"a form of the banned term ({why})"
                    # Verb and adjective forms make the same promise; the noun is often the legal warranty.
                    if not fold_text(text[start:end]).endswith(_PROMISE_ENDINGS):
                        severity = "warn"
                if has_invisible(text[start:end]) or any(mixes_scripts(w) for w in text[start:end].split()):
                    why += "; written with hidden or look-alike characters"
                    severity = "block"
                findings.append(
                    GuardFinding(kind, severity, f"{why} [{phrase.term}]", start, end, excerpt_of(text, start, end))
                )
    return findings
