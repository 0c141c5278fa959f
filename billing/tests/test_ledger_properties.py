"""Property: whatever the sequence of meals, payments and corrections, a balance is the sum of its entries."""

import itertools
from decimal import Decimal as D

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing.ledger import book, wallets_out_of_balance
from billing.models import EntryKind, LedgerEntry, Wallet
from canteen.models import Pupil

pytestmark = pytest.mark.django_db
cards = itertools.count(50000)

cents = st.integers(min_value=1, max_value=50_000).map(lambda n: D(n) / 100)
operation = st.one_of(
    st.tuples(st.just(EntryKind.MEAL), cents.map(lambda a: -a)),
    st.tuples(st.sampled_from([EntryKind.ONLINE_PAYMENT, EntryKind.CHEQUE, EntryKind.CASH]), cents),
    st.tuples(st.just(EntryKind.CORRECTION), st.one_of(cents, cents.map(lambda a: -a))),
)
# A reference drawn from a small pool, so that the same source is often sent again.
reference = st.one_of(st.none(), st.integers(min_value=0, max_value=5).map(lambda n: f"src-{n}"))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=st.lists(st.tuples(operation, reference), max_size=25))
def test_the_balance_always_equals_the_sum_of_the_entries(school, operations):
    pupil = Pupil.objects.create(establishment=school, last_name="P", first_name="Q", card_number=str(next(cards)))
    prefix = f"{pupil.pk}:"
    expected, seen = D("0.00"), set()
    for (kind, amount), ref in operations:
        ref = prefix + ref if ref else None
        booking = book(pupil, kind=kind, amount=amount, label="x", reference=ref)
        assert booking.created == (ref is None or ref not in seen)
        if booking.created:
            expected += amount
            seen.add(ref)
        if booking.created:
            assert booking.entry.balance_after == expected
        wallet = Wallet.objects.get(pupil=pupil)
        assert wallet.balance == expected
        assert wallet.balance == sum(
            LedgerEntry.objects.filter(wallet=wallet).values_list("amount", flat=True), D("0.00")
        )
    assert list(wallets_out_of_balance()) == []
