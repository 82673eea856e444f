"""One catalogue for the desk: both languages complete, every key used exists, no text of its own in templates."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from app.desk_context import safe_next
from app.desk_i18n import CATALOGUE, from_accept_language, translator

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = sorted((ROOT / "app" / "templates").glob("*.html"))
KEY_CALL = re.compile(r"""\bt\(\s*["']([a-z_.]+)["']""")
PREFIX_CALL = re.compile(r"""\b(?:t\(\s*["']|label\(\s*["'])([a-z_]+)\.?["']\s*~""")


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_both_languages_have_the_same_keys_and_placeholders() -> None:
    en, de = CATALOGUE["en"], CATALOGUE["de"]
    assert set(en) == set(de)
    for key in en:
        assert placeholders(en[key]) == placeholders(de[key]), key
        assert en[key].strip() and de[key].strip(), key


def test_every_key_the_templates_and_code_use_exists() -> None:
    sources = [*TEMPLATES, ROOT / "app" / "editor.py", ROOT / "app" / "published.py"]
    used = {key for path in sources for key in KEY_CALL.findall(path.read_text(encoding="utf-8"))}
    assert used, "no catalogue calls found: the pattern is wrong"
    missing = sorted(k for k in used if k not in CATALOGUE["en"] and not k.endswith("."))
    assert missing == []
    for prefix in ("status", "verdict", "language", "lang"):
        assert any(k.startswith(prefix + ".") for k in CATALOGUE["en"])
    # Channel names come from the channel spec (tools.channels), never from the catalogue.
    assert not any(k.startswith("channel.") for k in CATALOGUE["en"])


def visible_literals(template: str) -> list[str]:
    """Text a template would show that does not come from an expression: letters outside tags and Jinja."""
    text = re.sub(r"\{#.*?#\}", " ", template, flags=re.S)
    text = re.sub(r"<script[^>]*>.*?</script>", " ", text, flags=re.S)
    text = re.sub(r"\{\{.*?\}\}", " ", text, flags=re.S)
    text = re.sub(r"\{%.*?%\}", " ", text, flags=re.S)
    found = []
    for attr in re.finditer(
        r"""\b(title|alt|placeholder|aria-label|data-on|data-off|content)\s*=\s*"([^"]*)\"""", text
    ):
        if attr.group(1) == "content" and not re.search(r"[A-Za-z]{3,}", attr.group(2)):
            continue
        if attr.group(1) == "content" and attr.group(2).startswith("width="):
            continue
        if re.search(r"[A-Za-zÄÖÜäöüß]", attr.group(2)):
            found.append(attr.group(0))
    outside = re.sub(r"<[^>]*>", " ", text)
    found += re.findall(r"[A-Za-zÄÖÜäöüß]{2,}", outside)
    return found


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_templates_carry_no_text_of_their_own(path: Path) -> None:
    assert visible_literals(path.read_text(encoding="utf-8")) == []


def test_the_literal_check_catches_text() -> None:
    assert visible_literals('<p>Hello {{ t("x") }}</p><button title="Save">{{ t("y") }}</button>') == [
        'title="Save"',
        "Hello",
    ]


def test_translator_formats_and_refuses_unknown_keys() -> None:
    assert translator("de")("nav.signed_in_as", name="eva") == "Angemeldet als eva"
    assert translator("fr")("queue.heading") == "Drafts"  # unknown UI language: English
    with pytest.raises(KeyError):
        translator("en")("no.such.key")


def test_accept_language_picks_the_best_supported_language() -> None:
    assert from_accept_language("fr-FR, de-DE;q=0.8, en;q=0.5") == "de"
    assert from_accept_language("en-GB,en;q=0.9,de;q=0.8") == "en"
    assert from_accept_language("fr, es;q=0.1") is None
    assert from_accept_language("de;q=0, en;q=0.2") == "en"


def test_language_switch_only_redirects_inside_the_desk() -> None:
    assert safe_next("/editor/runs/abc?notice=edit") == "/editor/runs/abc?notice=edit"
    assert safe_next("/published/abc") == "/published/abc"
    for bad in ("https://evil.example/", "//evil.example/editor", "/v1/runs", "editor", None):
        assert safe_next(bad) == "/editor"
