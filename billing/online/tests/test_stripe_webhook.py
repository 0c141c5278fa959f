"""The Stripe webhook: signatures, replays, disorder, refunds. After each, the ledger holds and credits are unique."""

from __future__ import annotations

import json
import time
from decimal import Decimal as D

import pytest
from django.db import OperationalError

from billing.ledger import wallets_out_of_balance
from billing.models import EntryKind, LedgerEntry, PaymentStatus, Wallet
from billing.online.models import StripeEvent
from billing.online.payments import credit

from .payments_helpers import online_payment
from .stripe_events import SECRET, charge_object, event, post_event, session_object, signature

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def webhook_secret(settings):
    settings.STRIPE_WEBHOOK_SECRET = SECRET


def balance(pupil) -> D:
    return Wallet.objects.get(pupil=pupil).balance


def credits() -> int:
    return LedgerEntry.objects.filter(kind=EntryKind.ONLINE_PAYMENT).count()


def assert_ledger_holds():
    assert list(wallets_out_of_balance()) == []


@pytest.fixture
def payment(parent, lea):
    return online_payment(parent, {lea: "20.00"})


def completed(payment, **kwargs):
    return event("checkout.session.completed", session_object(payment, **kwargs))


def test_refuses_an_event_without_signature(client, payment, lea):
    response = client.post("/billing/stripe/webhook/", json.dumps(completed(payment)), content_type="application/json")
    assert response.status_code == 400
    assert credits() == 0 and StripeEvent.objects.count() == 0
    assert_ledger_holds()


def test_refuses_an_event_signed_with_another_secret(client, payment):
    envelope = completed(payment)
    response = post_event(client, envelope, header=signature(json.dumps(envelope), secret="whsec_someone_else"))
    assert response.status_code == 400
    assert credits() == 0


def test_refuses_a_stale_signature(client, payment):
    envelope = completed(payment)
    an_hour_ago = int(time.time()) - 3600
    response = post_event(client, envelope, header=signature(json.dumps(envelope), timestamp=an_hour_ago))
    assert response.status_code == 400
    assert credits() == 0


def test_refuses_a_body_altered_after_signing(client, payment):
    envelope = completed(payment)
    header = signature(json.dumps(envelope))
    envelope["data"]["object"]["amount_total"] = 50000
    response = post_event(client, envelope, header=header)
    assert response.status_code == 400
    assert credits() == 0


def test_refuses_everything_when_no_secret_is_configured(client, payment, settings):
    settings.STRIPE_WEBHOOK_SECRET = None
    response = post_event(client, completed(payment))
    assert response.status_code == 400
    assert credits() == 0


def test_a_paid_session_credits_the_child_once(client, payment, lea):
    response = post_event(client, completed(payment))
    assert response.status_code == 200
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID and payment.paid_at is not None
    entry = LedgerEntry.objects.get(kind=EntryKind.ONLINE_PAYMENT)
    assert (entry.amount, entry.label, entry.reference) == (
        D("20.00"),
        "Paiement en ligne",
        f"payment:{payment.pk}:credit:{lea.pk}",
    )
    assert balance(lea) == D("20.00")
    assert_ledger_holds()


def test_the_same_event_delivered_fifty_times_credits_once(client, payment, lea):
    envelope = completed(payment)
    responses = {post_event(client, envelope).status_code for _ in range(50)}
    assert responses == {200}
    assert credits() == 1 and balance(lea) == D("20.00")
    assert StripeEvent.objects.count() == 1
    assert_ledger_holds()


def test_completed_and_async_succeeded_for_one_session_credit_once(client, payment, lea):
    post_event(client, event("checkout.session.async_payment_succeeded", session_object(payment)))
    post_event(client, completed(payment))
    assert credits() == 1 and balance(lea) == D("20.00")


def test_completed_after_the_return_page_fulfilled_changes_nothing(client, payment, lea):
    assert credit(payment)
    response = post_event(client, completed(payment))
    assert response.status_code == 200
    assert credits() == 1 and balance(lea) == D("20.00")
    assert_ledger_holds()


