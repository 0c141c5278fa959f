"""The admin speaks French: every model and field of ours has a French name (never Django's default,
made from the English attribute name), the site is branded OpenSelf, and the add pages say no "objet"."""

from __future__ import annotations

import datetime
import json

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.utils import label_for_field
from django.forms.utils import pretty_name
from django.urls import reverse
from django.utils.text import camel_case_to_spaces
from django.utils.translation import override

from canteen.models import ClosedPeriod

OUR_APPS = ["lib", "canteen", "accounts", "billing", "portal"]
SAME_IN_FRENCH = {
    "mode",
    "logo",
    "email",
    "type",
    "parent",
    "total",
    "correction",
    "message",
    "notification",
    "arguments",
}  # words French shares


def our_models():
    return [model for label in OUR_APPS for model in apps.get_app_config(label).get_models(include_auto_created=False)]


@pytest.mark.parametrize("model", our_models(), ids=lambda model: model._meta.label)
def test_every_model_and_field_has_a_french_name(model):
    with override("fr"):
        default = camel_case_to_spaces(model._meta.object_name)
        assert str(model._meta.verbose_name) != default or default in SAME_IN_FRENCH
        assert str(model._meta.verbose_name_plural) != default + "s" or default in SAME_IN_FRENCH
        english = []
        for field in model._meta.get_fields():
            if field.auto_created or not (field.concrete or field.many_to_many):
                continue
            default = field.name.replace("_", " ")
            if str(field.verbose_name) == default and field.name not in SAME_IN_FRENCH:
                english.append(field.name)
        assert not english, f"{model._meta.label}: no French verbose_name for {english}"


# Our admins (django-axes' login attempts, for superusers only, keep that library's own wording).
@pytest.mark.parametrize(
    "model", [m for m in admin.site._registry if m._meta.app_label in OUR_APPS], ids=lambda model: model._meta.label
)
def test_every_admin_column_and_read_only_field_is_french(model):
    """Columns and read-only fields that are methods or properties carry a French description, not the
    English attribute name Django would show ("NUMBER", "Amount")."""
    model_admin = admin.site._registry[model]
    names = [*model_admin.list_display, *model_admin.readonly_fields, *getattr(model_admin, "view_fields", [])]
    english = []
    with override("fr"):
        for name in names:
            if not isinstance(name, str) or name == "__str__":
                continue
            label = str(label_for_field(name, model, model_admin))
            if label == pretty_name(name) and name not in SAME_IN_FRENCH:
                english.append(name)
    assert not english, f"{model._meta.label}: English columns {english}"


def test_the_admin_is_branded_openself(client, administrator):
    client.force_login(administrator)
    html = client.get(reverse("admin:index")).content.decode()
    assert "OpenSelf — Administration" in html
    assert "Django" not in html.split("<body", 1)[1].split("<footer", 1)[0]


def test_the_admin_header_names_the_establishment(client, administrator, school):
    client.force_login(administrator)
    assert "École d&#x27;Esvres" in client.get(reverse("admin:index")).content.decode()


def test_add_pages_have_a_french_title_and_add_another_link(client, cashier):
    client.force_login(cashier)
    html = client.get(reverse("admin:billing_deskpayment_add")).content.decode()
    assert "<h1>Nouvel encaissement au guichet</h1>" in html
    assert "<title>Nouvel encaissement au guichet |" in html
    assert json.dumps("Ajouter un autre élève")[1:-1] in html  # inside the inline's JSON data
    assert "Ajout de " not in html and "Ajouter un objet" not in html


def test_list_and_change_pages_say_no_objet(client, cashier, lea):
    client.force_login(cashier)
    html = client.get(reverse("admin:billing_deskpayment_changelist")).content.decode()
    assert "<h1>Encaissements au guichet</h1>" in html
    assert "objet" not in html.split("<h1>", 1)[1].split("</h1>", 1)[0]
    assert "Sélectionnez" not in html


def test_the_cash_desk_pupil_picker_shows_class_and_card(client, cashier, lea, hugo):
    lea.class_name = "CM1"
    lea.save()
    client.force_login(cashier)
    query = {"app_label": "billing", "model_name": "paymentallocation", "field_name": "pupil", "term": "Martin"}
    answer = client.get(reverse("admin:autocomplete"), query).json()
    assert sorted(result["text"] for result in answer["results"]) == [
        "Hugo Martin — carte 10002",
        "Léa Martin — CM1 — carte 10001",
    ]
    by_card = client.get(reverse("admin:autocomplete"), {**query, "term": "10002"}).json()["results"]
    assert [result["text"] for result in by_card] == ["Hugo Martin — carte 10002"]


def test_the_pupil_picker_still_refuses_a_parent(client, parent):
    client.force_login(parent)
    query = {"app_label": "billing", "model_name": "paymentallocation", "field_name": "pupil", "term": "Martin"}
    response = client.get(reverse("admin:autocomplete"), query)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_cashier_is_told_in_french_what_was_recorded(client, cashier, lea):
    from billing.desk.tests.helpers import ADD_URL, desk_payment_data

    client.force_login(cashier)
    response = client.post(ADD_URL, desk_payment_data((lea, "50.00")), follow=True)
    [message] = [str(m) for m in response.context["messages"]]
    assert message.startswith("Enregistré : encaissement au guichet « ")
    assert message.endswith(" — 50,00\u00a0€ ».")
    assert "objet" not in message


def test_the_related_field_icons_say_no_objet(admin_client, lea):
    """Django's French titles the pickers' icons "Afficher l'objet élève sélectionné": ours say what they do."""
    html = admin_client.get(reverse("admin:canteen_pupil_change", args=[lea.pk])).content.decode()
    assert "sélection (établissement)" in html
    assert "objet" not in html


def test_every_admin_registered_gets_the_french_titles_whatever_the_order_of_the_apps():
    from portal.lib.admin_site import FrenchTitles, OpenSelfAdminSite

    assert isinstance(admin.site, OpenSelfAdminSite)
    assert all(isinstance(model_admin, FrenchTitles) for model_admin in admin.site._registry.values())


def test_the_delete_action_agrees_with_a_feminine_plural(client, administrator, school):
    ClosedPeriod.objects.create(establishment=school, start=datetime.date(2026, 12, 21), end=datetime.date(2027, 1, 3))
    client.force_login(administrator)
    closures = client.get(reverse("admin:canteen_closedperiod_changelist")).content.decode()
    assert "Supprimer les fermetures sélectionnées" in closures
    assert "sélectionnés" not in closures


def test_the_dashboard_says_no_aucun_e(client, administrator):
    client.force_login(administrator)
    dashboard = client.get(reverse("admin:index")).content.decode()
    assert "Aucun(e)" not in dashboard and "Aucune disponible" in dashboard
