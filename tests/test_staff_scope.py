"""Staff of school A on school B's objects, on every admin page: nothing of B is listed, shown or changed.

The sweep goes through every model registered in the admin (changelist, its search and establishment
filter, add, change, history, delete) and every custom page (validation, cancellation, deposit slip
printing, direct-debit preparation, journal and its CSV, negative balances, year-end, closed days'
import, password change) as a school A administrator and cashier, with school B's data in the database:
B's rows are absent, B's object by URL answers 403 or 404, and posting B's ids (forms, actions,
autocompletes) is refused and changes nothing. Raw provider events, the outbox, task failures, groups
and login attempts are superuser-only. Parents get the admin's login page on every admin URL.
"""

from __future__ import annotations

import datetime
import html
import re
import uuid
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import URLPattern, URLResolver, reverse
from django.utils import timezone

from accounts.models import AccountRequest, User
from billing.desk import operations
from billing.desk.models import (
    BankFile,
    BankReturnFile,
    Correction,
    DebitMode,
    DepositSlip,
    DeskPayment,
    DirectDebit,
    DirectDebitMandate,
)
from billing.desk.tests.helpers import ADD_URL as DESK_ADD_URL
from billing.desk.tests.helpers import desk_payment_data
from billing.ledger import book
from billing.models import EntryKind, Payment, PaymentAllocation, PaymentMethod, PaymentStatus, Wallet
from billing.online.models import StripeEvent
from billing.till.models import Till
from canteen.booking.models import BookingSettings, KitchenCount, Service
from canteen.models import ClosedPeriod, Establishment, Guardianship, Pupil, Tariff
from conftest import PASSWORD
from portal.family.models import MessageThread, PrivacyNotice, Subject
from portal.lib.models import OutboxMessage, TaskFailure
from portal.roles import CASHIER

pytestmark = pytest.mark.django_db

SECRET = "Zoé-Lointaine"  # a name that appears only in school B's data
MONTH = datetime.date(2026, 11, 1)
# Not any establishment's data: only superusers, who run the instance, see these pages.
SUPERUSER_ONLY = {
    "admin.logentry",  # the audit's "Journal des actions", where registered
    "auth.group",
    "axes.accessattempt",
    "axes.accesslog",
    "axes.accessfailurelog",
    "billing.stripeevent",
    "lib.outboxmessage",
    "lib.taskfailure",
}
REGISTERED = sorted(model._meta.label_lower for model in admin.site._registry)


@pytest.fixture
def school_b(db):
    school = Establishment.objects.create(
        name="Collège Lointain",
        code="7777",
        contact_email="b@lointain.example",
        beneficiary="Cantine Lointaine",
        address="1 rue B",
    )
    Tariff.objects.create(
        establishment=school, category="Élève", price=Decimal("4.00"), valid_from=datetime.date(2020, 9, 1)
    )
    return school


