"""Tokenising and stemming for the lexical support score (PyStemmer, German and English).

Stemming lets "Garantie"/"Garantien" or "increases"/"increased" count as the same word
without a model; stopwords are dropped so that overlap measures content, not grammar.
"""

from __future__ import annotations

import re
from functools import lru_cache

import Stemmer

from tools.factcheck.lexicon import STOPWORDS

_TOKEN = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*", re.UNICODE)


@lru_cache(maxsize=4)
def _stemmer(language: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer("german" if language == "de" else "english")


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens, hyphenated compounds kept whole."""
    return [t.lower() for t in _TOKEN.findall(text)]


def content_stems(text: str, language: str = "en") -> list[str]:
    """Stems of the content words of ``text`` (stopwords removed), in order."""
    stemmer = _stemmer(language)
    return [stemmer.stemWord(t) for t in tokens(text) if t not in STOPWORDS]


def stem(word: str, language: str = "en") -> str:
    """One word's stem."""
    return str(_stemmer(language).stemWord(word.lower()))
