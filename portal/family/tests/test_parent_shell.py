from html import unescape

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_parent_pages_need_a_login(client, school):
    for name in ["portal:home", "portal:messages", "portal:notifications", "portal:profile", "portal:password_change"]:
        assert client.get(reverse(name)).status_code == 302


def test_other_ways_to_pay_show_the_schools_words_cheque_address_and_a_direct_debit_request(client, parent, school):
    school.other_payments = "Chèques remis au secrétariat le lundi."
    school.save()
    client.force_login(parent)
    accounts = client.get(reverse("billing:accounts")).content.decode()
    assert reverse("portal:other_payments") in accounts
    html = unescape(client.get(reverse("portal:other_payments")).content.decode())
    assert "Chèques remis au secrétariat le lundi." in html
    assert "À l'ordre de <strong>Restauration d'Esvres</strong>" in html
    assert "Chambray-lès-Tours" in html
    assert "Hugo Martin : … € ; Léa Martin : … €" in html
    assert reverse("portal:messages") + "?sujet=direct_debit" in html


def test_other_ways_to_pay_show_nothing_of_another_family(client, other_parent, school):
    client.force_login(other_parent)
    html = unescape(client.get(reverse("portal:other_payments")).content.decode())
    assert "Chloé Bernard" in html and "Léa" not in html
