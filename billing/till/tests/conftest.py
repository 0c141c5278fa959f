import pytest

from billing.till.models import Till


@pytest.fixture
def till_token(school):
    """A till of ``school`` and its bearer token."""
    till = Till(establishment=school, name="Borne 2")
    token = till.new_token()
    till.save()
    return till, token
