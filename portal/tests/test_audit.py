"""Audit: every change staff make, in the admin's own pages and in custom ones, leaves an entry of the
admin's log (who, when, what, in French), shown on the object's "Historique" page; refused input leaves none."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal as D
from html import unescape

import pytest
from axes.models import AccessAttempt
from django.contrib.admin.models import LogEntry
from django.contrib.admin.options import get_content_type_for_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from billing.desk.models import Correction, DebitMode, DepositSlip, DeskPayment, DirectDebit, DirectDebitMandate
from billing.desk.tests.helpers import ADD_URL, desk_payment_data
from billing.ledger import book
from billing.models import EntryKind, Payment
from billing.till.models import Till
from canteen.models import Establishment, Guardianship, Pupil
from conftest import PASSWORD
from portal.family import messaging
from portal.family.models import Subject
from portal.lib.audit import as_proxy, record
from portal.roles import ADMINISTRATION, CASHIER

pytestmark = pytest.mark.django_db


def entries_of(obj) -> list[LogEntry]:
    """The entries the admin's history page of ``obj`` lists (proxies by their own content type)."""
    return list(
        LogEntry.objects.filter(content_type=get_content_type_for_model(obj), object_id=str(obj.pk)).order_by("pk")
    )


def history_page(client, obj) -> str:
    """The object's "Historique" page, reached from the link on its own admin page."""
    opts = obj._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[obj.pk])
    change = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
    assert change.status_code == 200 and f'href="{url}"' in change.content.decode()
    response = client.get(url)
    assert response.status_code == 200
    return unescape(response.content.decode())


def assert_recorded(client, obj, *, by: User, since: datetime.datetime, says: str) -> LogEntry:
    """One entry on ``obj`` says ``says``, written by ``by`` during the test; its history page shows it."""
    [entry] = [e for e in entries_of(obj) if says in e.get_change_message()]
    assert entry.user == by
    assert since <= entry.action_time <= timezone.now()
    page = history_page(client, obj)
    assert "Historique" in page and says in page and by.email in page
    return entry


def no_entries() -> bool:
    return not LogEntry.objects.exists()


@pytest.fixture
def since() -> datetime.datetime:
    return timezone.now()


@pytest.fixture
def as_administrator(client, administrator):
    client.force_login(administrator)
    return client


# The helper.


def test_recording_without_a_user_writes_nothing(lea):
    record(None, lea, "Rien")
    assert no_entries()


def test_a_payment_seen_as_a_desk_payment_is_the_same_row_without_a_query(desk, lea, django_assert_num_queries):
    desk.post(ADD_URL, desk_payment_data((lea, "50.00")))
    payment = Payment.objects.get()
    with django_assert_num_queries(0):
        seen = as_proxy(payment, DeskPayment)
    assert isinstance(seen, DeskPayment) and not isinstance(payment, DeskPayment)
    assert (seen.pk, seen.amount, str(seen)) == (payment.pk, payment.amount, str(payment))
    assert as_proxy(seen, DeskPayment) is seen


# Account requests: validation, refusal, resending the link, bulk actions, guardians.


@pytest.fixture
def request_for_lea(make_request):
    return make_request(card_digits="10001")


def test_validating_a_request_is_recorded_on_the_request_the_pupil_and_the_login(
    as_administrator, administrator, lea, request_for_lea, since
):
    url = reverse("admin:accounts_accountrequest_validate", args=[request_for_lea.pk])
    assert as_administrator.post(url, {"pupil": lea.pk}).status_code == 302
    login = User.objects.get(email="nouveau.parent@example.com")
    assert_recorded(
        as_administrator,
        request_for_lea,
        by=administrator,
        since=since,
        says="Demande validée : nouveau.parent@example.com a maintenant accès au compte de Léa Martin.",
    )
    assert_recorded(
        as_administrator,
        lea,
        by=administrator,
        since=since,
        says=f"Responsable légal ajouté : nouveau.parent@example.com (demande de création de compte n° {request_for_lea.pk}).",
    )
    assert_recorded(
        as_administrator,
        login,
        by=administrator,
        since=since,
        says="Accès ouvert au compte de l'élève Léa Martin (École d'Esvres)",
    )


def test_validating_with_a_pupil_of_another_school_records_nothing(as_administrator, request_for_lea):
    elsewhere = Establishment.objects.create(name="Autre", code="9999", contact_email="a@b.example")
    stranger = Pupil.objects.create(establishment=elsewhere, last_name="Martin", first_name="Léa", card_number="10001")
    url = reverse("admin:accounts_accountrequest_validate", args=[request_for_lea.pk])
    assert as_administrator.post(url, {"pupil": stranger.pk}).status_code == 200
    assert no_entries()


