"""The pseudonyms and the scrubbing of free texts."""

from __future__ import annotations

from portal.lib.personal_data import Erasure, pseudonym_code, pseudonym_email


def erasure() -> Erasure:
    return Erasure(
        "pupil",
        None,
        "Élève X",
        {"Léa Martin": "Élève X", "Martin Léa": "Élève X", "10001": "ANON1", "a.b@c.fr": "z@anonyme.invalid", "": "?"},
    )


def test_full_names_emails_and_cards_are_replaced_whatever_the_case_as_whole_words():
    text = "Léa Martin, MARTIN LÉA, carte 10001, chèque 1000123, mail A.B@c.fr."
    assert erasure().scrub(text) == "Élève X, Élève X, carte ANON1, chèque 1000123, mail z@anonyme.invalid."


def test_json_is_scrubbed_in_its_strings_only():
    value = {"pupil": "Léa Martin", "amount": 10, "list": ["10001", None]}
    assert erasure().scrub_json(value) == {"pupil": "Élève X", "amount": 10, "list": ["ANON1", None]}


def test_empty_and_tiny_strings_are_never_needles():
    assert "" not in erasure().needles and erasure().scrub("") == ""
    assert Erasure("user", None, "R", {"ab": "x"}).scrub("abc ab") == "abc ab"


def test_pseudonyms_are_stable_and_differ_between_people(settings):
    assert pseudonym_code("pupil", 1) == pseudonym_code("pupil", 1)
    assert pseudonym_code("pupil", 1) != pseudonym_code("pupil", 2) != pseudonym_code("user", 2)
    assert pseudonym_email("user", 7).startswith("anonyme-7-") and pseudonym_email("user", 7).endswith(".invalid")
    before = pseudonym_code("pupil", 1)
    settings.SECRET_KEY = "another-secret-key-for-another-installation"
    assert pseudonym_code("pupil", 1) != before  # meaningless without this server's secret
