import pytest
from django.urls import reverse

from billing.till.models import Till

pytestmark = pytest.mark.django_db


def test_adding_a_till_in_the_admin_shows_its_token_once(client, administrator, school):
    client.force_login(administrator)
    response = client.post(
        reverse("admin:billing_till_add"), {"establishment": school.pk, "name": "Borne 1"}, follow=True
    )
    message = next(str(m) for m in response.context["messages"] if "Jeton" in str(m))
    token = message.rsplit(" ", 1)[-1]
    till = Till.objects.get()
    assert Till.objects.authenticate(token) == till
    page = client.get(reverse("admin:billing_till_change", args=[till.pk])).content.decode()
    assert token not in page and till.token_hash not in page


def test_revoking_a_till_in_the_admin_stops_its_token(client, administrator, school):
    till = Till(establishment=school, name="Borne 1")
    token = till.new_token()
    till.save()
    client.force_login(administrator)
    client.post(reverse("admin:billing_till_changelist"), {"action": "revoke", "_selected_action": [till.pk]})
    till.refresh_from_db()
    assert till.revoked_at is not None
    assert Till.objects.authenticate(token) is None
