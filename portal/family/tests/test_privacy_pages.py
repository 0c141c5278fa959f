"""The notice "Données personnelles" and the "Mentions légales": one link away from every page, the school's own
details or sensible defaults, the durations the retention task applies, and only necessary cookies."""

from __future__ import annotations

from html import unescape

import pytest
from django.urls import reverse

from canteen.models import Establishment
from portal.family.models import PrivacyNotice

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return unescape(response.content.decode())


def public_pages(school) -> list[str]:
    return [
        reverse("portal:login", args=[school.code]),
        reverse("accounts:request", args=[school.code]),
        reverse("portal:public_contact", args=[school.code]),
        reverse("portal:password_reset"),
    ]


def parent_pages(lea) -> list[str]:
    return [
        reverse("portal:home"),
        reverse("billing:accounts"),
        reverse("billing:history", args=[lea.pk]),
        reverse("billing:payments"),
        reverse("portal:messages"),
        reverse("portal:notifications"),
        reverse("portal:profile"),
        reverse("portal:other_payments"),
        reverse("portal:delete_account"),
    ]


def test_every_page_links_the_notice_and_the_legal_page(client, school, parent, lea):
    notice, legal = reverse("portal:privacy_of", args=[school.code]), reverse("portal:legal_of", args=[school.code])
    for url in public_pages(school):  # a page of no school (the password reset) links the general notice
        page = text(client.get(url))
        assert f'href="{notice}"' in page or f'href="{reverse("portal:privacy")}"' in page, url
        assert f'href="{legal}"' in page or f'href="{reverse("portal:legal")}"' in page, url
    client.force_login(parent)
    for url in parent_pages(lea):
        page = text(client.get(url))
        assert f'href="{notice}"' in page and f'href="{legal}"' in page, url
    client.logout()
    assert f'href="{reverse("portal:privacy")}"' in text(client.get(reverse("portal:privacy")))


def test_the_request_form_links_the_notice(client, school):
    page = text(client.get(reverse("accounts:request", args=[school.code])))
    assert "Données personnelles : ce que nous en faisons" in page


def test_by_default_the_notice_names_the_establishment_and_says_everything_required(client, school):
    page = text(client.get(reverse("portal:privacy_of", args=[school.code])))
    assert "École d'Esvres" in page and "4, Mail de la Papoterie" in page
    assert "administration@esvres.example" in page
    for required in [
        "Base légale",
        "Stripe",
        "La banque de l'établissement",
        "Le prestataire d'envoi des emails",
        "Aucun transfert hors de l'Union européenne",
        "rectifier",
        "portabilité",
        "vous opposer",
        "CNIL",
        "Supprimer mon compte",
        "cookies strictement nécessaires",
        "aucun bandeau",
    ]:
        assert required in page, required
    assert "à compléter par l'établissement" in page  # host and email provider not filled in yet


def test_the_notice_states_the_durations_of_the_settings(client, school, settings):
    settings.PRIVACY_MESSAGE_YEARS = 3
    settings.PRIVACY_ACCOUNT_REQUEST_MONTHS = 4
    settings.PRIVACY_MESSAGE_YEARS = 1
    page = text(client.get(reverse("portal:privacy_of", args=[school.code])))
    assert "refusée ou jamais validée : 4 mois" in page
    assert "Les messages : 1 an après" in page
    assert "10 ans après sa dernière opération" in page
    assert "Les emails envoyés : 90 jours" in page
    assert "L'attestation de quotient familial : 12 mois après" in page
    assert "mandat de prélèvement terminé : 14 mois après sa fin" in page
    assert "Les réservations de repas : 12 mois après le jour réservé." in page


def test_the_establishment_s_own_details_replace_the_defaults(client, school):
    PrivacyNotice.objects.create(
        establishment=school,
        controller="Syndicat de restauration du Val",
        dpo_name="Agnès DPO",
        dpo_email="dpo@val.example",
        host="Hébergeur Exemple SAS, 1 rue du Serveur, 75000 Paris",
        publication_director="M. le Président",
        email_provider="Relais SMTP de l'académie",
    )
    page = text(client.get(reverse("portal:privacy_of", args=[school.code])))
    assert "Syndicat de restauration du Val" in page and "Agnès DPO" in page and "dpo@val.example" in page
    assert "Relais SMTP de l'académie" in page and "à compléter" not in page
    legal = text(client.get(reverse("portal:legal_of", args=[school.code])))
    assert (
        "Hébergeur Exemple SAS" in legal and "M. le Président" in legal and "Syndicat de restauration du Val" in legal
    )


def test_an_unknown_school_is_not_found(client, db):
    assert client.get(reverse("portal:privacy_of", args=["nulle-part"])).status_code == 404
    assert client.get(reverse("portal:legal_of", args=["nulle-part"])).status_code == 404
    assert client.get(reverse("portal:privacy")).status_code == 200


def test_only_strictly_necessary_cookies_are_set(client, school, parent, lea):
    necessary = {"sessionid", "csrftoken", "django_language"}
    for url in public_pages(school):
        assert set(client.get(url).cookies) <= necessary, url
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    client.force_login(parent)
    for url in parent_pages(lea):
        assert set(client.get(url).cookies) <= necessary, url


# Staff fill it in, each for their own establishment.


def test_staff_edit_their_establishment_s_notice_only(client, school, administrator, cashier):
    other = Establishment.objects.create(
        name="Autre école", code="9999", contact_email="a@example.com", beneficiary="A", address="A"
    )
    theirs = PrivacyNotice.objects.create(establishment=school)
    elsewhere = PrivacyNotice.objects.create(establishment=other)
    client.force_login(administrator)
    url = reverse("admin:portal_privacynotice_change", args=[theirs.pk])
    response = client.post(url, {"establishment": school.pk, "controller": "Mairie d'Esvres", "dpo_email": ""})
    assert response.status_code == 302
    theirs.refresh_from_db()
    assert theirs.controller == "Mairie d'Esvres"
    assert client.get(reverse("admin:portal_privacynotice_change", args=[elsewhere.pk])).status_code == 403
    response = client.post(url, {"establishment": school.pk, "dpo_email": "pas-une-adresse"})
    assert response.status_code == 200 and "dpo_email" in response.context["adminform"].form.errors
    client.force_login(cashier)
    assert client.get(url).status_code == 403
