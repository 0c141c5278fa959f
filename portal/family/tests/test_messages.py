"""Messages: a parent writes to a child's establishment, staff answer in the admin, the parent reads the
answer in the portal and by email; visitors without a login write from the login page."""

from __future__ import annotations

from html import unescape

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache
from django.urls import reverse

from accounts.models import User
from conftest import PASSWORD
from portal.family.models import Message, MessageThread, Notification, NotificationKind, Subject
from portal.family.threads import CONTACTS_PER_HOUR, PARENT_MESSAGES_PER_HOUR

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def write(client, pupil, subject="question", message="Léa mange-t-elle bien ?"):
    return client.post(reverse("portal:messages"), {"subject": subject, "pupil": pupil.pk, "message": message})


def page_of(response) -> str:
    return unescape(response.content.decode())


@pytest.fixture
def thread(client, parent, lea, django_capture_on_commit_callbacks):
    client.force_login(parent)
    with django_capture_on_commit_callbacks(execute=True):
        write(client, lea)
    client.logout()
    return MessageThread.objects.get()


# Failure paths first.


def test_an_empty_message_is_refused_in_french_and_nothing_is_sent(client, parent, lea, mailoutbox):
    client.force_login(parent)
    response = write(client, lea, message="   ")
    assert response.status_code == 200
    assert "Écrivez votre message." in page_of(response)
    assert not MessageThread.objects.exists() and mailoutbox == []


def test_a_parent_cannot_write_about_another_familys_child(client, parent, chloe, mailoutbox):
    client.force_login(parent)
    response = write(client, chloe)
    assert response.status_code == 200
    assert "Choisissez l'un de vos enfants." in page_of(response)
    assert not MessageThread.objects.exists() and mailoutbox == []


@pytest.mark.parametrize("subject", ["", "hack", "x" * 500])
def test_an_unknown_subject_is_refused(client, parent, lea, subject):
    client.force_login(parent)
    response = write(client, lea, subject=subject)
    assert response.status_code == 200
    assert not MessageThread.objects.exists()


@pytest.mark.parametrize(
    "iban",
    [
        "FR76 3000 6000 0112 3456 7890 189",
        "FR76.3000.6000.0112.3456.7890.189",
        "FR76\u00a03000\u00a06000\u00a00112\u00a03456\u00a07890\u00a0189",  # non-breaking spaces
        "FR76\u200b3000\u200b6000\u200b0112\u200b3456\u200b7890\u200b189",  # zero-width spaces
        "FR76/3000/6000/0112/3456/7890/189",
        "ＦＲ７６ ３０００ ６０００ ０１１２ ３４５６ ７８９０ １８９",  # full-width
        "F R 7 6 3 0 0 0 6 0 0 0 0 1 1 2 3 4 5 6 7 8 9 0 1 8 9",  # one by one
        "monIBANFR7630006000011234567890189",  # glued to a word
    ],
)
def test_an_iban_typed_into_a_message_is_refused_however_it_is_spelt(client, parent, lea, iban):
    client.force_login(parent)
    response = write(client, lea, subject="direct_debit", message=f"Mon IBAN : {iban}")
    assert "N'écrivez pas d'IBAN dans un message" in page_of(response)
    assert not MessageThread.objects.exists()


def test_a_message_with_dates_and_a_phone_number_is_not_taken_for_an_iban(client, parent, lea):
    client.force_login(parent)
    write(client, lea, message="Léa était absente du 04/12/2026 au 05/12/2026. Mon numéro : 06 12 34 56 78.")
    assert MessageThread.objects.count() == 1


def test_a_message_too_long_or_with_control_characters_is_refused(client, parent, lea):
    client.force_login(parent)
    assert "caractères invalides" in page_of(write(client, lea, message="bonjour\x07"))
    assert "caractère nul" in page_of(write(client, lea, message="bonjour\x00"))
    assert "5000" in page_of(write(client, lea, message="a" * 5001))
    assert not MessageThread.objects.exists()