@pytest.fixture
def b_objects(school_b):
    """One of each of school B's objects, made by B's own cashier through the usual roads; keyed by model."""
    b_cashier = User.objects.create_user("caisse@lointain.example", None, is_staff=True)  # no password: faster
    b_cashier.groups.add(Group.objects.get(name=CASHIER))
    school_b.staff.add(b_cashier)
    pupil = Pupil.objects.create(establishment=school_b, last_name=SECRET, first_name="Zoé", card_number="77001")
    sibling = Pupil.objects.create(establishment=school_b, last_name=SECRET, first_name="Noé", card_number="77002")
    parent_b = User.objects.create_user("parent.lointain@example.com", None, last_name=SECRET)
    Guardianship.objects.create(user=parent_b, pupil=pupil)
    Guardianship.objects.create(user=parent_b, pupil=sibling)
    entry = book(pupil, kind=EntryKind.CASH, amount=Decimal("12.00"), label=f"Espèces {SECRET}")
    book(sibling, kind=EntryKind.MEAL, amount=Decimal("-3.50"), label="Self")  # a negative balance
    payment = Payment.objects.create(
        method=PaymentMethod.ONLINE, amount=Decimal("12.00"), user=parent_b, payer_name=SECRET
    )
    PaymentAllocation.objects.create(payment=payment, pupil=pupil, amount=Decimal("12.00"))
    request = AccountRequest.objects.create(
        establishment=school_b,
        last_name=SECRET,
        first_name="Zoé",
        email="demande.lointaine@example.com",
        card_digits="77001",
    )
    till = Till(establishment=school_b, name=f"Borne {SECRET}")
    till.new_token()
    till.save()

    desk = Client()
    desk.force_login(b_cashier)
    for number in ("7000001", "7000002"):  # one cheque deposited, one still to deposit
        desk.post(DESK_ADD_URL, desk_payment_data((pupil, "20.00"), amount="20.00", payer=SECRET, number=number))
    deposited, to_deposit = DeskPayment.objects.filter(method=PaymentMethod.CHEQUE).order_by("pk")
    slip = operations.make_deposit_slip([deposited.offline], user=b_cashier)
    operations.book_correction(pupil, amount=Decimal("1.00"), reason=SECRET, token="b", user=b_cashier)
    mandate = DirectDebitMandate.objects.create(
        user=parent_b,
        establishment=school_b,
        reference="OS-LOINTAIN-1",
        iban="FR7630006000011234567890189",
        signed_on=datetime.date(2026, 9, 1),
        mode=DebitMode.FIXED,
        monthly_amount=Decimal("30.00"),
        created_by=b_cashier,
    )
    (debit,) = operations.prepare_direct_debits(MONTH, establishments=Establishment.objects.filter(pk=school_b.pk))
    closed = ClosedPeriod.objects.create(
        establishment=school_b, start=datetime.date(2026, 12, 21), end=datetime.date(2027, 1, 3), label=SECRET
    )
    booking = BookingSettings.objects.create(establishment=school_b, enabled=True)
    service = Service.objects.create(establishment=school_b)
    count = KitchenCount.objects.create(
        service=service, day=datetime.date(2026, 12, 1), category="Élève", class_name=SECRET[:50], booked=3
    )
    thread = MessageThread.objects.create(
        establishment=school_b,
        parent=parent_b,
        pupil=pupil,
        subject=Subject.choices[0][0],
        sender_name=SECRET,
        sender_email=parent_b.email,
    )
    from canteen.tests.quotients import declare, make_grid

    quotient = declare(parent_b, school_b)
    quotient.refusal_reason = SECRET
    quotient.save()
    return {
        "canteen.establishment": school_b,
        "canteen.tariffgrid": make_grid(school_b, datetime.date(2026, 9, 1), category=SECRET),
        "canteen.familyquotient": quotient,
        "canteen.pupil": pupil,
        "canteen.tariff": Tariff.objects.get(establishment=school_b),
        "canteen.closedperiod": closed,
        "canteen.bookingsettings": booking,
        "canteen.service": service,
        "canteen.kitchencount": count,
        "accounts.user": parent_b,
        "accounts.accountrequest": request,
        "billing.wallet": Wallet.objects.get(pupil=pupil),
        "billing.ledgerentry": entry.entry,
        "billing.payment": payment,
        "billing.till": till,
        "billing.deskpayment": to_deposit,
        "billing.correction": Correction.objects.get(note=SECRET),
        "billing.depositslip": slip,
        "billing.directdebitmandate": mandate,
        "billing.directdebit": debit,
        "billing.bankfile": BankFile.objects.create(
            establishment=school_b,
            collection_date=MONTH,
            version="pain.008.001.08",
            message_id=f"OS-{SECRET}"[:35],
            transactions=1,
            control_sum=Decimal("30.00"),
            created_by=b_cashier,
        ),
        "billing.bankreturnfile": BankReturnFile.objects.create(
            establishment=school_b, name=f"{SECRET}.xml", sha256="0" * 64, imported_by=b_cashier
        ),
        "billing.stripeevent": StripeEvent.objects.create(event_id=f"evt_{SECRET}", type="checkout.session.completed"),
        "portal.messagethread": thread,
        "portal.privacynotice": PrivacyNotice.objects.create(establishment=school_b, controller=f"Mairie {SECRET}"),
        "lib.outboxmessage": OutboxMessage.objects.create(
            name="account-activation", recipients=[parent_b.email], context="{}", next_attempt_at=timezone.now()
        ),
        "lib.taskfailure": TaskFailure.objects.create(task="x", arguments=SECRET, error=SECRET),
        "auth.group": Group.objects.get(name=CASHIER),
        "sibling": sibling,
    }


