"""Read banned terms, banned claims and channel limits from the brand-guidelines Markdown.

Format (documented in ``docs``-less projects right here, because legal edits this file):
the guideline document starts with YAML front matter::

    ---
    banned_terms:            # never allowed, whatever the sources say
      - garantiert
      - "100 %"
      - term: "best on the market"
        reason: absolute superlative, not provable
    banned_claims:           # allowed only when a source document backs them
      - term: klimaneutral
        unless_source: true
        reason: environmental claim needs a certificate (EU Green Claims)
      - term: "regex:heilt\\w*"
        reason: health claim
    channel_limits:          # overrides per channel (see tools.channels.GuardLimits)
      ad_copy: {max_chars: 270, max_exclamations: 1}
    use_default_rules: true  # also apply copydesk's built-in absolute/health/green claims
    ---
    # Brand guidelines ... (free Markdown for humans)

Entries are strings or mappings with ``term`` (literal, ``*`` as a word wildcard, or
``regex:...``), optional ``reason``, ``unless_source`` and ``severity`` (block|warn).
Without front matter, bullet lists under a heading containing "banned terms" /
"verbotene Begriffe" or "banned claims" / "verbotene Aussagen" are read instead; a bullet
ending in "(unless source)" or "(nur mit Quelle)" sets ``unless_source``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from tools.guards.findings import Severity
from tools.textnorm import fold_text


@dataclass(frozen=True)
class BannedPhrase:
    """One banned term or claim and the compiled patterns that find it.

    Patterns run on text folded by :func:`tools.textnorm.fold` (NFKC, invisible characters
    removed, confusables folded, casefolded so ß = ss) and, for literal terms, also on the
    same text with hyphens removed ("klima-neutral" = "klimaneutral", "CO₂-neutral" =
    "CO2neutral"). ``family`` finds other words of the last word's stem ("Garantie" for
    "garantiert"): reported as a warning, because the noun is often the legal warranty.
    """

    term: str
    reason: str = ""
    unless_source: bool = False
    severity: Severity = "block"
    pattern: re.Pattern[str] = field(default=re.compile(r"(?!x)x"), compare=False, repr=False)
    squashed: re.Pattern[str] | None = field(default=None, compare=False, repr=False)
    family: re.Pattern[str] | None = field(default=None, compare=False, repr=False)
    rule_class: str = ""  # "superlative", "absolute", "health", "environment" for built-in classes

    @classmethod
    def make(
        cls,
        term: str,
        reason: str = "",
        unless_source: bool = False,
        severity: Severity = "block",
        rule_class: str = "",
    ) -> BannedPhrase:
        literal = not term.startswith("regex:")
        return cls(
            term,
            reason,
            unless_source,
            severity,
            compile_term(term),
            compile_term(term, squash=True) if literal else None,
            _family(term) if literal else None,
            rule_class,
        )


_GAP = r"(?:\s+\S+){0,4}?"
_INFLECTION = r"(?:e|en|er|es|em|n|s|t|te|ten|ter|tes|d)?"


def compile_term(term: str, squash: bool = False) -> re.Pattern[str]:
    """Pattern for a guideline term, to run on folded text (see :class:`BannedPhrase`).

    Literal terms: case-insensitive, whitespace and "%" spacing flexible, ``*`` a word
    wildcard, "…"/"..." a gap of up to four words; a term of three or more words also
    allows up to four words after its first one ("best … on the market" finds "the best
    thermostat on the market"); the last word may carry an inflection ending
    ("garantiert" finds "garantierte"). ``regex:`` terms are used as written.
    """
    if term.startswith("regex:"):
        return re.compile(term[len("regex:") :], re.IGNORECASE)
    folded = fold_text(term).strip()
    if squash:
        folded = folded.replace("-", "")
    words = [w for w in folded.split() if w]
    parts: list[str] = []
    gap_next = False
    for n, word in enumerate(words):
        if word in {"…", "...", "..", "*"} and n not in (0, len(words) - 1) and word != "*":
            gap_next = True
            continue
        piece = re.escape(word).replace(r"\*", r"\w*")
        if n == len(words) - 1 and word[-1:].isalpha() and len(word) >= 4:
            piece += _INFLECTION
        if parts:
            joiner = r"\s*" if folded.endswith("%") and n == len(words) - 1 else r"\s+"
            if gap_next or (len(words) >= 3 and len(parts) == 1):
                joiner = _GAP + r"\s+"
            parts.append(joiner)
        parts.append(piece)
        gap_next = False
    body = "".join(parts).replace(r"\%", r"\s*(?:%|prozent|percent)")
    start = r"(?<!\w)" if folded[:1].isalnum() else ""
    end = r"(?!\w)" if folded.rstrip("*")[-1:].isalnum() or folded.endswith("*") else ""
    return re.compile(start + body + end, re.IGNORECASE)


_ROOT_ENDINGS = ("ieren", "iert", "ierte", "ed", "es", "en", "et", "t", "e", "s")


def _family(term: str) -> re.Pattern[str] | None:
    """Other words of a one-word term's root ("garantiert" → "garantieren", "Garantie")."""
    words = fold_text(term).split()
    if len(words) != 1 or not words[0].isalpha() or len(words[0]) < 6:
        return None
    root = words[0]
    for ending in _ROOT_ENDINGS:
        if root.endswith(ending) and len(root) - len(ending) >= 5:
            root = root[: -len(ending)]
            break
    return re.compile(r"(?<!\w)" + re.escape(root) + r"\w*", re.IGNORECASE)


def _entry(raw: Any, default_reason: str) -> BannedPhrase:
    if isinstance(raw, str):
        return BannedPhrase.make(raw, default_reason)
    if isinstance(raw, dict) and "term" in raw:
        severity = raw.get("severity", "block")
        if severity not in ("block", "warn"):
            raise ValueError(f"severity must be block or warn, got {severity!r}")
        return BannedPhrase.make(
            str(raw["term"]), str(raw.get("reason") or default_reason), bool(raw.get("unless_source", False)), severity
        )
    raise ValueError(f"cannot read guideline entry {raw!r}: use a string or a mapping with 'term'")


@dataclass
class Guidelines:
    """What the guards need from the brand guidelines."""

    banned_terms: list[BannedPhrase] = field(default_factory=list)
    banned_claims: list[BannedPhrase] = field(default_factory=list)
    channel_limits: dict[str, dict[str, Any]] = field(default_factory=dict)
    use_default_rules: bool = True
    brand_rules: dict[str, Any] = field(default_factory=dict)


_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.DOTALL)
_HEADING = re.compile(r"^#{1,6}\s+(.*)$", re.MULTILINE)
_UNLESS = re.compile(r"\s*\((?:unless source|unless sourced|nur mit quelle|ohne quelle verboten)\)\s*$", re.I)


