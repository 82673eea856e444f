"""Ingest-time defaults for files that carry no metadata of their own.

A shop's manuals rarely have front matter. ``copydesk ingest PATH --approve --language en
--doc-type product_page --product-id-from heading`` fills what a file leaves unsaid; whatever
a file's own metadata says (front matter, meta tags, a catalogue's ``metadata``) always wins,
because the author of a document knows it better than the person running the import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

ProductIdSource = Literal["filename", "heading"]
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)


def first_heading(body: str) -> str | None:
    """The text of the first Markdown heading (``# Title``), or ``None``."""
    match = _HEADING.search(body)
    return match.group(1).strip() if match else None


def product_id_from_filename(path: Path) -> str:
    """``lum-ap-3.de.md`` → ``lum-ap-3``: the name up to its first dot (language and version tags follow it)."""
    return path.name.split(".", 1)[0]


def product_id_from_heading(body: str) -> str | None:
    """The product id a heading names: its last token that holds a digit ("... item_number: 12" → ``12``,
    "TrailMaster X4 Tent" → ``X4``); a heading without such a token names no id."""
    heading = first_heading(body)
    if not heading:
        return None
    tokens = [t.strip(".,;:()[]\"'") for t in re.split(r"[\s:]+", heading)]
    with_digit = [t for t in tokens if t and any(ch.isdigit() for ch in t)]
    return with_digit[-1] if with_digit else None


@dataclass(frozen=True)
class IngestDefaults:
    """What to assume for a file whose metadata is silent."""

    approve: bool = False
    language: Literal["de", "en"] | None = None
    doc_type: str | None = None
    product_id_from: ProductIdSource | None = None

    def metadata_for(self, path: Path, body: str) -> dict[str, Any]:
        """Default metadata for one file; the caller lays the file's own metadata over it."""
        meta: dict[str, Any] = {}
        if self.approve:
            meta["approval_status"] = "approved"
        if self.language:
            meta["language"] = self.language
        if self.doc_type:
            meta["doc_type"] = self.doc_type
        if self.product_id_from == "filename":
            meta["product_ids"] = [product_id_from_filename(path)]
        elif self.product_id_from == "heading":
            found = product_id_from_heading(body)
            if found:
                meta["product_ids"] = [found]
        return meta

    def apply(self, meta: dict[str, Any], path: Path, body: str) -> dict[str, Any]:
        """``meta`` with the defaults filled in where it says nothing; an explicit value, even an empty
        ``product_ids: []``, is the file's decision and stays."""
        merged = self.metadata_for(path, body)
        merged.update({k: v for k, v in meta.items() if v is not None})
        return merged
