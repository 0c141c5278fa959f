import pytest
from django.urls import reverse


def test_healthz_answers_without_the_database(client):
    # No db fixture: pytest-django makes any database access in this test raise.
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.content == b"ok"


@pytest.mark.django_db
def test_readyz_checks_the_database(client):
    response = client.get(reverse("readyz"))
    assert response.status_code == 200
    assert response.json()["database"] == "ok"
