"""Claim-level fact-checking of drafts against their cited chunks and the approved corpus.

Exact-match rules for numbers, prices, units, product names and attribute values;
entailment (deterministic lexical+embedding, or an LLM judge) for the rest.
"""

from tools.factcheck.checker import FactChecker, Search
from tools.factcheck.entailment import Entailer, Entailment, LexicalEntailer
from tools.factcheck.evidence import EvidenceCandidate
from tools.factcheck.llm import Judge, LLMEntailer, make_judge
from tools.factcheck.models import Claim, ClaimVerdict, EvidenceSpan, Verdict
from tools.factcheck.rules import ContradictionRules


def clear_caches() -> None:
    """Forget the memoised name and quantity scans (benchmarks that must measure a cold check)."""
    from tools.factcheck.names import _find_names
    from tools.factcheck.quantities import _find_quantities

    _find_names.cache_clear()
    _find_quantities.cache_clear()


__all__ = [
    "Claim",
    "ClaimVerdict",
    "ContradictionRules",
    "Entailer",
    "Entailment",
    "EvidenceCandidate",
    "EvidenceSpan",
    "FactChecker",
    "Judge",
    "LLMEntailer",
    "LexicalEntailer",
    "Search",
    "Verdict",
    "clear_caches",
    "make_judge",
]
