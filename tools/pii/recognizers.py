"""copydesk's own Presidio recognizers: person names from context, street addresses.

Why they exist: German has no spaCy NER model here, and even English NER misses the
names that matter most in CRM text (a lone "Hallo Anna," or a signature line). These
recognizers are deterministic regular expressions plus the first-name lexicon in
:mod:`tools.pii.names` (cues: honorifics, greetings, sign-offs, labels, self-introductions
"My name is", credits "directed by", reported speech "said", chat speaker labels; plus
first name + surname pairs and, in English, lone first names tagged PROPN). Every span
they emit excludes the cue word (honorific, greeting), so the scrubbed text still reads
"Sehr geehrte Frau <PERSON_1>".
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from tools.pii.names import STOP_NAMES, is_first_name

_UPPER = "A-ZÄÖÜÉÈÁÀÓÒÍÚÇÑŁŚŻČŠŽŞĞİĄĘĆŃŹØÅÆ"
_LOWER = "a-zäöüßéèáàóòíìúùçñłśżćńčšžğışœæøåąęźěřůý'"
# A name word, an initial with a period ("J."), or a bare middle initial ("John F Kennedy":
# one capital letter, only when another capitalised word follows).
NAME_TOKEN = (
    rf"(?:[{_UPPER}][{_LOWER}]+(?![{_UPPER}])|[{_UPPER}]\.|[{_UPPER}](?=[ \t]+[{_UPPER}][{_LOWER}]))"
    rf"(?:-[{_UPPER}][{_LOWER}]+)*"
)
PARTICLE = r"(?:von|van|de|der|den|zu|ter|du|da|di|le|la|del|dos|el|al|bin|ibn)"
_NAME_SEQ = re.compile(rf"{NAME_TOKEN}(?:[ \t]+(?:{PARTICLE}[ \t]+)*{NAME_TOKEN}){{0,3}}")
_TOKEN = re.compile(rf"{PARTICLE}|{NAME_TOKEN}")

_HONORIFIC = re.compile(
    r"(?<![\w.])(?:Herrn?|Frau|Fräulein|Familie|Hr\.|Fr\.|Mr\.?|Mrs\.?|Ms\.?|Miss|Mx\.?|Sir|Madam|Dr\.|Prof\.|Dipl\.-Ing\.)"
    r"(?:[ \t]+(?:Dr\.|Prof\.|Professor(?:in)?|med\.|rer\.\s?nat\.|Dipl\.-Ing\.|Ing\.|Mag\.))*[ \t]+"
)
_GREETING = re.compile(
    r"(?i:(?<![\w])(?:hallo|hi|hey|hej|moin|servus|salut|grüß gott|guten (?:morgen|tag|abend)|liebe|lieber"
    r"|hello|dear|good (?:morning|afternoon|evening)|welcome|willkommen|danke|thanks|thank you)),?[ \t]+"
)
_SIGN_OFF = re.compile(
    r"(?i:(?<![\w])(?:viele|beste|liebe|herzliche|freundliche|schöne|sonnige|mit freundlichen|mit besten)"
    r" grüßen?|(?<![\w])(?:gruß|grüße|lg|vg|mfg|herzlich|bis bald|bis dann|ciao|tschüss|danke schön|dankeschön"
    r"|vielen dank|danke|best regards|kind regards|warm regards|regards|best wishes"
    r"|cheers|many thanks|sincerely|yours sincerely|yours truly|yours))[ \t]*[,.!]?[ \t]*\n?[ \t]*"
)
# Self-introductions and naming phrases ("My name is Anna", "call me Jo", "ich heiße Anna").
# The loose ones ("I'm", "called", "named", "ich bin") need a known first name after them.
_INTRO_LOOSE = re.compile(
    r"(?i:(?<![\w])(?:my name is|(?:first|last|maiden|full|real) name is|(?:first|last|maiden) name\?"
    r"|call me|mein name ist|ich heiße|ich heisse|nennt mich|nenn mich))[ \t]+"
)
_INTRO_STRICT = re.compile(r"(?i:(?<![\w])(?:i'm|i am|this is|it's|called|named|ich bin|hier ist|hier spricht))[ \t]+")
# Credits and reported speech: "directed by Jane Doe", "starring Doe", "said Anna to Ben".
_CREDIT = re.compile(
    r"(?i:(?<![\w])(?:directed by|starring|co-starring|written by|produced by|composed by|performed by|featuring"
    r"|said|asked|told|replied|shouted at|yelled at|spoke to|said to|talked to))[ \t]+"
)
# Speaker labels in chat transcripts and scripts: a known first name alone at the start of a
# line, followed by a colon ("Nicole: Remember me?").
_SPEAKER = re.compile(rf"(?m)^[ \t>]*({NAME_TOKEN})[ \t]*:")
_LABEL = re.compile(
    r"(?i:(?<![\w])(?:name|vorname|nachname|kunde|kundin|ansprechpartner(?:in)?|kontakt|empfänger(?:in)?"
    r"|absender(?:in)?|inhaber(?:in)?|karteninhaber(?:in)?|kontoinhaber(?:in)?|besteller(?:in)?"
    r"|customer|contact|recipient|cardholder|account holder|full name|signed|from|von|an|to|cc)"
    r")[ \t]*:[ \t]*"
)


# Role nouns that introduce a person: "Unser Techniker Marco", "Mein Sohn Elias", "Kunde Ewald Sturm".
_ROLE = re.compile(
    r"(?i:(?<![\w])(?:(?:mein|meine|unser|unsere|ihr|ihre|dein|deine)[ \t]+)?(?:sohn|tochter|mann|ehemann|ehefrau"
    r"|kollege|kollegin|techniker|technikerin|monteur|monteurin|berater|beraterin|partner|partnerin|chef|chefin"
    r"|fahrer|fahrerin|kunde|kundin|ansprechpartner|ansprechpartnerin|nachbar|nachbarin))[ \t]+(?=[A-ZÄÖÜ])"
)
# A short name closing a message: after sentence punctuation at the very end, or alone on the last line.
_CLOSING_NAME = re.compile(rf"(?:[.!?][ \t]+|\n[ \t]*)({NAME_TOKEN}(?:[ \t]+{NAME_TOKEN})?)[ \t]*\Z")


def _tokens(seq: str) -> list[tuple[str, int, int]]:
    return [(m.group(0), m.start(), m.end()) for m in _TOKEN.finditer(seq)]


def _is_particle(tok: str) -> bool:
    return re.fullmatch(PARTICLE, tok) is not None


def _is_initial(tok: str) -> bool:
    return tok.endswith(".") or len(tok) == 1


def _trim_name(text: str, start: int, strict: bool, full: bool = False) -> tuple[int, int] | None:
    """Longest plausible name starting at ``start``; ``None`` when the first word is not a name.

    A second word is only taken when the first is a known first name (or an initial),
    otherwise "Frau Schmidt Ihre Bestellung" would swallow "Ihre". With ``full`` (after
    cues that announce a whole name: "My name is", "Name:"), the second word is taken
    whatever the first is.
    """
    m = _NAME_SEQ.match(text, start)
    if not m:
        return None
    toks = _tokens(m.group(0))
    if not toks or toks[0][0].lower() in STOP_NAMES or _is_particle(toks[0][0]) or len(toks[0][0]) == 1:
        return None
    if strict and not is_first_name(toks[0][0]):
        return None
    kept = [toks[0]]
    for tok in toks[1:]:
        prev = kept[-1][0]
        if full and len(kept) == 1 and tok[0].lower() not in STOP_NAMES and not _is_particle(tok[0]):
            kept.append(tok)
            continue
        if tok[0].lower() in STOP_NAMES and not _is_particle(tok[0]):
            break
        if _is_particle(prev) or _is_particle(tok[0]) or is_first_name(prev) or _is_initial(prev):
            kept.append(tok)
        else:
            break
    while kept and _is_particle(kept[-1][0]):
        kept.pop()
    if not kept:
        return None
    return start + kept[0][1], start + kept[-1][2]


class ContextNameRecognizer(EntityRecognizer):
    """PERSON from honorifics, greetings, sign-offs, "Name:" labels and first name + surname."""

    def __init__(self, supported_language: str, use_lexicon_pairs: bool = True) -> None:
        self.use_lexicon_pairs = use_lexicon_pairs
        super().__init__(
            supported_entities=["PERSON"],
            name=f"ContextNameRecognizer_{supported_language}",
            supported_language=supported_language,
        )

    def load(self) -> None:
        """Nothing to load: the lexicon is loaded lazily on first use."""

    def _spans(self, text: str) -> Iterator[tuple[int, int, float]]:
        for cue, score, full in ((_HONORIFIC, 0.85, False), (_LABEL, 0.7, True), (_ROLE, 0.7, False)):
            for m in cue.finditer(text):
                start = m.end()
                particle = re.match(rf"{PARTICLE}[ \t]+(?=[{_UPPER}])", text[start:])
                if cue is _HONORIFIC and particle:  # "Frau von Hohenstein"
                    span = _trim_name(text, start + particle.end(), strict=False)
                    if span:
                        yield start, span[1], score
                    continue
                span = _trim_name(text, start, strict=False, full=full)
                if span:
                    yield span[0], span[1], score
        for m in _GREETING.finditer(text):
            if _HONORIFIC.match(text, m.end()):
                continue
            span = _trim_name(text, m.end(), strict=False)
            if not span:
                continue
            after = text[span[1] : span[1] + 1]
            known = is_first_name(text[span[0] : span[1]].split()[0])
            if known or after in {",", "!", "\n", ":", ""}:
                yield span[0], span[1], 0.75 if known else 0.6
        for m in _SIGN_OFF.finditer(text):
            line_end = text.find("\n", m.end())
            segment = text[: line_end if line_end != -1 else len(text)]
            span = _trim_name(segment, m.end(), strict=False, full=True)
            if span:
                first = text[span[0] : span[1]].split()[0]
                yield span[0], span[1], 0.8 if is_first_name(first) or span[1] - span[0] > len(first) else 0.6
        for cue, strict in ((_INTRO_LOOSE, False), (_INTRO_STRICT, True)):
            for m in cue.finditer(text):
                span = _trim_name(text, m.end(), strict, full=not strict)
                if span:
                    yield span[0], span[1], 0.7
        for m in _CREDIT.finditer(text):
            span = _trim_name(text, m.end(), strict=False)
            if span:
                yield span[0], span[1], 0.65
        for m in _CLOSING_NAME.finditer(text):  # "...?! Basti" / a name alone on the last line
            if is_first_name(m.group(1).split()[0]) and m.group(1).split()[0].lower() not in STOP_NAMES:
                yield m.start(1), m.end(1), 0.65
        for m in _SPEAKER.finditer(text):
            if is_first_name(m.group(1)) and m.group(1).lower() not in STOP_NAMES:
                yield m.start(1), m.end(1), 0.7
        if self.use_lexicon_pairs:
            for m in _NAME_SEQ.finditer(text):
                toks = _tokens(m.group(0))
                for i, (tok, s, _e) in enumerate(toks[:-1]):
                    if not is_first_name(tok) or tok.lower() in STOP_NAMES:
                        continue
                    nxt = toks[i + 1][0]
                    if nxt.lower() in STOP_NAMES:
                        continue
                    span = _trim_name(text, m.start() + s, strict=True)
                    if span and span[1] - span[0] > len(tok):
                        yield span[0], span[1], 0.65
                        break

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """Return PERSON spans; Presidio de-duplicates overlaps with the NER results."""
        if entities and "PERSON" not in entities:
            return []
        seen: set[tuple[int, int]] = set()
        results = []
        for start, end, score in self._spans(text):
            if (start, end) in seen:
                continue
            seen.add((start, end))
            results.append(RecognizerResult("PERSON", start, end, score))
        return results


class FirstNameRecognizer(EntityRecognizer):
    """PERSON: a lone known first name ("Magnus spent a year ...", "Why is Rebecca so ...").

    Needs part-of-speech tags, so it only runs where the spaCy pipeline has a tagger
    (English here). A token counts when it is a capitalised proper noun (PROPN) in the
    first-name lexicon, not all capitals, and stands alone: a capitalised neighbour means
    a longer proper name ("Victoria Street", "Grace Hotel"), which NER, the pair rule or
    the address rules handle. Lexicon words that are mostly ordinary words in copy
    ("May", "Will", "Grace") are excluded from the lexicon already. The score (0.6) sits
    just above the default threshold and below NER's, so an NER label on the same token
    (address, e-mail, ...) wins the overlap.
    """

    SCORE = 0.6

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entities=["PERSON"],
            name=f"FirstNameRecognizer_{supported_language}",
            supported_language=supported_language,
        )

    def load(self) -> None:
        """Nothing to load: the lexicon is loaded lazily on first use."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """Return lone first names tagged PROPN."""
        if entities and "PERSON" not in entities:
            return []
        tokens = getattr(nlp_artifacts, "tokens", None) if nlp_artifacts is not None else None
        if tokens is None or not tokens.has_annotation("TAG"):
            return []
        results = []
        n = len(tokens)
        for i, tok in enumerate(tokens):
            word = tok.text
            if tok.pos_ != "PROPN" or len(word) < 3 or not word[0].isupper() or word.isupper():
                continue
            if word.lower() in STOP_NAMES or not is_first_name(word):
                continue
            prev = tokens[i - 1] if i > 0 else None
            nxt = tokens[i + 1] if i + 1 < n else None
            if any(t is not None and t.text[0].isupper() and t.text.rstrip(".").isalpha() for t in (prev, nxt)):
                continue
            # Part of a hyphenated compound ("Fritz-Armstrong", "Anne-Lotte"): not a lone name.
            if (prev is not None and prev.text == "-" and not prev.whitespace_) or (
                nxt is not None and nxt.text == "-" and not tok.whitespace_
            ):
                continue
            results.append(RecognizerResult("PERSON", tok.idx, tok.idx + len(word), self.SCORE))
        return results


# --- Street addresses -----------------------------------------------------------------------

_DE_SUFFIX = (
    r"(?:straße|strasse|str\.|weg|platz|allee|gasse|ring|damm|ufer|chaussee|steig|pfad|markt|hof|berg"
    r"|graben|kamp|stieg|wall|zeile|promenade|park|garten|tor|brücke|feld|winkel|anger|siedlung|höhe"
    r"|grund|aue|bogen|kai|deich|reihe|wiese|gässle|gäßchen|twiete|redder|stich)"
)
_DE_WORD = r"[A-ZÄÖÜ][a-zäöüß]+"
_DE_STREET = (
    rf"(?:(?:{_DE_WORD}-)*{_DE_WORD}{_DE_SUFFIX}"  # Hauptstraße, Karl-Marx-Str.
    rf"|(?:{_DE_WORD}[ -])+(?:Straße|Strasse|Str\.|Weg|Platz|Allee|Gasse|Ring|Damm|Ufer|Chaussee|Markt)"
    rf"|(?:Am|An der|An den|Auf dem|Auf der|Im|In der|In den|Zum|Zur|Unter den|Hinter der|Alte|Alter|Neue"
    rf"|Neuer|Vor dem|Bei der)[ ](?:{_DE_WORD}-)*{_DE_WORD}{_DE_SUFFIX}?)"
)
_HOUSE_NO = r"[ ]?\d{1,4}(?:[ ]?[a-zA-Z](?![a-zA-Z]))?(?:[ ]?[-/][ ]?\d{1,4}[a-zA-Z]?)?"
_DE_CITY = (
    rf"(?:(?:Bad|Sankt|St\.|Neu|Groß|Klein|Hansestadt)[ ])?{_DE_WORD}(?:-{_DE_WORD})*"
    rf"(?:[ ](?:am|an der|im|ob der|bei|in der)[ ]{_DE_WORD})?(?:[ ]?\([A-Za-zäöü. ]{{1,20}}\))?"
)
_DE_POSTCODE_CITY = rf"(?:D-)?\d{{5}}[ ]{_DE_CITY}"
_DE_ADDRESS = re.compile(rf"\b{_DE_STREET}{_HOUSE_NO}(?:[ ]*(?:,[ ]*|\n[ \t]*)?{_DE_POSTCODE_CITY})?")
_DE_POSTCODE_ALONE = re.compile(rf"\b{_DE_POSTCODE_CITY}")
_ADDRESS_CONTEXT = re.compile(
    r"(?i)(?:adresse|anschrift|wohnhaft|wohnt|plz|postleitzahl|ort|lieferung an|liefern an|address|ship to"
    r"|zip|postcode|living in|lives in|wohne|umgezogen|moved to|nach|in)\W{0,5}$"
)

_EN_SUFFIX = (
    r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Square|Sq"
    r"|Terrace|Ter|Parkway|Pkwy|Highway|Hwy|Circle|Cir|Trail|Trl|Crescent|Close|Row|Walk|Alley|Plaza|Loop"
    r"|Path|Pike|Run|Ridge|Park|Green|Gardens|Hill|Heights|Mews|Grove|Causeway|Expressway|Freeway"
    r"|Junction|Crossing|Mall|Meadows|Point|Port|Vista|Villages?|Wells|Springs|Station|Estates?)\b\.?"
)
_EN_UNIT = r"(?:,?[ ]*(?:Apt\.?|Apartment|Suite|Ste\.?|Unit|#|Floor|Fl\.?|Room)[ ]*[\w-]+)?"
_EN_CITY_STATE_ZIP = r"(?:,?[ \n]*[A-Z][a-zA-Z]+(?:[ ][A-Z][a-zA-Z]+){0,2},[ ]*[A-Z]{2}[ ]+\d{5}(?:-\d{4})?)?"
# British postcodes ("NW1 6XE", "SW1A 2AA", "M1 1AE"), after a town: "221B Baker Street, London NW1 6XE".
_UK_POSTCODE = r"[A-Z]{1,2}\d[A-Z\d]?[ ]?\d[A-Z]{2}\b"
_UK_TOWN_POSTCODE = rf"(?:,?[ \n]*(?:[A-Z][a-zA-Z]+(?:[ -][A-Z][a-zA-Z]+){{0,2}},?[ ]+)?{_UK_POSTCODE})"
_EN_FLAT = r"(?:(?:Flat|Apartment|Apt\.?|Unit)[ ]\d{1,4}[A-Za-z]?,?[ ]+)?"
_EN_STREET = r"\b\d{1,6}[A-Za-z]?[ ]+(?:[NSEW]\.?[ ]+)?(?:[A-Z][a-zA-Z'.-]*[ ]+){1,4}"
_EN_ADDRESS = re.compile(rf"{_EN_FLAT}{_EN_STREET}{_EN_SUFFIX}{_EN_UNIT}(?:{_UK_TOWN_POSTCODE}|{_EN_CITY_STATE_ZIP})")
_EN_UNIT_ALONE = re.compile(r"\b(?:Apt\.|Apartment|Suite)[ ]\d{1,5}\b")
_EN_POBOX = re.compile(r"\b(?:P\.?O\.?[ ]Box|PSC[ ]\d{3,5},[ ]Box)[ ]\d{1,6}(?:\n?[ ]*[A-Z]{3}[ ][A-Z]{2}[ ]\d{5})?")


class StreetAddressRecognizer(EntityRecognizer):
    """ADDRESS: street + house number (+ postcode and city), and postcode + city in context."""

    def __init__(self, supported_language: str) -> None:
        super().__init__(
            supported_entities=["ADDRESS"],
            name=f"StreetAddressRecognizer_{supported_language}",
            supported_language=supported_language,
        )

    def load(self) -> None:
        """Nothing to load: the patterns are compiled at import."""

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None
    ) -> list[RecognizerResult]:
        """German and English patterns both run: shipping addresses cross languages."""
        if entities and "ADDRESS" not in entities:
            return []
        results: list[RecognizerResult] = []
        for m in _DE_ADDRESS.finditer(text):
            results.append(RecognizerResult("ADDRESS", m.start(), m.end(), 0.9))
        for m in _DE_POSTCODE_ALONE.finditer(text):
            before = text[max(0, m.start() - 30) : m.start()]
            joined = before.rstrip().endswith(",") or before.endswith("\n")
            score = 0.6 if (_ADDRESS_CONTEXT.search(before) or joined) else 0.3
            results.append(RecognizerResult("ADDRESS", m.start(), m.end(), score))
        for pattern in (_EN_ADDRESS, _EN_POBOX):
            for m in pattern.finditer(text):
                results.append(RecognizerResult("ADDRESS", m.start(), m.end(), 0.9))
        for m in _EN_UNIT_ALONE.finditer(text):
            results.append(RecognizerResult("ADDRESS", m.start(), m.end(), 0.5))
        return results