def test_refusing_a_request_records_the_reason(as_administrator, administrator, request_for_lea, since):
    url = reverse("admin:accounts_accountrequest_refuse", args=[request_for_lea.pk])
    assert as_administrator.post(url, {"reason": ""}).status_code == 200
    assert no_entries()
    as_administrator.post(url, {"reason": "Enfant inconnu ici."})
    assert_recorded(
        as_administrator,
        request_for_lea,
        by=administrator,
        since=since,
        says="Demande refusée. Motif : Enfant inconnu ici.",
    )


def test_resending_the_activation_link_is_recorded(as_administrator, administrator, lea, request_for_lea, since):
    as_administrator.post(
        reverse("admin:accounts_accountrequest_validate", args=[request_for_lea.pk]), {"pupil": lea.pk}
    )
    as_administrator.post(reverse("admin:accounts_accountrequest_resend", args=[request_for_lea.pk]))
    assert_recorded(
        as_administrator,
        request_for_lea,
        by=administrator,
        since=since,
        says="Lien « Créer mon mot de passe » renvoyé à nouveau.parent@example.com.",
    )


def test_bulk_validation_and_refusal_are_recorded_on_each_request(
    as_administrator, administrator, lea, make_request, since
):
    sure = make_request(card_digits="10001")
    name_only = make_request(email="inconnu@example.com")
    other = make_request(email="autre@example.com", last_name="Durand", first_name="Zoé")
    changelist = reverse("admin:accounts_accountrequest_changelist")
    as_administrator.post(changelist, {"action": "validate_selected", "_selected_action": [sure.pk, name_only.pk]})
    assert_recorded(as_administrator, sure, by=administrator, since=since, says="Demande validée")
    assert entries_of(name_only) == []  # skipped by the bulk action: nothing changed, nothing recorded
    as_administrator.post(
        changelist, {"action": "refuse_selected", "_selected_action": [other.pk], "apply": "1", "reason": "Doublon."}
    )
    assert_recorded(as_administrator, other, by=administrator, since=since, says="Demande refusée. Motif : Doublon.")


def test_attaching_a_child_on_the_login_page_is_recorded_on_the_child(client, administrator, parent, chloe, since):
    superuser = User.objects.create_superuser("root@example.com", PASSWORD)
    client.force_login(superuser)
    url = reverse("admin:accounts_user_change", args=[parent.pk])
    page = client.get(url)
    data = {
        "email": parent.email,
        "first_name": parent.first_name,
        "last_name": "",
        "is_active": "on",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": parent.date_joined.strftime("%d/%m/%Y"),
        "date_joined_1": parent.date_joined.strftime("%H:%M:%S"),
    }
    formset = page.context["inline_admin_formsets"][0].formset
    data.update({f"{formset.prefix}-{k}": v for k, v in formset.management_form.initial.items()})
    for index, form in enumerate(formset.forms):
        data[f"{formset.prefix}-{index}-id"] = form.instance.pk
        data[f"{formset.prefix}-{index}-user"] = parent.pk
        data[f"{formset.prefix}-{index}-pupil"] = form.instance.pupil_id
    new = len(formset.forms)
    data[f"{formset.prefix}-TOTAL_FORMS"] = new + 1
    data[f"{formset.prefix}-{new}-user"] = parent.pk
    data[f"{formset.prefix}-{new}-pupil"] = chloe.pk
    response = client.post(url, data)
    assert response.status_code == 302, response.context["errors"] if response.context else response
    assert Guardianship.objects.filter(user=parent, pupil=chloe).exists()
    assert_recorded(
        client, chloe, by=superuser, since=since, says="Responsable légal ajouté : camille.martin@example.com."
    )


def test_a_login_s_history_hides_what_another_school_recorded(client, administrator, parent, lea, since):
    elsewhere = Establishment.objects.create(name="Collège de Tours", code="7777", contact_email="c@tours.example")
    cousin = Pupil.objects.create(establishment=elsewhere, last_name="Martin", first_name="Noé", card_number="70001")
    colleague_there = User.objects.create_user("caisse@tours.example", PASSWORD, is_staff=True)
    colleague_there.groups.add(Group.objects.get(name=ADMINISTRATION))
    elsewhere.staff.add(colleague_there)
    record(colleague_there, parent, "Rattaché(e) à l'élève Noé Martin (Collège de Tours)")
    record(administrator, parent, "Vu à l'accueil d'Esvres")
    Guardianship.objects.create(user=parent, pupil=cousin)
    client.force_login(administrator)
    page = history_page(client, parent)
    assert "Vu à l'accueil d'Esvres" in page
    assert "Noé" not in page and "Tours" not in page
    client.force_login(colleague_there)
    page = history_page(client, parent)
    assert "Noé Martin" in page and "Esvres" not in page


