"""Hypothesis throws right and wrong input at every door money comes through.

The till API, the signed Stripe webhook, the parents' top-up forms and the cash desk's payment
form. Every example checks: no 500 (a server error raises here: the test client re-raises it),
valid passages recorded exactly once, invalid ones rejected with a reason, every balance the sum
of its entries. ``FUZZ_EXAMPLES`` (default 1) multiplies the number of examples for a longer run;
``--hypothesis-show-statistics`` prints how many ran.
"""

from __future__ import annotations

import datetime
import itertools
import json
import os
import uuid
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import event as note
from hypothesis import strategies as st

from billing.desk.tests.helpers import ADD_URL, desk_payment_data
from billing.ledger import wallets_out_of_balance
from billing.models import EntryKind, LedgerEntry, Payment, PaymentStatus
from billing.online.payments import credit
from billing.online.providers.stripe import to_cents
from billing.online.tests.payments_helpers import online_payment
from billing.online.tests.stripe_events import SECRET, charge_object, event, session_object, signature
from billing.till.models import Till
from portal.lib.forms import MoneyField

pytestmark = pytest.mark.django_db
SCALE = int(os.environ.get("FUZZ_EXAMPLES", "1"))
FUZZ = settings(
    max_examples=40 * SCALE,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
unique = itertools.count()

# Anything JSON can carry, a little nested.
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12,
)
# Texts a person or a broken machine might send where an amount is expected.
good_amounts = st.integers(min_value=1, max_value=50_000).flatmap(
    lambda c: st.sampled_from(
        [f"{c // 100},{c % 100:02d}", f"{c // 100}.{c % 100:02d}", f" {c // 100},{c % 100:02d} € "]
    )
)
amount_texts = st.one_of(
    good_amounts,
    good_amounts,
    st.text(max_size=40),
    st.text(alphabet="0123456789,. €-+eE\u00a0", max_size=16),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.integers(min_value=0, max_value=100_000).map(lambda c: f"{c // 100},{c % 100:02d}"),
    st.sampled_from(["1e26", "1e100", "9" * 30, "1e999999999", "NaN", "-0", "12,50", "1 250,00", "1.250,00"]),
)


def assert_ledger_holds() -> None:
    assert list(wallets_out_of_balance()) == []


