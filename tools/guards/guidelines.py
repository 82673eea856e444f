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
    channel_limits:          # overrides per channel (see tools.guards.tone)
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


@dataclass(frozen=True)
class BannedPhrase:
    """One banned term or claim and the compiled pattern that finds it."""

    term: str
    reason: str = ""
    unless_source: bool = False
    severity: Severity = "block"
    pattern: re.Pattern[str] = field(default=re.compile(r"(?!x)x"), compare=False, repr=False)

    @classmethod
    def make(
        cls, term: str, reason: str = "", unless_source: bool = False, severity: Severity = "block"
    ) -> BannedPhrase:
        return cls(term, reason, unless_source, severity, compile_term(term))


def compile_term(term: str) -> re.Pattern[str]:
    """Case-insensitive pattern for a guideline term; whitespace and "%" spacing are flexible."""
    if term.startswith("regex:"):
        return re.compile(term[len("regex:") :], re.IGNORECASE)
    parts = []
    for word in term.strip().split():
        piece = re.escape(word).replace(r"\*", r"\w*")
        parts.append(piece)
    body = r"\s*".join(parts) if term.strip().endswith("%") else r"\s+".join(parts)
    body = body.replace(r"\%", r"\s*(?:%|prozent|percent)")
    start = r"(?<!\w)" if term[:1].isalnum() else ""
    end = r"(?!\w)" if term.rstrip("*")[-1:].isalnum() or term.endswith("*") else ""
    return re.compile(start + body + end, re.IGNORECASE)


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
    )
