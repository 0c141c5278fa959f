from __future__ import annotations

from datetime import timedelta
from html import unescape

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccountRequest, User

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:accounts_accountrequest_changelist")


def validate_url(request) -> str:
    return reverse("admin:accounts_accountrequest_validate", args=[request.pk])


def test_a_cashier_cannot_see_nor_validate_requests(client, cashier, lea, make_request):
    request = make_request()
    client.force_login(cashier)
    assert client.get(CHANGELIST).status_code == 403
    assert client.get(validate_url(request)).status_code == 403
    assert client.post(validate_url(request), {"pupil": lea.pk}).status_code == 403
    assert (
        client.post(CHANGELIST, {"action": "validate_selected", ACTION_CHECKBOX_NAME: [request.pk]}).status_code == 403
    )
    request.refresh_from_db()
    assert request.is_pending


def test_a_parent_cannot_reach_the_admin(client, parent, make_request):
    client.force_login(parent)
    for url in [reverse("admin:index"), CHANGELIST, validate_url(make_request())]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))


def test_pending_requests_come_first_and_late_ones_are_marked(client, administrator, make_request):
    make_request(first_name="Tranche", status=AccountRequest.Status.REFUSED, decided_by=administrator)
    make_request(
        first_name="Vieille", status=AccountRequest.Status.REFUSED, created_at=timezone.now() - timedelta(days=9)
    )
    make_request(first_name="Retard", created_at=timezone.now() - timedelta(hours=49))
    make_request(first_name="Recent")
    client.force_login(administrator)
    page = unescape(client.get(CHANGELIST + "?statut=toutes").content.decode())
    assert page.index("Retard") < page.index("Recent") < page.index("Tranche") < page.index("Vieille")
    assert page.count("plus de 48 h") == 1
    overdue = unescape(client.get(CHANGELIST + "?age=overdue").content.decode())
    assert "Retard" in overdue and "Recent" not in overdue


def test_the_list_opens_on_pending_requests_overdue_first(client, administrator, make_request):
    make_request(first_name="Refusee", status=AccountRequest.Status.REFUSED, decided_by=administrator)
    make_request(first_name="Recente")
    make_request(first_name="Ancienne", created_at=timezone.now() - timedelta(hours=72))
    client.force_login(administrator)
    response = client.get(CHANGELIST)
    assert [r.first_name for r in response.context["cl"].result_list] == ["Ancienne", "Recente"]
    page = unescape(response.content.decode())
    assert "Refusee" not in page
    all_requests = client.get(CHANGELIST, {"statut": "toutes"}).context["cl"].result_list
    assert [r.first_name for r in all_requests] == ["Ancienne", "Recente", "Refusee"]
    refused = client.get(CHANGELIST, {"statut": "refused"}).context["cl"].result_list
    assert [r.first_name for r in refused] == ["Refusee"]


def test_an_unknown_status_in_the_address_shows_nothing_and_no_error(client, administrator, make_request):
    make_request()
    client.force_login(administrator)
    response = client.get(CHANGELIST, {"statut": "<script>"})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == []


def test_search_finds_requests_by_email(client, administrator, make_request):
    make_request(first_name="Trouve", email="cherche@example.com")
    make_request(first_name="Autre", email="autre@example.com")
    client.force_login(administrator)
    page = client.get(CHANGELIST + "?q=cherche").content.decode()
    assert "Trouve" in page and "Autre" not in page


def test_validating_with_a_pupil_of_another_school_changes_nothing(client, administrator, make_request):
    from canteen.models import Establishment, Pupil

    other = Establishment.objects.create(
        name="Autre", code="9999", contact_email="a@b.fr", beneficiary="x", address="y"
    )
    stranger = Pupil.objects.create(establishment=other, last_name="Martin", first_name="Léa", card_number="1")
    request = make_request()
    client.force_login(administrator)
    response = client.post(validate_url(request), {"pupil": stranger.pk})
    assert "Cet élève n&#x27;appartient pas à l&#x27;établissement de la demande." in response.content.decode()
    request.refresh_from_db()
    assert request.is_pending


def test_an_administrator_validates_a_sure_match_in_two_clicks(
    client, administrator, lea, make_request, mailoutbox, django_capture_on_commit_callbacks
):
    request = make_request(card_digits="10001")
    client.force_login(administrator)
    # Click 1: "Valider" on the request's row.
    assert validate_url(request) in client.get(CHANGELIST).content.decode()
    page = unescape(client.get(validate_url(request)).content.decode())
    assert "Confirmer : rattacher Léa Martin" in page
    # Click 2: the confirmation button, which posts the suggested pupil.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(validate_url(request), {"pupil": lea.pk})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == AccountRequest.Status.APPROVED
    assert request.decided_by == administrator and request.pupil == lea
    assert User.objects.get(email=request.email).pupils.get() == lea
    assert len(mailoutbox) == 1