def assert_nothing_of_b(response, what) -> None:
    page = (response.getvalue() if response.streaming else response.content).decode()
    assert SECRET not in page and "Lointain" not in page, what


@pytest.fixture(params=["administrator", "cashier"])
def staff_a(request, client, lea, parent):
    """A school A staff member (and A's own families in the database), logged in."""
    user = request.getfixturevalue(request.param)
    client.force_login(user)
    return user


@pytest.mark.parametrize("model", REGISTERED)
def test_every_admin_page_of_every_model_hides_school_b(client, staff_a, b_objects, model):
    app, name = model.split(".")
    changelist = reverse(f"admin:{app}_{name}_changelist")
    if model in SUPERUSER_ONLY:
        assert client.get(changelist).status_code == 403, model
    establishment = b_objects["canteen.establishment"].pk
    for query in ["", "?q=lointain", f"?establishment__id__exact={establishment}"]:
        response = client.get(changelist + query)
        if response.status_code == 302:  # a filter the page does not have: Django's "?e=1"
            assert response["Location"].endswith("?e=1"), (model, query)
            continue
        assert response.status_code in (200, 403), (model, query)
        assert_nothing_of_b(response, (model, query))
    response = client.get(reverse(f"admin:{app}_{name}_add"))
    assert response.status_code in (200, 403), model
    assert_nothing_of_b(response, (model, "add"))
    if model in b_objects:
        obj = b_objects[model]
        for view in ["change", "history", "delete"]:
            response = client.get(reverse(f"admin:{app}_{name}_{view}", args=[obj.pk]))
            assert response.status_code in (403, 404), (model, view, response.status_code)
    assert model in b_objects or model in SUPERUSER_ONLY, f"{model}: give school B an object to sweep"


@pytest.mark.parametrize(
    "url",
    [
        pytest.param(
            lambda b: reverse("admin:billing_deskpayment_cancel", args=[b["billing.deskpayment"].pk]), id="cancel"
        ),
        pytest.param(
            lambda b: reverse("admin:billing_depositslip_print", args=[b["billing.depositslip"].pk]), id="print"
        ),
        pytest.param(lambda b: reverse("admin:auth_user_password_change", args=[b["accounts.user"].pk]), id="password"),
        pytest.param(
            lambda b: reverse("admin:accounts_accountrequest_validate", args=[b["accounts.accountrequest"].pk]),
            id="validate",
        ),
    ],
)
def test_another_school_s_object_by_custom_url_is_refused(client, staff_a, b_objects, url):
    assert client.get(url(b_objects)).status_code in (403, 404)


@pytest.mark.parametrize(
    "url",
    [
        reverse("admin:billing_journal"),
        reverse("admin:billing_journal") + "?format=csv&start=TODAY&end=TODAY",
        reverse("admin:billing_negative_balances"),
        reverse("admin:billing_close_balance"),
        reverse("admin:billing_directdebit_prepare"),
        reverse("admin:canteen_closedperiod_import"),
        reverse("admin:index"),
    ],
)
def test_the_custom_pages_show_nothing_of_school_b(client, staff_a, b_objects, url):
    # The journal's default range is today, when B's money moved.
    response = client.get(url.replace("TODAY", timezone.localdate().isoformat()))
    assert response.status_code in (200, 403), url
    assert_nothing_of_b(response, url)


