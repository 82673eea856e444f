"""Publishing: a draft becomes HTML with inline citations plus schema.org JSON-LD.

All text is escaped by Jinja2's autoescaping, and the JSON-LD block escapes ``<``,
so nothing a brief, a source or a model wrote can become active markup in the
published page. Citations ``[S1]`` turn into numbered links to the source list,
each naming the chunk and document it came from.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from tools.channels import channel_spec
from tools.content import DraftContent
from tools.textnorm import fold_text

_CITATION = re.compile(r"\[(S\d+)\]")
_CITATION_GROUP = re.compile(r"\s*\[\s*S\d+(?:\s*[,;]\s*S\d+)*\s*\]")

_TEMPLATE = """<!DOCTYPE html>
<html lang="{{ language }}">
<head>
<meta charset="utf-8">
<title>{{ draft.title }}</title>
<meta name="description" content="{{ draft.meta_description }}">
<meta name="generator" content="copydesk">
<script type="application/ld+json">{{ jsonld }}</script>
</head>
<body>
<article data-channel="{{ channel }}" data-run="{{ run_id }}">
<h1>{{ title }}</h1>
{% for section in sections %}<section>
<h2>{{ section.heading }}</h2>
<p>{{ section.body }}</p>
</section>
{% endfor %}<footer>
<h2>{{ "Quellen" if language == "de" else "Sources" }}</h2>
<ol class="sources">
{% for source in sources %}<li id="src-{{ source.label }}" data-chunk-id="{{ source.chunk_id }}" data-document-id="{{ source.document_id }}">{{ caption(source.title, source.heading) }}</li>
{% endfor %}</ol>
</footer>
</article>
</body>
</html>
"""

_ENV = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)


@dataclass(frozen=True)
class SourceRef:
    """A citable source: the label the model used and the chunk behind it."""

    label: str
    chunk_id: str
    document_id: str
    title: str
    heading: str = ""


@dataclass(frozen=True)
class PublishedFiles:
    html_path: Path
    jsonld_path: Path
    draft_path: Path


def _cite(text: str, numbers: dict[str, int]) -> Markup:
    """Escape text, then turn known ``[S1]`` markers into links; unknown markers are dropped."""
    escaped = str(escape(text))

    def replace(match: re.Match[str]) -> str:
        label = match.group(1)
        if label not in numbers:
            return ""
        return f'<sup class="cite"><a href="#src-{label}">[{numbers[label]}]</a></sup>'

    return Markup(_CITATION.sub(replace, escaped))


_HEADING_PATH = re.compile(r"\s+>\s+")


def source_caption(title: str, heading: str = "") -> str:
    """How a source is named to readers: "title – heading", without parts that repeat.

    A heading path usually starts with the page's H1, which is the title again
    ("Thermo 200 – Thermostat > Thermo 200 – Thermostat > Overview"); readers need each part once.
    Parts are compared in copydesk's matching form, and a part contained in an earlier one is dropped.
    Only " > " separates parts: a replaced name inside a heading ("… save with <PERSON_2>?") stays whole.
    """
    parts: list[str] = []
    for piece in [title, *_HEADING_PATH.split(heading)]:
        piece = piece.strip()
        key = fold_text(piece)
        if not piece or any(key == fold_text(p) or key in fold_text(p) for p in parts):
            continue
        parts.append(piece)
    return " – ".join(parts)


def citation_numbers(
    draft: DraftContent | Mapping[str, Any],
    labels: Sequence[str],
    sentences: list[dict[str, Any]] | None = None,
) -> dict[str, int]:
    """The reader's citation numbers, exactly as :func:`render_html` prints them.

    With the fact-check's ``sentences``: the sources the checked sentences cite, numbered in
    order of first citation. Without: sources the model cited, in source order (all when none is).
    """
    if sentences:
        content = draft if isinstance(draft, DraftContent) else DraftContent.model_validate(draft)
        return {label: i + 1 for i, label in enumerate(_cited_order(content, labels, sentences))}
    data = draft.model_dump() if isinstance(draft, DraftContent) else draft
    used = {label for sec in data.get("sections") or [] for label in _CITATION.findall(sec.get("body") or "")}
    used |= {str(label) for claim in data.get("claims") or [] for label in claim.get("sources") or []}
    cited = [label for label in labels if label in used] or list(labels)
    return {label: i + 1 for i, label in enumerate(cited)}


def build_jsonld(
    draft: DraftContent,
    *,
    channel: str,
    language: str,
    sources: list[SourceRef],
    published_at: datetime,
    product_ids: list[str] | None = None,
) -> dict[str, Any]:
    """schema.org JSON-LD for the channel; citations name the source documents."""
    kind = channel_spec(channel).schema_type
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": kind,
        "inLanguage": language,
        "description": draft.meta_description,
    }
    if kind == "Product":
        data["name"] = draft.title
        if product_ids:
            data["productID"] = product_ids[0]
            data["sku"] = product_ids[0]
    else:
        data["headline"] = draft.title
        data["datePublished"] = published_at.isoformat()
        data["text"] = "\n\n".join(_CITATION.sub("", s.body).strip() for s in draft.sections)
    data["citation"] = [
        {"@type": "CreativeWork", "name": s.title, "identifier": s.chunk_id, "isPartOf": s.document_id} for s in sources
    ]
    return data


def source_name(source: SourceRef) -> str:
    """The source's name as the public page lists it (:func:`source_caption`)."""
    return source_caption(source.title, source.heading)