class TestTillApi:
    @pytest.fixture
    def till(self, school, lea, hugo):
        till = Till(establishment=school, name="Borne fuzz")
        token = till.new_token()
        till.save()
        return Client(raise_request_exception=True, headers={"Authorization": f"Bearer {token}"})

    @staticmethod
    def valid_passages(draw_amounts: list, prefix: str) -> list[dict]:
        now = timezone.now()
        return [
            {
                "card": card,
                "at": (now - datetime.timedelta(minutes=minutes)).isoformat(),
                "ref": f"{prefix}-{index}",
                **({"amount": amount} if amount else {}),
            }
            for index, (card, minutes, amount) in enumerate(draw_amounts)
        ]

    @FUZZ
    @given(
        good=st.lists(
            st.tuples(
                st.sampled_from(["10001", "10002"]),
                st.integers(min_value=0, max_value=60 * 24 * 300),
                st.one_of(st.none(), st.decimals("0.01", "10.00", places=2).map(str)),
            ),
            max_size=6,
        ),
        bad=st.lists(
            st.one_of(
                json_values,
                st.fixed_dictionaries(
                    {},
                    optional={
                        "card": st.one_of(json_values, st.sampled_from(["10001", "10002", "1000\x001"])),
                        "at": st.one_of(json_values, st.datetimes().map(lambda d: d.isoformat() + "+01:00")),
                        "ref": st.one_of(json_values, st.text(max_size=90)),
                        "amount": st.one_of(json_values, amount_texts),
                    },
                ),
            ),
            max_size=6,
        ),
        order=st.randoms(use_true_random=False),
    )
    def test_valid_passages_are_recorded_once_and_garbage_rejected_with_a_reason(self, till, good, bad, order):
        prefix = f"fuzz{next(unique)}"
        valid = self.valid_passages(good, prefix)
        garbage = [g for g in bad if not (isinstance(g, dict) and str(g.get("ref", "")).startswith(prefix))]
        batch = [(True, p) for p in valid] + [(False, g) for g in garbage]
        order.shuffle(batch)
        meals_before = LedgerEntry.objects.filter(kind=EntryKind.MEAL).count()

        response = till.post("/api/till/meals", {"passages": [p for _ok, p in batch]}, content_type="application/json")
        assert response.status_code == 200, response.content
        results = response.json()["results"]
        assert len(results) == len(batch)
        for (is_valid, sent), result in zip(batch, results, strict=True):
            if is_valid:
                assert result["status"] == "recorded", (sent, result)
            elif result["status"] == "rejected":
                assert isinstance(result["reason"], str) and result["reason"], (sent, result)
            else:  # garbage that happens to be a passage: it must be a real one of a real pupil
                assert sent["card"] in ("10001", "10002"), (sent, result)
        recorded = sum(r["status"] == "recorded" for r in results)
        note(f"passages recorded: {min(recorded, 3)}{'+' if recorded >= 3 else ''}")
        note(f"passages rejected: {'some' if any(r['status'] == 'rejected' for r in results) else 'none'}")
        assert LedgerEntry.objects.filter(kind=EntryKind.MEAL).count() == meals_before + recorded

        again = till.post("/api/till/meals", {"passages": [p for _ok, p in batch]}, content_type="application/json")
        assert again.status_code == 200
        for first, second in zip(results, again.json()["results"], strict=True):
            if first["status"] in ("recorded", "duplicate"):
                assert second["status"] == "duplicate" and second["balance"] == first["balance"]
        assert LedgerEntry.objects.filter(kind=EntryKind.MEAL).count() == meals_before + recorded
        assert_ledger_holds()

    @FUZZ
    @given(
        body=st.one_of(
            st.binary(max_size=200),
            st.text(max_size=200).map(str.encode),
            json_values.map(lambda v: json.dumps(v).encode()),
            st.integers(min_value=1, max_value=3000).map(lambda n: ("[" * n + "]" * n).encode()),
            st.integers(min_value=1, max_value=3000).map(
                lambda n: ('{"passages": ' + "[" * n + "]" * n + "}").encode()
            ),
        )
    )
    def test_any_body_gets_an_answer_never_a_server_error(self, till, body):
        meals_before = LedgerEntry.objects.count()
        response = till.post("/api/till/meals", body, content_type="application/json")
        note(f"HTTP {response.status_code}")
        assert response.status_code in (200, 400), response.content
        if response.status_code == 400:
            assert response.json()["error"]
        else:
            assert all(r["status"] == "rejected" and r["reason"] for r in response.json()["results"])
        assert LedgerEntry.objects.count() == meals_before


class TestSignedWebhook:
    @pytest.fixture(autouse=True)
    def secret(self, settings):
        settings.STRIPE_WEBHOOK_SECRET = SECRET

    @staticmethod
    def post(client, envelope) -> int:
        payload = json.dumps(envelope)
        response = client.post(
            "/billing/stripe/webhook/",
            payload,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=signature(payload),
        )
        return response.status_code

    @FUZZ
    @given(
        kind=st.one_of(
            st.just("checkout.session.completed"),
            st.just("charge.refunded"),
            st.sampled_from(
                [
                    "checkout.session.completed",
                    "checkout.session.async_payment_succeeded",
                    "checkout.session.async_payment_failed",
                    "checkout.session.expired",
                    "charge.refunded",
                    "invoice.paid",
                ]
            ),
            json_values,
        ),
        damage=st.just({})
        | st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "amount_total",
                    "currency",
                    "payment_status",
                    "client_reference_id",
                    "metadata",
                    "amount_refunded",
                    "refunds",
                ]
            ),
            json_values,
            max_size=3,
        ),
        envelope_damage=st.just({})
        | st.just({})
        | st.dictionaries(st.sampled_from(["id", "type", "data"]), json_values, max_size=2),
        refunded_cents=st.integers(min_value=0, max_value=3000),
        paid_first=st.booleans(),
    )
    def test_any_signed_event_is_answered_and_credits_at_most_once(
        self, client, parent, lea, kind, damage, envelope_damage, refunded_cents, paid_first
    ):
        payment = online_payment(parent, {lea: "20.00"}, session_id=f"cs_fuzz_{next(unique)}")
        if paid_first:  # a refund needs a paid payment; a completed event must not credit it again
            credit(payment)
        if isinstance(kind, str) and kind.startswith("charge"):
            obj = charge_object(payment, refunded=str(D(refunded_cents) / 100))
        else:
            obj = session_object(payment)
        obj.update(damage)
        envelope = event(kind if isinstance(kind, str) else "checkout.session.completed", obj)
        if not isinstance(kind, str):
            envelope["type"] = kind
        envelope.update(envelope_damage)
        for _delivery in range(2):  # Stripe delivers again: the second changes nothing
            status = self.post(client, envelope)
            note(f"HTTP {status}")
            assert status in (200, 400)
        credits = LedgerEntry.objects.filter(payment=payment, kind=EntryKind.ONLINE_PAYMENT).count()
        note(f"credited: {credits}")
        assert credits <= 1
        payment.refresh_from_db()
        assert (credits == 1) == payment.is_paid
        assert payment.refunded_amount <= payment.amount
        assert_ledger_holds()