def test_the_journal_counts_only_school_a_s_money(client, cashier, lea, b_objects):
    book(lea, kind=EntryKind.CASH, amount=Decimal("5.00"), label="Espèces")
    client.force_login(cashier)
    today = timezone.localdate().isoformat()
    journal = client.get(reverse("admin:billing_journal"), {"start": today, "end": today}).context["journal"]
    assert journal.total == Decimal("5.00") and list(journal.by_establishment) == ["École d'Esvres"]
    csv = client.get(reverse("admin:billing_journal"), {"start": today, "end": today, "format": "csv"})
    assert csv.getvalue().decode("utf-8-sig").splitlines()[-1] == "Total;;;;;;;5,00"


@pytest.fixture
def desk_a(client, cashier, lea):
    """School A's cashier, who may record: the strongest staff member at the cash desk."""
    client.force_login(cashier)
    return client


def test_another_school_s_cheque_cannot_be_cancelled(desk_a, b_objects):
    cheque = b_objects["billing.deskpayment"]
    url = reverse("admin:billing_deskpayment_cancel", args=[cheque.pk])
    assert desk_a.post(url, {"reason": "x"}).status_code in (403, 404)
    cheque.refresh_from_db()
    assert cheque.status == PaymentStatus.PAID


def test_another_school_s_cheque_cannot_go_on_a_deposit_slip(desk_a, b_objects):
    cheque = b_objects["billing.deskpayment"]
    changelist = reverse("admin:billing_deskpayment_changelist")
    desk_a.post(changelist, {"action": "make_deposit_slip", ACTION_CHECKBOX_NAME: [cheque.pk]})
    cheque.offline.refresh_from_db()
    assert cheque.offline.deposit_slip is None and DepositSlip.objects.count() == 1


def test_another_school_s_direct_debits_are_neither_prepared_nor_confirmed(desk_a, b_objects):
    debit = b_objects["billing.directdebit"]
    desk_a.post(
        reverse("admin:billing_directdebit_changelist"), {"action": "confirm", ACTION_CHECKBOX_NAME: [debit.pk]}
    )
    debit.payment.refresh_from_db()
    assert debit.payment.status == PaymentStatus.PENDING
    desk_a.post(reverse("admin:billing_directdebit_prepare"), {"month": "2026-12"})
    assert list(DirectDebit.objects.all()) == [debit]


def test_another_school_s_mandate_cannot_be_recorded_or_changed(desk_a, b_objects):
    mandate = b_objects["billing.directdebitmandate"]
    response = desk_a.post(
        reverse("admin:billing_directdebitmandate_add"),
        {
            "user": b_objects["accounts.user"].pk,
            "establishment": b_objects["canteen.establishment"].pk,
            "reference": "OS-INTRUS",
            "iban": "FR7630006000011234567890189",
            "signed_on": "2026-09-01",
            "mode": "fixed",
            "monthly_amount": "10,00",
            "active": "on",
        },
    )
    assert response.status_code == 200 and not DirectDebitMandate.objects.filter(reference="OS-INTRUS").exists()
    url = reverse("admin:billing_directdebitmandate_change", args=[mandate.pk])
    assert desk_a.post(url, {"mode": "fixed", "monthly_amount": "1,00"}).status_code in (403, 404)
    mandate.refresh_from_db()
    assert mandate.active and mandate.monthly_amount == Decimal("30.00")


def test_another_school_s_pupil_cannot_be_credited_or_corrected(desk_a, b_objects):
    pupil, wallet = b_objects["canteen.pupil"], b_objects["billing.wallet"]
    payments, corrections = Payment.objects.count(), Correction.objects.count()
    desk_a.post(DESK_ADD_URL, desk_payment_data((pupil, "10.00"), amount="10.00", number="9999999"))
    correction = {"wallet": wallet.pk, "amount": "5,00", "note": "x", "token": uuid.uuid4().hex}
    desk_a.post(reverse("admin:billing_correction_add"), correction)
    assert Payment.objects.count() == payments and Correction.objects.count() == corrections
    assert Wallet.objects.get(pk=wallet.pk).balance == wallet.balance


