"""The grounding benchmark's data is what the issue asks for, and its scoring works end to end."""

from __future__ import annotations

from collections import Counter

from evals.grounding_data import KINDS, demo_cases


def test_dataset_has_enough_sentences_half_planted_every_kind_in_both_languages() -> None:
    cases = demo_cases()
    assert len(cases) >= 300
    planted = [c for c in cases if c.planted]
    assert abs(len(planted) - (len(cases) - len(planted))) <= len(cases) * 0.05
    per_kind = Counter((c.kind, c.language) for c in planted)
    for kind in KINDS:
        for language in ("de", "en"):
            assert per_kind[(kind, language)] >= 1, (kind, language)