def test_an_unpaid_completed_session_waits_for_the_async_result(client, payment, lea):
    post_event(client, completed(payment, payment_status="unpaid"))
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PENDING and credits() == 0
    post_event(client, event("checkout.session.async_payment_succeeded", session_object(payment)))
    assert credits() == 1 and balance(lea) == D("20.00")


def test_a_failed_async_payment_credits_nothing(client, payment):
    post_event(client, event("checkout.session.async_payment_failed", session_object(payment, payment_status="unpaid")))
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.FAILED and credits() == 0


def test_an_expired_session_cancels_an_unpaid_payment(client, payment):
    post_event(
        client, event("checkout.session.expired", session_object(payment, payment_status="unpaid", status="expired"))
    )
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.CANCELED and credits() == 0


def test_expired_after_completed_keeps_the_payment_paid(client, payment, lea):
    post_event(client, completed(payment))
    post_event(
        client, event("checkout.session.expired", session_object(payment, payment_status="unpaid", status="expired"))
    )
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID
    assert credits() == 1 and balance(lea) == D("20.00")
    assert_ledger_holds()


def test_a_session_whose_amount_differs_from_the_payment_credits_nothing(client, payment):
    session = session_object(payment)
    session["amount_total"] = 2500
    post_event(client, event("checkout.session.completed", session))
    assert credits() == 0


def test_an_event_for_an_unknown_session_is_answered_and_ignored(client, payment):
    session = session_object(payment)
    session.update(id="cs_test_unknown", client_reference_id="999999")
    response = post_event(client, event("checkout.session.completed", session))
    assert response.status_code == 200
    assert credits() == 0
    assert_ledger_holds()


def test_an_unknown_event_type_is_answered_and_ignored(client, payment):
    response = post_event(client, event("customer.created", {"id": "cus_1", "object": "customer"}))
    assert response.status_code == 200
    assert credits() == 0


def test_a_full_refund_books_it_back_with_a_reason(client, payment, lea):
    post_event(client, completed(payment))
    response = post_event(
        client, event("charge.refunded", charge_object(payment, refunded="20.00", reason="requested_by_customer"))
    )
    assert response.status_code == 200
    refund = LedgerEntry.objects.get(kind=EntryKind.REFUND)
    assert refund.amount == D("-20.00") and refund.note == "Remboursement à la demande du responsable légal"
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED and payment.refunded_amount == D("20.00")
    assert balance(lea) == D("0.00")
    assert_ledger_holds()


def test_partial_refunds_book_only_the_difference_whatever_the_order(client, payment, lea):
    post_event(client, completed(payment))
    second = event("charge.refunded", charge_object(payment, refunded="12.00"))
    first = event("charge.refunded", charge_object(payment, refunded="5.00"))
    for envelope in (second, first, second):  # out of order, and the second delivered twice
        assert post_event(client, envelope).status_code == 200
    assert sum(e.amount for e in LedgerEntry.objects.filter(kind=EntryKind.REFUND)) == D("-12.00")
    assert balance(lea) == D("8.00")
    payment.refresh_from_db()
    assert payment.status == PaymentStatus.PAID and payment.refunded_amount == D("12.00")
    assert_ledger_holds()


def test_a_refund_of_a_split_payment_goes_back_pro_rata_to_the_cent(client, parent, lea, hugo):
    payment = online_payment(parent, {lea: "20.00", hugo: "30.00"})
    post_event(client, completed(payment))
    post_event(client, event("charge.refunded", charge_object(payment, refunded="10.01")))
    refunds = {e.wallet.pupil_id: e.amount for e in LedgerEntry.objects.filter(kind=EntryKind.REFUND)}
    assert refunds == {hugo.pk: D("-6.01"), lea.pk: D("-4.00")}
    assert balance(lea) + balance(hugo) == D("39.99")
    assert_ledger_holds()


def test_a_refund_before_the_payment_is_credited_books_nothing(client, payment):
    post_event(client, event("charge.refunded", charge_object(payment, refunded="20.00")))
    assert not LedgerEntry.objects.exists()