class TestTopUpForms:
    @pytest.fixture
    def logged_in(self, client, parent, settings):
        settings.PAYMENT_PROVIDER = "demo"
        settings.DEMO_PAYMENTS_ENABLED = True
        client.force_login(parent)
        return client

    @FUZZ
    @given(amount=amount_texts, pupil=st.one_of(st.just("own"), st.text(max_size=30)), quick=st.booleans())
    def test_one_child_form_answers_every_amount(self, logged_in, lea, amount, pupil, quick):
        payments_before = Payment.objects.count()
        field = "choice" if quick else "amount"
        data = {"pupil": str(lea.pk) if pupil == "own" else pupil, field: amount, "pay": ""}
        response = logged_in.post(reverse("billing:accounts"), data)
        note(f"HTTP {response.status_code}")
        assert response.status_code in (302, 400), response.status_code
        if response.status_code == 302:
            payment = Payment.objects.latest("pk")
            assert D("20.00") <= payment.amount <= D("500.00") and payment.status != PaymentStatus.PAID
        else:
            assert Payment.objects.count() == payments_before
        assert_ledger_holds()

    @FUZZ
    @given(lea_amount=amount_texts, hugo_amount=st.just("") | good_amounts | amount_texts)
    def test_family_form_answers_every_amount(self, logged_in, lea, hugo, lea_amount, hugo_amount):
        payments_before = Payment.objects.count()
        data = {f"amount_{lea.pk}": lea_amount, f"amount_{hugo.pk}": hugo_amount, "pay": ""}
        response = logged_in.post(reverse("billing:family"), data)
        note(f"HTTP {response.status_code}")
        assert response.status_code in (302, 400), response.status_code
        if response.status_code == 302:
            payment = Payment.objects.latest("pk")
            assert sum(a.amount for a in payment.allocations.all()) == payment.amount <= D("500.00")
        else:
            assert Payment.objects.count() == payments_before


class TestDeskPaymentForm:
    @pytest.fixture
    def desk(self, client, cashier):
        client.force_login(cashier)
        return client

    @FUZZ
    @given(
        amount=amount_texts,
        parts=st.lists(st.tuples(st.sampled_from(["lea", "hugo"]), amount_texts), min_size=0, max_size=2),
        consistent=st.booleans(),
        confirm=st.booleans(),
    )
    def test_the_desk_payment_form_answers_every_amount(self, desk, lea, hugo, amount, parts, consistent, confirm):
        pupils = {"lea": lea, "hugo": hugo}
        payments_before = Payment.objects.count()
        if consistent:  # the whole amount to one pupil, as most cheques are
            parts = [("lea", amount)]
        data = desk_payment_data(
            *[(pupils[name], part) for name, part in parts], amount=amount, number=uuid.uuid4().hex[:12]
        )
        if confirm:  # what the confirmation checkbox sends: the amount read back, with a point
            field = MoneyField(required=False, allow_negative=True, allow_zero=True)
            try:
                data["confirm_amount"] = f"{field.clean(amount):.2f}"
            except (ValidationError, TypeError):
                data["confirm_amount"] = amount
        response = desk.post(ADD_URL, data)
        note(f"HTTP {response.status_code}")
        assert response.status_code in (200, 302), response.status_code
        if response.status_code == 302:
            payment = Payment.objects.latest("pk")
            assert payment.status == PaymentStatus.PAID
            assert sum(a.amount for a in payment.allocations.all()) == payment.amount
            assert to_cents(payment.amount) > 0
        else:
            assert Payment.objects.count() == payments_before
        assert_ledger_holds()
