from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.urls import reverse

from accounts.decisions import approve

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "cantine-du-jeudi-2026"


@pytest.fixture
def activation_link(lea, make_request, administrator, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        approve(make_request(email="nouveau.parent@example.com"), lea, by=administrator)
    url = re.search(r"https?://\S+/compte/activer/\S+/", mailoutbox[-1].body).group(0)
    assert url.startswith(settings.SITE_URL)
    return url.removeprefix(settings.SITE_URL)


def set_password(client, link):
    form_url = client.get(link)["Location"]  # Django swaps the token for a session value
    return client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})


def test_a_tampered_link_offers_a_new_one(client, activation_link):
    response = client.get(activation_link[:-3] + "xx/")
    assert "Lien expiré ou déjà utilisé" in response.content.decode()


def test_an_expired_link_offers_a_new_one_which_is_emailed(
    client, activation_link, mailoutbox, monkeypatch, django_capture_on_commit_callbacks
):
    later = datetime.now() + timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60)
    monkeypatch.setattr(PasswordResetTokenGenerator, "_now", lambda self: later)
    page = client.get(activation_link, follow=True).content.decode()
    assert "Lien expiré ou déjà utilisé" in page and "Recevoir un nouveau lien" in page
    uidb64 = activation_link.split("/")[3]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accounts:resend_activation", args=[uidb64]))
    assert "Nouveau lien envoyé" in response.content.decode()
    assert len(mailoutbox) == 2 and "Créer mon mot de passe" in mailoutbox[-1].body


def test_a_new_link_is_not_sent_once_the_password_is_set(
    client, activation_link, mailoutbox, django_capture_on_commit_callbacks
):
    set_password(client, activation_link)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("accounts:resend_activation", args=[activation_link.split("/")[3]]))
    assert len(mailoutbox) == 1


def test_setting_the_password_logs_the_parent_in_on_the_home_page(client, activation_link, lea):
    page = client.get(activation_link, follow=True).content.decode()
    assert "Créer mon mot de passe" in page and "nouveau.parent@example.com" in page
    response = set_password(client, activation_link)
    assert response.status_code == 302 and response["Location"] == reverse("portal:home")
    assert SESSION_KEY in client.session
    assert "Léa" in client.get(reverse("portal:home")).content.decode()


def test_the_link_works_only_once(client, activation_link):
    set_password(client, activation_link)
    client.logout()
    page = client.get(activation_link, follow=True).content.decode()
    # Used: no form, and the truth (the password is chosen) with the way in, rather than a dead end.
    assert "new_password1" not in page
    assert "Votre mot de passe est déjà créé" in page and "Recevoir un nouveau lien" not in page
