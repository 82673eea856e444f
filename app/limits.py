"""Limits on every input, in one place: lengths, counts, and text that is valid Unicode.

Every limit is checked before work is done or memory is spent on the value: request
bodies are capped by size before parsing (``COPYDESK_MAX_BODY_BYTES``, forms by
``COPYDESK_MAX_FORM_BYTES``), JSON models reject over-long fields and lone surrogates
(which Python's JSON parser accepts and every UTF-8 encoder later refuses), and the
editor's edit form may not name more sections than a draft can have.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

MAX_FEEDBACK_CHARS = 4000
MAX_ID_CHARS = 64
MAX_PRODUCT_ID_CHARS = 128
MAX_CAMPAIGN_ITEMS = 500
# The edited draft (API and form): generous against every channel's prompt limits, small against memory.
MAX_TITLE_CHARS = 300
MAX_META_CHARS = 1000
MAX_SECTIONS = 20
MAX_HEADING_CHARS = 300
MAX_SECTION_CHARS = 10_000
MAX_CLAIMS = 50
MAX_CLAIM_CHARS = 1000
MAX_CLAIM_SOURCES = 10
MAX_LABEL_CHARS = 16
MAX_CLAIMS_FIELD_CHARS = MAX_CLAIMS * (MAX_CLAIM_CHARS + 40)

ID_PATTERN = r"^[A-Za-z0-9_.-]{1,64}$"
PRODUCT_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$"


class InputError(ValueError):
    """A value that breaks a limit; the message names the field and the limit."""


def text_problem(value: str) -> str | None:
    """Why a string cannot be accepted as text (lone surrogate, NUL), or None."""
    if "\x00" in value:
        return "contains a NUL character"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "is not valid Unicode (lone surrogate)"
    return None


def _valid_text(value: str) -> str:
    problem = text_problem(value)
    if problem:
        raise ValueError(f"the text {problem}")
    return value


Text = Annotated[str, AfterValidator(_valid_text)]


def _first_bad_string(value: Any, where: str = "") -> str | None:
    """Walk a parsed JSON value; the path of the first key or string that is not valid text."""
    stack: list[tuple[str, Any]] = [(where, value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            if text_problem(item):
                return path or "body"
        elif isinstance(item, Mapping):
            for key, child in item.items():
                if isinstance(key, str) and text_problem(key):
                    return f"{path}.<key>" if path else "<key>"
                stack.append((f"{path}.{key}" if path else str(key), child))
        elif isinstance(item, list | tuple):
            stack.extend((f"{path}[{i}]", child) for i, child in enumerate(item))
    return None


class InputModel(BaseModel):
    """Base of every request body: unknown fields ignored, and no invalid text anywhere inside."""

    model_config = ConfigDict(extra="ignore")

    @model_validator(mode="before")
    @classmethod
    def _no_invalid_text(cls, data: Any) -> Any:
        bad = _first_bad_string(data)
        if bad:
            raise ValueError(f"{bad}: text must be valid Unicode without NUL characters")
        return data


class EditedSection(InputModel):
    heading: Text = Field(max_length=MAX_HEADING_CHARS)
    body: Text = Field(max_length=MAX_SECTION_CHARS)


class EditedClaim(InputModel):
    text: Text = Field(max_length=MAX_CLAIM_CHARS)
    sources: list[Annotated[Text, Field(max_length=MAX_LABEL_CHARS)]] = Field(
        default_factory=list, max_length=MAX_CLAIM_SOURCES
    )


class EditedDraft(InputModel):
    """An editor's edited draft, bounded (the graph re-checks it against the channel's own limits)."""

    title: Text = Field(max_length=MAX_TITLE_CHARS)
    meta_description: Text = Field(max_length=MAX_META_CHARS)
    sections: list[EditedSection] = Field(max_length=MAX_SECTIONS)
    claims: list[EditedClaim] = Field(max_length=MAX_CLAIMS)


# --- form fields ------------------------------------------------------------------------------


def form_text(form: Mapping[str, Any], name: str, limit: int) -> str:
    """A form field as stripped text within ``limit`` characters; a missing field is empty."""
    raw = form.get(name, "")
    if not isinstance(raw, str):
        raise InputError(f"{name}: expected text, got a file")
    value = raw.strip()
    if len(value) > limit:
        raise InputError(f"{name} is {len(value):,} characters; the limit is {limit:,}")
    problem = text_problem(value)
    if problem:
        raise InputError(f"{name} {problem}")
    return value


def section_count(form: Mapping[str, Any]) -> int:
    """The edit form's ``sections`` count, refused above :data:`MAX_SECTIONS` before anything is built."""
    raw = form_text(form, "sections", 20) or "0"
    if not raw.isdigit():
        raise InputError("sections must be a whole number")
    count = int(raw)
    if count > MAX_SECTIONS:
        raise InputError(f"a draft has at most {MAX_SECTIONS} sections (form said {count})")
    return count


