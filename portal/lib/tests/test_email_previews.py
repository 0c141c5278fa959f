"""Staff preview each email from the admin; every email template has an example and renders in French."""

from html import unescape
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from portal.lib.email_previews import samples

pytestmark = pytest.mark.django_db


def test_every_email_sent_has_a_preview():
    names = {
        p.name.removesuffix("-subject.txt")
        for p in (Path(settings.BASE_DIR) / "templates/emails").glob("*-subject.txt")
    }
    assert names == set(samples())


def test_staff_see_every_email_in_both_parts(client, administrator):
    client.force_login(administrator)
    html = unescape(client.get(reverse("email_previews")).content.decode())
    assert html.count('class="module email-preview"') == len(samples())
    assert "Solde bas pour Léa" in html and "Au rythme actuel, le solde couvre les repas jusqu'au lundi 30/11." in html
    assert reverse("email_previews") in client.get(reverse("admin:index")).content.decode()
    part = client.get(reverse("email_preview_html", args=["low-balance"])).content.decode()
    assert 'href="http://127.0.0.1:8000/comptes/"' in part
    assert client.get(reverse("email_preview_html", args=["inconnu"])).status_code == 404


def test_the_previews_open_on_an_index_of_every_email(client, administrator):
    client.force_login(administrator)
    html = unescape(client.get(reverse("email_previews")).content.decode())
    index = html.split('id="sommaire"')[1].split("</nav>")[0]
    for name, (purpose, _context) in samples().items():
        assert f'<a href="#{name}">{purpose}</a>' in index
        assert f'id="{name}"' in html
    assert f"Sommaire : {len(samples())} e-mails" in index
    assert html.count('href="#sommaire"') == len(samples())


def test_parents_cannot_preview(client, parent):
    client.force_login(parent)
    assert client.get(reverse("email_previews")).status_code == 302
    assert client.get(reverse("email_preview_html", args=["low-balance"])).status_code == 302
