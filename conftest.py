"""The people of the test suite and what each may do.

- ``parent``: Camille, guardian of ``lea`` and ``hugo`` at ``school``.
- ``other_parent``: guardian of ``chloe`` only.
- ``administrator``: staff in the "Administration" group (account requests, pupils), working at ``school``.
- ``cashier``: staff in the "Caisse" group (money), working at ``school``.
- ``make_request(...)``: an account request to ``school``, as the public form makes one.
"""

from __future__ import annotations

import datetime
from decimal import Decimal as D

import pytest
from django.contrib.auth.models import Group

from accounts.models import AccountRequest, User
from canteen.models import Establishment, Guardianship, Pupil, Tariff
from portal.roles import ADMINISTRATION, CASHIER, sync_staff_groups

PASSWORD = "un-mot-de-passe-solide-42"


@pytest.fixture
def school(db) -> Establishment:
    school = Establishment.objects.create(
        name="École d'Esvres",
        code="4388",
        contact_email="administration@esvres.example",
        beneficiary="Restauration d'Esvres",
        address="4, Mail de la Papoterie\n37170 Chambray-lès-Tours",
    )
    for category, price in [("Élève", "3.50"), ("Maternelle", "3.10")]:
        Tariff.objects.create(
            establishment=school, category=category, price=D(price), valid_from=datetime.date(2020, 9, 1)
        )
    return school


@pytest.fixture
def lea(school) -> Pupil:
    return Pupil.objects.create(establishment=school, last_name="Martin", first_name="Léa", card_number="10001")


@pytest.fixture
def hugo(school) -> Pupil:
    return Pupil.objects.create(
        establishment=school, last_name="Martin", first_name="Hugo", card_number="10002", category="Maternelle"
    )


@pytest.fixture
def chloe(school) -> Pupil:
    return Pupil.objects.create(establishment=school, last_name="Bernard", first_name="Chloé", card_number="10003")


@pytest.fixture
def parent(lea, hugo) -> User:
    user = User.objects.create_user("camille.martin@example.com", PASSWORD, first_name="Camille")
    Guardianship.objects.create(user=user, pupil=lea)
    Guardianship.objects.create(user=user, pupil=hugo)
    return user


@pytest.fixture
def other_parent(chloe) -> User:
    user = User.objects.create_user("paul.bernard@example.com", PASSWORD)
    Guardianship.objects.create(user=user, pupil=chloe)
    return user


def _staff(email: str, group: str, school: Establishment) -> User:
    sync_staff_groups()
    user = User.objects.create_user(email, PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    school.staff.add(user)
    return user


@pytest.fixture
def make_request(school):
    def make(last_name="Martin", first_name="Léa", email="nouveau.parent@example.com", card_digits="", **fields):
        return AccountRequest.objects.create(
            establishment=fields.pop("establishment", school),
            last_name=last_name,
            first_name=first_name,
            email=email,
            card_digits=card_digits,
            terms_accepted=True,
            **fields,
        )

    return make


@pytest.fixture
def administrator(school) -> User:
    return _staff("secretariat@esvres.example", ADMINISTRATION, school)


@pytest.fixture
def cashier(school) -> User:
    return _staff("caisse@esvres.example", CASHIER, school)


@pytest.fixture
def desk(client, cashier):
    """The test client logged in as the school's cashier."""
    client.force_login(cashier)
    return client


@pytest.fixture(autouse=True)
def kept_pages(settings):
    """The family's pages are kept as in production (a test is one process: its local cache is shared)."""
    settings.KEEP_FAMILY_PAGES = True


@pytest.fixture(autouse=True)
def fresh_cache():
    """Rate-limit counters live in the cache (the shared Redis one when CACHE_URL is set): each test
    starts with none, whatever the tests before it sent; nor with a school held by this process."""
    from django.core.cache import cache

    from portal.family.establishments import forget_held_schools

    cache.clear()
    forget_held_schools()
    yield


@pytest.fixture(autouse=True)
def eager_celery(request):
    """Tasks run in-process in tests, even when CI configures a real broker; tests marked
    ``broker`` use that broker with a worker of their own."""
    from portal.celery import app

    if request.node.get_closest_marker("broker"):
        yield
        return
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def private_files(settings, tmp_path):
    """Families' attestations go to a directory of the test, never to the checkout's ``private/``."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
