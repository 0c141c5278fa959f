import re
from html import unescape

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from conftest import PASSWORD

pytestmark = pytest.mark.django_db


def login(client, email, password, code="4388"):
    return client.post(reverse("portal:login", args=[code]), {"username": email, "password": password})


def test_wrong_password_shows_the_reference_message_and_opens_no_session(client, parent):
    response = login(client, parent.email, "pas-le-bon")
    assert response.status_code == 200
    assert "Identifiant ou mot de passe incorrect." in response.content.decode()
    assert SESSION_KEY not in client.session


def test_unknown_or_malformed_login_gets_the_same_message(client, school):
    for email in ["personne@example.com", "pas-un-email"]:
        response = login(client, email, "x")
        assert "Identifiant ou mot de passe incorrect." in response.content.decode()
        assert SESSION_KEY not in client.session


def test_right_password_lands_on_the_home_page(client, parent):
    response = login(client, parent.email, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")
    home = client.get(response["Location"])
    assert "Léa" in home.content.decode() and "Hugo" in home.content.decode()


def test_login_ignores_the_case_of_the_email(client, parent):
    response = login(client, parent.email.upper(), PASSWORD)
    assert response.status_code == 302


def test_login_page_has_the_reference_texts(client, school):
    page = unescape(client.get(reverse("portal:login", args=[school.code])).content.decode())
    for text in [
        "déjà un compte :",
        "CONNEXION",
        "Identifiant / mot de passe oublié ?",
        "Vous n'avez pas encore de compte ?",
        "CRÉER UN COMPTE",
        "Contacter mon établissement scolaire",
        school.name,
    ]:
        assert text in page, text


def test_unknown_establishment_is_404(client, school):
    assert client.get(reverse("portal:login", args=["9999"])).status_code == 404


def test_root_goes_straight_to_the_only_establishment(client, school):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:login", args=[school.code])


def test_home_requires_a_login(client, school):
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302
    assert response["Location"].startswith("/")


def test_password_reset_email_link_sets_a_new_password(client, parent, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("portal:password_reset"), {"email": parent.email})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [parent.email]
    assert "mot de passe" in message.subject
    link = re.search(r"https?://[^/\s]+(/mot-de-passe/nouveau/\S+/)", message.body).group(1)
    form_page = client.get(link, follow=True)
    set_url = form_page.redirect_chain[-1][0]
    new = "un-nouveau-secret-2026"
    done = client.post(set_url, {"new_password1": new, "new_password2": new})
    assert done.status_code == 302
    parent.refresh_from_db()
    assert parent.check_password(new)
    # The link works once.
    again = client.get(link, follow=True)
    assert "Lien expiré ou déjà utilisé" in again.content.decode()


def test_password_reset_link_starts_with_site_url_whatever_the_requests_host(
    client, parent, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://portail.example.fr"
    settings.ALLOWED_HOSTS = ["portail.example.fr", "127.0.0.1"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("portal:password_reset"), {"email": parent.email}, HTTP_HOST="127.0.0.1:6666")
    message = mailoutbox[0]
    links = re.findall(r"https?://[^/\s\"]+/mot-de-passe/nouveau/", message.body + message.alternatives[0][0])
    assert links and set(links) == {"https://portail.example.fr/mot-de-passe/nouveau/"}


def test_password_reset_does_not_reveal_unknown_emails(client, parent, mailoutbox):
    known = client.post(reverse("portal:password_reset"), {"email": parent.email})
    unknown = client.post(reverse("portal:password_reset"), {"email": "inconnu@example.com"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]


def test_the_login_page_is_french_first_and_available_in_english(client, school):
    url = reverse("portal:login", args=[school.code])
    assert "CONNEXION" in client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "LOG IN" in english and "CONNEXION" not in english