# The cash desk: payments, cancellations, corrections, deposit slips, direct debits, year-end.


def test_a_desk_payment_is_recorded_with_its_split(desk, cashier, lea, hugo, since):
    response = desk.post(ADD_URL, desk_payment_data((lea, "30.00"), (hugo, "20.00"), amount="50.00"))
    assert response.status_code == 302
    payment = DeskPayment.objects.get()
    assert_recorded(
        desk,
        payment,
        by=cashier,
        since=since,
        says="Encaissement enregistré : Chèque n° 1234567, 50,00\u00a0€ (Léa Martin 30,00\u00a0€, Hugo Martin 20,00\u00a0€).",
    )


def test_a_desk_payment_whose_split_does_not_add_up_records_nothing(desk, lea, hugo):
    response = desk.post(ADD_URL, desk_payment_data((lea, "30.00"), (hugo, "10.00"), amount="50.00"))
    assert response.status_code == 200
    assert no_entries()


def test_cancelling_a_desk_payment_is_recorded_on_it(desk, cashier, lea, since):
    desk.post(ADD_URL, desk_payment_data((lea, "50.00")))
    payment = DeskPayment.objects.get()
    url = reverse("admin:billing_deskpayment_cancel", args=[payment.pk])
    before = len(entries_of(payment))
    desk.post(url, {"reason": ""})
    assert len(entries_of(payment)) == before  # no reason: refused, nothing recorded
    desk.post(url, {"reason": "Chèque saisi deux fois"})
    assert_recorded(desk, payment, by=cashier, since=since, says="Paiement annulé. Motif : Chèque saisi deux fois")


def test_a_correction_is_recorded_with_amount_and_reason(desk, cashier, lea, since):
    data = {"wallet": lea.wallet.pk, "amount": "-3,50", "note": "Repas compté deux fois", "token": uuid.uuid4().hex}
    assert desk.post(reverse("admin:billing_correction_add"), data).status_code == 302
    correction = Correction.objects.get()
    assert_recorded(
        desk,
        correction,
        by=cashier,
        since=since,
        says="Correction de -3,50 € sur le compte de Léa Martin. Motif : Repas compté deux fois",
    )


def test_the_same_correction_form_sent_twice_is_recorded_once(desk, lea):
    data = {"wallet": lea.wallet.pk, "amount": "5", "note": "Repas compté deux fois", "token": uuid.uuid4().hex}
    desk.post(reverse("admin:billing_correction_add"), data)
    desk.post(reverse("admin:billing_correction_add"), data)
    assert LogEntry.objects.count() == 1


def test_a_zero_correction_records_nothing(desk, lea):
    data = {"wallet": lea.wallet.pk, "amount": "0", "note": "Rien", "token": uuid.uuid4().hex}
    assert desk.post(reverse("admin:billing_correction_add"), data).status_code == 200
    assert no_entries()


def test_a_deposit_slip_is_recorded_on_the_slip_and_each_cheque(desk, cashier, lea, hugo, since):
    desk.post(ADD_URL, desk_payment_data((lea, "30.00"), amount="30.00", number="1111111"))
    desk.post(ADD_URL, desk_payment_data((hugo, "12.35"), amount="12.35", number="2222222"))
    payments = list(DeskPayment.objects.order_by("pk"))
    changelist = reverse("admin:billing_deskpayment_changelist")
    desk.post(changelist, {"action": "make_deposit_slip", "_selected_action": [p.pk for p in payments]})
    slip = DepositSlip.objects.get()
    entry = assert_recorded(desk, slip, by=cashier, since=since, says="Bordereau fait : 2 chèques, 42,35\u00a0€.")
    assert entry.is_addition()
    for payment in payments:
        assert_recorded(desk, payment, by=cashier, since=since, says=f"bordereau n° {slip.number}")


