"""Turn files into :class:`~tools.models.Document` objects: Markdown, plain text, HTML, JSON catalogues.

Each loader reads the document's metadata from the file itself (YAML front matter,
``<meta name="copydesk:...">`` tags, or a catalogue's ``metadata`` object) and
returns normalised text. Anything unreadable raises :class:`BadDocumentError`
with a reason a person can act on; the pipeline reports it by file name and moves on.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from lxml import html as lxml_html
from pydantic import ValidationError

from tools.ingest import safety
from tools.ingest.defaults import IngestDefaults, first_heading
from tools.models import ApprovalStatus, Document

SUPPORTED_SUFFIXES = {".md", ".markdown", ".txt", ".html", ".htm", ".json"}
_GERMAN_HINTS = {"und", "der", "die", "das", "nicht", "mit", "für", "ist", "sie", "ein", "eine", "auf", "zu"}
_ENGLISH_HINTS = {"and", "the", "not", "with", "for", "is", "you", "a", "an", "on", "to", "of", "your"}


_KNOWN_KEYS = {
    "id",
    "title",
    "language",
    "approval_status",
    "version",
    "doc_type",
    "product_ids",
    "valid_from",
    "valid_until",
}


class BadDocumentError(ValueError):
    """A file that cannot be ingested; the message says why."""


def _safe(check: Callable[..., Any], *args: Any) -> Any:
    """Run a :mod:`tools.ingest.safety` check, turning its refusal into a BadDocumentError."""
    try:
        return check(*args)
    except safety.UnsafeInputError as exc:
        raise BadDocumentError(str(exc)) from exc


def normalise_text(text: str) -> str:
    """NFC, unified newlines, no control characters, collapsed blank runs.

    NFC matters for German: a decomposed "ü" would neither match BM25 terms nor
    the fact-checker's exact comparisons.
    """
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def guess_language(text: str) -> str:
    """A stop-word vote between German and English, used only when metadata is silent."""
    words = re.findall(r"[a-zäöüß]+", text.lower())
    german = sum(w in _GERMAN_HINTS for w in words) + 3 * sum(ch in "äöüß" for ch in text.lower()) / 10
    english = sum(w in _ENGLISH_HINTS for w in words)
    return "de" if german > english else "en"


def content_hash(body: str, metadata: dict[str, Any]) -> str:
    """Hash of text plus metadata: a changed approval status re-ingests a document too."""
    payload = json.dumps(metadata, sort_keys=True, default=str) + "\n" + body
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _read_text(path: Path, max_bytes: int) -> str:
    size = path.stat().st_size
    if size == 0:
        raise BadDocumentError("empty file")
    if size > max_bytes:
        raise BadDocumentError(f"too large: {size:,} bytes (limit {max_bytes:,})")
    raw = path.read_bytes()
    nul = raw.find(b"\x00")
    if nul != -1:
        raise BadDocumentError(f"binary content (NUL byte at offset {nul:,})")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadDocumentError(f"not UTF-8 text (byte {exc.start})") from exc
    text, warnings = _safe(safety.inspect_text, text)
    for warning in warnings:
        safety.warn(warning)
    if not text.strip():
        raise BadDocumentError("empty file (only whitespace)")
    return text


def _split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    if not text.startswith("---"):
        return {}, text
    match = re.match(r"^---\s*\n(.*?)\n---\s*\n?(.*)$", text, re.DOTALL)
    if not match:
        raise BadDocumentError("front matter opened with '---' but never closed")
    try:
        meta = _safe(safety.load_front_matter, match.group(1)) or {}
    except yaml.YAMLError as exc:
        raise BadDocumentError(f"front matter is not valid YAML: {exc}") from exc
    if not isinstance(meta, dict):
        raise BadDocumentError("front matter must be a YAML mapping")
    return meta, match.group(2)


def _slug(path: Path, root: Path) -> str:
    try:
        relative = path.relative_to(root)
    except ValueError:
        relative = Path(path.name)
    return re.sub(r"[^a-z0-9]+", "-", relative.with_suffix("").as_posix().lower()).strip("-")


def _id_part(value: Any) -> str:
    """A product id as part of a derived document id (safe characters only)."""
    return re.sub(r"[^a-z0-9._-]+", "-", str(value).lower()).strip("-.") or "product"


def _to_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise BadDocumentError(f"invalid date {value!r} (use YYYY-MM-DD)") from exc


def build_document(
    meta: dict[str, Any], body: str, path: Path, root: Path, defaults: IngestDefaults | None = None
) -> Document:
    """Validate metadata and build a Document; missing approval status means *draft*.

    Defaulting to draft is deliberate: a file nobody marked as approved must never
    feed a published claim (``--approve`` is the explicit opt-in, and a file's own
    metadata still wins over it). Without a title the first heading names the document.
    """
    meta = _safe(safety.clean_value, meta)
    body, comments = safety.strip_comments(body)
    if comments:
        safety.warn(f"removed {len(comments)} comment(s): comments are never ingested")
        safety.warn_injection("comment", " ".join(comments))
    body = normalise_text(body)
    if not body:
        raise BadDocumentError("no text after removing markup and metadata")
    if defaults is not None:
        meta = defaults.apply(meta, path, body)
    product_ids = meta.get("product_ids") or []
    if isinstance(product_ids, str):
        product_ids = [p.strip() for p in product_ids.split(",") if p.strip()]
    fields: dict[str, Any] = {
        "id": _safe(safety.validate_document_id, str(meta.get("id") or _slug(path, root) or "document")),
        "title": str(meta.get("title") or first_heading(body) or path.stem),
        "language": str(meta.get("language") or guess_language(body)).lower()[:2],
        "approval_status": str(meta.get("approval_status") or ApprovalStatus.DRAFT.value).lower(),
        "version": int(meta.get("version") or 1),
        "doc_type": str(meta.get("doc_type") or "page"),
        "product_ids": [str(p) for p in product_ids],
        "valid_from": _to_date(meta.get("valid_from")),
        "valid_until": _to_date(meta.get("valid_until")),
        "source_path": path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name,
        "body": body,
        "extra": {k: v for k, v in meta.items() if k not in _KNOWN_KEYS},
    }
    hashed = {k: v for k, v in fields.items() if k not in {"body", "source_path"}}
    fields["content_hash"] = content_hash(body, hashed)
    try:
        return Document(**fields)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise BadDocumentError(f"invalid metadata: {problems}") from exc


def load_markdown(path: Path, root: Path, max_bytes: int, defaults: IngestDefaults | None = None) -> list[Document]:
    meta, body = _split_front_matter(_read_text(path, max_bytes))
    return [build_document(meta, body, path, root, defaults)]


def load_html(path: Path, root: Path, max_bytes: int, defaults: IngestDefaults | None = None) -> list[Document]:
    """HTML to heading-structured text; scripts and styles dropped, metadata from meta tags."""
    text, comments = safety.strip_comments(_read_text(path, max_bytes))
    if comments:
        safety.warn(f"removed {len(comments)} HTML comment(s): comments are never ingested")
        safety.warn_injection("comment", " ".join(comments))
    try:
        tree = lxml_html.fromstring(text)
    except (ValueError, lxml_html.etree.ParserError) as exc:
        raise BadDocumentError(f"unparseable HTML: {exc}") from exc
    meta: dict[str, Any] = {}
    for tag in tree.xpath("//meta[starts-with(@name, 'copydesk:')]"):
        meta[tag.get("name").split(":", 1)[1]] = tag.get("content", "")
    title = tree.xpath("string(//title)").strip()
    if title and "title" not in meta:
        meta["title"] = title
    if "language" not in meta and tree.get("lang"):
        meta["language"] = tree.get("lang")
    body = html_to_markdown(tree, within="//body")
    return [build_document(meta, body, path, root, defaults)]


def _format_value(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_format_value(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_format_value(v)}" for k, v in value.items())
    return str(value)


def load_json_catalogue(
    path: Path, root: Path, max_bytes: int, defaults: IngestDefaults | None = None
) -> list[Document]:
    """A catalogue ``{"metadata": {...}, "products": [...]}``: one document per product and language."""
    text = _read_text(path, max_bytes)
    _safe(safety.check_json, text)
    try:
        data = json.loads(text)
    except RecursionError as exc:
        raise BadDocumentError("JSON nested too deeply to parse") from exc
    except json.JSONDecodeError as exc:
        raise BadDocumentError(f"broken JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("products"), list):
        raise BadDocumentError(
            'unrecognised JSON layout: expected {"metadata": {...}, "products": [...]}; for a shop export '
            "declare a mapping (copydesk ingest FILE --mapping commercetools | --mapping FILE.yaml)"
        )
    base = data.get("metadata") or {}
    if not isinstance(base, dict):
        raise BadDocumentError("catalogue 'metadata' must be an object")
    catalogue_id = str(base.get("id") or _slug(path, root))
    documents: list[Document] = []
    for index, product in enumerate(data["products"]):
        if not isinstance(product, dict) or "id" not in product:
            raise BadDocumentError(f"product #{index} has no 'id'")
        languages = [lang for lang in ("de", "en") if f"description_{lang}" in product] or [
            str(base.get("language") or "en")
        ]
        for lang in languages:
            name = product.get(f"name_{lang}") or product.get("name") or product["id"]
            lines = [f"# {name}", ""]
            description = product.get(f"description_{lang}") or product.get("description")
            if description:
                lines += [str(description), ""]
            details = {k: v for k, v in product.items() if not k.startswith(("description", "name"))}
            heading = "Produktdaten" if lang == "de" else "Product data"
            lines += [f"## {heading}", ""] + [f"- {k}: {_format_value(v)}" for k, v in details.items()]
            meta = {
                **base,
                "id": f"{catalogue_id}-{_id_part(product['id'])}-{lang}",
                "title": str(name),
                "language": lang,
                "product_ids": [str(product["id"])],
                "doc_type": base.get("doc_type", "catalog"),
            }
            documents.append(build_document(meta, "\n".join(lines), path, root, defaults))
    if not documents:
        raise BadDocumentError("catalogue has no products")
    return documents


Loader = Callable[[Path, Path, int, IngestDefaults | None], list[Document]]
LOADERS: dict[str, Loader] = {
    ".md": load_markdown,
    ".markdown": load_markdown,
    ".txt": load_markdown,
    ".html": load_html,
    ".htm": load_html,
    ".json": load_json_catalogue,
}


def load_file(path: Path, root: Path, max_bytes: int, defaults: IngestDefaults | None = None) -> list[Document]:
    """Dispatch on the suffix; unsupported types are a BadDocumentError too."""
    loader = LOADERS.get(path.suffix.lower())
    if loader is None:
        raise BadDocumentError(f"unsupported file type {path.suffix or '(none)'}")
    return loader(path, root, max_bytes, defaults)


def html_to_markdown(tree: Any, within: str = "", lead: list[str] | None = None) -> str:
    """Headings, paragraphs and list items of an lxml tree as Markdown-like lines.

    Scripts, styles and templates are dropped first (they are never content); a page without
    any such element falls back to all its text. ``lead`` lines go first (a ``<title>``).
    Ingestion and ``copydesk check`` read HTML through this one function, so a page is split
    into the same sentences whether it is a source or a text being checked.
    """
    for bad in tree.xpath("//script|//style|//noscript|//template"):
        bad.drop_tree()
    lines: list[str] = list(lead or [])
    for element in tree.xpath(f"{within}//*[self::h1 or self::h2 or self::h3 or self::h4 or self::p or self::li]"):
        content = " ".join(element.text_content().split())
        if not content:
            continue
        if element.tag in {"h1", "h2", "h3", "h4"}:
            lines.append("\n" + "#" * int(element.tag[1]) + " " + content + "\n")
        elif element.tag == "li":
            lines.append(f"- {content}")
        else:
            lines.append(content + "\n")
    return "\n".join(lines) if lines else " ".join(tree.text_content().split())
