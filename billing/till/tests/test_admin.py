import datetime
import json

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone

from billing.till.models import Till
from conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def till_keeper(school):
    """A staff member of ``school`` to whom a superuser granted billing.manage_till."""
    user = get_user_model().objects.create_user("installateur@esvres.example", PASSWORD, is_staff=True)
    school.staff.add(user)
    user.user_permissions.add(
        Permission.objects.get(codename="manage_till"), Permission.objects.get(codename="view_till")
    )
    return user


@pytest.fixture
def till(school):
    till = Till(establishment=school, name="Borne 1")
    till.token = till.new_token()
    till.save()
    return till


def test_no_staff_group_may_create_change_or_revoke_a_till(administrator, cashier):
    for group in Group.objects.filter(name__in=["Administration", "Caisse"]):
        codenames = set(group.permissions.filter(content_type__app_label="billing").values_list("codename", flat=True))
        assert "view_till" in codenames or group.name == "Caisse"
        assert not {"manage_till", "add_till", "change_till", "delete_till"} & codenames
    assert Group.objects.filter(name__in=["Administration", "Caisse"]).count() == 2


@pytest.mark.parametrize("who", ["administrator", "cashier"])
def test_school_staff_cannot_create_change_or_revoke_a_till(request, client, school, till, who):
    user = request.getfixturevalue(who)
    client.force_login(user)
    assert client.get(reverse("admin:billing_till_add")).status_code == 403
    response = client.post(reverse("admin:billing_till_add"), {"establishment": school.pk, "name": "Borne pirate"})
    assert response.status_code == 403
    client.post(reverse("admin:billing_till_change", args=[till.pk]), {"establishment": school.pk, "name": "Autre"})
    client.post(reverse("admin:billing_till_changelist"), {"action": "revoke", "_selected_action": [till.pk]})
    till.refresh_from_db()
    assert (Till.objects.count(), till.name, till.revoked_at) == (1, "Borne 1", None)
    assert Till.objects.authenticate(till.token) == till


def test_administration_sees_the_tills_but_not_their_buttons(client, administrator, till):
    client.force_login(administrator)
    page = client.get(reverse("admin:billing_till_changelist")).content.decode()
    assert "Borne 1" in page and reverse("admin:billing_till_add") not in page and "Révoquer" not in page


def test_adding_a_till_in_the_admin_shows_its_token_once(client, till_keeper, school):
    client.force_login(till_keeper)
    response = client.post(
        reverse("admin:billing_till_add"), {"establishment": school.pk, "name": "Borne 1"}, follow=True
    )
    message = next(str(m) for m in response.context["messages"] if "Jeton" in str(m))
    token = message.rsplit(" ", 1)[-1]
    till = Till.objects.get()
    assert Till.objects.authenticate(token) == till
    page = client.get(reverse("admin:billing_till_change", args=[till.pk])).content.decode()
    assert token not in page and till.token_hash not in page


def test_revoking_a_till_in_the_admin_stops_its_token(client, till_keeper, till):
    client.force_login(till_keeper)
    client.post(reverse("admin:billing_till_changelist"), {"action": "revoke", "_selected_action": [till.pk]})
    till.refresh_from_db()
    assert till.revoked_at is not None
    assert Till.objects.authenticate(till.token) is None


def test_each_till_s_passages_are_listed_in_the_admin(client, administrator, school, lea, hugo, till):
    other = Till(establishment=school, name="Borne 2")
    other_token = other.new_token()
    other.save()
    at = (timezone.now() - datetime.timedelta(hours=1)).isoformat()
    for token, card in [(till.token, lea.card_number), (other_token, hugo.card_number)]:
        client.post(
            "/api/till/meals",
            json.dumps({"passages": [{"card": card, "at": at, "ref": "P1"}]}),
            content_type="application/json",
            headers={"Authorization": f"Bearer {token}"},
        )
    client.force_login(administrator)
    tills = client.get(reverse("admin:billing_till_changelist")).content.decode()
    link = reverse("admin:billing_ledgerentry_changelist") + f"?borne={till.pk}"
    assert link in tills
    page = client.get(link).content.decode()
    assert "Léa Martin" in page and "Hugo Martin" not in page
    assert "Hugo" not in client.get(reverse("admin:billing_ledgerentry_changelist") + "?borne=abc").content.decode()


def test_only_a_superuser_sets_the_maximum_meal_price(client, administrator, school):
    client.force_login(administrator)
    page = client.get(reverse("admin:canteen_establishment_change", args=[school.pk])).content.decode()
    assert 'name="max_meal_price"' not in page
    superuser = get_user_model().objects.create_superuser("root@example.com", PASSWORD)
    client.force_login(superuser)
    page = client.get(reverse("admin:canteen_establishment_change", args=[school.pk])).content.decode()
    assert 'name="max_meal_price"' in page