def test_a_database_failure_answers_503_and_keeps_the_event_for_a_retry(client, payment, lea, monkeypatch):
    def unavailable(*args, **kwargs):
        raise OperationalError("lock timeout")

    monkeypatch.setattr("billing.online.providers.stripe.payments.credit", unavailable)
    envelope = completed(payment)
    assert post_event(client, envelope).status_code == 503
    assert StripeEvent.objects.count() == 0
    monkeypatch.undo()
    assert post_event(client, envelope).status_code == 200
    assert credits() == 1 and balance(lea) == D("20.00")


class TestMalformedSignedEvents:
    """Signed by Stripe's secret but not of Stripe's shape: 400, logged with the event's id, nothing changed."""

    @pytest.mark.parametrize(
        "damage",
        [
            lambda e: e.pop("data"),
            lambda e: e.update(data="x"),
            lambda e: e["data"].update(object="une chaîne"),
            lambda e: e["data"].update(object=None),
            lambda e: e.update(type=["checkout.session.completed"]),
            lambda e: e.update(type=None),
            lambda e: e.update(id={"x": 1}),
            lambda e: e.update(id="evt_" + "x" * 300),
            lambda e: e["data"]["object"].update(id=12),
            lambda e: e["data"]["object"].update(id=None),
        ],
    )
    def test_a_malformed_session_event_is_a_400(self, client, payment, damage, caplog):
        envelope = completed(payment)
        damage(envelope)
        response = post_event(client, envelope)
        assert response.status_code == 400
        assert "malformed" in caplog.text
        assert credits() == 0 and StripeEvent.objects.count() == 0
        assert_ledger_holds()

    @pytest.mark.parametrize(
        "damage",
        [
            lambda c: c.update(amount_refunded="abc"),
            lambda c: c.update(amount_refunded=True),
            lambda c: c.update(amount_refunded=-100),
            lambda c: c.update(amount_refunded=10**30),
            lambda c: c.update(amount_refunded=12.5),
            lambda c: c.update(refunds="x"),
            lambda c: c["refunds"].update(data="x"),
            lambda c: c["refunds"].update(data=["x"]),
            lambda c: c.update(metadata=["1"]),
        ],
    )
    def test_a_malformed_refund_is_a_400_and_refunds_nothing(self, client, payment, lea, damage, caplog):
        credit(payment)
        envelope = event("charge.refunded", charge_object(payment, refunded="20.00"), event_id="evt_bad_refund")
        damage(envelope["data"]["object"])
        response = post_event(client, envelope)
        assert response.status_code == 400
        assert "evt_bad_refund" in caplog.text
        assert balance(lea) == D("20.00")
        assert StripeEvent.objects.count() == 0
        assert_ledger_holds()

    @pytest.mark.parametrize("payment_id", ["9" * 5000, "9" * 19, "１２", "-1"])
    def test_an_absurd_payment_number_is_an_unknown_payment(self, client, payment, lea, payment_id):
        credit(payment)
        charge = charge_object(payment, refunded="20.00")
        charge["metadata"]["payment_id"] = payment_id
        response = post_event(client, event("charge.refunded", charge))
        assert response.status_code == 200 and response.content == b"unknown payment"
        assert balance(lea) == D("20.00")

    def test_a_signed_body_that_is_not_an_object_is_a_400(self, client):
        for payload in ("[]", '"x"', "[" * 100_000 + "]" * 100_000):
            response = client.post(
                "/billing/stripe/webhook/",
                payload,
                content_type="application/json",
                HTTP_STRIPE_SIGNATURE=signature(payload),
            )
            assert response.status_code == 400

    def test_a_bug_of_ours_is_logged_and_not_a_500(self, client, payment, monkeypatch, caplog):
        def broken(event):
            raise ZeroDivisionError("bug")

        monkeypatch.setattr("billing.online.webhooks.handle_event", broken)
        envelope = completed(payment)
        response = post_event(client, envelope)
        assert response.status_code == 400
        assert envelope["id"] in caplog.text and "ZeroDivisionError" in caplog.text
        assert StripeEvent.objects.count() == 0  # delivered again after the fix, it is processed
