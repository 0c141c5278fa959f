"""The family's pages kept as rendered (portal.lib.cached_pages): served again until anything the family sees
changes, once that change commits; with each request's header, messages and CSRF token; per release and
language; never for another family, and never from data older than the family's version."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal as D
from functools import partial

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from billing.ledger import book, credit_payment, refund_payment
from billing.models import EntryKind, Payment, PaymentAllocation, PaymentMethod, PaymentStatus
from billing.tests.test_forecast import school_days
from canteen.models import ClosedPeriod, Tariff
from portal.family.models import Notification, NotificationKind
from portal.family.notifications import notify
from portal.lib import cached_pages

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """A change made as a committed transaction makes it: what it runs on commit, run."""
    return partial(django_capture_on_commit_callbacks, execute=True)


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


def test_a_page_seen_again_is_served_as_kept_with_this_requests_token(client, parent, lea, django_assert_num_queries):
    for day in range(1, 26):
        book(lea, kind=EntryKind.MEAL, amount=D("-3.50"), label="Self", occurred_at=timezone.now().replace(day=day))
    client.force_login(parent)
    first = page(client, "billing:history", lea.pk)
    with django_assert_num_queries(2 if "cached_db" not in str(client.session.__class__) else 1):  # session, user
        again = page(client, "billing:history", lea.pk)
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
    html = page(client, "billing:history", lea.pk, mois=cached_pages._csrf_marker(), page="\x00")
    assert "toutes les opérations sont affichées." in html
    assert TOKEN.search(html).group(1) not in html.split("Le mois", 1)[1].split("</p>", 1)[0]


def test_the_situation_kept_posts_with_this_requests_token(parent, lea):
    client = Client(enforce_csrf_checks=True)
    client.force_login(parent)
    page(client, "billing:accounts")
    html = page(client, "billing:accounts")  # served as kept
    token = TOKEN.search(html[html.index("credit-form") :]).group(1)
    response = client.post(reverse("billing:accounts"), {"csrfmiddlewaretoken": token, "pupil": lea.pk, "amount": "5"})
    assert response.status_code == 400  # the form answered (under the minimum), not a CSRF refusal (403)
    assert "Le montant minimum" in response.content.decode()


def test_a_refund_shows_on_the_next_payments_page_once_committed(client, parent, lea, committed):
    with committed():
        payment = paid(parent, lea, "30.00")
    client.force_login(parent)
    assert "Payé" in page(client, "billing:payments")
    with committed():
        refund_payment(payment, D("30.00"), "Demande de la famille")
    assert "Remboursé" in page(client, "billing:payments")


def test_a_new_price_a_new_name_and_a_closed_day_show_on_the_next_page(client, parent, lea, school, committed):
    today = timezone.localdate()
    for day in school_days(today, 20):
        book(lea, kind=EntryKind.MEAL, amount=D("-3.50"), label="Self", occurred_at=_noon(day))
    book(lea, kind=EntryKind.CASH, amount=D("98.00"), label="Espèces")  # 28,00 € left: 8 meals
    client.force_login(parent)
    home, situation = page(client, "portal:home"), page(client, "billing:accounts")
    assert "Soit : 8 repas" in home and "actuellement de 3,50" in situation

    with committed():
        Tariff.objects.create(establishment=school, category="Élève", price=D("4.00"), valid_from=today)
    with committed():
        lea.first_name = "Léonie"
        lea.save()
    home, situation = page(client, "portal:home"), page(client, "billing:accounts")
    assert "Soit : 7 repas" in home and "actuellement de 4,00" in situation
    assert "Léonie Martin" in home and "Léonie Martin" in situation
    assert "Léonie" in page(client, "billing:history", lea.pk)
    forecast = re.search(r"jusqu'au ([^<]+)<", home).group(1)

    with committed():
        ClosedPeriod.objects.create(
            establishment=school, start=today + datetime.timedelta(days=1), end=today + datetime.timedelta(days=6)
        )
    later = re.search(r"jusqu'au ([^<]+)<", page(client, "portal:home")).group(1)
    assert later != forecast  # a week closed ahead: the balance lasts longer


def _noon(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(12), tzinfo=timezone.get_current_timezone())


def test_a_change_is_seen_once_committed_not_before(client, parent, lea, django_capture_on_commit_callbacks):
    client.force_login(parent)
    assert "0,00\u00a0€" in page(client, "portal:home")
    with django_capture_on_commit_callbacks() as on_commit:
        book(lea, kind=EntryKind.CASH, amount=D("20.00"), label="Espèces")
    assert "20,00\u00a0€" not in page(client, "portal:home")  # the booking's transaction has not committed
    with django_capture_on_commit_callbacks(execute=True):  # it commits
        for callback in on_commit:
            callback()
    assert "20,00\u00a0€" in page(client, "portal:home")


def test_another_familys_booking_keeps_this_familys_pages(client, parent, other_parent, chloe, kept, committed):
    client.force_login(parent)
    page(client, "portal:home")
    with committed():
        book(chloe, kind=EntryKind.CASH, amount=D("20.00"), label="Espèces")
    page(client, "portal:home")
    assert len(kept) == 1  # served as kept: Camille's version did not change


def test_a_page_made_from_data_older_than_a_bump_is_never_served(client, parent, lea, monkeypatch):
    """A change committed while a page is computed: that page was kept under the old version."""
    from portal.family import home

    real = home.children_with_wallets

    def children_then_a_commit(user_id):
        children = real(user_id)
        cached_pages._renew({user_id})  # a booking of this family commits right after the page read its rows
        return children

    client.force_login(parent)
    monkeypatch.setattr(home, "children_with_wallets", children_then_a_commit)
    page(client, "portal:home")
    monkeypatch.setattr(home, "children_with_wallets", real)
    book(lea, kind=EntryKind.CASH, amount=D("20.00"), label="Espèces")  # that booking
    assert "20,00\u00a0€" in page(client, "portal:home")


def test_a_new_release_starts_afresh(client, parent, kept, settings):
    client.force_login(parent)
    page(client, "portal:home")
    settings.RELEASE = "a-new-release"
    page(client, "portal:home")
    assert len(kept) == 2


def test_each_language_has_its_own_page(client, parent, lea):
    client.force_login(parent)
    assert "Historique des opérations" in page(client, "portal:home")
    client.post(reverse("set_language"), {"language": "en", "next": "/accueil/"})
    assert "Historique des opérations" not in page(client, "portal:home")


def test_a_notification_left_or_read_shows_in_the_title_of_the_next_page(client, parent, lea, committed):
    client.force_login(parent)
    assert "<title>(1) " not in page(client, "portal:home")
    with committed():
        notify([Notification(user=parent, kind=NotificationKind.LOW_BALANCE, params={})])
    assert "<title>(1) " in page(client, "portal:home")
    with committed():
        page(client, "portal:notifications")  # read
    assert "<title>(1) " not in page(client, "portal:home")


def test_a_page_with_a_message_to_show_is_rendered_for_it_and_not_kept(client, parent, kept):
    client.force_login(parent)
    client.post(reverse("portal:profile"), {"enabled": "on", "threshold": ""})  # "Vos réglages … sont enregistrés."
    assert "enregistrés" in page(client, "portal:home")
    assert kept == []
    assert "enregistrés" not in page(client, "portal:home")
    assert len(kept) == 1


def test_a_page_is_kept_until_midnight_at_its_school_at_most(school, monkeypatch):
    late = datetime.datetime(2026, 11, 26, 23, 55, tzinfo=datetime.timezone(datetime.timedelta(hours=1)))
    monkeypatch.setattr(cached_pages.timezone, "now", lambda: late)
    assert cached_pages._seconds_kept([school]) == 5 * 60
    assert cached_pages._seconds_kept([]) == cached_pages.SECONDS


def test_no_page_is_kept_without_a_cache_every_process_shares(client, parent, kept, settings):
    settings.KEEP_FAMILY_PAGES = False
    client.force_login(parent)
    page(client, "portal:home")
    page(client, "portal:home")
    assert kept == []
