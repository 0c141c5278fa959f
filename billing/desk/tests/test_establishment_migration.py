"""Slips and mandates recorded before they had an establishment get it from their pupils (billing 0012)."""

import datetime
from decimal import Decimal as D

import pytest

from tests.migrations import latest, migrate

pytestmark = pytest.mark.django_db(transaction=True)
BEFORE = [("billing", "0010_till_manage_permission"), ("canteen", "0008_establishment_staff")]
AFTER = [("billing", "0012_fill_establishment_of_slips_and_mandates")]


def test_existing_slips_and_mandates_get_the_establishment_of_their_pupils():
    old = migrate(BEFORE)
    Establishment, Pupil = old.get_model("canteen", "Establishment"), old.get_model("canteen", "Pupil")
    User, Guardianship = old.get_model("accounts", "User"), old.get_model("canteen", "Guardianship")
    Payment, Allocation = old.get_model("billing", "Payment"), old.get_model("billing", "PaymentAllocation")
    Offline, Slip = old.get_model("billing", "OfflinePayment"), old.get_model("billing", "DepositSlip")
    Mandate = old.get_model("billing", "DirectDebitMandate")

    Establishment.objects.create(name="Esvres", code="4388", beneficiary="x", address="y")  # not the one
    second = Establishment.objects.create(name="Balzac", code="4390", beneficiary="x", address="y")
    sofia = Pupil.objects.create(establishment=second, last_name="Lopez", first_name="Sofia", card_number="1")
    cashier = User.objects.create(email="caisse@example.com", is_staff=True)
    parent = User.objects.create(email="lopez@example.com")
    childless = User.objects.create(email="sans.enfant@example.com")
    Guardianship.objects.create(user=parent, pupil=sofia)
    slip, empty_slip = Slip.objects.create(created_by=cashier), Slip.objects.create(created_by=cashier)
    payment = Payment.objects.create(method="cheque", status="paid", amount=D("20.00"))
    Allocation.objects.create(payment=payment, pupil=sofia, amount=D("20.00"))
    Offline.objects.create(
        payment=payment, drawer="Lopez", cheque_number="1", received_on=datetime.date(2026, 11, 2), deposit_slip=slip
    )
    mandate_values = {"iban": "FR76", "signed_on": datetime.date(2026, 9, 1), "created_by": cashier}
    mandate = Mandate.objects.create(user=parent, reference="A", **mandate_values)
    orphan = Mandate.objects.create(user=childless, reference="B", **mandate_values)

    new = migrate(AFTER)
    Slip, Mandate = new.get_model("billing", "DepositSlip"), new.get_model("billing", "DirectDebitMandate")
    assert Slip.objects.get(pk=slip.pk).establishment_id == second.pk
    assert Mandate.objects.get(pk=mandate.pk).establishment_id == second.pk
    # Nothing tells these ones' establishment: left empty, seen by superusers only.
    assert Slip.objects.get(pk=empty_slip.pk).establishment_id is None
    assert Mandate.objects.get(pk=orphan.pk).establishment_id is None
    migrate(latest())
