"""Anonymising a family keeps the books: after it, no table and no export names them, and every balance still
equals its entries. Run on SQLite and on PostgreSQL (the JSON and text searches differ)."""

from __future__ import annotations

import json
from decimal import Decimal as D

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models
from django.urls import reverse
from kombu.utils.json import loads

from accounts.models import AccountRequest, User
from billing.desk.tests.helpers import desk_payment_data
from billing.ledger import book, wallets_out_of_balance
from billing.models import EntryKind, LedgerEntry, Payment
from billing.online.payments import credit
from billing.online.tests.payments_helpers import online_payment
from canteen.models import Guardianship, Pupil
from conftest import PASSWORD
from portal.family import messaging
from portal.family.leaving import leave
from portal.family.models import MessageThread, Notification
from portal.lib.models import OutboxMessage
from portal.lib.personal_data import erase

pytestmark = pytest.mark.django_db(transaction=True)

SECRETS = [
    "Quenouille",
    "Anaïs Quenouille",
    "Basile Quenouille",
    "mireille.quenouille@example.org",
    "ZK48151",
    "ZK62342",
]


@pytest.fixture
def family(school, administrator, cashier, client):
    """Mireille guards Anaïs and Basile: meals, an online payment, a cheque she wrote, messages, notifications,
    an account request, emails in the outbox and entries in the action journal, all naming them."""
    anais = Pupil.objects.create(
        establishment=school, last_name="Quenouille", first_name="Anaïs", card_number="ZK48151"
    )
    basile = Pupil.objects.create(
        establishment=school, last_name="Quenouille", first_name="Basile", card_number="ZK62342"
    )
    mireille = User.objects.create_user("mireille.quenouille@example.org", PASSWORD, first_name="Mireille")
    mireille.last_name = "Quenouille"
    mireille.save()
    for pupil in (anais, basile):
        Guardianship.objects.create(user=mireille, pupil=pupil)
    AccountRequest.objects.create(
        establishment=school,
        last_name="Quenouille",
        first_name="Anaïs",
        email=mireille.email,
        card_digits="48151",
        terms_accepted=True,
        status=AccountRequest.Status.APPROVED,
        pupil=anais,
        user=mireille,
    )
    payment = online_payment(mireille, {anais: "30.00", basile: "20.00"})
    credit(payment)
    book(anais, kind=EntryKind.MEAL, amount=D("-3.50"), label="Self", reference="till:test:1")
    client.force_login(cashier)
    response = client.post(
        reverse("admin:billing_deskpayment_add"),
        desk_payment_data(
            (anais, "10.00"), (basile, "5.00"), amount="15.00", payer="Mireille Quenouille", number="7788"
        ),
    )
    assert response.status_code == 302, response.content[:500]
    messaging.start_thread(
        establishment=school,
        subject="question",
        body="Bonjour, ici Mireille Quenouille, pour Anaïs Quenouille (carte ZK48151).",
        parent=mireille,
        pupil=anais,
    )
    thread = MessageThread.objects.get(parent=mireille)
    messaging.answer(thread, administrator, "Bonjour Mireille Quenouille, c'est noté.")
    return {"parent": mireille, "pupils": [anais, basile]}


def everything_stored() -> str:
    """Every text of every row of every table, JSON and kombu's JSON decoded too."""
    found = []
    for model in apps.get_models():
        fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, (models.CharField, models.TextField, models.JSONField, models.EmailField))
        ]
        if not fields:
            continue
        for row in model._default_manager.values_list(*fields):
            for value in row:
                if value in (None, ""):
                    continue
                text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
                found.append(text)
                if model is OutboxMessage and text.startswith("{"):
                    found.append(json.dumps(loads(text), ensure_ascii=False, default=str))
    return "\n".join(found)


def exports(client, cashier, other_guardian, pupils) -> str:
    client.force_login(cashier)
    journal = client.get(
        reverse("admin:billing_journal"), {"start": "2000-01-01", "end": "2099-12-31", "format": "csv"}
    )
    texts = [b"".join(journal.streaming_content).decode("utf-8-sig")]
    client.force_login(other_guardian)
    for pupil in pupils:
        texts.append(b"".join(client.get(reverse("billing:history_csv", args=[pupil.pk])).streaming_content).decode())
    texts.append(b"".join(client.get(reverse("portal:export_json")).streaming_content).decode())
    return "\n".join(texts)


def test_the_family_is_named_before_anonymisation(family):
    stored = everything_stored().lower()
    for secret in SECRETS:
        assert secret.lower() in stored  # the search below can fail


def test_after_anonymising_a_family_no_table_nor_export_names_them_and_the_books_balance(
    family, client, cashier, other_parent
):
    anais, basile = family["pupils"]
    for pupil in (anais, basile):  # the other guardian keeps seeing the children's books (exports)
        Guardianship.objects.create(user=other_parent, pupil=pupil)
    entries_before = list(LedgerEntry.objects.order_by("pk").values_list("pk", "amount", "balance_after"))
    payments_before = list(Payment.objects.order_by("pk").values_list("pk", "amount", "status"))
    balances_before = {p.pk: Pupil.objects.get(pk=p.pk).wallet.balance for p in (anais, basile)}
    leave(family["parent"])
    for pupil in (anais, basile):
        erase("pupil", pupil)
        Guardianship.objects.create(user=other_parent, pupil=pupil)  # erasing unlinks; linked again to export
    stored, exported = everything_stored().lower(), exports(client, cashier, other_parent, (anais, basile)).lower()
    for secret in SECRETS:
        assert secret.lower() not in stored, secret
        assert secret.lower() not in exported, secret
    assert list(LedgerEntry.objects.order_by("pk").values_list("pk", "amount", "balance_after")) == entries_before
    assert list(Payment.objects.order_by("pk").values_list("pk", "amount", "status")) == payments_before
    assert {p.pk: Pupil.objects.get(pk=p.pk).wallet.balance for p in (anais, basile)} == balances_before
    assert list(wallets_out_of_balance()) == []
    call_command("verify_wallets")  # raises on any difference


def test_the_pseudonym_is_stable_and_the_pupil_keeps_its_wallet(family):
    anais = family["pupils"][0]
    first = erase("pupil", anais)
    second = erase("pupil", Pupil.objects.get(pk=anais.pk))
    anais.refresh_from_db()
    assert first.pseudonym == second.pseudonym == f"Élève {anais.last_name}"
    assert anais.card_number == f"ANON{anais.pk}" and not anais.active and anais.anonymised_at
    assert anais.wallet.entries.count() == 3
    assert not Guardianship.objects.filter(pupil=anais).exists()


def test_an_anonymised_login_cannot_log_in_and_keeps_its_payments(family, client, school):
    parent = family["parent"]
    leave(parent)
    parent.refresh_from_db()
    assert parent.email.endswith("@anonyme.invalid") and not parent.is_active and not parent.has_usable_password()
    client.logout()
    response = client.post(
        reverse("portal:login", args=[school.code]),
        {"username": "mireille.quenouille@example.org", "password": PASSWORD},
    )
    assert "Identifiant ou mot de passe incorrect." in response.content.decode()
    assert Payment.objects.filter(user=parent).count() == 1
    assert not Notification.objects.filter(user=parent).exists()
