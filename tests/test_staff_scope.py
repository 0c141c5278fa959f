"""Staff of school A on school B's objects, admin page by admin page: nothing of B is listed, shown or
changed. This session scoped the establishment, pupil, tariff, account-request, user, wallet, ledger,
payment and till pages; the cash desk pages (desk payments, corrections, slips, direct debits, journal,
negative balances, year-end) are not scoped yet and are not swept here."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from accounts.models import AccountRequest, User
from billing.ledger import book
from billing.models import EntryKind, Payment, PaymentAllocation, PaymentMethod, Wallet
from billing.till.models import Till
from canteen.models import Establishment, Guardianship, Pupil, Tariff
from conftest import PASSWORD

pytestmark = pytest.mark.django_db

SECRET = "Zoé-Lointaine"  # a name that appears only in school B's data


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
    pupil = Pupil.objects.create(establishment=school_b, last_name=SECRET, first_name="Zoé", card_number="77001")
    parent_b = User.objects.create_user("parent.lointain@example.com", PASSWORD)
    Guardianship.objects.create(user=parent_b, pupil=pupil)
    entry = book(pupil, kind=EntryKind.CASH, amount=Decimal("12.00"), label=f"Espèces {SECRET}")
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
    return {
        "establishment": school_b,
        "pupil": pupil,
        "user": parent_b,
        "ledgerentry": entry.entry,
        "wallet": Wallet.objects.get(pupil=pupil),
        "payment": payment,
        "accountrequest": request,
        "till": till,
        "tariff": Tariff.objects.get(establishment=school_b),
    }


ADMINS = {
    "establishment": "canteen",
    "pupil": "canteen",
    "tariff": "canteen",
    "user": "accounts",
    "accountrequest": "accounts",
    "wallet": "billing",
    "ledgerentry": "billing",
    "payment": "billing",
    "till": "billing",
}


@pytest.mark.parametrize("who", ["administrator", "cashier"])
def test_staff_of_school_a_see_nothing_of_school_b(request, client, who, lea, parent, b_objects):
    client.force_login(request.getfixturevalue(who))
    for model, app in ADMINS.items():
        changelist = reverse(f"admin:{app}_{model}_changelist")
        for query in ["", "?q=lointain", f"?establishment__id__exact={b_objects['establishment'].pk}"]:
            response = client.get(changelist + query)
            if response.status_code == 302:  # a filter the page does not have: Django's "?e=1"
                assert response["Location"].endswith("?e=1"), (model, query)
                continue
            assert response.status_code in (200, 403), (model, query)
            assert SECRET not in response.content.decode() and "Lointain" not in response.content.decode(), model
        obj = b_objects[model]
        for view in ["change", "history", "delete"]:
            response = client.get(reverse(f"admin:{app}_{model}_{view}", args=[obj.pk]))
            assert response.status_code in (403, 404), (model, view, response.status_code)


def test_another_school_s_account_request_cannot_be_validated_refused_or_resent(
    client, administrator, b_objects, mailoutbox
):
    request = b_objects["accountrequest"]
    client.force_login(administrator)
    for name in ["validate", "refuse"]:
        url = reverse(f"admin:accounts_accountrequest_{name}", args=[request.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, {"pupil": b_objects["pupil"].pk, "reason": "x"}).status_code == 404
    assert client.post(reverse("admin:accounts_accountrequest_resend", args=[request.pk])).status_code == 404
    changelist = reverse("admin:accounts_accountrequest_changelist")
    client.post(changelist, {"action": "validate_selected", ACTION_CHECKBOX_NAME: [request.pk]})
    client.post(
        changelist, {"action": "refuse_selected", ACTION_CHECKBOX_NAME: [request.pk], "apply": "1", "reason": "x"}
    )
    request.refresh_from_db()
    assert request.is_pending and mailoutbox == []


def test_the_pupil_autocomplete_and_the_form_choices_hold_only_the_staff_s_school(
    client, administrator, lea, b_objects
):
    client.force_login(administrator)
    query = "?app_label=accounts&model_name=accountrequest&field_name=pupil&term=lointain"
    assert client.get(reverse("admin:autocomplete") + query).json()["results"] == []
    add = client.get(reverse("admin:canteen_pupil_add")).content.decode()
    assert "Lointain" not in add
    # Posting school B's id in a form is refused as an invalid choice.
    client.post(
        reverse("admin:canteen_pupil_add"),
        {
            "establishment": b_objects["establishment"].pk,
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
    till = b_objects["till"]
    page = client.get(reverse("admin:billing_ledgerentry_changelist") + f"?borne={till.pk}").content.decode()
    assert SECRET not in page


def test_staff_attached_to_both_schools_see_both_and_superusers_see_all(client, administrator, lea, b_objects):
    b_objects["establishment"].staff.add(administrator)
    client.force_login(administrator)
    assert SECRET in client.get(reverse("admin:canteen_pupil_changelist")).content.decode()
    root = User.objects.create_superuser("root@example.com", PASSWORD)
    client.force_login(root)
    assert SECRET in client.get(reverse("admin:billing_ledgerentry_changelist")).content.decode()


def test_staff_without_an_establishment_see_nothing(client, db, b_objects, lea):
    from django.contrib.auth.models import Group

    from portal.roles import ADMINISTRATION, sync_staff_groups

    sync_staff_groups()
    loose = User.objects.create_user("sans.ecole@example.com", PASSWORD, is_staff=True)
    loose.groups.add(Group.objects.get(name=ADMINISTRATION))
    client.force_login(loose)
    page = client.get(reverse("admin:canteen_pupil_changelist")).content.decode()
    assert SECRET not in page and "Léa" not in page


def test_parents_get_the_login_page_on_every_admin_url(client, parent, b_objects):
    client.force_login(parent)
    for model, app in ADMINS.items():
        for url in [
            reverse(f"admin:{app}_{model}_changelist"),
            reverse(f"admin:{app}_{model}_change", args=[b_objects[model].pk]),
        ]:
            response = client.get(url)
            assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login")), url