def test_a_refused_deposit_slip_records_nothing(desk, lea):
    desk.post(ADD_URL, desk_payment_data((lea, "5.00"), method="cash", amount="5.00"))
    payment = DeskPayment.objects.get()
    before = LogEntry.objects.count()
    changelist = reverse("admin:billing_deskpayment_changelist")
    desk.post(changelist, {"action": "make_deposit_slip", "_selected_action": [payment.pk]})
    assert LogEntry.objects.count() == before and not DepositSlip.objects.exists()


@pytest.fixture
def mandate(parent, cashier, lea, hugo):
    return DirectDebitMandate.objects.create(
        user=parent,
        establishment=lea.establishment,
        reference="OS-2026-0001",
        iban="FR7630006000011234567890189",
        signed_on=datetime.date(2026, 9, 1),
        mode=DebitMode.FIXED,
        monthly_amount=D("40.00"),
        created_by=cashier,
    )


DEBITS = reverse("admin:billing_directdebit_changelist")


def test_direct_debits_prepared_confirmed_and_rejected_are_recorded(desk, cashier, mandate, since):
    prepare = reverse("admin:billing_directdebit_prepare")
    desk.post(prepare, {"month": "novembre"})
    assert no_entries()
    desk.post(prepare, {"month": "2026-11"})
    debit = DirectDebit.objects.get()
    entry = assert_recorded(
        desk, debit, by=cashier, since=since, says="Prélèvement de 11/2026 préparé : 80,00\u00a0€, échéance le"
    )
    assert entry.is_addition()
    desk.post(DEBITS, {"action": "confirm", "_selected_action": [debit.pk]})
    assert_recorded(desk, debit, by=cashier, since=since, says="Prélèvement confirmé, 80,00\u00a0€ crédités.")
    desk.post(DEBITS, {"action": "record_return", "_selected_action": [debit.pk], "code": "AM04"})
    assert_recorded(
        desk,
        debit,
        by=cashier,
        since=since,
        says="Impayé enregistré (AM04 Provision insuffisante) : 80,00\u00a0€, le parent est prévenu",
    )


def test_a_refused_impaye_records_nothing_not_even_for_the_debits_before_it(
    desk, cashier, mandate, other_parent, chloe
):
    DirectDebitMandate.objects.create(
        user=other_parent,
        establishment=chloe.establishment,
        reference="OS-2026-0002",
        iban="FR7630006000011234567890189",
        holder_name="Paul Bernard",
        signed_on=datetime.date(2026, 9, 1),
        mode=DebitMode.FIXED,
        monthly_amount=D("10.00"),
        created_by=cashier,
    )
    desk.post(reverse("admin:billing_directdebit_prepare"), {"month": "2026-11"})
    first, second = DirectDebit.objects.order_by("pk")
    desk.post(DEBITS, {"action": "confirm", "_selected_action": [first.pk]})
    before = LogEntry.objects.count()
    desk.post(
        DEBITS, {"action": "record_return", "_selected_action": [first.pk, second.pk], "code": "AM04"}
    )  # second: not confirmed
    assert LogEntry.objects.count() == before


CLOSE = reverse("admin:billing_close_balance")


def test_a_year_end_transfer_is_recorded_on_both_pupils(desk, cashier, parent, lea, hugo, since):
    book(lea, kind=EntryKind.CHEQUE, amount=D("23.47"), label="Chèque n° 1")
    data = {"pupil": lea.pk, "action": "transfer", "sibling": hugo.pk, "reason": "Départ", "token": uuid.uuid4().hex}
    assert desk.post(CLOSE, data).status_code == 302
    assert_recorded(
        desk, lea, by=cashier, since=since, says="Fin d'année : solde de 23,47\u00a0€ transféré à Hugo Martin."
    )
    assert_recorded(desk, hugo, by=cashier, since=since, says="Fin d'année : 23,47\u00a0€ reçus de Léa Martin.")


def test_a_year_end_refund_is_recorded_and_a_refused_transfer_is_not(
    desk, cashier, parent, other_parent, lea, chloe, since
):
    book(lea, kind=EntryKind.CHEQUE, amount=D("10.00"), label="Chèque n° 1")
    refused = {"pupil": lea.pk, "action": "transfer", "sibling": chloe.pk, "reason": "X", "token": uuid.uuid4().hex}
    assert desk.post(CLOSE, refused).status_code == 200
    assert no_entries()
    refund = {"pupil": lea.pk, "action": "refund", "sibling": "", "reason": "Départ", "token": uuid.uuid4().hex}
    desk.post(CLOSE, refund)
    assert_recorded(
        desk, lea, by=cashier, since=since, says="Fin d'année : solde de 10,00\u00a0€ remboursé. Motif : Départ"
    )


