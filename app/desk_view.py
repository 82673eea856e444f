"""The draft as the editor's desk shows it: fields split into sentences, each with its verdict,
citations, evidence passage, guard findings and replaced personal data, plus the blocking list.

The sentence-level fact-check (issue 7) writes ``review["sentences"]`` in the shape of
coordination contract 1. Until a run carries that key, :func:`derive_sentences` builds
the same shape from today's claim verdicts: each field is split into sentences and each
claim is matched to the sentence that states it. Everything after that reads one shape,
so the page switches to the real per-sentence data by itself.

Nothing here renders HTML: the template turns these plain objects into markup and
Jinja2 escapes every piece of text.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import UTC, datetime
from typing import Any

from tools.factcheck.sentences import split_sentences
from tools.render import citation_numbers, source_caption
from tools.textnorm import fold, fold_text

CITATION = re.compile(r"\[(S\d+)\]")
_CITATION_WITH_SPACE = re.compile(r"[ \t]*\[S\d+\]")
_LEADING_CITATIONS = re.compile(r"^(?:\[S\d+\]\s*)+")
_WORD = re.compile(r"\w+")
BLOCKING_VERDICTS = frozenset({"contradicted", "not_found"})
VERDICT_ORDER = {"contradicted": 0, "not_found": 1, "supported": 2, "no_claim": 3}
CLAIM_MATCH_THRESHOLD = 0.6

ChunkLookup = Callable[[Sequence[str]], Mapping[str, Mapping[str, Any]]]


def no_lookup(chunk_ids: Sequence[str]) -> Mapping[str, Mapping[str, Any]]:
    """A lookup that knows nothing (metadata then shows as unknown)."""
    return {}


# --- fields and sentences -------------------------------------------------------------------


def draft_fields(draft: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(field key, text)`` in reading order, keys as in contract 1 (``sections[0].body``)."""
    fields = [("title", str(draft.get("title") or "")), ("meta_description", str(draft.get("meta_description") or ""))]
    for index, section in enumerate(draft.get("sections") or []):
        fields.append((f"sections[{index}].heading", str(section.get("heading") or "")))
        fields.append((f"sections[{index}].body", str(section.get("body") or "")))
    return fields


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentence offsets of one field; citation markers that open a sentence belong to the one before.

    "… costs 49.90 EUR. [S1] It holds …" cites S1 for the price, not for what follows.
    """
    spans = [[s.start, s.end] for s in split_sentences(text)]
    merged: list[list[int]] = []
    for start, end in spans:
        lead = _LEADING_CITATIONS.match(text[start:end])
        if lead and merged:
            marker_end = start + len(lead.group(0).rstrip())
            merged[-1][1] = marker_end
            start += len(lead.group(0))
            if start >= end:
                continue
        merged.append([start, end])
    return [(a, b) for a, b in merged]


def strip_citations(text: str) -> str:
    """The sentence as a reader sees it without ``[S1]`` markers."""
    return _CITATION_WITH_SPACE.sub("", text).strip()


_STOPWORDS = frozenset(
    ("a", "an", "the", "it", "its", "is", "are", "was", "be", "this", "that", "and", "or", "of", "to", "in", "on",
     "for", "with", "at", "by", "as", "der", "die", "das", "den", "dem", "des", "ein", "eine", "einen", "einem",
     "es", "ist", "sind", "und", "oder", "von", "zu", "im", "mit", "für", "auf", "am")
)  # fmt: skip


def _tokens(text: str) -> set[str]:
    return {w for w in _WORD.findall(fold_text(strip_citations(text))) if w not in _STOPWORDS}


def match_score(claim: str, sentence: str) -> float:
    """How surely ``sentence`` states ``claim``: shared content words over the shorter of the two.

    Every number of the claim must be in the sentence (a price claim is not the capacity
    sentence), and two words at least must be shared, so a bare product name in a title
    never takes a claim.
    """
    claim_words, sentence_words = _tokens(claim), _tokens(sentence)
    if not claim_words or not sentence_words:
        return 0.0
    if {w for w in claim_words if w.isdigit()} - sentence_words:
        return 0.0
    shared = claim_words & sentence_words
    if len(shared) < 2:
        return 0.0
    return len(shared) / min(len(claim_words), len(sentence_words))


def assign_claims(claims: Sequence[str], sentences: Sequence[str], prefer: Sequence[bool] = ()) -> dict[int, int]:
    """Claim index → index of the sentence that states it (best match above the threshold).

    Sentences flagged in ``prefer`` (the bodies) are tried first; the others (title,
    headings) only take a claim no preferred sentence states.
    """
    assigned: dict[int, int] = {}
    for c_index, claim in enumerate(claims):
        for preferred in (True, False):
            best, best_score = -1, CLAIM_MATCH_THRESHOLD - 1e-9
            for s_index, sentence in enumerate(sentences):
                if prefer and bool(prefer[s_index]) != preferred:
                    continue
                score = match_score(claim, sentence)
                if score > best_score + 1e-9:
                    best, best_score = s_index, score
            if best >= 0:
                assigned[c_index] = best
                break
            if not prefer:
                break
    return assigned


def locate(passage: str, needle: str) -> tuple[int, int] | None:
    """Where ``needle`` sits in ``passage``: exact, else in copydesk's folded form mapped back."""
    if not needle:
        return None
    at = passage.find(needle)
    if at >= 0:
        return at, at + len(needle)
    hay, pin = fold(passage), fold(needle.strip())
    at = hay.text.find(pin.text)
    if at < 0 or not pin.text:
        return None
    return hay.index[at], hay.index[at + len(pin.text) - 1] + 1