def _from_sections(markdown: str) -> Guidelines:
    guide = Guidelines()
    headings = list(_HEADING.finditer(markdown))
    for i, h in enumerate(headings):
        title = h.group(1).lower()
        kind = (
            "terms"
            if re.search(r"banned (terms|words)|verbotene (begriffe|wörter)", title)
            else "claims"
            if re.search(r"banned claims|verbotene (aussagen|claims|versprechen)", title)
            else None
        )
        if not kind:
            continue
        end = headings[i + 1].start() if i + 1 < len(headings) else len(markdown)
        for line in markdown[h.end() : end].splitlines():
            m = re.match(r"^\s*[-*+]\s+(.+)$", line)
            if not m:
                continue
            text = m.group(1).strip()
            unless = bool(_UNLESS.search(text))
            text = _UNLESS.sub("", text).strip().strip("`\"'„“”")
            term, _, reason = text.partition(" — ")
            phrase = BannedPhrase.make(term.strip().strip("`\"'„“”"), reason.strip(), unless)
            (guide.banned_terms if kind == "terms" else guide.banned_claims).append(phrase)
    return guide


def parse_guidelines(markdown: str) -> Guidelines:
    """Parse the guideline document (front matter first, headed bullet lists as fallback)."""
    m = _FRONT_MATTER.match(markdown)
    if not m:
        return _from_sections(markdown)
    data = yaml.safe_load(m.group(1)) or {}
    if not isinstance(data, dict):
        raise ValueError("guideline front matter must be a YAML mapping")
    limits = data.get("channel_limits") or {}
    if not isinstance(limits, dict):
        raise ValueError("channel_limits must map channel names to limits")
    return Guidelines(
        banned_terms=[_entry(x, "banned by the brand guidelines") for x in data.get("banned_terms") or []],
        banned_claims=[_entry(x, "claim not allowed by the brand guidelines") for x in data.get("banned_claims") or []],
        channel_limits={str(k): dict(v or {}) for k, v in limits.items()},
        use_default_rules=bool(data.get("use_default_rules", True)),
        brand_rules=check_brand_rules(data.get("brand_rules") or {}),
    )


RULE_CLASSES = ("superlative", "absolute", "health", "environment")


def check_brand_rules(raw: Any) -> dict[str, Any]:
    """Validate the per-brand overrides of the built-in rule classes (front matter ``brand_rules``)::

    brand_rules:
      superlative: warn        # block (default) | warn | off
      absolute: block
      allowed_terms: ["the only thermostat with e-paper"]   # never flagged
      verbatim_copy: {seo_article: block, ad_copy: warn}   # per channel
    """
    if not isinstance(raw, dict):
        raise ValueError("brand_rules must be a mapping")
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if key in RULE_CLASSES:
            if value not in ("block", "warn", "off"):
                raise ValueError(f"brand_rules.{key} must be block, warn or off, got {value!r}")
            out[key] = value
        elif key == "allowed_terms":
            out[key] = [str(v) for v in value or []]
        elif key == "verbatim_copy":
            if not isinstance(value, dict) or any(v not in ("block", "warn", "off") for v in value.values()):
                raise ValueError("brand_rules.verbatim_copy maps channels to block, warn or off")
            out[key] = {str(k): str(v) for k, v in value.items()}
        else:
            raise ValueError(
                f"unknown brand_rules key {key!r}; known: {[*RULE_CLASSES, 'allowed_terms', 'verbatim_copy']}"
            )
    return out
