"""Bank identifiers typed by people: a wrong IBAN, BIC, ICS or RUM is refused with a French message."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.forms import modelform_factory

from billing.desk.forms import MandateForm
from billing.desk.models import DirectDebitMandate
from billing.desk.sepa import crypto
from canteen.models import Establishment
from portal.lib.bank_ids import bic_of, clean_bic, clean_iban, clean_ics

from .conftest import IBAN, make_mandate


def message_of(function, value) -> str:
    with pytest.raises(ValidationError) as caught:
        function(value)
    return " ".join(caught.value.messages)


def test_an_iban_is_stored_compact_and_upper_case():
    assert clean_iban(" fr76 3000 6000 0112 3456 7890 189 ") == IBAN


@pytest.mark.parametrize(
    ("iban", "message"),
    [
        ("FR7630006000011234567890188", "Cet IBAN n'est pas valide"),  # mod 97
        ("FR76300060000112345678901", "n'a pas la bonne longueur pour son pays"),
        ("FR0630006000011234567890188", "La clé RIB de cet IBAN est fausse"),  # mod 97 right, RIB key wrong
        ("FR76 3000 6000 0112 3456 7890 18é", "Cet IBAN n'est pas valide"),
        ("", "Cet IBAN n'est pas valide"),
        ("FR76" + "9" * 200, "Cet IBAN n'est pas valide"),
    ],
)
def test_refuses_a_wrong_iban_in_french(iban, message):
    assert message in message_of(clean_iban, iban)


def test_a_bic_is_derived_from_a_french_iban_and_checked_when_typed():
    assert bic_of("FR1420041010050500013M02606").startswith("PSSTFRPP")
    assert clean_bic(" bnpa fr pp ") == "BNPAFRPP"
    assert "Ce BIC n'est pas valide" in message_of(clean_bic, "BNPAFRP")


@pytest.mark.parametrize(
    ("ics", "message"),
    [
        ("FR73ZZZ123456", "La clé de cet identifiant créancier SEPA (ICS) est fausse"),
        ("FR72ZZZ12345", "n'a pas le bon format"),
        ("72FRZZZ123456", "n'a pas le bon format"),
        ("FR72ZZZ12345€", "n'a pas le bon format"),
    ],
)
def test_refuses_a_wrong_ics_in_french(ics, message):
    assert message in message_of(clean_ics, ics)


def test_an_ics_is_accepted_with_spaces_and_stored_compact(school):
    form = modelform_factory(Establishment, fields=["creditor_identifier"])(
        {"creditor_identifier": "fr72 zzz 123456"}, instance=school
    )
    assert form.is_valid(), form.errors
    assert form.save().creditor_identifier == "FR72ZZZ123456"
    wrong = modelform_factory(Establishment, fields=["creditor_identifier"])(
        {"creditor_identifier": "FR00ZZZ123456"}, instance=school
    )
    assert not wrong.is_valid()
    assert "La clé de cet identifiant créancier SEPA (ICS) est fausse" in " ".join(wrong.errors["creditor_identifier"])


def test_a_typed_rum_with_forbidden_characters_is_refused(parent, school, lea):
    form = MandateForm(
        {
            "user": parent.pk,
            "establishment": school.pk,
            "reference": "RUM n°1 é",
            "iban": IBAN,
            "holder_name": "Camille Martin",
            "holder_address": "Esvres",
            "signed_on": "2026-09-01",
            "mode": "fixed",
            "monthly_amount": "25,00",
        }
    )
    assert not form.is_valid()
    assert "Une référence SEPA n'a que des lettres sans accent" in " ".join(form.errors["reference"])


def test_a_drawn_rum_is_unique_short_and_allowed(parent, creditor, cashier, other_parent, lea, chloe):
    first = make_mandate(parent, creditor, cashier)
    second = make_mandate(other_parent, creditor, cashier)
    assert first.reference != second.reference
    for mandate in (first, second):
        assert mandate.reference.startswith("OS-4388-") and len(mandate.reference) <= 35
        mandate.full_clean()


def test_the_iban_is_encrypted_at_rest_and_shown_masked(sepa_mandate):
    row = DirectDebitMandate.objects.values("iban_encrypted", "iban_hint").get()
    assert IBAN not in row["iban_encrypted"] and "0189" not in row["iban_encrypted"]
    assert row["iban_hint"] == "FR76 •••• •••• 0189"
    assert DirectDebitMandate.objects.get().iban == IBAN


def test_the_key_comes_from_the_environment_and_can_be_rotated(settings, sepa_mandate):
    from cryptography.fernet import Fernet

    crypto._fernet.cache_clear()
    old_token = DirectDebitMandate.objects.get().iban_encrypted
    new_key = Fernet.generate_key().decode()
    settings.SEPA_ENCRYPTION_KEY = new_key
    with pytest.raises(Exception):  # noqa: B017 — the derived key's token is not readable with another key
        crypto.decrypt(old_token)
    assert crypto.decrypt(crypto.encrypt(IBAN)) == IBAN
    crypto._fernet.cache_clear()