def test_validating_an_already_decided_request_changes_nothing(client, administrator, lea, make_request):
    request = make_request(status=AccountRequest.Status.REFUSED)
    client.force_login(administrator)
    response = client.post(validate_url(request), {"pupil": lea.pk})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == AccountRequest.Status.REFUSED and request.pupil is None


def test_refusing_needs_a_reason(client, administrator, make_request, mailoutbox):
    request = make_request()
    client.force_login(administrator)
    url = reverse("admin:accounts_accountrequest_refuse", args=[request.pk])
    response = client.post(url, {"reason": ""})
    assert "Indiquez le motif du refus" in unescape(response.content.decode())
    request.refresh_from_db()
    assert request.is_pending and mailoutbox == []


def test_refusing_with_a_reason_records_it(
    client, administrator, make_request, django_capture_on_commit_callbacks, mailoutbox
):
    request = make_request()
    client.force_login(administrator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:accounts_accountrequest_refuse", args=[request.pk]), {"reason": "Inconnu ici."})
    request.refresh_from_db()
    assert request.status == AccountRequest.Status.REFUSED and request.refusal_reason == "Inconnu ici."
    assert request.decided_by == administrator
    assert "Inconnu ici." in mailoutbox[0].body


def test_bulk_validation_validates_only_unique_sure_matches(
    client, administrator, school, lea, hugo, make_request, django_capture_on_commit_callbacks
):
    from canteen.models import Pupil

    Pupil.objects.create(establishment=school, last_name="Petit", first_name="Jade", card_number="40001")
    Pupil.objects.create(establishment=school, last_name="Petit", first_name="Jade", card_number="40002")
    sure = [make_request(card_digits="10001"), make_request(first_name="Hugo", card_digits="10002")]
    unsure = [make_request(last_name="Petit", first_name="Jade"), make_request(last_name="Inconnu", first_name="X")]
    client.force_login(administrator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(CHANGELIST, {"action": "validate_selected", ACTION_CHECKBOX_NAME: [r.pk for r in sure + unsure]})
    statuses = {r.pk: AccountRequest.objects.get(pk=r.pk).status for r in sure + unsure}
    assert [statuses[r.pk] for r in sure] == [AccountRequest.Status.APPROVED] * 2
    assert [statuses[r.pk] for r in unsure] == [AccountRequest.Status.PENDING] * 2
    assert set(User.objects.get(email="nouveau.parent@example.com").pupils.all()) == {lea, hugo}


def test_bulk_refusal_asks_for_the_reason_then_refuses(
    client, administrator, make_request, django_capture_on_commit_callbacks, mailoutbox
):
    requests = [make_request(first_name="Un"), make_request(first_name="Deux")]
    ids = [r.pk for r in requests]
    client.force_login(administrator)
    page = client.post(CHANGELIST, {"action": "refuse_selected", ACTION_CHECKBOX_NAME: ids})
    assert page.status_code == 200 and "Motif du refus" in page.content.decode()
    assert AccountRequest.objects.filter(status=AccountRequest.Status.PENDING).count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            CHANGELIST,
            {"action": "refuse_selected", ACTION_CHECKBOX_NAME: ids, "apply": "1", "reason": "Demandes en double."},
        )
    assert (
        AccountRequest.objects.filter(
            status=AccountRequest.Status.REFUSED, refusal_reason="Demandes en double.", decided_by=administrator
        ).count()
        == 2
    )
    assert len(mailoutbox) == 2


def test_staff_can_resend_the_activation_email(
    client, administrator, lea, make_request, mailoutbox, django_capture_on_commit_callbacks
):
    request = make_request()
    client.force_login(administrator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(validate_url(request), {"pupil": lea.pk, "identity_checked": "on"})
    change = unescape(client.get(reverse("admin:accounts_accountrequest_change", args=[request.pk])).content.decode())
    assert "Renvoyer l'e-mail d'activation" in change
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:accounts_accountrequest_resend", args=[request.pk]))
    assert len(mailoutbox) == 2 and "Créer mon mot de passe" in mailoutbox[1].body


def test_the_change_page_shows_the_suggested_pupils(client, administrator, lea, make_request):
    request = make_request()
    client.force_login(administrator)
    page = client.get(reverse("admin:accounts_accountrequest_change", args=[request.pk])).content.decode()
    assert "Léa Martin (carte 10001)" in page
    assert validate_url(request) in page


def test_the_pupil_autocomplete_answers_administration_staff(client, administrator, lea, make_request):
    client.force_login(administrator)
    query = "?app_label=accounts&model_name=accountrequest&field_name=pupil&term=mart"
    response = client.get(reverse("admin:autocomplete") + query)
    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["Léa Martin — carte 10001"]  # class and card shown


def test_a_name_only_request_is_never_validated_in_bulk_and_the_reason_is_given(
    client, administrator, other_parent, chloe, make_request, mailoutbox, django_capture_on_commit_callbacks
):
    # The attack: a stranger asks for Chloé with her names only.
    stranger = make_request(last_name="bernard", first_name="chloe", email="inconnu@example.com")
    client.force_login(administrator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            CHANGELIST, {"action": "validate_selected", ACTION_CHECKBOX_NAME: [stranger.pk]}, follow=True
        )
    (left,) = (unescape(str(m)) for m in response.context["messages"])  # no "0 demande validée" beside it
    assert "chloe bernard (inconnu@example.com)</a> : aucun numéro de carte" in left
    assert validate_url(stranger) in left
    stranger.refresh_from_db()
    assert stranger.is_pending
    assert list(chloe.guardians.all()) == [other_parent]
    assert not User.objects.filter(email="inconnu@example.com").exists() and mailoutbox == []


def test_a_card_confirmed_request_is_validated_in_bulk_and_the_existing_guardian_is_told_after_commit(
    client, administrator, other_parent, chloe, make_request, mailoutbox, django_capture_on_commit_callbacks
):
    request = make_request(last_name="Bernard", first_name="Chloé", card_digits="10003", email="mere@example.com")
    client.force_login(administrator)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(CHANGELIST, {"action": "validate_selected", ACTION_CHECKBOX_NAME: [request.pk]})
    assert mailoutbox == []  # nothing leaves before the commit
    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()
    request.refresh_from_db()
    assert request.status == AccountRequest.Status.APPROVED
    assert set(chloe.guardians.values_list("email", flat=True)) == {other_parent.email, "mere@example.com"}
    [notice] = [m for m in mailoutbox if m.to == [other_parent.email]]
    assert "mere@example.com" in notice.body and "Chloé Bernard" in notice.body
    assert timezone.localtime(request.decided_at).strftime("%d/%m/%Y à %H:%M") in notice.body
    assert "administration@esvres.example" in notice.body and notice.reply_to == ["administration@esvres.example"]
    assert "Un responsable a été ajouté au compte de Chloé" == notice.subject
    # The new guardian gets only the password link, nobody else is written to.
    assert sorted(m.to[0] for m in mailoutbox) == sorted([other_parent.email, "mere@example.com"])


def test_the_validation_page_shows_the_current_guardians_and_asks_to_check_a_name_only_requester(
    client, administrator, other_parent, chloe, make_request
):
    stranger = make_request(last_name="bernard", first_name="chloe", email="inconnu@example.com")
    client.force_login(administrator)
    page = unescape(client.get(validate_url(stranger)).content.decode())
    assert "Responsables déjà rattachés : paul.bernard@example.com" in page
    assert "Aucun numéro de carte : vérifiez l'identité du demandeur" in page
    assert "Confirmer : rattacher" not in page


def test_a_name_only_request_is_attached_only_once_staff_confirm_they_checked_the_requester(
    client, administrator, other_parent, chloe, make_request, mailoutbox, django_capture_on_commit_callbacks
):
    stranger = make_request(last_name="bernard", first_name="chloe", email="inconnu@example.com")
    client.force_login(administrator)
    response = client.post(validate_url(stranger), {"pupil": chloe.pk})
    assert response.status_code == 200
    assert "Aucun numéro de carte : vérifiez l'identité du demandeur." in unescape(response.content.decode())
    stranger.refresh_from_db()
    assert stranger.is_pending and list(chloe.guardians.all()) == [other_parent]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(validate_url(stranger), {"pupil": chloe.pk, "identity_checked": "on"})
    assert response.status_code == 302
    stranger.refresh_from_db()
    assert stranger.status == AccountRequest.Status.APPROVED and stranger.pupil == chloe
    assert any(m.to == [other_parent.email] and "inconnu@example.com" in m.body for m in mailoutbox)


def test_digits_of_another_card_need_the_identity_check_too(client, administrator, lea, chloe, make_request):
    request = make_request(last_name="Bernard", first_name="Chloé", card_digits="10001")  # Léa's card digits
    client.force_login(administrator)
    page = unescape(client.post(validate_url(request), {"pupil": chloe.pk}).content.decode())
    assert "Les chiffres de carte donnés ne sont pas ceux de cet élève" in page
    request.refresh_from_db()
    assert request.is_pending
