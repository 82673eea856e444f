"""The shared matching form: look-alikes, invisible characters and case fold to one spelling."""

from __future__ import annotations

from tools.textnorm import fold, fold_text, has_invisible, mixes_scripts


def test_zero_width_and_soft_hyphen_are_removed_and_spans_map_back() -> None:
    text = "Das ist kli\u200bma\u00adneutral."
    folded = fold(text)
    assert folded.text == "das ist klimaneutral."
    start = folded.text.index("klimaneutral")
    s, e = folded.span(start, start + len("klimaneutral"))
    assert text[s:e] == "kli\u200bma\u00adneutral"


def test_cyrillic_and_greek_lookalikes_fold_to_latin() -> None:
    assert fold_text("gu\u0430r\u0430nteed") == "guaranteed"  # Cyrillic а
    assert fold_text("\u039fRIGINAL") == "original"  # Greek Omicron
    assert mixes_scripts("gu\u0430rant")
    assert not mixes_scripts("guarantee")


def test_nfkc_casefold_sharp_s_and_typographic_dashes() -> None:
    assert fold_text("ＢＥＳＴＥ Straße CO₂\u2013neutral") == "beste strasse co2-neutral"
    assert fold_text("Straße", casefold=False) == "Straße"


def test_invisible_detection_and_whitespace_collapse() -> None:
    assert has_invisible("a\u200bb") and not has_invisible("ab")
    assert fold_text("a \u00a0  b") == "a b"
