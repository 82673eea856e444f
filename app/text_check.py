"""Check any existing text (agency copy, old pages) with exactly the graph's checker and guards.

``copydesk check`` and ``POST /v1/check`` both call :func:`check_text`. The text is cut
into the same fields a draft has (the first ``#`` heading or HTML ``<h1>``/``<title>`` is
the title, every further heading opens a section), personal data is pseudonymised first
(it is never shown in clear; reported as a warning, as the graph pseudonymises it too),
then every sentence is checked against the approved corpus under the evidence policy of
the text's language, and the guards run on the whole text.
There is no run context, so the evidence comes from corpus search alone.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from lxml import html as lxml_html

from graphs.draft.context import DraftServices
from tools.channels import known_channels, unknown_channel_message
from tools.evidence_policy import EvidencePolicy
from tools.factcheck.segment import segment_fields
from tools.factcheck.sentence_check import SentenceChecker
from tools.ingest.loaders import html_to_markdown
from tools.pii import PseudonymMap

Format = Literal["markdown", "html", "text"]
SUFFIXES: dict[str, Format] = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".txt": "text",
}
_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\n.*?\n---[ \t]*(?:\n|\Z)", re.DOTALL)
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$", re.MULTILINE)


class CheckInputError(ValueError):
    """The text cannot be checked (unknown format, unparseable HTML, empty)."""


def format_of(path: Path) -> Format:
    try:
        return SUFFIXES[path.suffix.lower()]
    except KeyError:
        raise CheckInputError(
            f"{path}: unsupported file type {path.suffix or '(none)'}; use .md, .html or .txt"
        ) from None


def _html_to_markdown(text: str) -> str:
    try:
        tree = lxml_html.fromstring(text)
    except (ValueError, lxml_html.etree.ParserError) as exc:
        raise CheckInputError(f"unparseable HTML: {exc}") from exc
    title = tree.xpath("string(//title)").strip()
    lead = [f"# {title}\n"] if title and not tree.xpath("//h1") else []
    return html_to_markdown(tree, lead=lead)


def text_fields(text: str, fmt: Format) -> list[tuple[str, str]]:
    """``(field, text)`` pairs shaped like a draft's published fields."""
    if fmt == "html":
        text = _html_to_markdown(text)
    elif fmt == "markdown":
        text = _FRONT_MATTER.sub("", text)
    else:
        return [("sections[0].body", text)] if text.strip() else []
    fields: list[tuple[str, str]] = []
    headings = list(_HEADING.finditer(text))
    position = 0
    section = -1
    for match in headings:
        before = text[position : match.start()].strip()
        if before:
            fields.append((f"sections[{max(section, 0)}].body", before))
        if match.group(1) == "#" and not any(name == "title" for name, _ in fields):
            fields.append(("title", match.group(2)))
        else:
            section += 1
            fields.append((f"sections[{section}].heading", match.group(2)))
        position = match.end()
    rest = text[position:].strip()
    if rest:
        fields.append((f"sections[{max(section, 0)}].body", rest))
    return fields


def check_text(
    services: DraftServices,
    text: str,
    *,
    language: Literal["de", "en"],
    fmt: Format = "markdown",
    channel: str = "landing_page",
    name: str = "",
) -> dict[str, Any]:
    """The check report for one text: ``{"file", "blocking", "sentences", "findings"}``."""
    if not text.strip():
        raise CheckInputError(f"{name or 'text'}: nothing to check")
    if channel not in known_channels():  # before any work, and never a default channel's limits
        raise CheckInputError(unknown_channel_message(channel))
    pseudonyms = PseudonymMap()
    findings: list[dict[str, Any]] = []
    fields: list[tuple[str, str]] = []
    public = list(services.options.public_terms)
    for field_name, value in text_fields(text, fmt):
        scrubbed = services.scrubber.scrub(value, language, pseudonyms, allow=public)
        for f in scrubbed.findings:
            findings.append(
                {
                    "kind": "pii",
                    "text": f"<{f.entity_type}>",
                    "reason": f"personal data ({f.entity_type}) in {field_name}: pseudonymised before checking",
                    "blocking": False,
                }
            )
        fields.append((field_name, scrubbed.text))
    checker = SentenceChecker(
        rules=services.fact_checker.rules,
        policy=EvidencePolicy(language=language),
        subjects=(services.options.company, *services.options.company.split()[:1]),
    )
    sentences = checker.check(
        segment_fields(fields), [], language, search=lambda t: services.search_corpus(t, language=language)
    )
    full = "\n\n".join(value for _, value in fields)
    for finding in services.guards.check_draft(full, channel=channel, language=language, sources=[]):
        findings.append(
            {
                "kind": finding.validator,
                "text": finding.excerpt,
                "reason": finding.reason,
                "blocking": finding.severity == "block",
            }
        )
    for sentence in sentences:
        if sentence.pop("new_source_chunk", None):  # no run here: corpus evidence is the only evidence
            sentence["reason"] = sentence["reason"].replace(", added as a source", "")
            sentence["citation_corrected"] = False
    blocking = any(s["verdict"] in {"contradicted", "not_found"} for s in sentences) or any(
        f["blocking"] for f in findings
    )
    return {"file": name, "blocking": blocking, "sentences": sentences, "findings": findings}
