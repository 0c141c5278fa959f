"""Login throttling (django-axes) and the limits of the public forms that send email."""

from __future__ import annotations

from html import unescape

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.urls import reverse

from accounts.models import User
from conftest import PASSWORD

pytestmark = pytest.mark.django_db

LIMIT = 4  # the production default is 10 (LOGIN_FAILURE_LIMIT); fewer password hashes keep the tests quick
LOCKED = "Trop de tentatives de connexion infructueuses."
WRONG = "Identifiant ou mot de passe incorrect."


@pytest.fixture(autouse=True)
def fresh_rate_limits(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT
    cache.clear()
    yield
    cache.clear()


def login(client, email, password, code="4388", address="203.0.113.7"):
    return client.post(
        reverse("portal:login", args=[code]), {"username": email, "password": password}, REMOTE_ADDR=address
    )


def admin_login(client, email, password, address="203.0.113.7"):
    return client.post(
        reverse("admin:login"), {"username": email, "password": password, "next": "/admin/"}, REMOTE_ADDR=address
    )


def text(response) -> str:
    return unescape(response.content.decode())


def test_the_nth_wrong_password_locks_the_login_and_the_right_one_is_then_refused(client, parent):
    for _attempt in range(LIMIT - 1):
        response = login(client, parent.email, "pas-le-bon")
        assert response.status_code == 200 and WRONG in text(response)
    response = login(client, parent.email, "pas-le-bon")
    assert response.status_code == 429 and LOCKED in text(response)
    # The right password, even with another case and from another address, is refused the same way.
    response = login(client, parent.email.upper(), PASSWORD, address="198.51.100.1")
    assert response.status_code == 429 and LOCKED in text(response)
    assert SESSION_KEY not in client.session


def test_the_lockout_page_is_the_same_whether_the_login_exists_or_not(client, parent):
    pages = []
    for email in [parent.email, "personne@example.com"]:
        for _attempt in range(LIMIT):
            response = login(client, email, "pas-le-bon", address="198.51.100.2" if "personne" in email else None)
        pages.append(response)
    known, unknown = pages
    assert known.status_code == unknown.status_code == 429
    body = lambda r: text(r).split('<main id="content"', 1)[1]  # noqa: E731 (the page minus the csrf token)
    assert body(known) == body(unknown)


def test_failures_from_one_address_lock_that_address_for_every_login(client, parent):
    for n in range(LIMIT):
        login(client, f"essai{n}@example.com", "x", address="192.0.2.50")
    assert login(client, parent.email, PASSWORD, address="192.0.2.50").status_code == 429
    assert login(client, parent.email, PASSWORD, address="192.0.2.51").status_code == 302


def test_the_admin_login_is_covered_too(client, db):
    User.objects.create_superuser("root@example.com", PASSWORD)
    for _attempt in range(LIMIT):
        admin_login(client, "root@example.com", "pas-le-bon")
    response = admin_login(client, "root@example.com", PASSWORD, address="198.51.100.9")
    assert response.status_code == 429 and LOCKED in text(response)
    assert SESSION_KEY not in client.session


def test_a_superuser_unlocks_a_login_in_the_admin(client, parent):
    from axes.models import AccessAttempt

    for _attempt in range(LIMIT):
        login(client, parent.email, "pas-le-bon")
    assert login(client, parent.email, PASSWORD).status_code == 429
    superuser = User.objects.create_superuser("root@example.com", PASSWORD)
    staff = type(client)()
    staff.force_login(superuser)
    changelist = reverse("admin:axes_accessattempt_changelist")
    attempts = list(AccessAttempt.objects.values_list("pk", flat=True))
    assert attempts and parent.email in staff.get(changelist).content.decode()
    staff.post(changelist, {"action": "delete_selected", "_selected_action": attempts, "post": "yes"})
    assert not AccessAttempt.objects.exists()
    assert login(client, parent.email, PASSWORD).status_code == 302


def test_school_staff_cannot_unlock(client, administrator):
    client.force_login(administrator)
    assert client.get(reverse("admin:axes_accessattempt_changelist")).status_code == 403


def test_password_reset_sends_at_most_three_links_an_hour_to_one_email(
    client, parent, mailoutbox, django_capture_on_commit_callbacks
):
    url = reverse("portal:password_reset")
    with django_capture_on_commit_callbacks(execute=True):
        answers = [client.post(url, {"email": parent.email}, REMOTE_ADDR=f"192.0.2.{n}").status_code for n in range(15)]
    assert answers == [302] * 15  # the same answer each time: nothing tells whether the email has a login
    assert len(mailoutbox) == 3


def test_password_reset_from_one_address_is_refused_after_ten_requests(client, school, mailoutbox):
    url = reverse("portal:password_reset")
    for n in range(10):
        assert client.post(url, {"email": f"p{n}@example.com"}).status_code == 302
    response = client.post(url, {"email": "p99@example.com"})
    assert response.status_code == 429
    assert "Vous avez demandé beaucoup de liens en peu de temps" in text(response)


def test_account_requests_are_limited_per_target_email(client, school):
    from accounts.models import AccountRequest

    url = reverse("accounts:request", args=[school.code])
    answers = []
    for n in range(8):
        answers.append(
            client.post(
                url,
                {
                    "last_name": f"Nom{n}",
                    "first_name": "Enfant",
                    "email": "cible@example.com",
                    "email_again": "cible@example.com",
                    "terms": "on",
                },
                REMOTE_ADDR=f"192.0.2.{n}",
            ).status_code
        )
    assert answers == [302] * 6 + [429] * 2
    assert AccountRequest.objects.filter(email="cible@example.com").count() == 6


@pytest.mark.parametrize("header", ["pas-une-adresse", "1.2.3.4, <script>", ""])
def test_a_forged_or_missing_address_is_never_a_500(client, parent, settings, header):
    settings.TRUST_X_FORWARDED_FOR = True
    response = client.post(
        reverse("portal:login", args=["4388"]),
        {"username": parent.email, "password": "pas-le-bon"},
        headers={"x-forwarded-for": header},
    )
    assert response.status_code == 200
    response = client.post(
        reverse("portal:login", args=["4388"]),
        {"username": parent.email, "password": PASSWORD},
        headers={"x-forwarded-for": header},
    )
    assert response.status_code == 302
