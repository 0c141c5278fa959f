"""The profile's current-password checks count towards the login's lockout (django-axes), and the
email-change confirmations are limited: the profile is no oracle and no mail cannon."""

from __future__ import annotations

from html import unescape

import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse

from conftest import PASSWORD
from portal.lib.models import OutboxMessage

pytestmark = pytest.mark.django_db

LOCKED = "Trop de tentatives de connexion infructueuses."
WRONG = "Le mot de passe actuel est incorrect."


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()
    yield
    cache.clear()


def text(response) -> str:
    return unescape(response.content.decode())


def confirmations() -> list[list[str]]:
    """The recipients of each confirmation written to the outbox."""
    return [row.recipients for row in OutboxMessage.objects.filter(name="email-change-confirm").order_by("pk")]


def change_email(client, password, new="camille.nouvelle@example.com"):
    return client.post(reverse("portal:change_email"), {"email": new, "password": password})


def change_password(client, password):
    new = "Nouveau-mot-2026!"
    return client.post(
        reverse("portal:password_change"), {"old_password": password, "new_password1": new, "new_password2": new}
    )


@pytest.mark.parametrize("ask", [change_email, change_password], ids=["email", "password"])
def test_the_eleventh_wrong_current_password_is_locked_like_a_login(client, parent, ask):
    assert settings.AXES_FAILURE_LIMIT == 10
    client.force_login(parent)
    for _attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        response = ask(client, "pas-le-bon")
        assert response.status_code == 200
    # The tenth failure locks the login, as at the login page: the eleventh try, right or wrong, is refused.
    assert ask(client, "pas-le-bon").status_code == 429
    response = ask(client, PASSWORD)
    assert response.status_code == 429 and LOCKED in text(response)
    parent.refresh_from_db()
    assert parent.check_password(PASSWORD) and parent.email == "camille.martin@example.com"
    assert confirmations() == []
    # The login page counts the same: locked there too, with the right password.
    client.logout()
    login = client.post(reverse("portal:login", args=["4388"]), {"username": parent.email, "password": PASSWORD})
    assert login.status_code == 429


def test_wrong_tries_in_the_profile_and_at_the_login_add_up(client, parent):
    client.force_login(parent)
    for _attempt in range(5):
        assert WRONG in text(change_email(client, "faux"))
    client.logout()
    login = reverse("portal:login", args=["4388"])
    for _attempt in range(4):
        assert client.post(login, {"username": parent.email, "password": "faux"}).status_code == 200
    assert client.post(login, {"username": parent.email, "password": "faux"}).status_code == 429


def test_the_right_current_password_still_works_below_the_limit(client, parent):
    client.force_login(parent)
    for _attempt in range(3):
        change_email(client, "faux")
    assert change_email(client, PASSWORD).status_code == 302
    assert len(confirmations()) == 1


def test_email_change_confirmations_are_limited_per_login(client, parent):
    client.force_login(parent)
    for number in range(3):
        assert change_email(client, PASSWORD, new=f"adresse{number}@example.com").status_code == 302
    response = change_email(client, PASSWORD, new="adresse9@example.com")
    assert response.status_code == 429
    assert "beaucoup de confirmations en peu de temps" in text(response)
    assert len(confirmations()) == 3


def test_one_stranger_address_receives_few_confirmations_whoever_asks(client, parent, other_parent):
    for login in [parent, other_parent]:
        client.force_login(login)
        for _attempt in range(2):
            change_email(client, PASSWORD, new="inconnu@example.com")
    assert confirmations() == [["inconnu@example.com"]] * 3