def _source_of_chunk(sources: Sequence[Mapping[str, Any]], chunk_id: str) -> Mapping[str, Any] | None:
    for source in sources:
        if chunk_id == source.get("chunk_id") or chunk_id in (source.get("chunk_ids") or []):
            return source
    return None


def _evidence_from_span(
    span: Mapping[str, Any], sources: Sequence[Mapping[str, Any]], lookup: ChunkLookup
) -> dict[str, Any]:
    """A claim verdict's evidence span as contract-1 evidence, passage text from the run's (scrubbed) source."""
    chunk_id = str(span.get("chunk_id") or "")
    meta = lookup([chunk_id]).get(chunk_id, {}) if chunk_id else {}
    source = _source_of_chunk(sources, chunk_id)
    span_text = str(span.get("text") or "")
    if source is not None:
        passage = str(source.get("text") or "")
        where = locate(passage, span_text)
        title = source.get("title") or meta.get("title") or ""
        document_id = source.get("document_id") or meta.get("document_id") or ""
    else:
        # Not one of the run's sources: only the span itself is shown (it is already in the run's state);
        # the whole chunk was never scrubbed for this run.
        passage, where = span_text, (0, len(span_text)) if span_text else None
        title, document_id = meta.get("title") or "", meta.get("document_id") or ""
    return {
        "chunk_id": chunk_id,
        "document_id": document_id,
        "title": title,
        "version": meta.get("version"),
        "valid_from": _iso(meta.get("valid_from")),
        "valid_until": _iso(meta.get("valid_until")),
        "text": passage,
        "span": list(where) if where else None,
    }


