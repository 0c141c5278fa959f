"""The reset form does the same work whether the email has a login or not: a token made, an email written to
the outbox, the same queries; only a known login's email is kept and sent."""

from __future__ import annotations

from unittest import mock

import pytest
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.lib.models import OutboxMessage

pytestmark = pytest.mark.django_db


def ask_reset(client, email):
    cache.clear()  # the per-address limit is not what is measured here
    tokens = mock.patch.object(
        PasswordResetTokenGenerator, "make_token", autospec=True, side_effect=PasswordResetTokenGenerator.make_token
    )
    with tokens as make_token, CaptureQueriesContext(connection) as queries:
        response = client.post(reverse("portal:password_reset"), {"email": email})
    assert response.status_code == 302
    # The work, without the transaction's own statements (kept for one, rolled back for the other).
    statements = [query["sql"].split()[0] for query in queries.captured_queries]
    return make_token.call_count, [kind for kind in statements if kind in {"SELECT", "INSERT", "UPDATE", "DELETE"}]


def test_a_known_and_an_unknown_email_cost_the_same_work(client, parent):
    known = ask_reset(client, parent.email)
    unknown = ask_reset(client, "personne@example.com")
    assert known == unknown
    assert known[0] == 1 and "INSERT" in known[1]
    # Only the known login's email is kept.
    assert list(OutboxMessage.objects.values_list("recipients", flat=True)) == [[parent.email]]


def test_the_unknown_email_gets_nothing_even_once_committed(
    client, parent, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("portal:password_reset"), {"email": "personne@example.com"})
    assert mailoutbox == [] and not OutboxMessage.objects.exists()
