import smtplib
from email.header import decode_header, make_header
from email.utils import parseaddr

import pytest
from django.core.mail import EmailMultiAlternatives
from django.db import transaction

from portal.lib.emails import queue_email
from tests.services import family_message_email, family_message_subject

pytestmark = pytest.mark.django_db(transaction=True)


def contact_email(parent):
    name, context = family_message_email()
    queue_email(name, "ecole@example.com", context, ["p@x.fr"])


def test_an_email_is_sent_only_once_the_transaction_commits(parent, mailoutbox):
    with transaction.atomic():
        contact_email(parent)
        assert mailoutbox == []
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["ecole@example.com"] and message.reply_to == ["p@x.fr"]
    assert message.subject == family_message_subject()
    assert "Bonjour" in message.body and message.alternatives[0].mimetype == "text/html"


def test_a_rolled_back_transaction_sends_nothing(parent, mailoutbox):
    with pytest.raises(RuntimeError), transaction.atomic():
        contact_email(parent)
        raise RuntimeError("the change is abandoned")
    assert mailoutbox == []


def test_a_failing_mail_server_is_retried(parent, mailoutbox, monkeypatch):
    real_send = EmailMultiAlternatives.send
    attempts = []

    def flaky_send(self, *args, **kwargs):
        attempts.append(1)
        if len(attempts) < 3:
            raise smtplib.SMTPServerDisconnected("the server went away")
        return real_send(self, *args, **kwargs)

    monkeypatch.setattr(EmailMultiAlternatives, "send", flaky_send)
    with transaction.atomic():
        contact_email(parent)
    assert len(attempts) == 3
    assert len(mailoutbox) == 1


def test_an_email_is_sent_under_the_schools_name_from_the_configured_address(parent, mailoutbox, settings):
    settings.DEFAULT_FROM_EMAIL = "OpenSelf <ne-pas-repondre@openself.example>"
    name, context = family_message_email()
    queue_email(name, "ecole@example.com", context, sender_name='École "Les Tilleuls"\nd\'Esvres')
    [message] = mailoutbox
    header = message.message()["From"]
    # One line, the school's name (quotes kept), the address the mail server may send from.
    name, address = parseaddr(str(make_header(decode_header(header))))
    assert name.replace('"', "") == "École Les Tilleuls d'Esvres" and address == "ne-pas-repondre@openself.example"


def test_without_a_name_the_configured_sender_is_kept(parent, mailoutbox, settings):
    settings.DEFAULT_FROM_EMAIL = "OpenSelf <ne-pas-repondre@openself.example>"
    contact_email(parent)
    assert mailoutbox[0].from_email == "OpenSelf <ne-pas-repondre@openself.example>"