def test_another_school_s_balance_cannot_be_closed_at_year_end(desk_a, lea, b_objects):
    pupil, sibling = b_objects["canteen.pupil"], b_objects["sibling"]
    url = reverse("admin:billing_close_balance")
    for data in [
        {"pupil": pupil.pk, "action": "transfer", "sibling": sibling.pk},
        {"pupil": pupil.pk, "action": "refund"},
        {"pupil": lea.pk, "action": "transfer", "sibling": sibling.pk},
    ]:
        response = desk_a.post(url, {**data, "reason": "x", "token": uuid.uuid4().hex})
        assert "Élève inconnu : choisissez-le dans la liste." in response.content.decode(), data
    assert Wallet.objects.get(pupil=pupil).balance == b_objects["billing.wallet"].balance
    assert Wallet.objects.get(pupil=sibling).balance == Decimal("-3.50")


@pytest.mark.parametrize(
    "source, field, term",
    [
        ("billing.paymentallocation", "pupil", "lointain"),  # a desk payment's split, the year-end form
        ("billing.correction", "wallet", "lointain"),
        ("billing.directdebitmandate", "user", "lointain"),
        ("accounts.accountrequest", "pupil", "lointain"),
        ("billing.ledgerentry", "wallet", "77001"),
    ],
)
def test_the_autocompletes_offer_nothing_of_school_b(client, cashier, b_objects, source, field, term):
    client.force_login(cashier)
    app_label, model_name = source.split(".")
    query = {"app_label": app_label, "model_name": model_name, "field_name": field, "term": term}
    assert client.get(reverse("admin:autocomplete"), query).json()["results"] == []


