"""Limits and checks that keep a hostile file from escaping, exhausting memory or hiding text.

Ingestion reads files many people wrote. Each check here turns an attack into a
:class:`~tools.ingest.loaders.BadDocumentError` (the file is reported by name and
skipped) or a warning (the file is cleaned and the report says how):

* document ids: a safe character set, no path separators, no ``..``; every path the
  ingester writes or deletes is resolved and must stay inside its folder
  (:func:`validate_document_id`, :func:`contained_path`);
* YAML front matter: a size cap and *no* anchors or aliases, checked on the parser's
  event stream before anything is constructed (a 470-byte alias bomb expands to
  gigabytes once serialised; refusing aliases stops it at zero cost);
* JSON catalogues: a size cap and a nesting-depth cap checked by a scan of the raw text
  before ``json.loads`` (deep nesting otherwise raises ``RecursionError``);
* NUL bytes anywhere reject the file; other control and bidi characters are removed and
  reported (:func:`inspect_text`);
* symlinks are followed only when their target stays inside the ingested folder, and a
  symlink loop is reported (:func:`discover`);
* HTML and Markdown comments are stripped at ingest (they are invisible to readers and a
  favourite place for instructions to the model): :func:`strip_comments`.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DOCUMENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,159}$")
MAX_FRONT_MATTER_BYTES = 32_000
MAX_JSON_DEPTH = 32
MAX_JSON_BYTES = 5_000_000
MAX_CHUNKS_PER_DOCUMENT = 2_000
MAX_METADATA_DEPTH = 8
MAX_METADATA_ITEMS = 2_000

# Characters that are never legitimate in a document's text: C0/C1 controls (except tab
# and line breaks), and bidi overrides that reorder what a reader sees.
_KEEP_CONTROLS = frozenset("\n\t\r\f")


class UnsafeInputError(ValueError):
    """Raised by the checks; the pipeline reports it like any other bad file."""


def validate_document_id(value: str) -> str:
    """``value`` if it is a safe document id, else :class:`UnsafeInputError`.

    Ids name files (guidelines, quarantine records) and chunk ids, so they must never
    carry a path: letters, digits, ``.``, ``_``, ``-``; starting with a letter or digit;
    at most 160 characters; no ``..``.
    """
    if not DOCUMENT_ID.fullmatch(value) or ".." in value:
        shown = value if len(value) < 80 else value[:77] + "..."
        raise UnsafeInputError(
            f"invalid document id {shown!r}: use letters, digits, '.', '_' and '-' only (no path separators, no '..')"
        )
    return value


def contained_path(base: Path, name: str, suffix: str = "") -> Path:
    """``base / (name + suffix)`` resolved, or :class:`UnsafeInputError` when it leaves ``base``."""
    root = base.resolve()
    target = (root / f"{name}{suffix}").resolve()
    if target.parent != root:
        raise UnsafeInputError(f"refusing to touch {name!r}: the path would leave {base}")
    return target


# --- text -------------------------------------------------------------------------------------


def _is_bad_control(ch: str) -> bool:
    if ch in _KEEP_CONTROLS:
        return False
    cat = unicodedata.category(ch)
    return cat == "Cc" or (cat == "Cf" and ch not in "\u00ad\u200b\u200c\u200d\u2060\ufeff")


def inspect_text(text: str) -> tuple[str, list[str]]:
    """Refuse NUL bytes; remove other control/bidi characters and say how many.

    Returns the cleaned text and warnings. Zero-width and soft-hyphen characters are left
    to :mod:`tools.textnorm` (matching) and the loaders' normaliser, because they occur in
    honest text too.
    """
    nul = text.find("\x00")
    if nul != -1:
        raise UnsafeInputError(f"NUL byte at character {nul:,}: binary or tampered file")
    bad = [i for i, ch in enumerate(text) if _is_bad_control(ch)]
    if not bad:
        return text, []
    kinds = sorted({f"U+{ord(text[i]):04X}" for i in bad})
    cleaned = "".join(ch for ch in text if not _is_bad_control(ch))
    shown = ", ".join(kinds[:6]) + (" ..." if len(kinds) > 6 else "")
    return cleaned, [f"removed {len(bad)} control character(s) ({shown}), first at character {bad[0]:,}"]


def clean_value(value: Any, depth: int = 0, budget: list[int] | None = None) -> Any:
    """Metadata with control characters removed from every string, bounded in depth and size."""
    budget = budget if budget is not None else [MAX_METADATA_ITEMS]
    budget[0] -= 1
    if budget[0] < 0:
        raise UnsafeInputError(f"metadata too large (more than {MAX_METADATA_ITEMS} values)")
    if depth > MAX_METADATA_DEPTH:
        raise UnsafeInputError(f"metadata nested deeper than {MAX_METADATA_DEPTH} levels")
    if isinstance(value, str):
        if "\x00" in value:
            raise UnsafeInputError("NUL byte in metadata")
        return "".join(ch for ch in value if not _is_bad_control(ch))
    if isinstance(value, dict):
        return {str(clean_value(k, depth + 1, budget)): clean_value(v, depth + 1, budget) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean_value(v, depth + 1, budget) for v in value]
    return value


# --- comments ---------------------------------------------------------------------------------

_HTML_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
# Markdown "comments": link reference definitions to "#" or "//" that never render.
_MD_COMMENT = re.compile(
    r"(?m)^[ \t]{0,3}\[(?://|comment|#)\]:[ \t]*(?:#|<>)?[ \t]*(?:\((.*)\)|\"(.*)\"|'(.*)')[ \t]*$"
)


def strip_comments(text: str) -> tuple[str, list[str]]:
    """Text without HTML comments and Markdown comment lines, plus the removed comment texts."""
    removed: list[str] = []

    def drop(m: re.Match[str]) -> str:
        removed.append(m.group(0))
        return " " if m.re is _HTML_COMMENT else ""

    text = _HTML_COMMENT.sub(drop, text)
    text = _MD_COMMENT.sub(drop, text)
    return text, removed


# --- YAML front matter ------------------------------------------------------------------------


def load_front_matter(source: str) -> Any:
    """``yaml.safe_load`` with a size cap and anchors/aliases refused before construction."""
    size = len(source.encode("utf-8"))
    if size > MAX_FRONT_MATTER_BYTES:
        raise UnsafeInputError(f"front matter too large: {size:,} bytes (limit {MAX_FRONT_MATTER_BYTES:,})")
    for event in yaml.parse(source, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise UnsafeInputError("front matter uses YAML anchors/aliases (&, *), which copydesk refuses")
    return yaml.safe_load(source)


# --- JSON -------------------------------------------------------------------------------------


def json_depth(text: str) -> int:
    """The deepest nesting of ``[``/``{`` in JSON ``text``, ignoring brackets inside strings."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def check_json(text: str) -> None:
    """Refuse JSON too large or too deep to parse safely (before ``json.loads`` recurses)."""
    size = len(text.encode("utf-8"))
    if size > MAX_JSON_BYTES:
        raise UnsafeInputError(f"JSON too large: {size:,} bytes (limit {MAX_JSON_BYTES:,})")
    depth = json_depth(text)
    if depth > MAX_JSON_DEPTH:
        raise UnsafeInputError(f"JSON nested {depth:,} levels deep (limit {MAX_JSON_DEPTH})")


# --- discovery --------------------------------------------------------------------------------


@dataclass
class Discovery:
    """Files to ingest plus the entries refused (path relative to the root, reason)."""

    files: list[Path] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)


def _hidden(rel: Path) -> bool:
    return any(part.startswith((".", "_")) for part in rel.parts)


def discover(path: Path) -> Discovery:
    """Walk ``path`` without following symlinks out of it; loops and escapes are reported.

    A symlinked *file* whose target lies inside the folder is ingested; a symlinked
    folder is never descended into (its target is either inside the folder already, or
    outside it), and says so in the report.
    """
    found = Discovery()
    if not path.exists() and not path.is_symlink():
        raise FileNotFoundError(f"nothing to ingest: {path} does not exist")
    if path.is_file():
        found.files.append(path)
        return found
    root = path.resolve()
    for current, dirs, files in os.walk(path, followlinks=False):
        here = Path(current)
        for name in sorted(dirs):
            entry = here / name
            rel = entry.relative_to(path)
            if entry.is_symlink() and not _hidden(rel):
                found.refused.append((rel.as_posix(), _symlink_reason(entry, root, folder=True)))
        dirs[:] = sorted(d for d in dirs if not (here / d).is_symlink() and not d.startswith((".", "_")))
        for name in sorted(files):
            entry = here / name
            rel = entry.relative_to(path)
            if _hidden(rel):
                continue
            if entry.is_symlink():
                reason = _symlink_reason(entry, root, folder=False)
                if reason:
                    found.refused.append((rel.as_posix(), reason))
                    continue
            found.files.append(entry)
    found.files.sort()
    return found


def _symlink_reason(entry: Path, root: Path, *, folder: bool) -> str:
    """Why a symlink is not followed ('' when a file link stays inside ``root``)."""
    try:
        target = entry.resolve(strict=True)
    except (RuntimeError, OSError) as exc:
        if isinstance(exc, RuntimeError) or getattr(exc, "errno", None) == 40 or "loop" in str(exc).lower():
            return "symlink loop"
        return "broken symlink"
    if not target.is_relative_to(root):
        return "symlink points outside the ingested folder; not followed"
    if folder:
        return "symlinked folder not followed (its target is already inside the ingested folder)"
    return ""


# --- warnings collected while one file is read ------------------------------------------------

_warnings: ContextVar[list[str] | None] = ContextVar("copydesk_ingest_warnings", default=None)


@contextmanager
def collect_warnings() -> Iterator[list[str]]:
    """Collect the warnings :func:`warn` raises while one file is loaded (the report lists them)."""
    bucket: list[str] = []
    token = _warnings.set(bucket)
    try:
        yield bucket
    finally:
        _warnings.reset(token)


def warn(message: str) -> None:
    """Record a warning for the file being loaded (dropped when nobody collects)."""
    bucket = _warnings.get()
    if bucket is not None and message not in bucket:
        bucket.append(message)


def warn_injection(where: str, text: str) -> bool:
    """Warn when ``text`` carries instructions to a model; True when it does."""
    from tools.guards.injection import detect_injection  # guards are heavy; only loaded when text needs it

    findings = [f for f in detect_injection(text) if f.severity == "block"]
    if findings:
        warn(f"instructions to the model in the {where}: {findings[0].reason}")
    return bool(findings)
