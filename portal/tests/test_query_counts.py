"""Each parent page costs the same SQL queries whatever the number of children and of ledger entries.

Counted on a first visit (nothing cached yet: the children, the forecast, the history's count, chart and
entries are read) and on the next one: the page served as kept for the family (portal.lib.cached_pages),
which costs the session and the user alone.
"""

from __future__ import annotations

import datetime
from decimal import Decimal as D

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing.ledger import Movement, book_many
from billing.models import EntryKind, Payment, PaymentAllocation, PaymentMethod
from billing.views import PER_PAGE
from canteen.models import Guardianship, Pupil

pytestmark = pytest.mark.django_db

MONDAY = datetime.datetime(2025, 9, 1, 12, 10, tzinfo=datetime.UTC)


def session_queries() -> int:
    """The session is read from the database unless it is cached (CACHE_URL set)."""
    return 0 if settings.SESSION_ENGINE.endswith("cached_db") else 1


def family(parent, school, children: int, entries: int) -> list[Pupil]:
    """``children`` more children for ``parent``, each with ``entries`` entries (a top-up, then meals) and an
    online payment, all booked through the ledger's one road."""
    pupils = []
    for n in range(children):
        pupil = Pupil.objects.create(
            establishment=school, last_name="Compte", first_name=f"Enfant{n}", card_number=f"{parent.pk}{n:03d}"
        )
        Guardianship.objects.create(user=parent, pupil=pupil)
        top_up = D("3.50") * entries + D("100.00")  # a positive balance: every child gets its forecast
        movements = [Movement(pupil.pk, EntryKind.ONLINE_PAYMENT, top_up, "Paiement en ligne", None, MONDAY)]
        movements += [
            Movement(
                pupil.pk,
                EntryKind.MEAL,
                D("-3.50"),
                "Self",
                f"count:{pupil.pk}:{i}",
                MONDAY + datetime.timedelta(hours=i),
            )
            for i in range(entries - 1)
        ]
        book_many(movements)
        payment = Payment.objects.create(method=PaymentMethod.ONLINE, amount=D("20.00"), user=parent, provider="demo")
        PaymentAllocation.objects.create(payment=payment, pupil=pupil, amount=D("20.00"))
        pupils.append(pupil)
    return pupils


def queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(captured.captured_queries)


def cold_and_warm(client, path: str) -> tuple[int, int]:
    """Queries of a first visit (empty cache) and of the next."""
    cache.clear()
    return queries(client, path), queries(client, path)


def parent_pages(pupil: Pupil, entries: int) -> dict[str, str]:
    history = reverse("billing:history", args=[pupil.pk])
    return {
        "home": reverse("portal:home"),
        "history": history,
        "history, last page": f"{history}?page={-(-entries // PER_PAGE)}",
        "situation": reverse("billing:accounts"),
        "payments": reverse("billing:payments"),
    }


# Queries of a visit served as kept, beyond the session: the user with its unread count, nothing of the page's.
WARM = dict.fromkeys(["home", "history", "history, last page", "situation", "payments"], 1)


def counts(client, parent, school, children: int, entries: int) -> dict[str, tuple[int, int]]:
    pupils = family(parent, school, children, entries)
    client.force_login(parent)
    return {name: cold_and_warm(client, path) for name, path in parent_pages(pupils[0], entries).items()}


def test_the_pages_cost_the_same_queries_for_one_and_for_three_children(client, django_user_model, school):
    one = django_user_model.objects.create_user("un.enfant@example.com", "mot-de-passe-long-42")
    three = django_user_model.objects.create_user("trois.enfants@example.com", "mot-de-passe-long-42")
    with_one = counts(client, one, school, children=1, entries=30)  # two history pages
    client.logout()
    with_three = counts(client, three, school, children=3, entries=30)
    assert with_one == with_three
    assert {name: warm for name, (_cold, warm) in with_three.items()} == {
        name: count + session_queries() for name, count in WARM.items()
    }


def test_the_pages_cost_the_same_queries_for_10_and_for_10000_entries(client, django_user_model, school):
    small = django_user_model.objects.create_user("dix@example.com", "mot-de-passe-long-42")
    large = django_user_model.objects.create_user("dix.mille@example.com", "mot-de-passe-long-42")
    with_10 = counts(client, small, school, children=1, entries=10)
    client.logout()
    with_10000 = counts(client, large, school, children=1, entries=10_000)
    # 10 entries make one page, the first, with its chart: the far page of 10,000 entries (500) has none.
    # Served from the cache, both cost the same; a first visit of page 500 costs its count, like any page.
    far_10, far_10000 = with_10.pop("history, last page"), with_10000.pop("history, last page")
    assert far_10[1] == far_10000[1]
    assert far_10000[0] == with_10000["history"][0] - 1  # the first page's first visit also reads the chart
    assert with_10 == with_10000
    with_10000["history, last page"] = far_10000
    assert {name: warm for name, (_cold, warm) in with_10000.items()} == {
        name: count + session_queries() for name, count in WARM.items()
    }
