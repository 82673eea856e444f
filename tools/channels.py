"""A channel defined in one place: names, published fields, schema.org type and limits.

Every channel has a drafting prompt (``prompts/draft/<channel>.vN.md``), and the prompts
that exist *are* the list of channels (:func:`known_channels`): there is no other list to
forget. The prompt's front matter holds the writer limits (``limits:``) and may override
anything below in a ``channel:`` block (``display_name: {de, en}``, ``prompt_name``,
``schema_type``, ``published_fields``, ``guard_limits``, ``verbatim_copy``). The entries
here are the defaults for the five built-in channels, whose prompt files are pinned by the
lock and cannot grow a ``channel:`` block without a new version; a new channel is one
prompt file plus, at most, one entry. Content validation (:data:`Channel`), guards,
renderer, drafting node, fact-check, CLI, API and desk read :func:`channel_spec` instead of
keeping their own tables, so forgetting a place can no longer fall back silently: an
unknown channel is a clear error that names the known ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

from tools.content import ChannelLimits

DEFAULT_FIELDS = ("title", "meta_description", "sections[].heading", "sections[].body")
CopyMode = Literal["block", "warn", "off"]


@dataclass(frozen=True)
class GuardLimits:
    """Tone and length limits the guards apply to one channel; ``None`` switches a check off.

    Defined here rather than in :mod:`tools.guards.tone` so that the channel spec can carry
    them without importing the guard package (and guardrails) into the renderer and the API.
    """

    max_words: int | None = None
    min_words: int | None = None
    max_chars: int | None = None
    max_exclamations: int | None = 3
    max_caps_words: int | None = 2
    max_sentence_words: int | None = None
    formal_address: bool = False  # German: flag "du/dich/dein" when the brand says "Sie"

    @classmethod
    def from_dict(cls, data: dict[str, Any], base: GuardLimits | None = None) -> GuardLimits:
        """``base`` with the keys of ``data`` replaced; an unknown key is an error, not ignored."""
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown channel limit(s) {sorted(unknown)}; known: {sorted(known)}")
        return replace(base or cls(), **data)


_ENTRIES: dict[str, dict[str, Any]] = {
    "seo_article": {
        "display_name": {"en": "SEO article", "de": "SEO-Artikel"},
        "prompt_name": "an SEO article",
        "schema_type": "Article",
        "guard_limits": {
            "max_words": 2500,
            "min_words": 300,
            "max_exclamations": 3,
            "max_caps_words": 2,
            "max_sentence_words": 40,
        },
        # Long copied passages are duplicate content that search engines penalise.
        "verbatim_copy": "block",
    },
    "product_description": {
        "display_name": {"en": "Product description", "de": "Produktbeschreibung"},
        "prompt_name": "a product description",
        "schema_type": "Product",
        "guard_limits": {"max_words": 400, "max_chars": 3000, "max_exclamations": 2, "max_caps_words": 1},
    },
    "ad_copy": {
        "display_name": {"en": "Ad copy", "de": "Anzeigentext"},
        "prompt_name": "ad copy",
        "schema_type": "CreativeWork",
        "guard_limits": {"max_words": 60, "max_chars": 300, "max_exclamations": 1, "max_caps_words": 1},
    },
    "crm_email": {
        "display_name": {"en": "CRM e-mail", "de": "CRM-E-Mail"},
        "prompt_name": "a customer e-mail",
        "schema_type": "EmailMessage",
        "guard_limits": {"max_words": 600, "max_exclamations": 3, "max_caps_words": 2, "formal_address": True},
    },
    "landing_page": {
        "display_name": {"en": "Landing page", "de": "Landingpage"},
        "prompt_name": "a landing page",
        "schema_type": "WebPage",
        "guard_limits": {"max_words": 800, "max_exclamations": 2, "max_caps_words": 2, "max_sentence_words": 35},
        "verbatim_copy": "block",
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
    guard_limits: GuardLimits = GuardLimits()
    verbatim_copy: CopyMode = "warn"
    published_fields: tuple[str, ...] = DEFAULT_FIELDS
    prompt_ref: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def display(self, language: str) -> str:
        """The channel's name for people, in ``language`` (English when no translation is given)."""
        return self.display_name.get(language) or self.display_name.get("en") or self.name

    def draft_guard_limits(self) -> GuardLimits:
        """The guard limits a drafted piece must meet: the channel's guard limits with the writer's
        word and exclamation limits, and ``max_chars`` set to the longest text the drafting
        schema admits, so writer and guard never disagree and only an editor's edit can exceed it.
        """
        writer = self.limits
        longest = (
            writer.title_max_chars
            + writer.meta_description_max_chars
            + writer.max_sections * (80 + writer.section_max_chars)
            + 2 * (2 + writer.max_sections)  # the blank lines DraftContent.full_text() puts between parts
        )
        return replace(
            self.guard_limits,
            max_words=writer.max_words,
            max_chars=longest,
            max_exclamations=writer.max_exclamations,
        )


