from __future__ import annotations

import pytest
from django.core.cache import cache

from accounts.models import AccountRequest


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """Each test starts with no request counted against its client address."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def make_request(school):
    def make(last_name="Martin", first_name="Léa", email="nouveau.parent@example.com", card_digits="", **fields):
        return AccountRequest.objects.create(
            establishment=fields.pop("establishment", school),
            last_name=last_name,
            first_name=first_name,
            email=email,
            card_digits=card_digits,
            terms_accepted=True,
            **fields,
        )

    return make
