"""A school that collects SEPA direct debits, a parent's mandate, and the month prepared: what every SEPA test needs."""

from __future__ import annotations

import datetime
from decimal import Decimal as D

import pytest

from billing.desk.models import DebitMode, DirectDebit, DirectDebitMandate
from billing.desk.operations import prepare_direct_debits
from billing.desk.sepa.mandates import save_with_reference

IBAN = "FR7630006000011234567890189"
ICS = "FR72ZZZ123456"
# The month of January 2027: prepared on 10 December, collected on Tuesday 5 January.
MONTH = datetime.date(2027, 1, 1)
PREPARED_ON = datetime.date(2026, 12, 10)
COLLECTION = datetime.date(2027, 1, 5)


@pytest.fixture
def creditor(school):
    school.creditor_identifier = ICS
    school.bank_account = "FR1420041010050500013M02606"
    school.bank_bic = "PSSTFRPP"
    school.save()
    return school


def make_mandate(parent, creditor, created_by, **fields) -> DirectDebitMandate:
    mandate = DirectDebitMandate(
        user=parent,
        establishment=creditor,
        holder_name="Camille Martin",
        holder_address="1 rue des Écoles\n37320 Esvres",
        signed_on=datetime.date(2026, 9, 1),
        mode=DebitMode.FIXED,
        monthly_amount=D("25.00"),
        created_by=created_by,
        **fields,
    )
    mandate.iban = fields.pop("iban", IBAN)
    return save_with_reference(mandate)


@pytest.fixture
def sepa_mandate(parent, creditor, cashier, lea, hugo) -> DirectDebitMandate:
    return make_mandate(parent, creditor, cashier)


@pytest.fixture
def prepared(sepa_mandate) -> DirectDebit:
    (debit,) = prepare_direct_debits(MONTH, today=PREPARED_ON)
    return debit
