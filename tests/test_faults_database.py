"""PostgreSQL drops the connection in the middle of a request (``pg_terminate_backend``, what a restart
or a failover does): people get a French 503 page, the till API and Stripe's webhook a 503 they retry,
nothing is half-written, and the process serves again once the connection is thrown away.

The test client skips what every WSGI server does at the end of a request (``request_finished`` →
``close_old_connections``, which drops a connection that errored): the tests call it themselves.
"""

from __future__ import annotations

import json
from decimal import Decimal as D

import pytest
from django.db import close_old_connections, connection
from django.urls import reverse

from billing.ledger import wallets_out_of_balance
from billing.models import EntryKind, LedgerEntry, Wallet
from billing.online.models import StripeEvent
from billing.online.tests.payments_helpers import online_payment
from billing.online.tests.stripe_events import SECRET, event, post_event, session_object
from billing.till.models import Till
from portal.lib.postgresql.base import CHECK_DELAY

from .services import needs_postgres, terminate_all_backends, terminate_backend_after

pytestmark = [needs_postgres, pytest.mark.django_db(transaction=True)]

HTML = {"HTTP_ACCEPT": "text/html,application/xhtml+xml"}


def end_of_request():
    """What the WSGI server does after each response."""
    close_old_connections()


def assert_ledger_holds():
    assert list(wallets_out_of_balance()) == []


def test_a_parent_page_answers_a_french_503_then_serves_again(client, parent):
    client.force_login(parent)
    with terminate_backend_after(1) as fault:
        response = client.get(reverse("portal:home"), **HTML)
    assert fault["terminated"]
    assert response.status_code == 503 and response["Retry-After"] == "30"
    page = response.content.decode()
    assert "Service momentanément indisponible" in page and "Traceback" not in page
    end_of_request()
    assert client.get(reverse("portal:home"), **HTML).status_code == 200
    assert_ledger_holds()


def test_the_till_api_answers_503_in_json_then_records_the_batch_once(client, lea):
    till = Till(establishment=lea.establishment, name="Borne 1")
    token = till.new_token()
    till.save()
    body = json.dumps(
        {"passages": [{"card": "10001", "at": "2026-03-02T12:00:00+01:00", "ref": f"R{n}"} for n in range(3)]}
    )

    def post():
        return client.post(
            "/api/till/meals", body, content_type="application/json", headers={"Authorization": f"Bearer {token}"}
        )

    with terminate_backend_after(4) as fault:  # after the token check, while the passages are written
        response = post()
    assert fault["terminated"]
    assert response.status_code == 503 and response["Content-Type"] == "application/json"
    assert response.json()["error"] == "Service momentanément indisponible, réessayez dans quelques instants."
    end_of_request()
    assert_ledger_holds()
    recorded_before = LedgerEntry.objects.filter(kind=EntryKind.MEAL).count()
    # The till sends the same batch again: each meal is recorded once.
    response = post()
    assert response.status_code == 200
    assert LedgerEntry.objects.filter(kind=EntryKind.MEAL).count() == 3 >= recorded_before
    assert Wallet.objects.get(pupil=lea).balance == D("-10.50")
    assert_ledger_holds()


@pytest.mark.parametrize("at_query", [1, 2, 3, 5, 8])
def test_the_webhook_answers_503_when_the_connection_dies_and_stripe_s_retry_credits_once(
    client, parent, lea, settings, at_query
):
    settings.STRIPE_WEBHOOK_SECRET = SECRET
    payment = online_payment(parent, {lea: "20.00"})
    envelope = event("checkout.session.completed", session_object(payment))
    with terminate_backend_after(at_query) as fault:
        response = post_event(client, envelope)
    assert fault["terminated"]
    assert response.status_code == 503
    end_of_request()
    assert_ledger_holds()
    assert StripeEvent.objects.count() == 0  # rolled back with the rest: the retry is not a "replay"
    assert post_event(client, envelope).status_code == 200
    assert post_event(client, envelope).status_code == 200
    assert LedgerEntry.objects.filter(kind=EntryKind.ONLINE_PAYMENT).count() == 1
    assert Wallet.objects.get(pupil=lea).balance == D("20.00")
    assert_ledger_holds()


def test_readyz_says_the_database_is_down_then_ready_again(client):
    assert client.get(reverse("readyz")).json()["database"] == "ok"
    assert terminate_all_backends() >= 1
    response = client.get(reverse("readyz"))
    assert response.status_code == 503
    assert response.json()["status"] == "down" and response.json()["database"].startswith("error: ")
    end_of_request()
    response = client.get(reverse("readyz"))
    assert response.status_code == 200 and response.json()["database"] == "ok"


def test_a_connection_killed_between_requests_is_replaced_before_the_next_one(client, parent):
    """CONN_HEALTH_CHECKS: a persistent connection that PostgreSQL dropped while idle is checked at the
    start of the next request and replaced, so that request never sees the fault."""
    assert connection.settings_dict["CONN_HEALTH_CHECKS"] is True
    client.force_login(parent)
    connection.ensure_connection()
    old = connection.connection
    terminate_all_backends()
    connection.used_at -= CHECK_DELAY  # idle for a second (portal.lib.postgresql)
    close_old_connections()  # request_started, as the WSGI server sends it
    assert client.get(reverse("portal:home"), **HTML).status_code == 200
    assert connection.connection is not old


def test_a_connection_killed_within_a_second_of_its_last_query_fails_one_request_only(client, parent):
    """The price of not pinging a busy connection (portal.lib.postgresql): killed less than a second after
    it answered, the next request meets the fault (the French 503 page); the one after is served."""
    client.force_login(parent)
    assert client.get(reverse("portal:home"), **HTML).status_code == 200
    terminate_all_backends()
    close_old_connections()
    assert client.get(reverse("portal:home"), **HTML).status_code == 503
    end_of_request()
    assert client.get(reverse("portal:home"), **HTML).status_code == 200
