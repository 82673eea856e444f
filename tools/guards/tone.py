"""Tone and length per channel: word/character limits, exclamation marks, ALL-CAPS, "du".

Limits are data (:class:`tools.channels.GuardLimits`), because every brand sets its own;
each channel's defaults, what ad platforms and editors usually enforce, are part of its
spec (:func:`tools.channels.channel_spec`), so this module keeps no channel list. Character
limits block (a platform rejects an over-long ad); the rest warn, because an editor may
decide otherwise.
"""

from __future__ import annotations

import re

from tools.channels import GuardLimits
from tools.guards.findings import GuardFinding, excerpt_of

_WORD = re.compile(r"[\w'’-]+", re.UNICODE)
_CAPS = re.compile(r"(?<![\w<])[A-ZÄÖÜ]{4,}(?![\w>])")
_ACRONYMS = frozenset(
    str.split(
        "HTML HTTP HTTPS JSON HDMI USB LED OLED QLED DSGVO GDPR IBAN NASA UNESCO FAQ FAQS EUR USD "
        "CEO CTO B2B B2C ISBN GTIN SKU WLAN WIFI NFC GPS RGB UHD FHD HDR AMOLED LTE SEPA PDF ASAP "
        "NATO ADAC TÜV DEKRA DIN ISO ABS SUV IPHONE RAM SSD HDD "
    )
)
_DU = re.compile(r"\b(?:du|dich|dir|dein|deine|deinen|deinem|deiner|deines)\b")
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]?")


def check_tone(text: str, channel: str, language: str, limits: GuardLimits) -> list[GuardFinding]:
    """Findings for every limit ``text`` exceeds in ``channel``."""
    out: list[GuardFinding] = []
    words = list(_WORD.finditer(text))
    n = len(words)
    if limits.max_words is not None and n > limits.max_words:
        cut = words[limits.max_words].start()
        out.append(
            GuardFinding(
                "tone_length",
                "warn",
                f"{n} words; {channel} allows at most {limits.max_words}",
                cut,
                len(text),
                excerpt_of(text, cut, len(text), 80),
            )
        )
    if limits.min_words is not None and n < limits.min_words:
        out.append(
            GuardFinding(
                "tone_length",
                "warn",
                f"{n} words; {channel} needs at least {limits.min_words}",
                0,
                len(text),
                excerpt_of(text, 0, len(text), 80),
            )
        )
    if limits.max_chars is not None and len(text) > limits.max_chars:
        out.append(
            GuardFinding(
                "tone_length",
                "block",
                f"{len(text)} characters; {channel} allows at most {limits.max_chars}",
                limits.max_chars,
                len(text),
                excerpt_of(text, limits.max_chars, len(text), 80),
            )
        )
    if limits.max_exclamations is not None:
        marks = [m.start() for m in re.finditer("!", text)]
        if len(marks) > limits.max_exclamations:
            first = marks[limits.max_exclamations]
            out.append(
                GuardFinding(
                    "tone_exclamation",
                    "warn",
                    f"{len(marks)} exclamation marks; {channel} allows {limits.max_exclamations}",
                    first,
                    marks[-1] + 1,
                    excerpt_of(text, max(0, first - 30), first + 1),
                )
            )
    if limits.max_caps_words is not None:
        shouting = [m for m in _CAPS.finditer(text) if m.group(0).upper() not in _ACRONYMS]
        if len(shouting) > limits.max_caps_words:
            for m in shouting:
                out.append(GuardFinding("tone_caps", "warn", "ALL-CAPS shouting", m.start(), m.end(), m.group(0)))
    if limits.max_sentence_words is not None:
        for m in _SENTENCE.finditer(text):
            count = len(_WORD.findall(m.group(0)))
            if count > limits.max_sentence_words:
                out.append(
                    GuardFinding(
                        "tone_sentence",
                        "warn",
                        f"sentence of {count} words (max {limits.max_sentence_words})",
                        m.start(),
                        m.end(),
                        excerpt_of(text, m.start(), m.end(), 80),
                    )
                )
    if limits.formal_address and language == "de":
        for m in _DU.finditer(text):
            out.append(
                GuardFinding(
                    "tone_address",
                    "warn",
                    "informal 'du' where the brand addresses customers as 'Sie'",
                    m.start(),
                    m.end(),
                    m.group(0),
                )
            )
    return out
