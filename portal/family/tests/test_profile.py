"""The parent's profile: password (current one required), email (confirmed by a link), alert threshold,
children, and the download of everything held on the family."""

from __future__ import annotations

import csv
import io
import json
import re
from decimal import Decimal as D
from html import unescape

import pytest
from django.urls import reverse

from accounts.models import User
from billing.ledger import book
from billing.models import EntryKind
from canteen.models import AlertSettings
from conftest import PASSWORD
from portal.family import messaging
from portal.family.profile import email_change_token

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return unescape(response.content.decode())


# Password.


def test_password_change_needs_the_current_password(client, parent):
    client.force_login(parent)
    response = client.post(
        reverse("portal:password_change"),
        {"old_password": "pas-le-bon", "new_password1": "Nouveau-mot-2026!", "new_password2": "Nouveau-mot-2026!"},
    )
    assert response.status_code == 200
    parent.refresh_from_db()
    assert parent.check_password(PASSWORD)


def test_password_change_with_the_current_password_keeps_the_session(client, parent):
    client.force_login(parent)
    response = client.post(
        reverse("portal:password_change"),
        {"old_password": PASSWORD, "new_password1": "Nouveau-mot-2026!", "new_password2": "Nouveau-mot-2026!"},
    )
    assert response["Location"] == reverse("portal:profile")
    parent.refresh_from_db()
    assert parent.check_password("Nouveau-mot-2026!")
    assert client.get(reverse("portal:home")).status_code == 200


# Email.


def ask_email_change(client, new="camille.nouvelle@example.com", password=PASSWORD):
    return client.post(reverse("portal:change_email"), {"email": new, "password": password})


def test_an_email_change_needs_the_current_password_and_changes_nothing_without_it(client, parent, mailoutbox):
    client.force_login(parent)
    response = ask_email_change(client, password="faux")
    assert "Le mot de passe actuel est incorrect." in text(response)
    assert mailoutbox == []