def test_another_school_s_account_request_cannot_be_validated_refused_or_resent(
    client, administrator, b_objects, mailoutbox
):
    request = b_objects["accounts.accountrequest"]
    client.force_login(administrator)
    for name in ["validate", "refuse"]:
        url = reverse(f"admin:accounts_accountrequest_{name}", args=[request.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, {"pupil": b_objects["canteen.pupil"].pk, "reason": "x"}).status_code == 404
    assert client.post(reverse("admin:accounts_accountrequest_resend", args=[request.pk])).status_code == 404
    changelist = reverse("admin:accounts_accountrequest_changelist")
    client.post(changelist, {"action": "validate_selected", ACTION_CHECKBOX_NAME: [request.pk]})
    client.post(
        changelist, {"action": "refuse_selected", ACTION_CHECKBOX_NAME: [request.pk], "apply": "1", "reason": "x"}
    )
    request.refresh_from_db()
    assert request.is_pending and mailoutbox == []


def test_the_pupil_form_offers_only_the_staff_s_school(client, administrator, lea, b_objects):
    client.force_login(administrator)
    assert "Lointain" not in client.get(reverse("admin:canteen_pupil_add")).content.decode()
    # Posting school B's id in a form is refused as an invalid choice.
    client.post(
        reverse("admin:canteen_pupil_add"),
        {
            "establishment": b_objects["canteen.establishment"].pk,
            "last_name": "Intrus",
            "first_name": "X",
            "card_number": "1",
            "category": "Élève",
            "active": "on",
        },
    )
    assert not Pupil.objects.filter(last_name="Intrus").exists()


def test_the_ledger_s_till_filter_offers_only_the_staff_s_tills(client, cashier, lea, b_objects):
    client.force_login(cashier)
    till = b_objects["billing.till"]
    page = client.get(reverse("admin:billing_ledgerentry_changelist") + f"?borne={till.pk}").content.decode()
    assert SECRET not in page


def test_staff_attached_to_both_schools_see_both_and_superusers_see_all(client, cashier, lea, b_objects):
    b_objects["canteen.establishment"].staff.add(cashier)
    client.force_login(cashier)
    for url in [reverse("admin:canteen_pupil_changelist"), reverse("admin:billing_deskpayment_changelist")]:
        assert SECRET in client.get(url).content.decode()
    root = User.objects.create_superuser("root@example.com", PASSWORD)
    client.force_login(root)
    for url in [reverse("admin:billing_ledgerentry_changelist"), reverse("admin:billing_stripeevent_changelist")]:
        assert SECRET in client.get(url).content.decode()


def test_staff_without_an_establishment_see_nothing(client, db, b_objects, lea):
    from portal.roles import ADMINISTRATION, sync_staff_groups

    sync_staff_groups()
    loose = User.objects.create_user("sans.ecole@example.com", PASSWORD, is_staff=True)
    loose.groups.add(Group.objects.get(name=ADMINISTRATION))
    client.force_login(loose)
    page = client.get(reverse("admin:canteen_pupil_changelist")).content.decode()
    assert SECRET not in page and "Léa" not in page


# Parents -------------------------------------------------------------------------------------------


def admin_routes(patterns=None, prefix=""):
    """Every route of the admin site, as written in its URL patterns (``canteen/pupil/<path:object_id>/``)."""
    for pattern in admin.site.get_urls() if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from admin_routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def admin_url(route: str, objects: dict) -> str:
    """The route with its arguments filled with a real object's id (school B's, else any row's)."""
    if route.startswith("^(?P<app_label>"):
        return reverse("admin:app_list", args=["billing"])
    if route.startswith("(?P<url>"):
        return reverse("admin:index") + "nulle-part/"
    pupil = objects["canteen.pupil"]
    values = {"content_type_id": ContentType.objects.get_for_model(Pupil).pk}
    parts = route.split("/")
    if len(parts) > 2 and apps.all_models.get(parts[0], {}).get(parts[1]):
        model = apps.get_model(parts[0], parts[1])
        obj = objects.get(model._meta.label_lower) or model._default_manager.first()
        values["object"] = obj.pk if obj is not None else 1
    else:
        values["object"] = pupil.pk

    def fill(match: re.Match) -> str:
        name = match.group(1).split(":")[-1]
        return str(values.get(name, values["object"]))

    return reverse("admin:index") + re.sub(r"<([^>]+)>", fill, route)


@pytest.mark.parametrize("route", sorted(set(admin_routes())))
def test_parents_get_the_login_page_on_every_admin_url(client, b_objects, route):
    client.force_login(b_objects["accounts.user"])  # a parent (of school B's Zoé and Noé)
    url = admin_url(route, b_objects)
    login = reverse("admin:login")
    methods = ["get"] if url.startswith(login) else ["get", "post"]
    for method in methods:
        response = getattr(client, method)(url, follow=True)
        assert response.request["PATH_INFO"] == login, (method, url, response.redirect_chain)
        assert response.status_code == 200 and 'name="username"' in response.content.decode(), (method, url)


def test_a_cheque_split_with_school_b_shows_school_a_only_its_own_part(client, cashier, lea, b_objects):
    """Recorded by someone who works at both schools; school A's cashier sees the cheque and Léa's part."""
    both = User.objects.create_user("deux.ecoles@example.com", None, is_staff=True)
    both.groups.add(Group.objects.get(name=CASHIER))
    both.establishments_staffed.add(lea.establishment, b_objects["canteen.establishment"])
    client.force_login(both)
    split = desk_payment_data((lea, "10.00"), (b_objects["canteen.pupil"], "5.00"), amount="15.00", number="5550001")
    assert client.post(DESK_ADD_URL, split).status_code == 302
    cheque = DeskPayment.objects.get(offline__cheque_number="5550001")
    client.force_login(cashier)
    page = client.get(reverse("admin:billing_deskpayment_change", args=[cheque.pk])).content.decode()
    assert "Léa" in page and "10,00" in page
    assert_nothing_of_b(client.get(reverse("admin:billing_deskpayment_change", args=[cheque.pk])), "split")
    # Cancelling would take back school B's part too: refused, with the reason.
    response = client.post(reverse("admin:billing_deskpayment_cancel", args=[cheque.pk]), {"reason": "x"}, follow=True)
    assert "crédite aussi des élèves d'un autre établissement" in html.unescape(response.content.decode())
    cheque.refresh_from_db()
    assert cheque.status == PaymentStatus.PAID
