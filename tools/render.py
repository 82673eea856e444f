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

from tools.content import DraftContent

_CITATION = re.compile(r"\[(S\d+)\]")

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
<h1>{{ draft.title }}</h1>
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

_SCHEMA_TYPES = {
    "seo_article": "Article",
    "landing_page": "WebPage",
    "product_description": "Product",
    "ad_copy": "CreativeWork",
    "crm_email": "EmailMessage",
}


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


def source_caption(title: str, heading: str = "") -> str:
    """How a source is named to readers: its title, then the heading path without parts that repeat it.

    Chunk headings carry the document's own top heading ("Acme Kettle K1 > Price" under the
    title "Acme Kettle K1"); readers need "Acme Kettle K1 – Price", once.
    """
    seen = {title.strip().casefold()}
    parts = []
    for part in (p.strip() for p in heading.split(">")):
        if part and part.casefold() not in seen:
            seen.add(part.casefold())
            parts.append(part)
    return " – ".join([title.strip(), *parts]) if title.strip() else " – ".join(parts)


def citation_numbers(draft: DraftContent | Mapping[str, Any], labels: Sequence[str]) -> dict[str, int]:
    """The reader's citation numbers: sources actually cited, numbered in source order (all when none is)."""
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
    kind = _SCHEMA_TYPES.get(channel, "CreativeWork")
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
        {"@type": "CreativeWork", "name": s.title, "identifier": s.chunk_id, "isPartOf": s.document_id}
        for s in sources
    ]
    return data


def render_html(
    draft: DraftContent,
    *,
    channel: str,
    language: str,
    sources: list[SourceRef],
    run_id: str,
    jsonld: dict[str, Any],
) -> str:
    """The publishable page. Only sources actually cited are numbered and listed."""
    numbers = citation_numbers(draft, [s.label for s in sources])
    cited = [s for s in sources if s.label in numbers]
    sections = [{"heading": s.heading, "body": _cite(s.body, numbers)} for s in draft.sections]
    jsonld_text = json.dumps(jsonld, ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")
    return _ENV.from_string(_TEMPLATE).render(
        draft=draft,
        sections=sections,
        sources=cited,
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
) -> PublishedFiles:
    """Write ``index.html``, ``content.jsonld`` and ``draft.json`` under ``out_dir/run_id``."""
    target = out_dir / run_id
    target.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    jsonld = build_jsonld(
        draft, channel=channel, language=language, sources=sources, published_at=now, product_ids=product_ids
    )
    html_path = target / "index.html"
    jsonld_path = target / "content.jsonld"
    draft_path = target / "draft.json"
    html_path.write_text(
        render_html(draft, channel=channel, language=language, sources=sources, run_id=run_id, jsonld=jsonld),
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
