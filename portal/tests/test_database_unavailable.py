"""A database outage is a French 503 (HTML for people, JSON for machines), anything else a 500."""

from __future__ import annotations

import json

from django.db import IntegrityError, OperationalError
from django.test import RequestFactory

from portal.middleware import DatabaseUnavailableMiddleware, server_error

factory = RequestFactory()
middleware = DatabaseUnavailableMiddleware(lambda request: None)


def test_a_browser_gets_the_french_page_with_retry_after():
    request = factory.get("/accueil/", headers={"Accept": "text/html"})
    response = middleware.process_exception(request, OperationalError("server closed the connection"))
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert "Service momentanément indisponible" in response.content.decode()


def test_the_till_api_and_machines_get_json():
    for request in (
        factory.post("/api/till/meals", headers={"Accept": "text/html"}),
        factory.post("/billing/stripe/webhook/", headers={"Accept": "*/*"}),
    ):
        response = middleware.process_exception(request, OperationalError("the database system is starting up"))
        assert response.status_code == 503 and response["Content-Type"] == "application/json"
        assert json.loads(response.content) == {
            "error": "Service momentanément indisponible, réessayez dans quelques instants."
        }


def test_other_errors_are_left_to_django():
    request = factory.get("/accueil/")
    assert middleware.process_exception(request, IntegrityError("duplicate")) is None
    assert middleware.process_exception(request, ValueError("bug")) is None


def test_an_outage_met_outside_a_view_is_a_503_too(db):
    request = factory.get("/accueil/", headers={"Accept": "text/html"})
    try:
        raise OperationalError("connection lost while saving the session")
    except OperationalError:
        assert server_error(request).status_code == 503
    try:
        raise ValueError("a bug")
    except ValueError:
        assert server_error(request).status_code == 500
