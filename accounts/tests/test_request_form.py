from __future__ import annotations

import re
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import AccountRequest
from accounts.views import REQUESTS_PER_HOUR

pytestmark = pytest.mark.django_db

GOOD = {
    "card_digits": "10001",
    "last_name": "Martin",
    "first_name": "Léa",
    "email": "nouveau.parent@example.com",
    "email_again": "Nouveau.Parent@example.com ",
    "terms": "on",
    "website": "",
}


def send(client, school, address="", **changes):
    data = {**GOOD, **changes}
    return client.post(
        reverse("accounts:request", args=[school.code]),
        {k: v for k, v in data.items() if v is not None},
        headers={"x-forwarded-for": address} if address else {},
    )


def without_csrf(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def errors_of(response) -> str:
    return unescape(response.content.decode())


def test_missing_fields_come_back_with_french_messages_and_store_nothing(client, school):
    response = send(client, school, last_name="", first_name="", email="", email_again="")
    page = errors_of(response)
    assert response.status_code == 200
    for message in [
        "Indiquez le nom de l'enfant titulaire de la carte.",
        "Indiquez le prénom de l'enfant titulaire de la carte.",
        "Indiquez votre adresse e-mail.",
        "Ressaisissez votre adresse e-mail.",
    ]:
        assert message in page
    assert not AccountRequest.objects.exists()


def test_emails_that_differ_are_refused(client, school):
    response = send(client, school, email_again="autre@example.com")
    assert "Les deux adresses e-mail sont différentes." in errors_of(response)
    assert not AccountRequest.objects.exists()


def test_an_invalid_email_is_refused(client, school):
    response = send(client, school, email="pas-un-email", email_again="pas-un-email")
    assert "Cette adresse e-mail n'est pas valide." in errors_of(response)
    assert not AccountRequest.objects.exists()


@pytest.mark.parametrize("digits", ["1234", "123456", "12a45", "abcde"])
def test_card_digits_must_be_exactly_five_digits(client, school, digits):
    response = send(client, school, card_digits=digits)
    assert "Saisissez exactement 5 chiffres, ou laissez ce champ vide." in errors_of(response)
    assert not AccountRequest.objects.exists()


def test_terms_not_accepted_are_refused(client, school):
    response = send(client, school, terms=None)
    assert "Vous devez accepter les conditions d'utilisation." in errors_of(response)
    assert not AccountRequest.objects.exists()


def test_unknown_establishment_is_404(client, school):
    assert client.get(reverse("accounts:request", args=["9999"])).status_code == 404


def test_form_has_the_reference_labels_and_links_the_terms(client, school):
    page = errors_of(client.get(reverse("accounts:request", args=[school.code])))
    for text in [
        "N° de la carte Self ou identifiant biométrie (5 derniers chiffres)",
        "Nom du titulaire de la carte",
        "Prénom du titulaire de la carte",
        "Votre e-mail",
        "Veuillez ressaisir votre e-mail",
        "ENVOYER",
        "Retour",
        reverse("accounts:terms", args=[school.code]),
    ]:
        assert text in page, text


def test_a_good_request_is_stored_and_confirmed(client, school):
    response = send(client, school)
    assert response.status_code == 302
    request = AccountRequest.objects.get()
    assert (request.last_name, request.first_name, request.card_digits) == ("Martin", "Léa", "10001")
    assert request.email == "nouveau.parent@example.com"
    assert request.status == AccountRequest.Status.PENDING and request.terms_accepted
    page = errors_of(client.get(response["Location"]))
    assert "dans un délai de 48h" in page and "vacances scolaires" in page


def test_the_answer_is_the_same_for_a_new_and_a_known_email(client, school, parent):
    new = send(client, school, email="inconnu@example.com", email_again="inconnu@example.com")
    known = send(client, school, email=parent.email, email_again=parent.email)
    assert (new.status_code, new["Location"]) == (known.status_code, known["Location"])
    assert without_csrf(client.get(new["Location"])) == without_csrf(client.get(known["Location"]))
    assert AccountRequest.objects.count() == 2


def test_a_duplicate_pending_request_is_stored_once(client, school):
    send(client, school)
    second = send(client, school, last_name="MARTIN", first_name=" léa ")
    assert second.status_code == 302
    assert AccountRequest.objects.count() == 1


def test_a_filled_honeypot_stores_nothing_but_answers_the_same(client, school):
    response = send(client, school, website="http://spam.example")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:request_sent", args=[school.code])
    assert not AccountRequest.objects.exists()


def test_past_the_rate_limit_a_polite_message_and_nothing_stored(client, school):
    for n in range(REQUESTS_PER_HOUR):
        send(client, school, first_name=f"Enfant{n}")
    response = send(client, school, first_name="UnDeTrop")
    assert response.status_code == 429
    assert "Merci de réessayer dans une heure." in errors_of(response)
    assert not AccountRequest.objects.filter(first_name="UnDeTrop").exists()


def test_the_terms_page_shows_the_establishment_terms(client, school):
    school.terms = "Les sommes versées servent uniquement à la cantine."
    school.save()
    page = errors_of(client.get(reverse("accounts:terms", args=[school.code])))
    assert "Conditions" in page and school.terms in page


def test_the_rate_limit_counts_per_client_address_behind_the_load_balancer(client, school, settings):
    settings.TRUST_X_FORWARDED_FOR = True
    for n in range(REQUESTS_PER_HOUR + 1):
        send(client, school, first_name=f"Enfant{n}", address="1.2.3.4, 10.0.0.1")
    assert send(client, school, first_name="Bloque", address="10.0.0.1").status_code == 429
    other = "autre.famille@example.com"
    response = send(client, school, first_name="Autre", address="10.0.0.2", email=other, email_again=other)
    assert response.status_code == 302
    assert AccountRequest.objects.filter(first_name="Autre").exists()


def test_the_rate_limit_ignores_a_forged_forwarded_header_without_a_trusted_proxy(rf, settings):
    from portal.lib.ratelimit import client_address

    request = rf.get("/", HTTP_X_FORWARDED_FOR="203.0.113.9", REMOTE_ADDR="198.51.100.7")
    settings.TRUST_X_FORWARDED_FOR = False
    assert client_address(request) == "198.51.100.7"
    settings.TRUST_X_FORWARDED_FOR = True
    assert client_address(request) == "203.0.113.9"


def test_a_request_is_acknowledged_by_email_on_the_schools_clock(
    client, school, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        send(client, school)
    [email] = mailoutbox
    assert email.to == ["nouveau.parent@example.com"] and email.subject == "Demande de compte reçue pour Léa"
    made = AccountRequest.objects.get()
    local = made.created_at.astimezone(ZoneInfo("Europe/Paris"))
    assert f"le {local:%d/%m/%Y} à {local:%H:%M}" in email.body and "Léa Martin" in email.body
    assert email.reply_to == [school.contact_email]


def test_another_child_s_form_keeps_the_email_of_this_browser_only(client, school):
    send(client, school)
    page = client.get(reverse("accounts:request_sent", args=[school.code])).content.decode()
    assert "Demander pour un autre enfant" in page and "nouveau.parent@example.com" in page
    form = client.get(reverse("accounts:request", args=[school.code])).content.decode()
    assert form.count('value="nouveau.parent@example.com"') == 2 and 'value="Martin"' in form
    # Another browser gets an empty form.
    other = Client()
    assert (
        "nouveau.parent@example.com" not in other.get(reverse("accounts:request", args=[school.code])).content.decode()
    )


def test_a_logged_in_parent_asks_for_another_child_with_their_email_filled_in(client, school, parent):
    client.force_login(parent)
    form = client.get(reverse("accounts:request", args=[school.code])).content.decode()
    assert form.count(f'value="{parent.email}"') == 2