@lru_cache(maxsize=1)
def known_channels() -> tuple[str, ...]:
    """Every channel that has a drafting prompt: built-in ones in their usual order, then the rest
    sorted. Read once per process, like the prompts themselves (:func:`forget_channels`)."""
    import prompts

    found = prompts.available_prompts(prompts.PROMPTS_DIR)
    names = {n.removeprefix("draft/") for n in found if n.startswith("draft/") and n.count("/") == 1}
    return tuple(n for n in _ENTRIES if n in names) + tuple(sorted(names - set(_ENTRIES)))


def unknown_channel_message(name: str) -> str:
    """The one wording for an unknown channel, naming the known ones (CLI, API, guards, runner)."""
    return f"unknown channel {name!r}; choose one of {', '.join(known_channels())}"


def require_channel(name: str) -> str:
    """``name`` when it is a known channel; otherwise :class:`UnknownChannelError`."""
    if name not in known_channels():
        raise UnknownChannelError(unknown_channel_message(name))
    return name


@lru_cache(maxsize=64)
def channel_spec(name: str, version: int | None = None) -> ChannelSpec:
    """The channel's spec: the entry above, overridden by its prompt's front matter."""
    from prompts import PromptNotFoundError, load_prompt

    require_channel(name)
    try:
        prompt = load_prompt(f"draft/{name}", version)
    except PromptNotFoundError as exc:
        raise UnknownChannelError(f"{unknown_channel_message(name)} ({exc})") from exc
    entry = {**_ENTRIES.get(name, {}), **(prompt.metadata.get("channel") or {})}
    copy_mode = str(entry.get("verbatim_copy") or "warn")
    if copy_mode not in ("block", "warn", "off"):
        raise ValueError(f"channel {name!r}: verbatim_copy must be block, warn or off, not {copy_mode!r}")
    return ChannelSpec(
        name=name,
        display_name=dict(entry.get("display_name") or {"en": name.replace("_", " ")}),
        prompt_name=str(entry.get("prompt_name") or name.replace("_", " ")),
        schema_type=str(entry.get("schema_type") or "CreativeWork"),
        limits=ChannelLimits(**(prompt.metadata.get("limits") or {})),
        guard_limits=GuardLimits.from_dict(dict(entry.get("guard_limits") or {})),
        verbatim_copy=copy_mode,  # type: ignore[arg-type]  # checked just above
        published_fields=tuple(entry.get("published_fields") or DEFAULT_FIELDS),
        prompt_ref=str(getattr(prompt, "ref", "")),
    )


def channel_display(name: str, language: str) -> str:
    """A channel's name for people; a run recorded for a channel whose prompt is gone shows its id.

    Display only: validating a channel is :func:`require_channel`'s job, and it never falls back.
    """
    try:
        return channel_spec(name).display(language)
    except UnknownChannelError:
        return name


def forget_channels() -> None:
    """Drop the cached channel list, specs and prompts, so prompt files written since are seen
    (tests that add a channel; a process that must not be restarted after adding a prompt)."""
    import prompts

    known_channels.cache_clear()
    channel_spec.cache_clear()
    prompts.load_prompt.cache_clear()


class _ChannelName:
    """Pydantic marker of :data:`Channel`: a string that must be a known channel.

    Validation and the JSON schema's ``enum`` are computed when used, not at import, so a
    channel added as a prompt file is accepted and documented without touching this module.
    The error keeps the type and wording of the ``Literal`` it replaced.
    """

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(_validate_channel, core_schema.str_schema())

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema["enum"] = list(known_channels())
        return json_schema


def _validate_channel(value: str) -> str:
    if value in known_channels():
        return value
    names = [repr(n) for n in known_channels()]
    expected = " or ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else "".join(names)
    raise PydanticCustomError(
        "literal_error",
        "Input should be {expected} (the channels with a drafting prompt)",
        {"expected": expected},
    )


Channel = Annotated[str, _ChannelName]
"""A channel name in pydantic models (API bodies): validated against :func:`known_channels`."""
