# ruff: noqa: E501  (hand-written brief texts, one per line)
"""Writes ``briefs.yaml``, copydesk's golden set over the demo corpus (run once; the YAML is checked in).

Why a generator: 6 products × 5 channels × 2 languages must stay consistent with the
corpus (prices, figures, document ids); the brief texts, angles and facts are written
here by hand, per product and language, and this script only lays them out. Edit the
tables, re-run ``python -m evals.golden.build_briefs``, review the YAML diff.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

# product → language → (name, angle per channel, required facts per channel, wrong values)
PRODUCTS: dict[str, dict[str, Any]] = {
    "lum-th-200": {
        "id": "LUM-TH-200",
        "facts": {
            "price": [["59,90", "59.90"]],
            "saving": [["19 %", "19%", "19 Prozent", "19 percent"]],
            "battery": [["24 Monate", "24 months", "24-month"]],
            "warranty": [["36 Monate", "36 months", "36-month"]],
            "protocol": [["Zigbee"]],
        },
        "wrong": ["64,90", "64.90", "139,00", "139.00", "25 %"],
        "en": {
            "name": "Lumora Thermo 200",
            "seo_article": "SEO article: how much heating energy can a smart radiator thermostat like the Lumora Thermo 200 save?",
            "product_description": "Product description of the Lumora Thermo 200 with price, battery life and energy savings.",
            "ad_copy": "Search ad for the Lumora Thermo 200 smart radiator thermostat with its price.",
            "crm_email": "Autumn newsletter to existing customers: fit the Lumora Thermo 200 before the heating season.",
            "landing_page": "Landing page for the Lumora Thermo 200: savings, open-window detection and price.",
        },
        "de": {
            "name": "Lumora Thermo 200",
            "seo_article": "SEO-Ratgeber: Wie viel Heizenergie spart ein smartes Heizkörperthermostat wie das Lumora Thermo 200?",
            "product_description": "Produkttext zum Lumora Thermo 200 mit Preis, Batterielaufzeit und Energieeinsparung.",
            "ad_copy": "Suchanzeige für das smarte Heizkörperthermostat Lumora Thermo 200 mit Preis.",
            "crm_email": "Herbst-Newsletter an Bestandskunden: das Lumora Thermo 200 vor der Heizsaison montieren.",
            "landing_page": "Landingpage zum Lumora Thermo 200: Einsparung, Fenster-offen-Erkennung und Preis.",
        },
        "channel_facts": {
            "seo_article": ["saving"],
            "product_description": ["price", "battery"],
            "ad_copy": ["price"],
            "crm_email": ["protocol"],
            "landing_page": ["saving", "price"],
        },
    },
    "lum-hb-1": {
        "id": "LUM-HB-1",
        "facts": {
            "price": [["89,00", "89.00", "89 €", "EUR 89"]],
            "devices": [["64"]],
            "matter": [["Matter"]],
            "updates": [["2031"]],
            "power": [["1,8 W", "1.8 W"]],
        },
        "wrong": ["99,00", "99.00", "128 Geräte", "128 devices"],
        "en": {
            "name": "Lumora Hub 1",
            "seo_article": "SEO article: why a local smart home hub like the Lumora Hub 1 keeps working without the internet.",
            "product_description": "Product description of the Lumora Hub 1: price, how many devices it manages, Matter.",
            "ad_copy": "Social ad for the Lumora Hub 1 smart home hub with its price.",
            "crm_email": "E-mail to Thermo 200 owners: add the Lumora Hub 1 for app control and Matter.",
            "landing_page": "Landing page for the Lumora Hub 1: Matter bridge, up to 64 devices, security updates.",
        },
        "de": {
            "name": "Lumora Hub 1",
            "seo_article": "SEO-Artikel: Warum eine lokale Smart-Home-Zentrale wie der Lumora Hub 1 auch ohne Internet funktioniert.",
            "product_description": "Produkttext zum Lumora Hub 1: Preis, wie viele Geräte er verwaltet, Matter.",
            "ad_copy": "Social-Media-Anzeige für die Smart-Home-Zentrale Lumora Hub 1 mit Preis.",
            "crm_email": "E-Mail an Besitzer des Thermo 200: mit dem Lumora Hub 1 App-Steuerung und Matter nachrüsten.",
            "landing_page": "Landingpage zum Lumora Hub 1: Matter-Bridge, bis zu 64 Geräte, Sicherheitsupdates.",
        },
        "channel_facts": {
            "seo_article": ["matter"],
            "product_description": ["price", "devices"],
            "ad_copy": ["price"],
            "crm_email": ["matter"],
            "landing_page": ["devices", "updates"],
        },
    },
    "lum-lb-9": {
        "id": "LUM-LB-9",
        "facts": {
            "price": [["19,90", "19.90"]],
            "lumen": [["806"]],
            "watt": [["9 W", "9-W", "9 watts"]],
            "saving": [["85 %", "85%", "85 Prozent", "85 percent"]],
            "base": [["E27"]],
        },
        "wrong": ["24,90", "24.90", "1000 lm", "1.000 lm", "90 %"],
        "en": {
            "name": "Lumora Bulb 9",
            "seo_article": "SEO article: switching from a 60 W incandescent to the Lumora Bulb 9 smart LED bulb.",
            "product_description": "Product description of the Lumora Bulb 9: E27, 806 lm, price.",
            "ad_copy": "Search ad for the Lumora Bulb 9 smart E27 bulb with its price.",
            "crm_email": "Newsletter: light up winter evenings with the Lumora Bulb 9 colour and white tones.",
            "landing_page": "Landing page for the Lumora Bulb 9: electricity savings, brightness and price.",
        },
        "de": {
            "name": "Lumora Bulb 9",
            "seo_article": "SEO-Artikel: Von der 60-W-Glühlampe zur smarten LED-Lampe Lumora Bulb 9 wechseln.",
            "product_description": "Produkttext zur Lumora Bulb 9: E27, 806 lm, Preis.",
            "ad_copy": "Suchanzeige für die smarte E27-Lampe Lumora Bulb 9 mit Preis.",
            "crm_email": "Newsletter: Winterabende mit den Farb- und Weißtönen der Lumora Bulb 9 gestalten.",
            "landing_page": "Landingpage zur Lumora Bulb 9: Stromersparnis, Helligkeit und Preis.",
        },
        "channel_facts": {
            "seo_article": ["saving"],
            "product_description": ["base", "lumen", "price"],
            "ad_copy": ["price"],
            "crm_email": ["base"],
            "landing_page": ["saving", "price"],
        },
    },
    "lum-ap-3": {
        "id": "LUM-AP-3",
        "facts": {
            "price": [["249,00", "249.00", "249 €", "EUR 249"]],
            "room": [["32 m²", "32 m2", "32 square"]],
            "cadr": [["280"]],
            "filter": [["HEPA"]],
            "filter_price": [["39,90", "39.90"]],
        },
        "wrong": ["299,00", "299.00", "50 m²", "heilt", "cures", "kills viruses", "tötet Viren", "allergy-free"],
        "en": {
            "name": "Lumora Air 3",
            "seo_article": "SEO article: what to look for in an air purifier for a living room, with the Lumora Air 3 as example.",
            "product_description": "Product description of the Lumora Air 3: HEPA filter, room size, price.",
            "ad_copy": "Social ad for the Lumora Air 3 air purifier with its price.",
            "crm_email": "Reminder e-mail to Air 3 owners: time to order the replacement filter set F3.",
            "landing_page": "Landing page for the Lumora Air 3: clean air for rooms up to 32 m², CADR, quiet operation.",
        },
        "de": {
            "name": "Lumora Air 3",
            "seo_article": "SEO-Ratgeber: Worauf man beim Luftreiniger fürs Wohnzimmer achten sollte, am Beispiel des Lumora Air 3.",
            "product_description": "Produkttext zum Lumora Air 3: HEPA-Filter, Raumgröße, Preis.",
            "ad_copy": "Social-Media-Anzeige für den Luftreiniger Lumora Air 3 mit Preis.",
            "crm_email": "Erinnerungs-Mail an Besitzer des Air 3: Zeit, das Ersatzfilter-Set F3 zu bestellen.",
            "landing_page": "Landingpage zum Lumora Air 3: saubere Luft für Räume bis 32 m², CADR, leiser Betrieb.",
        },
        "channel_facts": {
            "seo_article": ["filter"],
            "product_description": ["filter", "room", "price"],
            "ad_copy": ["price"],
            "crm_email": ["filter_price"],
            "landing_page": ["room", "cadr"],
        },
    },
    "lum-sn-5": {
        "id": "LUM-SN-5",
        "facts": {
            "price": [["29,90", "29.90"]],
            "battery": [["18 Monate", "18 months", "18-month"]],
            "cell": [["CR2032"]],
            "saving": [["6 %", "6%", "6 Prozent", "6 percent"]],
            "hub": [["Hub 1"]],
        },
        "wrong": ["34,90", "34.90", "24 Monate Batterie", "24 months battery", "10 %"],
        "en": {
            "name": "Lumora Sense 5",
            "seo_article": "SEO article: airing rooms in winter without wasting heat, with the Lumora Sense 5 window sensor.",
            "product_description": "Product description of the Lumora Sense 5: window contact, battery life, price.",
            "ad_copy": "Search ad for the Lumora Sense 5 room climate and window sensor with its price.",
            "crm_email": "E-mail to Thermo 200 owners: pair it with the Lumora Sense 5 window contact.",
            "landing_page": "Landing page for the Lumora Sense 5: temperature, humidity and open-window alerts.",
        },
        "de": {
            "name": "Lumora Sense 5",
            "seo_article": "SEO-Artikel: Im Winter lüften, ohne Heizenergie zu verschwenden – mit dem Fenstersensor Lumora Sense 5.",
            "product_description": "Produkttext zum Lumora Sense 5: Fensterkontakt, Batterielaufzeit, Preis.",
            "ad_copy": "Suchanzeige für den Raumklima- und Fenstersensor Lumora Sense 5 mit Preis.",
            "crm_email": "E-Mail an Besitzer des Thermo 200: mit dem Fensterkontakt Lumora Sense 5 kombinieren.",
            "landing_page": "Landingpage zum Lumora Sense 5: Temperatur, Luftfeuchtigkeit und Fenster-offen-Meldung.",
        },
        "channel_facts": {
            "seo_article": ["saving"],
            "product_description": ["battery", "price"],
            "ad_copy": ["price"],
            "crm_email": ["hub"],
            "landing_page": ["cell"],
        },
    },
    "lum-ds-2": {
        "id": "LUM-DS-2",
        "facts": {
            "price": [["129,00", "129.00", "129 €", "EUR 129"]],
            "lumen": [["700"]],
            "cri": [["95"]],
            "saving": [["35 %", "35%", "35 Prozent", "35 percent"]],
            "warranty": [["36 Monate", "36 months", "36-month"]],
        },
        "wrong": ["149,00", "149.00", "900 lm", "50 %"],
        "en": {
            "name": "Lumora Desk 2",
            "seo_article": "SEO article: good light at the home office desk, explained with the Lumora Desk 2.",
            "product_description": "Product description of the Lumora Desk 2 LED desk lamp: brightness, colour rendering, price.",
            "ad_copy": "Social ad for the Lumora Desk 2 desk lamp with its price.",
            "crm_email": "Newsletter for home-office customers: the flicker-free Lumora Desk 2.",
            "landing_page": "Landing page for the Lumora Desk 2: presence sensor savings, 700 lm, warranty.",
        },
        "de": {
            "name": "Lumora Desk 2",
            "seo_article": "SEO-Artikel: Gutes Licht am Schreibtisch im Homeoffice, erklärt an der Lumora Desk 2.",
            "product_description": "Produkttext zur LED-Schreibtischleuchte Lumora Desk 2: Helligkeit, Farbwiedergabe, Preis.",
            "ad_copy": "Social-Media-Anzeige für die Schreibtischleuchte Lumora Desk 2 mit Preis.",
            "crm_email": "Newsletter für Homeoffice-Kunden: die flimmerfreie Lumora Desk 2.",
            "landing_page": "Landingpage zur Lumora Desk 2: Ersparnis durch Präsenzsensor, 700 lm, Garantie.",
        },
        "channel_facts": {
            "seo_article": ["lumen"],
            "product_description": ["lumen", "cri", "price"],
            "ad_copy": ["price"],
            "crm_email": ["lumen"],
            "landing_page": ["saving", "warranty"],
        },
    },
}

BANNED = {
    "en": ["guaranteed", "100 %", "100%", "revolutionary", "clinically proven", "unhackable", "climate neutral"],
    "de": ["garantiert", "100 %", "100%", "revolutionär", "klinisch getestet", "unhackbar", "klimaneutral"],
}

# Briefs beyond one product: FAQ and support documents, company facts.
EXTRA: list[dict[str, Any]] = [
    {
        "id": "faq-warranty-en",
        "language": "en",
        "channel": "seo_article",
        "brief": "SEO article answering: what warranty does Lumora give on its devices?",
        "expected_documents": ["faq-en"],
        "required_facts": [["36 months", "24 months"]],
        "product_id": None,
    },
    {
        "id": "faq-warranty-de",
        "language": "de",
        "channel": "crm_email",
        "brief": "E-Mail an Kunden: Wie funktionieren Garantie und Service bei Lumora?",
        "expected_documents": ["support-warranty-de", "faq-de"],
        "required_facts": [["Monate"]],
        "product_id": None,
    },
    {
        "id": "faq-matter-en",
        "language": "en",
        "channel": "landing_page",
        "brief": "Landing page: which Lumora devices work with Matter?",
        "expected_documents": ["faq-en", "lum-hb-1-en"],
        "required_facts": [["Matter"]],
        "product_id": None,
    },
    {
        "id": "install-th-200-en",
        "language": "en",
        "channel": "crm_email",
        "brief": "E-mail with installation tips for the Lumora Thermo 200 on a radiator.",
        "expected_documents": ["support-installation-guide-en", "lum-th-200-en"],
        "required_facts": [["adapter"]],
        "product_id": "LUM-TH-200",
    },
]

# The channels this golden set writes briefs for: those with hand-written facts per product (a
# curated subset of tools.channels.known_channels(), which evals.suite.golden checks on load).
CHANNELS = tuple(next(iter(PRODUCTS.values()))["channel_facts"])


def build() -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for slug, spec in PRODUCTS.items():
        for language in ("en", "de"):
            for channel in CHANNELS:
                facts = [alt for key in spec["channel_facts"][channel] for alt in spec["facts"][key]]
                items.append(
                    {
                        "id": f"{slug}-{channel}-{language}",
                        "language": language,
                        "channel": channel,
                        "product_id": spec["id"],
                        "brief": spec[language][channel],
                        "required_facts": facts,
                        "forbidden_claims": [*BANNED[language], *spec["wrong"]],
                        "expected_documents": [f"{slug}-{language}", f"lumora-catalog-{slug}-{language}"],
                    }
                )
    for extra in EXTRA:
        items.append({**extra, "forbidden_claims": BANNED[extra["language"]]})
    return items


def main() -> None:
    header = (
        "# copydesk golden set over demo/corpus (written by evals/golden/build_briefs.py; review diffs by hand).\n"
        "# required_facts: each entry is a list of accepted spellings, one must appear in the draft.\n"
        "# forbidden_claims: none may appear. expected_documents: ids a grounded draft should draw on.\n"
    )
    path = Path(__file__).with_name("briefs.yaml")
    path.write_text(header + yaml.safe_dump({"briefs": build()}, allow_unicode=True, sort_keys=False, width=120))
    print(f"{len(build())} briefs → {path}")


if __name__ == "__main__":
    main()