def test_an_email_change_needs_the_link_sent_to_the_new_address(
    client, parent, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(parent)
    with django_capture_on_commit_callbacks(execute=True):
        response = ask_email_change(client, new="Camille.Nouvelle@Example.com")
    assert response["Location"] == reverse("portal:profile")
    parent.refresh_from_db()
    assert parent.email == "camille.martin@example.com"  # nothing changes before the link
    [email] = mailoutbox
    assert email.to == ["camille.nouvelle@example.com"]
    link = re.search(r"http://\S+/profil/email/\S+/", email.body).group(0)
    path = link.removeprefix("http://127.0.0.1:8000")
    with django_capture_on_commit_callbacks(execute=True):
        client.get(path)
    parent.refresh_from_db()
    assert parent.email == "camille.nouvelle@example.com"
    told = mailoutbox[1]
    assert told.to == ["camille.martin@example.com"] and "camille.nouvelle@example.com" in told.body
    client.get(path)  # the link works once: the old address it names is gone
    assert len(mailoutbox) == 2


def test_a_forged_or_foreign_link_changes_nothing(client, parent, other_parent):
    client.force_login(other_parent)
    response = client.get(reverse("portal:confirm_email", args=[email_change_token(parent, "vol@example.com")]))
    assert response.status_code == 302
    client.get(reverse("portal:confirm_email", args=["pas-un-jeton"]))
    parent.refresh_from_db()
    other_parent.refresh_from_db()
    assert (parent.email, other_parent.email) == ("camille.martin@example.com", "paul.bernard@example.com")


def test_an_address_already_used_by_another_login_is_not_taken(client, parent, other_parent):
    client.force_login(parent)
    response = client.get(reverse("portal:confirm_email", args=[email_change_token(parent, other_parent.email)]))
    assert response.status_code == 302
    parent.refresh_from_db()
    assert parent.email == "camille.martin@example.com"
    assert User.objects.filter(email=other_parent.email).count() == 1


# Alert settings.


def test_alert_settings_refuse_a_bad_threshold_in_french(client, parent):
    client.force_login(parent)
    response = client.post(reverse("portal:profile"), {"enabled": "on", "threshold": "douze"})
    assert "Saisissez un montant en euros" in text(response)
    response = client.post(reverse("portal:profile"), {"enabled": "on", "threshold": "9999"})
    assert "Le seuil ne peut pas dépasser" in text(response)
    assert not AlertSettings.objects.exists()


def test_alert_settings_are_saved(client, parent):
    client.force_login(parent)
    client.post(reverse("portal:profile"), {"enabled": "on", "threshold": "12,50 €"})
    assert AlertSettings.objects.get(user=parent).threshold == D("12.50")
    client.post(reverse("portal:profile"), {"threshold": ""})
    settings = AlertSettings.objects.get(user=parent)
    assert (settings.enabled, settings.threshold) == (False, None)


def test_the_profile_lists_the_children_and_offers_to_add_one(client, parent, school):
    client.force_login(parent)
    html = text(client.get(reverse("portal:profile")))
    assert "Léa Martin — École d'Esvres" in html and "Hugo Martin" in html
    add = reverse("accounts:request", args=[school.code]) + "?email=camille.martin%40example.com"
    assert add in html
    form = text(client.get(add))
    assert 'value="camille.martin@example.com"' in form


# Data export.


@pytest.fixture
def family_data(parent, other_parent, lea, chloe, school):
    book(lea, kind=EntryKind.MEAL, amount=D("-3.50"), label="Self")
    book(chloe, kind=EntryKind.MEAL, amount=D("-4.20"), label="Self Chloé")
    messaging.start_thread(establishment=school, subject="question", body='=HYPERLINK("x")', parent=parent, pupil=lea)
    messaging.start_thread(establishment=school, subject="other", body="Secret des Bernard", parent=other_parent)


def test_the_json_export_holds_the_family_and_nothing_of_another(client, parent, family_data):
    client.force_login(parent)
    response = client.get(reverse("portal:export_json"))
    assert response["Content-Disposition"] == 'attachment; filename="mes-donnees.json"'
    data = json.loads(b"".join(response.streaming_content))
    sections = {}
    for record in data["donnees"]:
        sections.setdefault(record["rubrique"], []).append(record)
    assert sections["profil"][0]["email"] == parent.email
    assert sorted(c["prenom"] for c in sections["enfant"]) == ["Hugo", "Léa"]
    assert [o["montant"] for o in sections["operation"]] == ["-3.50"]
    assert [m["texte"] for m in sections["message"]] == ['=HYPERLINK("x")']
    dump = json.dumps(data, ensure_ascii=False)
    assert "Chloé" not in dump and "Secret des Bernard" not in dump and "-4.20" not in dump


def test_the_csv_export_holds_the_same_and_defuses_formulas(client, parent, family_data):
    client.force_login(parent)
    response = client.get(reverse("portal:export_csv"))
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))
    assert rows[0] == ["rubrique", "champ", "valeur"]
    values = {(r[0].split()[0], r[1]): r[2] for r in rows[1:]}
    assert values[("operation", "montant")] == "-3.50"  # numbers stay numbers
    assert values[("message", "texte")] == '\'=HYPERLINK("x")'  # text that looks like a formula does not run
    assert "Chloé" not in body and "Secret des Bernard" not in body


def test_the_exports_need_a_login(client, school):
    for name in ["portal:export_json", "portal:export_csv", "portal:change_email"]:
        assert client.get(reverse(name)).status_code == 302


def test_the_language_is_chosen_from_the_profile(client, parent):
    client.force_login(parent)
    html = text(client.get(reverse("portal:profile")))
    assert 'id="profile-language"' in html and reverse("set_language") in html
    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("portal:profile")})
    assert response["Location"] == reverse("portal:profile")
    assert client.cookies["django_language"].value == "en"