_EDIT_FIELD = re.compile(r"^(?:heading|body)_(\d{1,2})$")


def edit_form_fields(form: Mapping[str, Any]) -> dict[str, str]:
    """The desk's in-place edit fields (``title``, ``meta_description``, ``heading_N``, ``body_N``), each bounded.

    Unknown and surplus fields are ignored; a section index at or above :data:`MAX_SECTIONS` is refused
    before anything is built, and every field is checked against its own limit (raises :class:`InputError`).
    """
    limits = {"title": MAX_TITLE_CHARS, "meta_description": MAX_META_CHARS}
    fields: dict[str, str] = {}
    for name in form:
        match = _EDIT_FIELD.match(str(name))
        if match and int(match.group(1)) >= MAX_SECTIONS:
            raise InputError(f"a draft has at most {MAX_SECTIONS} sections ({name})")
        limit = limits.get(str(name)) or (
            (MAX_HEADING_CHARS if str(name).startswith("heading") else MAX_SECTION_CHARS) if match else None
        )
        if limit is not None:
            fields[str(name)] = form_text(form, str(name), limit)
    return fields


def edit_form_draft(form: Mapping[str, Any], parse_claims: Any) -> dict[str, Any]:
    """The edited draft from the editor's form, every field bounded (raises :class:`InputError`)."""
    count = section_count(form)
    claims_text = form_text(form, "claims", MAX_CLAIMS_FIELD_CHARS)
    claims = parse_claims(claims_text)
    if len(claims) > MAX_CLAIMS:
        raise InputError(f"at most {MAX_CLAIMS} claims (got {len(claims)})")
    draft = {
        "title": form_text(form, "title", MAX_TITLE_CHARS),
        "meta_description": form_text(form, "meta_description", MAX_META_CHARS),
        "sections": [
            {
                "heading": form_text(form, f"heading_{i}", MAX_HEADING_CHARS),
                "body": form_text(form, f"body_{i}", MAX_SECTION_CHARS),
            }
            for i in range(count)
        ],
        "claims": claims,
    }
    return EditedDraft.model_validate(draft).model_dump()


def printable(value: Any, limit: int = 200) -> Any:
    """A value safe to echo in an error response: valid UTF-8, bounded; containers dropped."""
    if isinstance(value, str):
        safe = value.encode("utf-8", "backslashreplace").decode("utf-8")
        return safe if len(safe) <= limit else safe[:limit] + "…"
    if isinstance(value, int | float | bool) or value is None:
        return value
    return None


def sanitise_errors(errors: Any) -> list[dict[str, Any]]:
    """Pydantic errors made safe to serialise (a lone surrogate in ``input`` would turn a 422 into a 500)."""
    cleaned = []
    for error in errors:
        item = {
            "type": error.get("type"),
            "loc": [printable(part) for part in error.get("loc", ())],
            "msg": printable(str(error.get("msg", "")), 500),
        }
        if "input" in error and printable(error["input"]) is not None:
            item["input"] = printable(error["input"])
        cleaned.append(item)
    return cleaned
