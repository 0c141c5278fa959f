import datetime
from decimal import Decimal as D

import pytest
from django.urls import reverse

from billing.ledger import book
from billing.models import EntryKind
from canteen.models import Guardianship, Pupil

pytestmark = pytest.mark.django_db


def test_home_needs_a_login(client):
    assert client.get(reverse("portal:home")).status_code == 302


def test_home_shows_each_childs_balance_meals_covered_and_links(client, parent, lea, hugo):
    book(lea, kind=EntryKind.ONLINE_PAYMENT, amount=D("18.40"), label="Paiement en ligne")
    client.force_login(parent)
    html = client.get(reverse("portal:home")).content.decode()
    assert 'Solde <span class="balance">18,40\u00a0€</span>' in html
    assert "Soit : 5 repas" in html
    assert "Soit : 0 repas" in html  # Hugo, empty account
    assert reverse("billing:accounts") in html
    assert reverse("billing:history", args=[lea.pk]) in html
    assert reverse("billing:history", args=[hugo.pk]) in html
    assert "négatif" not in html


def test_home_warns_when_a_balance_is_negative(client, parent, lea):
    book(lea, kind=EntryKind.MEAL, amount=D("-3.50"), label="Self")
    client.force_login(parent)
    html = client.get(reverse("portal:home")).content.decode()
    assert "-3,50\u00a0€" in html
    assert "Le solde est négatif" in html


def test_home_costs_the_same_queries_whatever_the_number_of_children(
    client, parent, school, django_assert_max_num_queries
):
    client.force_login(parent)
    for i in range(10):
        pupil = Pupil.objects.create(
            establishment=school, last_name="Martin", first_name=f"Enfant{i}", card_number=f"2{i:04d}"
        )
        Guardianship.objects.create(user=parent, pupil=pupil)
        book(
            pupil,
            kind=EntryKind.CASH,
            amount=D("10.00"),
            label="Espèces",
            occurred_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
        )
    # Session, user, children, tariffs, QF grids, the family's school (header and footer), unread
    # notifications, and the forecast's closed days, meals, history check and meals booked: a fixed count,
    # whatever the number of children.
    with django_assert_max_num_queries(11):
        response = client.get(reverse("portal:home"))
    assert response.content.decode().count("Soit : 2 repas") == 10


def test_greets_the_parent_by_first_name(client, parent):
    client.force_login(parent)
    html = client.get(reverse("portal:home")).content.decode()
    assert "Bonjour <strong>Camille</strong>" in html


def test_never_greets_a_parent_without_first_name_by_their_email(client, other_parent):
    client.force_login(other_parent)
    html = client.get(reverse("portal:home")).content.decode()
    assert "Bonjour" in html
    assert "paul.bernard@example.com" not in html.split("<main", 1)[1]


def test_home_calls_to_credit_a_child_whose_balance_covers_no_meal(client, parent, lea, hugo):
    book(lea, kind=EntryKind.ONLINE_PAYMENT, amount=D("3.00"), label="Paiement en ligne")  # under a meal's price
    book(hugo, kind=EntryKind.ONLINE_PAYMENT, amount=D("20.00"), label="Paiement en ligne")
    client.force_login(parent)
    html = client.get(reverse("portal:home")).content.decode()
    assert html.count("Le solde ne couvre aucun repas") == 1
    assert "pour que Léa puisse déjeuner" in html
    assert f"{reverse('billing:accounts')}#child-{lea.pk}" in html
    assert f"{reverse('billing:accounts')}#child-{hugo.pk}" not in html


def test_each_card_s_contact_link_names_its_child(client, parent, lea, hugo):
    client.force_login(parent)
    html = client.get(reverse("portal:home")).content.decode()
    for child in (lea, hugo):
        assert f"{reverse('portal:messages')}?enfant={child.pk}#ecrire" in html
