"""Small fixed word lists the deterministic checker needs (German and English).

Kept in one module so that extending them (a new colour, a new material) is a one-line
change and never touches the checking logic.
"""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


STOPWORDS: frozenset[str] = _words(
    """
    a an the and or but if of to in on at by for with from as is are was were be been being it its this
    that these those there their they them he she his her we our you your i me my not no than then so
    such which who whom whose what when where why how can could may might must shall should will would
    do does did has have had into onto over under about after before between through during also both
    each more most other some any all only own same very just whether while up down out off again
    further once here few nor too s t
    der die das den dem des ein eine einer eines einem einen und oder aber wenn von zu im in am an auf
    bei für mit aus als ist sind war waren sein wird werden wurde wurden es sie er wir ihr ihre ihren
    ihrem ihres sich dies diese dieser dieses diesem diesen nicht kein keine so wie was wer wo auch
    noch nur sehr schon dass daß bis durch über unter nach vor zum zur vom beim hat haben hatte kann
    können soll sollen muss müssen man um
    """
)

NEGATIONS: frozenset[str] = _words(
    """
    not no never none nothing neither nor without cannot can't doesn't don't isn't aren't wasn't
    weren't won't lacks lack lacking fails fail failed absent
    nicht kein keine keinen keinem keiner keines nie niemals ohne weder
    """
)

# Pairs of opposites; a claim using one where its best evidence uses the other is a
# contradiction signal ("increases" vs "decreases").
ANTONYMS: tuple[tuple[str, str], ...] = (
    ("increase", "decrease"), ("increase", "reduce"), ("higher", "lower"), ("more", "less"),
    ("greater", "smaller"), ("positive", "negative"), ("promote", "inhibit"), ("activate", "inhibit"),
    ("up", "down"), ("gain", "loss"), ("enhance", "impair"), ("improve", "worsen"),
    ("erhöht", "senkt"), ("mehr", "weniger"), ("höher", "niedriger"), ("größer", "kleiner"),
    ("schneller", "langsamer"), ("leiser", "lauter"), ("leicht", "schwer"),
)  # fmt: skip

# Attribute classes whose values must match exactly: a claim naming one value where the
# source names another value of the same class is contradicted.
ATTRIBUTE_VALUES: dict[str, frozenset[str]] = {
    "colour": _words(
        """
        schwarz weiß weiss grau silber anthrazit rot blau grün gelb orange braun beige gold roségold
        black white grey gray silver anthracite red blue green yellow brown rose-gold
        """
    ),
    "material": _words(
        """
        edelstahl aluminium kunststoff holz glas keramik leder baumwolle titan kupfer messing gusseisen
        bambus stainless-steel steel aluminum plastic wood wooden glass ceramic leather cotton titanium
        copper brass cast-iron bamboo stahl
        """
    ),
    "connectivity": _words("wlan wifi wi-fi bluetooth zigbee usb-c usb nfc ethernet lan"),
}

# Attributes that quantities are stated for, with the words that name them and the
# quantity dimensions they take (see ``tools.factcheck.attributes``). A cue is a tuple
# of word stems that must all occur; a stem matches a token that starts with it or,
# from five letters on, contains it (German compounds: "Herstellergarantie").
QUANTITY_ATTRIBUTES: dict[str, tuple[frozenset[str], tuple[tuple[str, ...], ...]]] = {
    "price": (
        frozenset({"price"}),
        (("price",), ("cost",), ("rrp",), ("preis",), ("kostet",), ("kosten",), ("uvp",)),
    ),
    "warranty": (
        frozenset({"months", "days"}),
        (("warrant",), ("guarantee",), ("garantie",)),
    ),
    "battery life": (
        frozenset({"months", "days", "seconds"}),
        (
            ("batter", "life"), ("batter", "last"), ("batter", "runtime"), ("batter", "runs"),
            ("batterie", "läuft"), ("akku", "läuft"), ("batterielaufzeit",), ("akkulaufzeit",),
            ("batterie", "hält"), ("batterie", "laufzeit"), ("akku", "hält"), ("akku", "laufzeit"),
        ),
    ),
    # How long the company keeps parts and updates: a company promise, never the warranty.
    "spare parts": (frozenset({"months", "days"}), (("spare", "part"), ("ersatzteil",))),
    "security updates": (
        frozenset({"months", "days"}),
        (("security", "update"), ("sicherheitsupdate",), ("software", "update")),
    ),
    "weight": (frozenset({"mass"}), (("weigh",), ("gewicht",), ("wiegt",))),
    "power": (
        frozenset({"power"}),
        (("power",), ("draw",), ("uses",), ("wattage",), ("consum",), ("leistung",), ("verbrauch",), ("aufnahme",)),
    ),
    "energy use": (frozenset({"energy"}), (("energ",), ("consum",), ("verbrauch",))),
    "luminous flux": (
        frozenset({"luminous_flux", "number"}),
        (("luminous",), ("brightness",), ("lichtstrom",), ("helligkeit",)),
    ),
    "dimensions": (
        frozenset({"length"}),
        (
            ("dimension",), ("height",), ("width",), ("depth",), ("diameter",), ("abmessung",),
            ("höhe",), ("breite",), ("tiefe",), ("durchmesser",), ("maße",),
        ),
    ),
    "savings": (frozenset({"percent"}), (("sav",), ("spart",), ("einspar",))),
    "noise level": (frozenset({"sound"}), (("noise",), ("loud",), ("quiet",), ("geräusch",), ("laut",), ("leise",))),
    "room size": (frozenset({"area"}), (("room",), ("raum",), ("fläche",))),
}  # fmt: skip


# Phrases a copywriter uses for the same fact, read as the source's wording before coverage is
# measured ("after a product's end of sale" states "after a product is discontinued").
EQUIVALENT_PHRASES: dict[str, tuple[tuple[str, str], ...]] = {
    "en": (
        (r"end[- ]of[- ]sale", "discontinued"),
        (r"no longer (?:sold|on sale|available to buy)", "discontinued"),
        (r"taken off the market", "discontinued"),
        (r"end[- ]of[- ]life", "discontinued"),
    ),
    "de": (
        (r"einstellung des (?:verkaufs|produkts)", "verkaufsende"),
        (r"nicht mehr (?:verkauft|im handel|im sortiment)", "verkaufsende"),
        (r"ende des verkaufs", "verkaufsende"),
    ),
}


# Words that state a proportion without a digit ("halves your bill", "verdoppelt die Reichweite"):
# a sentence with one makes a checkable claim, never pure tone.
PROPORTION_WORDS: frozenset[str] = _words(
    """
    halve halves halved halving double doubles doubled doubling triple triples tripled quadruple
    halbiert halbieren halbiere verdoppelt verdoppeln verdopple verdreifacht verdreifachen vervierfacht
    """
)
