"""Time ``GuardSuite.check_draft`` on a 1,000-word draft: cold (first call) and warm.

Target: guards add at most 300 ms to a 1,000-word draft on two cores (warm). Cold
includes importing guardrails/Presidio and loading the spaCy pipeline, a once-per-process
cost. Run: ``python -m evals.guards_bench [--language de] [--repeats 10]``.
"""

from __future__ import annotations

import argparse
import statistics
import time

_SENTENCES_DE = [
    "Die Trekkingjacke Alpin Pro wiegt nur 450 Gramm und lässt sich klein verpacken.",
    "Ihre dreilagige Membran hält bei Regen trocken und gibt Wasserdampf nach außen ab.",
    "Verstellbare Bündchen und eine helmtaugliche Kapuze sorgen für guten Sitz.",
    "Frau Anna Schmidt aus unserem Service beantwortet Fragen unter 030 1234567.",
    "Die Jacke ist in fünf Farben und den Größen S bis XXL erhältlich.",
]
_SENTENCES_EN = [
    "The Alpin Pro trekking jacket weighs only 450 grams and packs down small.",
    "Its three-layer membrane keeps you dry in the rain and lets vapour escape.",
    "Adjustable cuffs and a helmet-compatible hood give a secure fit.",
    "Anna Smith from our service team answers questions on (555) 123-4567.",
    "The jacket comes in five colours and sizes S to XXL.",
]


def make_draft(language: str, words: int = 1000) -> str:
    """A realistic draft of about ``words`` words, with some PII and a banned term in it."""
    pool = _SENTENCES_DE if language == "de" else _SENTENCES_EN
    out: list[str] = []
    count = 0
    i = 0
    while count < words:
        sentence = pool[i % len(pool)]
        out.append(sentence)
        count += len(sentence.split())
        i += 1
    out.insert(3, "Garantiert wasserdicht!" if language == "de" else "Guaranteed waterproof!")
    return " ".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--language", choices=["en", "de"], default="de")
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--channel", default="seo_article")
    args = parser.parse_args(argv)

    draft = make_draft(args.language)
    sources = [" ".join(_SENTENCES_DE[:3] if args.language == "de" else _SENTENCES_EN[:3]) * 3]
    t0 = time.perf_counter()
    from tools.guards import GuardSuite

    suite = GuardSuite()
    t1 = time.perf_counter()
    findings = suite.check_draft(draft, channel=args.channel, language=args.language, sources=sources)
    t2 = time.perf_counter()
    warm = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        suite.check_draft(draft, channel=args.channel, language=args.language, sources=sources)
        warm.append(time.perf_counter() - start)
    print(
        f"draft: {len(draft.split())} words, language {args.language}, channel {args.channel}, {len(findings)} findings"
    )
    print(f"cold: import+construct {1000 * (t1 - t0):.0f} ms, first check_draft {1000 * (t2 - t1):.0f} ms")
    print(
        f"warm check_draft over {args.repeats} runs: median {1000 * statistics.median(warm):.0f} ms, "
        f"max {1000 * max(warm):.0f} ms (target <= 300 ms)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
