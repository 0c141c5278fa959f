"""The IBAN filter of messages: every spelling of issue 22 found, ordinary numbers left alone."""

from __future__ import annotations

import pytest

from portal.lib.iban import compact, contains_iban, is_valid_iban

IBAN = "FR7630006000011234567890189"  # a valid French IBAN (check digits 76)
FULL_WIDTH = str.maketrans("0123456789FR", "０１２３４５６７８９ＦＲ")

SPELLINGS = {
    "groups of four": "FR76 3000 6000 0112 3456 7890 189",
    "dots": "FR76.3000.6000.0112.3456.7890.189",
    "non-breaking spaces": "FR76\u00a03000\u00a06000\u00a00112\u00a03456\u00a07890\u00a0189",
    "narrow non-breaking spaces": "FR76\u202f3000\u202f6000\u202f0112\u202f3456\u202f7890\u202f189",
    "zero-width spaces": "FR76\u200b3000\u200b6000\u200b0112\u200b3456\u200b7890\u200b189",
    "zero-width joiners": "F\u200dR\u200d7\u200d6" + IBAN[4:],
    "slashes": "FR76/3000/6000/0112/3456/7890/189",
    "dashes": "FR76-3000-6000-0112-3456-7890-189",
    "en dashes": "FR76–3000–6000–0112–3456–7890–189",
    "full-width digits": IBAN.translate(FULL_WIDTH),
    "digits spaced one by one": " ".join(IBAN),
    "glued to a word": "monIBANestFR7630006000011234567890189merci",
    "glued after a colon": "IBAN:" + IBAN,
    "lower case": IBAN.lower(),
    "mixed separators": "fr76 3000.6000/0112-3456\u00a07890 189",
}


@pytest.mark.parametrize("spelling", SPELLINGS.values(), ids=SPELLINGS.keys())
def test_every_spelling_of_an_iban_is_found(spelling):
    assert contains_iban(f"Bonjour, voici mon RIB {spelling} pour le prélèvement.")


@pytest.mark.parametrize(
    "text",
    [
        "Léa a mangé le 04/12/2026 à 12h30, 3,50 € débités.",
        "Appelez-moi au 06 12 34 56 78 ou au +33 6 12 34 56 78.",
        "Carte n° 10001, commande n° 00000042 du 05/12/2026.",
        "Mon numéro fiscal est 12 34 567 890 123 et ma référence DE 2026 1234 5678.",
        # The right shape with a wrong check digit: a typo or a made-up number, not a bank account.
        "FR76 3000 6000 0112 3456 7890 188",
        "",
    ],
)
def test_ordinary_numbers_are_not_taken_for_an_iban(text):
    assert not contains_iban(text)


def test_compact_normalises_unicode_and_drops_every_separator():
    assert compact("fr７６\u00a03000\u200b.60/00–0112") == "FR76300060000112"


def test_the_check_is_iso_13616():
    assert is_valid_iban(IBAN) and is_valid_iban("DE89370400440532013000") and is_valid_iban("GB82WEST12345698765432")
    assert not is_valid_iban(IBAN[:-1])  # the country's length
    assert not is_valid_iban("XX7630006000011234567890189")  # an unknown country
