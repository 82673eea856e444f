"""Strip markup from untrusted text (briefs, source chunks, model output).

The HTML renderer escapes everything it prints; this is the second line of defence, so
that no ``<script>``, event handler or ``javascript:`` URL from a brief or a model
survives as *active* content in any store, prompt or export. It works on plain text:
tags are removed rather than escaped, entity-encoded tags are decoded and removed too,
and the pseudonym placeholders of :mod:`tools.pii` (``<PERSON_1>``) are kept.
"""

from __future__ import annotations

import html
import re

from tools.textnorm import INVISIBLE

_PLACEHOLDER = re.compile(r"<([A-Z][A-Z]*(?:_[A-Z]+)*_\d+|[A-Z]+_[A-Z_]+|PERSON|ADDRESS|LOCATION)>")
_BLOCKS = re.compile(
    r"<\s*(script|style|iframe|object|embed|noscript|template|svg|math)\b[^>]*>.*?<\s*/\s*\1\s*>",
    re.IGNORECASE | re.DOTALL,
)
_UNCLOSED_BLOCK = re.compile(r"<\s*(script|style|iframe|object|embed|svg)\b.*", re.IGNORECASE | re.DOTALL)
_COMMENT = re.compile(r"<!--.*?(-->|$)", re.DOTALL)
_CDATA = re.compile(r"<!\[CDATA\[.*?(\]\]>|$)", re.DOTALL)
_TAG = re.compile(r"<\s*/?\s*[a-zA-Z!?][^<>]*>")
_DANGLING_TAG = re.compile(r"<(?=\s*/?\s*[a-zA-Z!?])")  # a "<" that would open a tag: drop the "<"
_SCHEME = re.compile(r"(?i)\b(?:javascript|vbscript|livescript)\s*:|\bdata\s*:\s*text/html[^\s)]*")
_HANDLER = re.compile(r"(?i)\bon[a-z]{3,20}\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>]+)")
_ZERO_WIDTH = re.compile("[" + "".join(sorted(INVISIBLE)) + "]")


def _strip_once(text: str) -> str:
    placeholders: list[str] = []

    def keep(m: re.Match[str]) -> str:
        placeholders.append(m.group(0))
        return f"\x00{len(placeholders) - 1}\x00"

    text = _PLACEHOLDER.sub(keep, text)
    text = _COMMENT.sub(" ", text)
    text = _CDATA.sub(" ", text)
    text = _BLOCKS.sub(" ", text)
    text = _UNCLOSED_BLOCK.sub(" ", text)
    text = _TAG.sub(" ", text)
    text = _DANGLING_TAG.sub("", text)
    text = _HANDLER.sub(" ", text)
    text = _SCHEME.sub("", text)
    return re.sub("\x00(\\d+)\x00", lambda m: placeholders[int(m.group(1))], text)


def sanitize_text(text: str) -> str:
    """Plain text without markup, scripts, event handlers, script URLs or zero-width characters.

    Entity-encoded markup (``&lt;script&gt;``) is decoded and stripped as well, repeatedly
    until stable, so double encoding does not smuggle a tag through.
    """
    current = _ZERO_WIDTH.sub("", text)
    for _ in range(5):
        stripped = _strip_once(current)
        decoded = html.unescape(stripped)
        if decoded == current:
            break
        current = decoded
    current = _strip_once(current)
    current = re.sub(r"[ \t]{2,}", " ", current)
    return re.sub(r" *\n *", "\n", current).strip()


def has_markup(text: str) -> bool:
    """Whether ``text`` contains anything :func:`sanitize_text` would remove (besides spacing)."""
    normal = re.sub(r"\s+", " ", text).strip()
    return re.sub(r"\s+", " ", sanitize_text(text)).strip() != normal
