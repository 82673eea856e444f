"""Planted-error benchmark: recall of wrong prices, numbers and attributes in a fictional draft.

The product source and the draft live in ``tests/unit/test_factcheck_planted.py`` (one
source of truth for the test and this figure); run from the repository root:
``.venv/bin/python -m evals.factcheck_planted``.
"""

from __future__ import annotations


def main() -> int:
    """Print recall on planted errors, the share of correct claims supported, and every verdict."""
    import sys
    from pathlib import Path

    root = str(Path(__file__).resolve().parents[1])  # the test module lives beside evals/
    if root not in sys.path:
        sys.path.insert(0, root)
    from tests.unit.test_factcheck_planted import (
        CORRECT_CLAIMS,
        PLANTED_ERRORS,
        PRODUCT_CHUNKS,
        checker,
        planted_recall,
    )
    from tools.factcheck import Claim

    fc = checker()
    print(f"fictional source: {len(PRODUCT_CHUNKS)} chunks; draft: {len(PLANTED_ERRORS)} planted errors, "
          f"{len(CORRECT_CLAIMS)} correct claims")  # fmt: skip
    rows = [(t, ids, lang, True) for t, ids, lang, _ in PLANTED_ERRORS]
    rows += [(t, ids, lang, False) for t, ids, lang in CORRECT_CLAIMS]
    for text, ids, language, planted in rows:
        verdict = fc.check([Claim(text=text, chunk_ids=ids)], PRODUCT_CHUNKS, language=language)[0]
        mark = "planted" if planted else "correct"
        print(f"  [{mark}] {verdict.verdict:<12} {text}\n      reason: {verdict.reason}")
    recall, supported, failures = planted_recall()
    print(f"planted-error recall: {recall:.3f}; correct claims supported: {supported:.3f}")
    for failure in failures:
        print(f"  FAIL {failure}")
    return 0 if not failures else 1


if __name__ == "__main__":
    raise SystemExit(main())
