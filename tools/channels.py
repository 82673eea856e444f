"""A channel defined in one place: names, published fields, schema.org type and limits.

Every channel has a drafting prompt (``prompts/draft/<channel>.vN.md``); its front matter
holds the writer and guard limits (``limits:``) and may override anything below in a
``channel:`` block (``display_name: {de, en}``, ``prompt_name``, ``schema_type``,
``published_fields``). The entries here are the defaults for the five built-in channels;
a new channel is one prompt file plus, at most, one entry. Renderer, drafting node, fact-check
and UIs read :func:`channel_spec` instead of keeping their own tables, so forgetting a place
can no longer fall back silently: an unknown channel is a clear error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from tools.content import ChannelLimits

DEFAULT_FIELDS = ("title", "meta_description", "sections[].heading", "sections[].body")

_ENTRIES: dict[str, dict[str, Any]] = {
    "seo_article": {
        "display_name": {"en": "SEO article", "de": "SEO-Artikel"},
        "prompt_name": "an SEO article",
        "schema_type": "Article",
    },
    "product_description": {
        "display_name": {"en": "Product description", "de": "Produktbeschreibung"},
        "prompt_name": "a product description",
        "schema_type": "Product",
    },
    "ad_copy": {
        "display_name": {"en": "Ad copy", "de": "Anzeigentext"},
        "prompt_name": "ad copy",
        "schema_type": "CreativeWork",
    },
    "crm_email": {
        "display_name": {"en": "Customer e-mail", "de": "Kunden-E-Mail"},
        "prompt_name": "a customer e-mail",
        "schema_type": "EmailMessage",
    },
    "landing_page": {
        "display_name": {"en": "Landing page", "de": "Landingpage"},
        "prompt_name": "a landing page",
        "schema_type": "WebPage",
    },
}


class UnknownChannelError(ValueError):
    """No drafting prompt (and so no definition) exists for this channel."""


@dataclass(frozen=True)
class ChannelSpec:
    """Everything copydesk knows about one channel."""

    name: str
    display_name: dict[str, str]
    prompt_name: str
    schema_type: str
    limits: ChannelLimits
    published_fields: tuple[str, ...] = DEFAULT_FIELDS
    prompt_ref: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def display(self, language: str) -> str:
        """The channel's name for people, in ``language`` (English when no translation is given)."""
        return self.display_name.get(language) or self.display_name.get("en") or self.name


@lru_cache(maxsize=64)
def channel_spec(name: str, version: int | None = None) -> ChannelSpec:
    """The channel's spec: the entry above, overridden by its prompt's front matter."""
    from prompts import PromptNotFoundError, load_prompt

    try:
        prompt = load_prompt(f"draft/{name}", version)
    except PromptNotFoundError as exc:
        raise UnknownChannelError(f"unknown channel {name!r}: no drafting prompt prompts/draft/{name}") from exc
    entry = {**_ENTRIES.get(name, {}), **(prompt.metadata.get("channel") or {})}
    return ChannelSpec(
        name=name,
        display_name=dict(entry.get("display_name") or {"en": name.replace("_", " ")}),
        prompt_name=str(entry.get("prompt_name") or name.replace("_", " ")),
        schema_type=str(entry.get("schema_type") or "CreativeWork"),
        limits=ChannelLimits(**(prompt.metadata.get("limits") or {})),
        published_fields=tuple(entry.get("published_fields") or DEFAULT_FIELDS),
        prompt_ref=str(getattr(prompt, "ref", "")),
    )