def test_a_parent_never_reads_another_familys_thread(client, thread, other_parent):
    client.force_login(other_parent)
    assert client.get(reverse("portal:thread", args=[thread.pk])).status_code == 404
    response = client.post(reverse("portal:thread", args=[thread.pk]), {"message": "intrusion"})
    assert response.status_code == 404
    assert "Léa mange-t-elle bien" not in page_of(client.get(reverse("portal:messages")))
    assert thread.messages.count() == 1


# The journey.


def test_the_message_reaches_the_school_by_email_after_commit(
    client, parent, lea, school, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(parent)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = write(client, lea, subject="refund", message="Nous déménageons, remboursement svp.")
    assert mailoutbox == []  # nothing leaves before the commit
    for callback in callbacks:
        callback()
    thread = MessageThread.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("portal:thread", args=[thread.pk])
    assert (thread.parent, thread.pupil, thread.establishment, thread.subject) == (parent, lea, school, "refund")
    assert thread.awaiting_answer and thread.sender_email == parent.email
    [email] = mailoutbox
    assert email.to == [school.contact_email]
    assert "Remboursement" in email.subject
    assert "Nous déménageons, remboursement svp." in email.body and "Léa Martin" in email.body
    assert f"/admin/portal/messagethread/{thread.pk}/change/" in email.body
    html = email.alternatives[0][0]
    assert "Nous déménageons" in html
    # "Répondre" in the school's mail client writes to the family.
    assert email.reply_to == [parent.email]


def test_the_new_message_form_can_be_opened_on_a_subject(client, parent):
    client.force_login(parent)
    html = page_of(client.get(reverse("portal:messages") + "?sujet=direct_debit"))
    assert '<option value="direct_debit" selected>' in html


def test_staff_answer_in_the_admin_and_the_parent_reads_it(
    client, thread, parent, administrator, school, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(administrator)
    index = page_of(client.get(reverse("admin:index")))
    assert "1 message en attente de réponse" in index
    change = reverse("admin:portal_messagethread_change", args=[thread.pk])
    page = page_of(client.get(change))
    assert "Léa mange-t-elle bien ?" in page and "Léa Martin" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(change, {"answer": "Oui, très bien.\nBonne journée."})
    assert response.status_code == 302
    assert "Aucun message en attente de réponse." in page_of(client.get(reverse("admin:index")))
    thread.refresh_from_db()
    assert not thread.awaiting_answer
    answer = thread.messages.last()
    assert (answer.from_staff, answer.author, answer.body) == (True, administrator, "Oui, très bien.\nBonne journée.")
    assert len(mailoutbox) == 2  # the parent's message to the school, then the answer
    email = mailoutbox[1]
    assert email.to == [parent.email] and email.reply_to == [school.contact_email]
    assert school.name in email.subject
    assert "Oui, très bien." in email.body and f"/messages/{thread.pk}/" in email.body
    [notification] = Notification.objects.filter(user=parent)
    assert notification.kind == NotificationKind.ANSWER_RECEIVED

    client.force_login(parent)
    assert "(1) " in page_of(client.get(reverse("portal:home")))
    html = page_of(client.get(reverse("portal:thread", args=[thread.pk])))
    assert "Réponse de l'École d'Esvres" in html and "Oui, très bien." in html
    assert "(1) " not in html  # reading the answer read its notification
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_an_empty_answer_changes_nothing(client, thread, administrator, mailoutbox):
    client.force_login(administrator)
    client.post(reverse("admin:portal_messagethread_change", args=[thread.pk]), {"answer": "  "})
    thread.refresh_from_db()
    assert thread.awaiting_answer and thread.messages.count() == 1
    assert len(mailoutbox) == 1  # the parent's message to the school, nothing more


def test_the_parent_writes_again_and_the_thread_waits_for_an_answer_again(
    client, thread, parent, administrator, django_capture_on_commit_callbacks, mailoutbox
):
    client.force_login(administrator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("admin:portal_messagethread_change", args=[thread.pk]), {"answer": "Oui."})
    client.force_login(parent)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("portal:thread", args=[thread.pk]), {"message": "Merci !"})
    thread.refresh_from_db()
    assert thread.awaiting_answer and thread.messages.count() == 3
    assert mailoutbox[-1].to == ["administration@esvres.example"]


def test_staff_without_the_permission_see_no_thread(client, thread):
    clerk = User.objects.create_user("stagiaire@esvres.example", PASSWORD, is_staff=True)
    client.force_login(clerk)
    assert client.get(reverse("admin:portal_messagethread_change", args=[thread.pk])).status_code == 403
    assert "en attente de réponse" not in page_of(client.get(reverse("admin:index")))


def test_staff_may_neither_add_nor_delete_threads(client, thread, administrator):
    client.force_login(administrator)
    assert client.get(reverse("admin:portal_messagethread_add")).status_code == 403
    assert (
        client.post(reverse("admin:portal_messagethread_delete", args=[thread.pk]), {"post": "yes"}).status_code == 403
    )
    assert MessageThread.objects.filter(pk=thread.pk).exists()


def test_the_thread_s_admin_page_offers_no_view_on_site_link_to_the_family_s_page(client, thread, administrator):
    client.force_login(administrator)
    page = client.get(reverse("admin:portal_messagethread_change", args=[thread.pk])).content.decode()
    assert thread.get_absolute_url() not in page and "viewsitelink" not in page


def test_the_cashier_answers_direct_debit_requests(thread, cashier):
    assert cashier.has_perm("portal.change_messagethread")
    assert not cashier.has_perm("portal.delete_messagethread")
    assert Permission.objects.filter(codename="change_messagethread").exists()


# The public contact form of the login page.

PUBLIC = {
    "name": "Jean  Dupont",
    "email": "jean.dupont@example.com",
    "pupil_name": "Lucas Dupont",
    "subject": "question",
    "message": "Comment inscrire mon fils ?",
    "website": "",
}


def contact(client, school, **changes):
    return client.post(reverse("portal:public_contact", args=[school.code]), {**PUBLIC, **changes})


def test_the_login_page_links_the_public_contact_form(client, school):
    html = page_of(client.get(reverse("portal:login", args=[school.code])))
    assert reverse("portal:public_contact", args=[school.code]) in html


def test_a_visitor_writes_without_a_login_and_staff_answer_by_email(
    client, school, administrator, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = contact(client, school)
    assert response["Location"] == reverse("portal:public_contact_sent", args=[school.code])
    thread = MessageThread.objects.get()
    assert (thread.parent, thread.sender_name, thread.pupil_name) == (None, "Jean Dupont", "Lucas Dupont")
    assert thread.subject == Subject.QUESTION
    assert mailoutbox[0].to == [school.contact_email] and "formulaire public" in mailoutbox[0].body
    client.force_login(administrator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:portal_messagethread_change", args=[thread.pk]), {"answer": "Passez au secrétariat."}
        )
    answer = mailoutbox[1]
    assert answer.to == ["jean.dupont@example.com"] and "Passez au secrétariat." in answer.body
    assert "/messages/" not in answer.body  # no login, no portal link
    assert not Notification.objects.exists()


def test_public_form_errors_are_french_and_store_nothing(client, school, mailoutbox):
    response = contact(client, school, email="pas-une-adresse", message="")
    assert response.status_code == 200
    html = page_of(response)
    assert "Cette adresse e-mail n'est pas valide." in html and "Écrivez votre message." in html
    assert not MessageThread.objects.exists() and mailoutbox == []


def test_a_filled_honeypot_stores_nothing_but_answers_the_same(client, school, mailoutbox):
    response = contact(client, school, website="http://spam.example")
    assert response["Location"] == reverse("portal:public_contact_sent", args=[school.code])
    assert not MessageThread.objects.exists() and mailoutbox == []


def test_past_the_rate_limit_a_polite_message_and_nothing_stored(client, school):
    for n in range(CONTACTS_PER_HOUR):
        contact(client, school, message=f"Message {n}")
    response = contact(client, school, message="Un de trop")
    assert response.status_code == 429
    assert "Merci de réessayer dans une heure." in page_of(response)
    assert MessageThread.objects.count() == CONTACTS_PER_HOUR
    assert not Message.objects.filter(body="Un de trop").exists()


def test_an_unknown_establishment_is_404(client, school):
    assert client.get(reverse("portal:public_contact", args=["nope"])).status_code == 404


def test_a_parent_past_the_hourly_limit_is_told_and_nothing_is_sent(client, parent, lea):
    client.force_login(parent)
    for n in range(PARENT_MESSAGES_PER_HOUR):
        write(client, lea, message=f"Message {n}")
    response = write(client, lea, message="Un de trop")
    assert response.status_code == 429
    assert "Merci de réessayer dans une heure." in page_of(response)
    assert MessageThread.objects.count() == PARENT_MESSAGES_PER_HOUR
    thread = MessageThread.objects.first()
    assert client.post(reverse("portal:thread", args=[thread.pk]), {"message": "Encore"}).status_code == 429
    assert not Message.objects.filter(body__in=["Un de trop", "Encore"]).exists()


@pytest.mark.parametrize(
    "changes",
    [
        {"name": "x" * 10_000},
        {"email": "a@b.c\r\nBcc: victime@example.com"},
        {"message": "\u202e" + "é" * 5001},
        {"pupil_name": "<script>alert(1)</script>" * 20},
    ],
)
def test_hostile_public_input_gets_a_page_never_a_500_and_nothing_stored(client, school, changes, mailoutbox):
    response = contact(client, school, **changes)
    assert response.status_code == 200
    assert not MessageThread.objects.exists() and mailoutbox == []


def test_markup_in_a_message_is_shown_as_text_to_staff_and_parent(
    client, parent, lea, administrator, django_capture_on_commit_callbacks, mailoutbox
):
    client.force_login(parent)
    with django_capture_on_commit_callbacks(execute=True):
        write(client, lea, message='<img src=x onerror="alert(1)">')
    thread = MessageThread.objects.get()
    assert "<img src=x" not in client.get(reverse("portal:thread", args=[thread.pk])).content.decode()
    assert "<img src=x" not in mailoutbox[0].alternatives[0][0]
    client.force_login(administrator)
    page = client.get(reverse("admin:portal_messagethread_change", args=[thread.pk])).content.decode()
    assert "<img src=x" not in page and "&lt;img src=x" in page


def test_line_breaks_in_a_name_never_reach_an_email_header(
    client, school, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        contact(client, school, name="Jean\r\nBcc: victime@example.com")
    assert MessageThread.objects.get().sender_name == "Jean Bcc: victime@example.com"
    [email] = mailoutbox
    assert email.bcc == [] and "\n" not in email.subject and email.to == [school.contact_email]


def test_the_new_message_form_can_be_opened_on_a_child(client, parent, lea, hugo, chloe):
    client.force_login(parent)
    html = page_of(client.get(reverse("portal:messages") + f"?enfant={lea.pk}"))
    assert f'<option value="{lea.pk}" selected>' in html
    # Another family's child is not a choice: nothing is selected and nothing of theirs is shown.
    html = page_of(client.get(reverse("portal:messages") + f"?enfant={chloe.pk}"))
    assert "selected>" not in html.split('name="pupil"')[1].split("</select>")[0]
    assert "Chloé" not in html
    assert client.get(reverse("portal:messages") + "?enfant=abc").status_code == 200
