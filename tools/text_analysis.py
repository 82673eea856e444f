"""Keyword analysis for BM25: tokenise, lowercase, drop stop words, Snowball-stem, per language.

Each chunk is analysed with its own language, and the resulting terms are
namespaced by language (``en:market``, ``de:markt``). That keeps an English stem
from accidentally matching a German one, and lets a query with no language filter
be analysed both ways and matched against each half of the corpus with the right
stemmer. PyStemmer objects are not thread-safe, so each thread gets its own.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable

import Stemmer
from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_GERMAN

LANGUAGES: tuple[str, ...] = ("de", "en")
_STEMMER_NAMES = {"de": "german", "en": "english"}
_STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset(STOPWORDS_EN),
    "de": frozenset(STOPWORDS_GERMAN),
}
_TOKEN = re.compile(r"\w+", re.UNICODE)
_local = threading.local()


def _stemmer(language: str) -> Stemmer.Stemmer:
    stemmers: dict[str, Stemmer.Stemmer] | None = getattr(_local, "stemmers", None)
    if stemmers is None:
        stemmers = {}
        _local.stemmers = stemmers
    stemmer = stemmers.get(language)
    if stemmer is None:
        stemmer = Stemmer.Stemmer(_STEMMER_NAMES[language])
        stemmers[language] = stemmer
    return stemmer


def tokenize(text: str) -> list[str]:
    """Lowercased word tokens (Unicode letters and digits; umlauts and ß stay intact)."""
    return _TOKEN.findall(text.lower())


def analyze(text: str, language: str) -> list[str]:
    """Stemmed, stop-word-free terms of ``text``, each prefixed with its language namespace."""
    if language not in _STEMMER_NAMES:
        raise ValueError(f"unsupported language {language!r}; expected one of {LANGUAGES}")
    stop = _STOPWORDS[language]
    words = [w for w in tokenize(text) if w not in stop and w != "_"]
    prefix = f"{language}:"
    return [prefix + stem for stem in _stemmer(language).stemWords(words)]


def analyze_query(text: str, languages: Iterable[str] | None = None) -> list[str]:
    """Unique query terms for the given languages (default: all), preserving first-seen order."""
    seen: dict[str, None] = {}
    for language in languages or LANGUAGES:
        for term in analyze(text, language):
            seen.setdefault(term, None)
    return list(seen)
