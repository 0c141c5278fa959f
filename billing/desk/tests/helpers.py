"""Helpers for the cash desk tests: post the admin's payment form as a browser would."""

from __future__ import annotations

import uuid

from django.urls import reverse

from billing.ledger import wallets_out_of_balance

ADD_URL = reverse("admin:billing_deskpayment_add")


def desk_payment_data(
    *parts,
    method="cheque",
    amount="50.00",
    payer="Camille Martin",
    number="1234567",
    bank="Crédit Agricole",
    received_on="2026-11-26",
) -> dict:
    """The POST of the "add" page: ``parts`` are (pupil or pupil id, amount) pairs."""
    data = {
        "method": method,
        "payer_name": payer,
        "cheque_number": number,
        "bank": bank,
        "amount": amount,
        "received_on": received_on,
        "token": uuid.uuid4().hex,
        "allocations-TOTAL_FORMS": str(len(parts)),
        "allocations-INITIAL_FORMS": "0",
        "allocations-MIN_NUM_FORMS": "0",
        "allocations-MAX_NUM_FORMS": "1000",
    }
    for index, (pupil, part) in enumerate(parts):
        data[f"allocations-{index}-pupil"] = str(getattr(pupil, "pk", pupil))
        data[f"allocations-{index}-amount"] = part
    return data


def assert_ledger_balanced() -> None:
    assert list(wallets_out_of_balance()) == []


def errors_of(response) -> str:
    """Every error message of an admin form page, as one string."""
    messages = []
    for errors in response.context.get("errors") or []:  # error lists of fields, or the formsets' messages
        messages += [errors] if isinstance(errors, str) else list(errors)
    return " ".join(messages)
