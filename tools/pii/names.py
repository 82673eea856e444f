"""First-name lexicon for the German (and English) person recognizers.

No German spaCy NER model is installable here, so German person detection relies on
context rules (honorifics, greetings, signatures) plus this lexicon: a capitalised
token that is a known first name and is followed by another capitalised token is very
likely a full name. The list is the ~45,000-name ``nam_dict.txt`` shipped by the PyPI
package ``gender-guesser`` (Jörg Michael's name dictionary, GFDL), which records
per-country popularity. It is *not* Faker's list, so the German evaluation set (made
with Faker) is not graded against the recognizer's own vocabulary.
"""

from __future__ import annotations

import threading
from importlib import resources


def _words(text: str) -> list[str]:
    """Split a whitespace-separated word list (keeps long lists readable)."""
    return text.split()


# Column order of the per-country frequency table in nam_dict.txt (starts at column 30).
_COUNTRIES = _words(
    "great_britain ireland usa italy malta portugal spain france belgium luxembourg "
    "the_netherlands east_frisia germany austria swiss iceland denmark norway sweden finland "
    "estonia latvia lithuania poland czech_republic slovakia hungary romania bulgaria bosniaand "
    "croatia kosovo macedonia montenegro serbia slovenia albania greece russia belarus moldova "
    "ukraine armenia azerbaijan georgia the_stans turkey arabia israel china india japan korea "
    "vietnam other_countries "
)

# Countries whose names turn up in German and English marketing/CRM text.
_RELEVANT = frozenset(
    _words(
        "great_britain ireland usa italy spain france the_netherlands germany austria swiss poland "
        "turkey russia denmark sweden norway portugal greece croatia serbia czech_republic hungary india "
        "east_frisia belgium "
    )
)

# Capitalised words that follow a greeting, honorific or label but are not names
# ("Hallo Team", "Liebe Kundin", "Ihr Service"). Lower-case comparison.
STOP_NAMES = frozenset(
    _words(
        "me my to can of inc ltd royal union route investments capital orchestra "
        "alle allen am an auf aus bei bis da dank danke das dem den der des die du ein eine er es "
        "für gut hier ich ihr ihre im in ist ja kann mit nach nein neu neue nur oder so sie sonne "
        "team uns und vom von vor was wer wie wir zu zum zur über liebe lieber herr frau hallo "
        "hello dear hi hey best kind regards thanks cheers sale black friday summer winter autumn "
        "spring sunny star king queen prince duke earl lord major china paris london berlin mode "
        "modell premium plus pro mini ultra smart home office garten haus auto bank post kunde "
        "kundin service support shop online angebot preis rabatt gratis summe total order "
        "bestellung lieferung rechnung ihnen euch dich dir mich mir sehr viele beste herzliche "
        "grüße gruß mfg vg lg new the and for with your our you all free more green white brown "
        "young long short little small grand city camp park ring street way hall zusammen leute "
        "freunde leser leserin leserinnen kunden kundinnen abonnenten community everyone there "
        "folks customer customers friends readers sir madam meine meiner bitte klare klar dr prof professor "
        "kundenservice technischer technische buchhaltung vertrieb schöne frohe danke "
    )
)

# Words that are first names somewhere but, in product copy, are mostly ordinary words
# ("Pro Max", "May Sale", "Mark as read"). Excluded from the lexicon only: after a
# greeting ("Hallo Max,") the cue rules still accept them.
AMBIGUOUS_NAMES = frozenset(
    _words(
        "max will may june april august mark grace hope joy faith rose page bill pat sue art lane "
        "dale glen cliff wade chase hunter ray sky summer autumn ginger "
    )
)

_lock = threading.Lock()
_lexicon: frozenset[str] | None = None


def _parse() -> frozenset[str]:
    """Read nam_dict.txt once; keep names seen at least rarely in a relevant country."""
    wanted = [i for i, c in enumerate(_COUNTRIES) if c in _RELEVANT]
    names: set[str] = set()
    excluded = STOP_NAMES | AMBIGUOUS_NAMES
    data = resources.files("gender_guesser").joinpath("data/nam_dict.txt")
    with data.open(encoding="utf-8") as handle:
        for line in handle:
            if not line or line[0] in "#=":
                continue
            parts = line.split()
            if len(parts) < 2:
                continue
            freqs = line[30:]
            score = 0
            for i in wanted:
                if i < len(freqs) and freqs[i].strip():
                    try:
                        score = max(score, int(freqs[i], 16))
                    except ValueError:
                        continue
            if score < 1:
                continue
            raw = parts[1]
            variants = {raw.replace("+", r) for r in ("", " ", "-")} if "+" in raw else {raw}
            for name in variants:
                if len(name) >= 2 and name.lower() not in excluded:
                    names.add(name.lower())
    return frozenset(names)


def first_names() -> frozenset[str]:
    """The lower-cased first-name lexicon, loaded lazily once per process."""
    global _lexicon
    if _lexicon is None:
        with _lock:
            if _lexicon is None:
                try:
                    _lexicon = _parse()
                except (ModuleNotFoundError, FileNotFoundError):  # package missing: rules still work
                    _lexicon = frozenset()
    return _lexicon


def is_first_name(token: str) -> bool:
    """Whether ``token`` (any case) is a known first name; hyphenated names count per part."""
    lex = first_names()
    low = token.lower()
    if low in lex:
        return True
    if "-" in low:
        parts = [p for p in low.split("-") if p]
        return bool(parts) and all(p in lex for p in parts)
    return False
