import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_parent_pages_need_a_login(client, school):
    for name in ["portal:home", "portal:messages", "portal:notifications", "portal:profile", "portal:password_change"]:
        assert client.get(reverse(name)).status_code == 302