def _cited_texts(draft: DraftContent, sentences: list[dict[str, Any]]) -> tuple[str, list[tuple[str, str]]]:
    """Title and (heading, body) pairs with each sentence's checked citations in place of the model's."""
    title = _with_sentence_citations(draft.title, "title", sentences)
    bodies = [
        (
            _with_sentence_citations(s.heading, f"sections[{i}].heading", sentences),
            _with_sentence_citations(s.body, f"sections[{i}].body", sentences),
        )
        for i, s in enumerate(draft.sections)
    ]
    return title, bodies


def _cited_order(draft: DraftContent, labels: Sequence[str], sentences: list[dict[str, Any]]) -> list[str]:
    title, bodies = _cited_texts(draft, sentences)
    known, order = set(labels), []
    for text in [title, *(part for pair in bodies for part in pair)]:
        for label in _CITATION.findall(text):
            if label in known and label not in order:
                order.append(label)
    return order


def _with_sentence_citations(text: str, field: str, sentences: list[dict[str, Any]]) -> str:
    """``text`` with the model's markers replaced by each sentence's checked citations.

    The fact-check decides what a sentence cites (corrected where the model cited the
    wrong source); a sentence that is not supported cites nothing.
    """
    own = sorted((s for s in sentences if s.get("field") == field), key=lambda s: s["start"])
    if not own:
        return text
    out: list[str] = []
    cursor = 0
    for sentence in own:
        start, end = int(sentence["start"]), int(sentence["end"])
        if start < cursor or end > len(text):
            return text  # offsets do not fit this text (edited after the check): keep its own markers
        out.append(text[cursor:start])
        body = _CITATION_GROUP.sub("", text[start:end]).rstrip()
        labels = sentence.get("citations") or [] if sentence.get("verdict") == "supported" else []
        markers = "".join(f"[{label}]" for label in labels)
        if markers and body and body[-1] in ".!?:;":
            body = f"{body[:-1].rstrip()} {markers}{body[-1]}"  # "… EUR 59.90 [S2]."
        elif markers:
            body = f"{body} {markers}"
        out.append(body)
        cursor = end
    out.append(_CITATION_GROUP.sub("", text[cursor:]))
    return "".join(out)


def render_html(
    draft: DraftContent,
    *,
    channel: str,
    language: str,
    sources: list[SourceRef],
    run_id: str,
    jsonld: dict[str, Any],
    sentences: list[dict[str, Any]] | None = None,
) -> str:
    """The publishable page: inline numbered citations per sentence, and exactly the cited sources.

    With ``sentences`` (the fact-check's verdicts) each supported sentence cites the
    source that supports it; without them the model's own ``[S1]`` markers are used.
    """
    title = draft.title
    bodies = [(s.heading, s.body) for s in draft.sections]
    if sentences:
        title, bodies = _cited_texts(draft, sentences)
    known = {s.label for s in sources}
    order: list[str] = []
    for text in [title, *(part for pair in bodies for part in pair)]:
        for label in _CITATION.findall(text):
            if label in known and label not in order:
                order.append(label)
    if not sentences and not order:
        order = [label for claim in draft.claims for label in claim.sources if label in known]
        order = list(dict.fromkeys(order))
    by_label = {s.label: s for s in sources}
    cited = [by_label[label] for label in order]
    numbers = {s.label: i + 1 for i, s in enumerate(cited)}
    sections = [{"heading": _cite(h, numbers), "body": _cite(b, numbers)} for h, b in bodies]
    jsonld_text = json.dumps(jsonld, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")
    return _ENV.from_string(_TEMPLATE).render(
        draft=draft,
        title=_cite(title, numbers),
        sections=sections,
        sources=cited,
        source_name=source_name,
        channel=channel,
        language=language,
        run_id=run_id,
        jsonld=Markup(jsonld_text),
        caption=source_caption,
    )


def publish(
    draft: DraftContent,
    *,
    channel: str,
    language: str,
    sources: list[SourceRef],
    run_id: str,
    out_dir: Path,
    product_ids: list[str] | None = None,
    extra: dict[str, Any] | None = None,
    sentences: list[dict[str, Any]] | None = None,
) -> PublishedFiles:
    """Write ``index.html``, ``content.jsonld`` and ``draft.json`` under ``out_dir/run_id``."""
    target = out_dir / run_id
    target.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    if sentences:
        cited = {label for s in sentences if s.get("verdict") == "supported" for label in s.get("citations") or []}
        listed = [s for s in sources if s.label in cited]
    else:
        listed = sources
    jsonld = build_jsonld(
        draft, channel=channel, language=language, sources=listed, published_at=now, product_ids=product_ids
    )
    html_path = target / "index.html"
    jsonld_path = target / "content.jsonld"
    draft_path = target / "draft.json"
    html_path.write_text(
        render_html(
            draft,
            channel=channel,
            language=language,
            sources=sources,
            run_id=run_id,
            jsonld=jsonld,
            sentences=sentences,
        ),
        encoding="utf-8",
    )
    jsonld_path.write_text(json.dumps(jsonld, ensure_ascii=False, indent=2), encoding="utf-8")
    draft_path.write_text(
        json.dumps(
            {
                "run_id": run_id,
                "channel": channel,
                "language": language,
                "published_at": now.isoformat(),
                "draft": draft.model_dump(),
                "sources": [s.__dict__ for s in sources],
                **(extra or {}),
            },
            ensure_ascii=False,
            indent=2,
        ),
        encoding="utf-8",
    )
    return PublishedFiles(html_path=html_path, jsonld_path=jsonld_path, draft_path=draft_path)
