"""The parent pages kept as rendered under the data they show (portal.lib.cached_pages): served again only
while that data is unchanged, with this request's shell, token and messages."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal as D

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from billing.ledger import book, credit_payment
from billing.models import EntryKind, Payment, PaymentAllocation, PaymentMethod, PaymentStatus
from billing.tests.test_forecast import school_days
from canteen.models import ClosedPeriod, Tariff
from portal.family.models import Notification, NotificationKind

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def paid(parent, pupil, amount: str) -> Payment:
    payment = Payment.objects.create(method=PaymentMethod.ONLINE, amount=D(amount), user=parent, provider="demo")
    PaymentAllocation.objects.create(payment=payment, pupil=pupil, amount=D(amount))
    credit_payment(payment, from_statuses=(PaymentStatus.CREATED,))
    return payment


def page(client, name: str, *args, **params) -> str:
    response = client.get(reverse(name, args=args), params)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def kept(monkeypatch) -> list[str]:
    """The keys of the pages put in the cache."""
    keys = []
    real_set = cache.set

    def spy(key, *args, **kwargs):
        if key.startswith("page:"):
            keys.append(key)
        return real_set(key, *args, **kwargs)

    monkeypatch.setattr(cache, "set", spy)
    return keys


def test_a_page_seen_again_is_served_as_kept_with_this_requests_token(
    client, parent, lea, django_assert_num_queries, kept
):
    for day in range(1, 26):
        book(lea, kind=EntryKind.MEAL, amount=D("-3.50"), label="Self", occurred_at=timezone.now().replace(day=day))
    client.force_login(parent)
    first = page(client, "billing:history", lea.pk)
    with django_assert_num_queries(3 if "cached_db" not in str(client.session.__class__) else 2):  # no count, no rows
        again = page(client, "billing:history", lea.pk)
    assert len(kept) == 1
    assert TOKEN.sub("", first) == TOKEN.sub("", again)
    assert TOKEN.search(first).group(1) != TOKEN.search(again).group(1)


@pytest.mark.parametrize("asked", [{"page": "abc"}, {"page": "99"}, {"page": "01"}, {"mois": "novembre"}])
def test_a_page_no_link_asks_for_is_served_but_not_kept(client, parent, lea, kept, asked):
    book(lea, kind=EntryKind.MEAL, amount=D("-3.50"), label="Self")
    client.force_login(parent)
    assert "Self" in page(client, "billing:history", lea.pk, **asked)
    assert kept == []
    page(client, "billing:history", lea.pk)
    assert len(kept) == 1


def test_a_nul_or_a_marker_in_the_url_is_only_text(client, parent, lea):
    client.force_login(parent)
    html = page(client, "billing:history", lea.pk, mois="\x00csrf\x00", page="\x00block:content\x00")
    assert "toutes les opérations sont affichées." in html


def test_the_situation_kept_posts_with_this_requests_token(parent, lea):
    client = Client(enforce_csrf_checks=True)
    client.force_login(parent)
    page(client, "billing:accounts")
    html = page(client, "billing:accounts")  # served as kept
    token = TOKEN.search(html[html.index("credit-form") :]).group(1)
    response = client.post(reverse("billing:accounts"), {"csrfmiddlewaretoken": token, "pupil": lea.pk, "amount": "5"})
    assert response.status_code == 400  # the form answered (under the minimum), not a CSRF refusal (403)
    assert "Le montant minimum" in response.content.decode()


def test_a_refund_shows_on_the_next_payments_page(client, parent, lea):
    payment = paid(parent, lea, "30.00")
    client.force_login(parent)
    assert "Payé" in page(client, "billing:payments")
    Payment.objects.filter(pk=payment.pk).update(status=PaymentStatus.REFUNDED)
    assert "Remboursé" in page(client, "billing:payments")


def test_a_new_price_a_new_name_and_a_closed_day_show_on_the_next_page(client, parent, lea, school):
    today = timezone.localdate()
    for day in school_days(today, 20):
        book(lea, kind=EntryKind.MEAL, amount=D("-3.50"), label="Self", occurred_at=_noon(day))
    book(lea, kind=EntryKind.CASH, amount=D("98.00"), label="Espèces")  # 28,00 € left: 8 meals
    client.force_login(parent)
    home, situation = page(client, "portal:home"), page(client, "billing:accounts")
    assert "Soit : 8 repas" in home and "actuellement de 3,50" in situation

    Tariff.objects.create(establishment=school, category="Élève", price=D("4.00"), valid_from=today)
    lea.first_name = "Léonie"
    lea.save()
    home, situation = page(client, "portal:home"), page(client, "billing:accounts")
    assert "Soit : 7 repas" in home and "actuellement de 4,00" in situation
    assert "Léonie Martin" in home and "Léonie Martin" in situation
    assert "Léonie" in page(client, "billing:history", lea.pk)
    forecast = re.search(r"jusqu'au ([^<]+)<", home).group(1)

    ClosedPeriod.objects.create(
        establishment=school, start=today + datetime.timedelta(days=1), end=today + datetime.timedelta(days=6)
    )
    later = re.search(r"jusqu'au ([^<]+)<", page(client, "portal:home")).group(1)
    assert later != forecast  # a week closed ahead: the balance lasts longer


def _noon(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=timezone.get_current_timezone())


def test_notifications_read_leave_the_title_of_the_next_page(client, parent, lea):
    Notification.objects.create(user=parent, kind=NotificationKind.LOW_BALANCE, params={})
    client.force_login(parent)
    assert "<title>(1) " in page(client, "portal:home")
    page(client, "portal:notifications")  # read
    assert "<title>(1) " not in page(client, "portal:home")


def test_each_language_has_its_own_page(client, parent, lea):
    client.force_login(parent)
    assert "Historique des opérations" in page(client, "portal:home")
    client.post(reverse("set_language"), {"language": "en", "next": "/accueil/"})
    assert "Historique des opérations" not in page(client, "portal:home")
