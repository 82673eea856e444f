"""Verbatim copying from source documents: the longest shared token runs, with their spans.

A draft may *use* the approved sources, but long verbatim runs are plagiarism of the
company's own (or a partner's) text, and hurt SEO as duplicate content. Runs of at
least ``min_tokens`` identical word tokens (case- and punctuation-insensitive) are
reported; a run twice that long, or copied text making up most of the draft, blocks.
Implemented with hashed token n-grams: linear in draft + sources, fast on 2 cores.
"""

from __future__ import annotations

import re

from tools.guards.findings import GuardFinding, Severity, excerpt_of

_TOKEN = re.compile(r"\w+", re.UNICODE)
# Which channels block on copied passages (duplicate content that search engines penalise)
# is the channel spec's ``verbatim_copy`` (tools.channels), applied by VerbatimCopyValidator.


def _tokens(text: str) -> list[re.Match[str]]:
    return list(_TOKEN.finditer(text))


def check_copying(text: str, sources: list[str], min_tokens: int = 12, block_ratio: float = 0.5) -> list[GuardFinding]:
    """Findings for each maximal run of >= ``min_tokens`` draft tokens found verbatim in a source."""
    if not sources or min_tokens < 1:
        return []
    draft = _tokens(text)
    words = [m.group(0).casefold() for m in draft]
    if len(words) < min_tokens:
        return []
    grams: set[tuple[str, ...]] = set()
    for src in sources:
        sw = [m.group(0).casefold() for m in _tokens(src)]
        grams.update(tuple(sw[i : i + min_tokens]) for i in range(len(sw) - min_tokens + 1))
    covered = [False] * len(words)
    for i in range(len(words) - min_tokens + 1):
        if tuple(words[i : i + min_tokens]) in grams:
            for j in range(i, i + min_tokens):
                covered[j] = True
    findings: list[GuardFinding] = []
    copied_total = sum(covered)
    i = 0
    while i < len(words):
        if not covered[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(words) and covered[j + 1]:
            j += 1
        run = j - i + 1
        start, end = draft[i].start(), draft[j].end()
        severity: Severity = "block" if run >= 2 * min_tokens or copied_total / len(words) >= block_ratio else "warn"
        findings.append(
            GuardFinding(
                "verbatim_copy",
                severity,
                f"{run} consecutive words copied verbatim from a source "
                f"(threshold {min_tokens}; {copied_total}/{len(words)} draft words copied)",
                start,
                end,
                excerpt_of(text, start, end),
            )
        )
        i = j + 1
    return findings


def longest_common_run(text: str, source: str) -> int:
    """Length in tokens of the longest shared token run (for reports and tests)."""
    a = [m.group(0).casefold() for m in _tokens(text)]
    b = [m.group(0).casefold() for m in _tokens(source)]
    best, prev = 0, [0] * (len(b) + 1)
    for x in a:
        cur = [0] * (len(b) + 1)
        for j, y in enumerate(b, 1):
            if x == y:
                cur[j] = prev[j - 1] + 1
                best = max(best, cur[j])
        prev = cur
    return best