# Tills, closed days, unlocking a login, answers to families.


@pytest.fixture
def till_keeper(school):
    from django.contrib.auth.models import Permission

    user = User.objects.create_user("installateur@esvres.example", PASSWORD, is_staff=True)
    school.staff.add(user)
    user.user_permissions.add(
        Permission.objects.get(codename="manage_till"), Permission.objects.get(codename="view_till")
    )
    return user


def test_creating_and_revoking_a_till_are_recorded(client, till_keeper, school, since):
    client.force_login(till_keeper)
    client.post(reverse("admin:billing_till_add"), {"establishment": school.pk, "name": "Borne 1"})
    till = Till.objects.get()
    assert_recorded(
        client, till, by=till_keeper, since=since, says="Borne créée ; son jeton a été affiché une seule fois"
    )
    client.post(reverse("admin:billing_till_changelist"), {"action": "revoke", "_selected_action": [till.pk]})
    assert_recorded(client, till, by=till_keeper, since=since, says="Borne révoquée")


def test_importing_closed_days_is_recorded_on_the_establishment(as_administrator, administrator, school, since):
    url = reverse("admin:canteen_closedperiod_import")
    bad = SimpleUploadedFile("f.csv", b"debut;fin\n31/02/2026;\n")
    assert as_administrator.post(url, {"establishment": school.pk, "file": bad}).status_code == 400
    assert no_entries()
    good = SimpleUploadedFile("f.csv", "debut;fin;libelle\n19/12/2026;03/01/2027;Noël\n".encode())
    as_administrator.post(url, {"establishment": school.pk, "file": good})
    assert_recorded(
        as_administrator,
        school,
        by=administrator,
        since=since,
        says="Import de fermetures : 1 fermeture ajoutée, 0 déjà présente.",
    )


def test_a_superuser_unlocking_a_login_is_recorded_on_it(client, parent, since):
    AccessAttempt.objects.create(
        username=parent.email,
        ip_address="198.51.100.7",
        user_agent="test",
        http_accept="*/*",
        path_info="/e/4388/",
        get_data="",
        post_data="",
        failures_since_start=10,
    )
    superuser = User.objects.create_superuser("root@example.com", PASSWORD)
    client.force_login(superuser)
    changelist = reverse("admin:axes_accessattempt_changelist")
    attempts = list(AccessAttempt.objects.values_list("pk", flat=True))
    client.post(changelist, {"action": "delete_selected", "_selected_action": attempts, "post": "yes"})
    assert not AccessAttempt.objects.exists()
    assert_recorded(client, parent, by=superuser, since=since, says="Connexion débloquée")


def test_a_staff_answer_to_a_family_is_recorded_and_an_empty_one_is_not(
    as_administrator, administrator, parent, lea, school, since
):
    thread = messaging.start_thread(
        establishment=school, subject=Subject.QUESTION, body="Léa mange-t-elle bien ?", parent=parent, pupil=lea
    )
    url = reverse("admin:portal_messagethread_change", args=[thread.pk])
    as_administrator.post(url, {"answer": "   "})
    assert no_entries()
    as_administrator.post(url, {"answer": "Oui, très bien."})
    assert_recorded(
        as_administrator,
        thread,
        by=administrator,
        since=since,
        says="Réponse envoyée à la famille : « Oui, très bien. »",
    )


# Who may read the history.


def test_another_school_s_history_is_refused(client, school, lea, cashier, since):
    elsewhere = Establishment.objects.create(name="Collège de Tours", code="7777", contact_email="c@tours.example")
    stranger = User.objects.create_user("caisse@tours.example", PASSWORD, is_staff=True)
    stranger.groups.add(Group.objects.get(name=CASHIER))
    elsewhere.staff.add(stranger)
    record(cashier, lea, "Note d'Esvres")
    client.force_login(stranger)
    response = client.get(reverse("admin:canteen_pupil_history", args=[lea.pk]))
    assert response.status_code in (403, 404)
    assert "Note d'Esvres" not in response.content.decode()


def test_the_action_journal_is_for_superusers_only(client, administrator, lea):
    record(administrator, lea, "Vu à l'accueil")
    url = reverse("admin:admin_logentry_changelist")
    client.force_login(administrator)
    assert client.get(url).status_code == 403
    client.force_login(User.objects.create_superuser("root@example.com", PASSWORD))
    page = unescape(client.get(url).content.decode())
    assert "Journal des actions" in page and "Vu à l'accueil" in page and administrator.email in page