def _iso(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _labels_of_chunks(sources: Sequence[Mapping[str, Any]], chunk_ids: Iterable[str]) -> list[str]:
    labels: list[str] = []
    for chunk_id in chunk_ids:
        source = _source_of_chunk(sources, chunk_id)
        if source is not None and source.get("label") and source["label"] not in labels:
            labels.append(str(source["label"]))
    return labels


def derive_sentences(
    draft: Mapping[str, Any],
    verdicts: Sequence[Mapping[str, Any]],
    sources: Sequence[Mapping[str, Any]],
    lookup: ChunkLookup = no_lookup,
) -> list[dict[str, Any]]:
    """Contract-1 sentences from claim verdicts: split the fields, give each sentence the verdicts of its claims."""
    claims = list(draft.get("claims") or [])
    pairs: list[tuple[str, Mapping[str, Any] | None, list[str]]] = []
    for index, claim_verdict in enumerate(verdicts):
        claim_text = str((claim_verdict.get("claim") or {}).get("text") or "")
        labels: list[str] = []
        if index < len(claims) and fold_text(str(claims[index].get("text") or "")) == fold_text(claim_text):
            labels = [str(label) for label in claims[index].get("sources") or []]
        labels = labels or _labels_of_chunks(sources, (claim_verdict.get("claim") or {}).get("chunk_ids") or [])
        pairs.append((claim_text, claim_verdict, labels))

    entries: list[tuple[str, str, int, int]] = []
    for key, text in draft_fields(draft):
        entries.extend((key, text[a:b], a, b) for a, b in sentence_spans(text))
    assignment = assign_claims(
        [p[0] for p in pairs], [e[1] for e in entries], [e[0].endswith(".body") for e in entries]
    )
    by_sentence: dict[int, list[int]] = {}
    for c_index, s_index in assignment.items():
        by_sentence.setdefault(s_index, []).append(c_index)

    out: list[dict[str, Any]] = []
    for s_index, (key, text, start, end) in enumerate(entries):
        inline = [m.group(1) for m in CITATION.finditer(text)]
        matched = [pairs[c] for c in by_sentence.get(s_index, [])]
        if matched:
            worst = min(matched, key=lambda p: VERDICT_ORDER.get(str((p[1] or {}).get("verdict")), 9))
            verdict = str((worst[1] or {}).get("verdict") or "not_found")
            reason = "; ".join(dict.fromkeys(str((p[1] or {}).get("reason") or "") for p in matched if p[1]))
            spans: list[Mapping[str, Any]] = [e for p in matched for e in ((p[1] or {}).get("evidence") or [])]
            chosen = next((e for e in spans if e.get("cited", True)), spans[0] if spans else None)
            evidence = _evidence_from_span(chosen, sources, lookup) if chosen else None
        else:
            verdict, reason, evidence = "no_claim", "", None
        citations = list(dict.fromkeys([*inline, *(label for p in matched for label in p[2])]))
        out.append(
            {
                "id": f"s{s_index + 1}",
                "field": key,
                "text": text,
                "start": start,
                "end": end,
                "verdict": verdict,
                "reason": reason,
                "citations": citations,
                "citation_corrected": False,
                "evidence": evidence,
            }
        )
    return out


# --- the view objects ----------------------------------------------------------------------


@dataclass
class Piece:
    """A run of sentence text with the marks on it (``guard-block``, ``guard-warn``, ``pii``)."""

    text: str
    marks: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass
class Passage:
    """A source passage split around the highlighted span."""

    before: str
    highlight: str
    after: str


@dataclass
class EvidenceView:
    chunk_id: str
    document_id: str
    title: str
    version: Any
    valid_from: str | None
    valid_until: str | None
    passage: Passage
    label: str | None
    number: int | None


@dataclass
class CitationView:
    label: str
    number: int | None


@dataclass
class SentenceView:
    id: str
    field: str
    start: int
    end: int
    text: str
    verdict: str
    reason: str
    citations: list[CitationView]
    evidence: EvidenceView | None
    pieces: list[Piece]
    findings: list[dict[str, Any]] = dc_field(default_factory=list)
    pii_kinds: list[str] = dc_field(default_factory=list)
    citation_corrected: bool = False

    @property
    def blocking(self) -> bool:
        return self.verdict in BLOCKING_VERDICTS or any(f.get("severity") == "block" for f in self.findings)

    @property
    def css(self) -> str:
        return f"v-{self.verdict}" + (" has-block" if self.blocking else "")


@dataclass
class FieldView:
    key: str
    kind: str  # title | meta_description | heading | body
    section: int | None
    text: str
    parts: list[SentenceView | str]


@dataclass
class SourceView:
    label: str
    number: int | None
    title: str
    heading: str
    caption: str
    document_id: str
    version: Any
    valid_from: str | None
    valid_until: str | None
    text: str


@dataclass
class Problem:
    kind: str  # contradicted | not_found | guard | other
    text: str
    reason: str
    sentence_id: str | None


@dataclass
class DeskDraft:
    fields: list[FieldView]
    sentences: list[SentenceView]
    sources: list[SourceView]
    problems: list[Problem]
    other_findings: list[dict[str, Any]]
    pii_count: int
    pii_kinds: list[str]
    derived: bool

    def field(self, key: str) -> FieldView | None:
        return next((f for f in self.fields if f.key == key), None)

    def sentence(self, sentence_id: str) -> SentenceView | None:
        return next((s for s in self.sentences if s.id == sentence_id), None)


def field_kind(key: str) -> tuple[str, int | None]:
    match = re.fullmatch(r"sections\[(\d+)\]\.(heading|body)", key)
    if match:
        return match.group(2), int(match.group(1))
    return key, None


def _full_text_offsets(fields: Sequence[tuple[str, str]]) -> list[tuple[str, int, int]]:
    """Where each field sits in ``DraftContent.full_text()`` (non-empty parts joined by a blank line)."""
    out, cursor = [], 0
    for key, text in fields:
        if not text:
            continue
        out.append((key, cursor, cursor + len(text)))
        cursor += len(text) + 2
    return out


def _guard_marks(
    findings: Sequence[Mapping[str, Any]], fields: Sequence[tuple[str, str]]
) -> tuple[dict[str, list[tuple[int, int, Mapping[str, Any]]]], list[Mapping[str, Any]]]:
    """Guard findings (offsets into the full text) per field; findings without a place go apart."""
    offsets = _full_text_offsets(fields)
    placed: dict[str, list[tuple[int, int, Mapping[str, Any]]]] = {}
    unplaced: list[Mapping[str, Any]] = []
    for finding in findings:
        start, end = int(finding.get("start") or 0), int(finding.get("end") or 0)
        home = next((o for o in offsets if o[1] <= start < o[2]), None)
        if home is None or end <= start:
            unplaced.append(finding)
            continue
        key, base, stop = home
        placed.setdefault(key, []).append((start - base, min(end, stop) - base, finding))
    return placed, unplaced


def _pii_marks(
    findings: Sequence[Mapping[str, Any]], fields: Mapping[str, str]
) -> dict[str, list[tuple[int, int, str]]]:
    """Replaced personal data per field: every place the replacement (``<PERSON_1>``) now stands."""
    placed: dict[str, list[tuple[int, int, str]]] = {}
    for finding in findings:
        key = str(finding.get("where") or "")
        replacement = str(finding.get("replacement") or "")
        text = fields.get(key)
        if text is None or not replacement:
            continue
        for match in re.finditer(re.escape(replacement), text):
            entry = (match.start(), match.end(), str(finding.get("entity_type") or ""))
            if entry not in placed.setdefault(key, []):
                placed[key].append(entry)
    return placed


def _pieces(
    text: str,
    start: int,
    end: int,
    guards: Sequence[tuple[int, int, Mapping[str, Any]]],
    pii: Sequence[tuple[int, int, str]],
) -> tuple[list[Piece], list[dict[str, Any]], list[str]]:
    """Split ``text[start:end]`` at every mark boundary; citation markers are left out (shown as numbers)."""
    cuts = {start, end}
    removed: list[tuple[int, int]] = []
    for m in _CITATION_WITH_SPACE.finditer(text, start, end):
        removed.append((m.start(), m.end()))
        cuts.update((m.start(), m.end()))
    local_guards = [(max(a, start), min(b, end), f) for a, b, f in guards if a < end and b > start]
    local_pii = [(max(a, start), min(b, end), k) for a, b, k in pii if a < end and b > start]
    for a, b, _ in local_guards:
        cuts.update((a, b))
    for a, b, _ in local_pii:
        cuts.update((a, b))
    points = sorted(c for c in cuts if start <= c <= end)
    pieces: list[Piece] = []
    for a, b in itertools.pairwise(points):
        if any(ra <= a and b <= rb for ra, rb in removed):
            continue
        marks: list[str] = []
        notes: list[str] = []
        for ga, gb, finding in local_guards:
            if ga <= a and b <= gb:
                marks.append(f"guard-{finding.get('severity') or 'warn'}")
                notes.append(f"{finding.get('validator')}: {finding.get('reason')}")
        if any(pa <= a and b <= pb for pa, pb, _ in local_pii):
            marks.append("pii")
        piece = Piece(text[a:b], tuple(dict.fromkeys(marks)), tuple(dict.fromkeys(notes)))
        if pieces and pieces[-1].marks == piece.marks and pieces[-1].notes == piece.notes:
            pieces[-1] = Piece(pieces[-1].text + piece.text, piece.marks, piece.notes)
        else:
            pieces.append(piece)
    findings = [dict(f) for _, _, f in local_guards]
    kinds = sorted({k for _, _, k in local_pii})
    return pieces, findings, kinds


def _passage(text: str, span: Sequence[int] | None) -> Passage:
    if not span or len(span) != 2:
        return Passage(text, "", "")
    a, b = max(0, int(span[0])), min(len(text), int(span[1]))
    if b <= a:
        return Passage(text, "", "")
    return Passage(text[:a], text[a:b], text[b:])


def evidence_passage(evidence: Mapping[str, Any], source: Mapping[str, Any] | None) -> Passage:
    """The run's source passage around a piece of evidence, the evidence highlighted in it.

    The sentence-level check stores the evidence sentence as ``text`` and its offsets in
    the *chunk* as ``span``; claim verdicts (:func:`derive_sentences`) store the whole
    passage with the span inside it. Either way the highlighted piece is found again in
    the source the run drafted from (a source may join several chunks, so offsets alone
    would not do); evidence from outside the run's sources shows on its own.
    """
    text = str(evidence.get("text") or "")
    span = evidence.get("span")
    piece = text
    if span and len(span) == 2 and 0 <= int(span[0]) < int(span[1]) <= len(text):
        piece = text[int(span[0]) : int(span[1])]
    full = str((source or {}).get("text") or "")
    where = locate(full, piece) if full and piece.strip() else None
    if where is not None:
        return _passage(full, where)
    return Passage("", piece, "") if piece.strip() else Passage(text, "", "")


def _link_problem(raw: str, sentences: Sequence[SentenceView], guards: Sequence[Mapping[str, Any]]) -> Problem:
    """Tie one of the run's blocking problems (plain text) to the sentence it is about."""
    folded = fold_text(raw)
    for finding in guards:
        if finding.get("severity") != "block":
            continue
        if fold_text(f"{finding.get('validator')}: {finding.get('reason')}") == folded:
            home = next((s for s in sentences if finding in s.findings), None)
            return Problem(
                "guard",
                str(finding.get("validator") or ""),
                str(finding.get("reason") or ""),
                home.id if home is not None else None,
            )
    best: SentenceView | None = None
    best_score = 0.0
    for sentence in sentences:
        if sentence.verdict not in BLOCKING_VERDICTS:
            continue
        score = match_score(sentence.text, raw)
        if score > best_score:
            best, best_score = sentence, score
    if best is not None and best_score >= CLAIM_MATCH_THRESHOLD:
        return Problem(best.verdict, best.text, best.reason, best.id)
    return Problem("other", raw, "", None)


def build_desk(review: Mapping[str, Any], lookup: ChunkLookup = no_lookup) -> DeskDraft:
    """Everything the draft view shows for a run waiting for review."""
    draft = review.get("draft") or {}
    sources = list(review.get("sources") or [])
    fields = draft_fields(draft)
    field_text = dict(fields)
    labels = [str(s.get("label")) for s in sources]
    numbers = citation_numbers(draft, labels, review.get("sentences") or None)  # as the public page numbers them
    raw_sentences = review.get("sentences")
    derived = raw_sentences is None
    if derived:
        raw_sentences = derive_sentences(draft, review.get("verdicts") or [], sources, lookup)

    guards = list(review.get("guard_findings") or [])
    guard_by_field, unplaced = _guard_marks(guards, fields)
    all_pii = list(review.get("pii_findings") or [])
    pii_by_field = _pii_marks(all_pii, field_text)
    label_set = set(labels)

    sentences: list[SentenceView] = []
    for raw in raw_sentences or []:
        key = str(raw.get("field") or "")
        text = field_text.get(key)
        start, end = int(raw.get("start") or 0), int(raw.get("end") or 0)
        if text is None or not (0 <= start < end <= len(text)):
            continue  # a sentence of a field the draft no longer has (an edit changed it)
        pieces, found, kinds = _pieces(text, start, end, guard_by_field.get(key, []), pii_by_field.get(key, []))
        evidence = None
        ev = raw.get("evidence")
        if ev:
            source = _source_of_chunk(sources, str(ev.get("chunk_id") or ""))
            label = str(source.get("label")) if source else None
            evidence = EvidenceView(
                chunk_id=str(ev.get("chunk_id") or ""),
                document_id=str(ev.get("document_id") or ""),
                title=str(ev.get("title") or ""),
                version=ev.get("version"),
                valid_from=_iso(ev.get("valid_from")),
                valid_until=_iso(ev.get("valid_until")),
                passage=evidence_passage(ev, source),
                label=label,
                number=numbers.get(label) if label else None,
            )
        citations = [
            CitationView(str(c), numbers.get(str(c))) for c in raw.get("citations") or [] if str(c) in label_set
        ]
        sentences.append(
            SentenceView(
                id=str(raw.get("id") or f"s{len(sentences) + 1}"),
                field=key,
                start=start,
                end=end,
                text=strip_citations(text[start:end]),
                verdict=str(raw.get("verdict") or "no_claim"),
                reason=str(raw.get("reason") or ""),
                citations=citations,
                evidence=evidence,
                pieces=pieces,
                findings=found,
                pii_kinds=kinds,
                citation_corrected=bool(raw.get("citation_corrected")),
            )
        )

    field_views: list[FieldView] = []
    for key, text in fields:
        own = sorted((s for s in sentences if s.field == key), key=lambda s: s.start)
        parts: list[SentenceView | str] = []
        cursor = 0
        for sentence in own:
            if sentence.start < cursor:
                continue  # overlapping sentence entries: keep the first
            if sentence.start > cursor:
                parts.append(_CITATION_WITH_SPACE.sub("", text[cursor : sentence.start]) or " ")
            parts.append(sentence)
            cursor = sentence.end
        if cursor < len(text):
            parts.append(_CITATION_WITH_SPACE.sub("", text[cursor:]))
        kind, section = field_kind(key)
        field_views.append(FieldView(key, kind, section, text, [p for p in parts if p != ""]))

    source_meta = lookup([str(s.get("chunk_id")) for s in sources if s.get("chunk_id")])
    source_views = []
    for s in sources:
        meta = source_meta.get(str(s.get("chunk_id")), {})
        source_views.append(
            SourceView(
                label=str(s.get("label")),
                number=numbers.get(str(s.get("label"))),
                title=str(s.get("title") or meta.get("title") or ""),
                heading=str(s.get("heading") or ""),
                caption=source_caption(str(s.get("title") or meta.get("title") or ""), str(s.get("heading") or "")),
                document_id=str(s.get("document_id") or ""),
                version=meta.get("version"),
                valid_from=_iso(meta.get("valid_from")),
                valid_until=_iso(meta.get("valid_until")),
                text=str(s.get("text") or ""),
            )
        )
    source_views.sort(key=lambda v: (v.number is None, v.number or 0, v.label))

    problems = [_link_problem(str(raw), sentences, guards) for raw in review.get("blocking") or []]
    placed_findings = [f for s in sentences for f in s.findings]
    other = [dict(f) for f in guards if f in unplaced or f not in placed_findings]
    return DeskDraft(
        fields=field_views,
        sentences=sentences,
        sources=source_views,
        problems=problems,
        other_findings=other,
        pii_count=len(all_pii),
        pii_kinds=sorted({str(f.get("entity_type")) for f in all_pii}),
        derived=derived,
    )


# --- the queue -----------------------------------------------------------------------------


@dataclass
class QueueRow:
    run_id: str
    title: str
    channel: str
    language: str
    campaign: str | None
    status: str
    revision: int
    blocking: int | None
    created_at: str
    age_s: float
    brief: str = ""


def age_seconds(created_at: str, now: datetime | None = None) -> float:
    """Seconds since an ISO timestamp (0 for an unreadable one)."""
    try:
        then = datetime.fromisoformat(created_at)
    except (TypeError, ValueError):
        return 0.0
    if then.tzinfo is None:
        then = then.replace(tzinfo=UTC)
    return max(0.0, ((now or datetime.now(UTC)) - then).total_seconds())


def age_label(seconds: float, t: Callable[..., str]) -> str:
    """ "4 min", "3 h", "2 d" in the UI language."""
    if seconds < 60:
        return t("age.now")
    if seconds < 3600:
        return t("age.minutes", n=int(seconds // 60))
    if seconds < 86400:
        return t("age.hours", n=int(seconds // 3600))
    return t("age.days", n=int(seconds // 86400))


def queue_row(record: Any, state: Mapping[str, Any] | None, review: Mapping[str, Any] | None) -> QueueRow:
    """One queue line: registry facts plus the draft's title and blocking count from the run's state."""
    draft = (review or {}).get("draft") or (state or {}).get("draft") or {}
    blocking = len((review or {}).get("blocking") or []) if review is not None else None
    return QueueRow(
        run_id=record.run_id,
        title=str(draft.get("title") or ""),
        channel=record.channel,
        language=record.language,
        campaign=record.campaign_id,
        status=record.status,
        revision=int((state or {}).get("revision", record.revision) or 0),
        blocking=blocking,
        created_at=record.created_at,
        age_s=age_seconds(record.created_at),
        brief=str(getattr(record, "brief_preview", "") or "")[:80],
    )


def waiting_order(records: Iterable[Any]) -> list[str]:
    """Run ids waiting for review, oldest first: the order "next draft" walks."""
    waiting = [r for r in records if r.status == "awaiting_review"]
    return [r.run_id for r in sorted(waiting, key=lambda r: (r.created_at, r.run_id))]


def neighbours(order: Sequence[str], run_id: str) -> tuple[str | None, str | None]:
    """The waiting drafts before and after ``run_id`` (after: the oldest other one when it is not waiting)."""
    if run_id in order:
        i = order.index(run_id)
        return (order[i - 1] if i > 0 else None), (order[i + 1] if i + 1 < len(order) else None)
    return None, (order[0] if order else None)


def next_after_decision(order: Sequence[str], run_id: str) -> str | None:
    """Where the editor goes after deciding on ``run_id``: the next waiting draft, wrapping to the oldest."""
    others = [r for r in order if r != run_id]
    if not others:
        return None
    if run_id in order:
        after = order[order.index(run_id) + 1 :]
        return after[0] if after else others[0]
    return others[0]
