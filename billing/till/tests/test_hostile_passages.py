"""What a broken or hostile till may send: each passage answered on its own, never a 500, nothing lost."""

import datetime
import json

import pytest
from django.utils import timezone

from billing.ledger import wallets_out_of_balance
from billing.models import LedgerEntry

from .test_api import passage, post

pytestmark = pytest.mark.django_db

MALFORMED = [
    passage("amount-1e26", amount="1e26"),
    passage("amount-1e100", amount="1e100"),
    passage("amount-nines", amount="9" * 30),
    passage("amount-nines-cents", amount="0." + "9" * 30),
    passage("amount-negative", amount="-3.50"),
    passage("amount-nan", amount="NaN"),
    passage("amount-infinity", amount="Infinity"),
    passage("amount-spaces", amount=" 3.50"),
    passage("amount-comma", amount="3,50"),
    passage("amount-list", amount=["3.50"]),
    passage("amount-true", amount=True),
    passage("amount-zero", amount="0.00"),
    passage("card-nul", card="100\x0001"),
    passage("card-long", card="1" * 33),
    passage("card-number", card=10001),
    passage("card-blank", card="   "),
    passage("at-long", at="2026-11-26T12:21:00+01:00" + " " * 100),
    passage("at-number", at=1764156060),
    passage("at-nonsense", at="2026-13-45T99:99:99+01:00"),
    passage("at-offset", at="2026-11-26T12:21:00+99:00"),
    passage("ref-nul\x00"),
    passage("ref-tab\t"),
    passage("r" * 81),
    passage(["ref-list"]),
    passage(None),
    {"ref": "missing-card-and-at"},
    [],
    None,
    12,
]


def test_malformed_passages_are_each_rejected_with_a_reason_and_the_good_ones_recorded(client, lea, till_token):
    batch = [passage("ok-1"), *MALFORMED, passage("ok-2", amount="4.00")]
    response = post(client, {"passages": batch}, till_token[1])
    assert response.status_code == 200
    results = response.json()["results"]
    assert len(results) == len(batch)
    assert results[0]["status"] == results[-1]["status"] == "recorded"
    for sent, result in zip(MALFORMED, results[1:-1], strict=True):
        assert result["status"] == "rejected", (sent, result)
        assert "mal formé" in result["reason"], (sent, result)
    assert LedgerEntry.objects.count() == 2
    assert list(wallets_out_of_balance()) == []


@pytest.mark.parametrize(
    "at",
    [
        "0001-01-01T00:30:00+01:00",
        "0001-01-01T00:00:00-23:59",
        "1999-12-31T23:59:59+00:00",
        "9999-12-31T23:59:59-23:59",
    ],
)
def test_an_ancient_or_far_future_passage_is_rejected_with_its_reason(client, lea, till_token, at):
    for amount in (None, "3.50"):  # without an amount the tariff is looked up: it must not be reached
        sent = passage(f"{at}-{amount}", at=at, **({"amount": amount} if amount else {}))
        result = post(client, {"passages": [sent, passage(f"ok-{amount}")]}, till_token[1]).json()["results"]
        assert result[0]["status"] == "rejected"
        assert result[0]["reason"] in (
            "Heure de passage trop ancienne : au-delà de la période acceptée par l'établissement.",
            "Heure de passage dans le futur.",
        )
        assert result[1]["status"] == "recorded"
    assert LedgerEntry.objects.count() == 2


def test_the_window_is_the_establishments(client, lea, till_token, school):
    ten_days_ago = (timezone.now() - datetime.timedelta(days=10)).isoformat()
    school.till_window_days = 7
    school.save()
    result = post(client, {"passages": [passage("old", at=ten_days_ago)]}, till_token[1]).json()["results"][0]
    assert result["status"] == "rejected" and "trop ancienne" in result["reason"]
    school.till_window_days = 30
    school.save()
    assert (
        post(client, {"passages": [passage("old", at=ten_days_ago)]}, till_token[1]).json()["results"][0]["status"]
        == "recorded"
    )


def test_a_ref_reused_for_another_passage_in_one_batch_is_rejected(client, lea, hugo, till_token):
    batch = [passage("A"), passage("A", card="10002"), passage("A")]
    results = post(client, {"passages": batch}, till_token[1]).json()["results"]
    assert [r["status"] for r in results] == ["recorded", "rejected", "duplicate"]
    assert results[1]["reason"] == "« ref » déjà employée dans ce lot pour un autre passage."
    assert LedgerEntry.objects.count() == 1


@pytest.mark.parametrize(
    "body",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"passages": ' + "[" * 100_000 + "]" * 100_000 + "}",
        json.dumps({"passages": [{"card": [[[[[[[[["10001"]]]]]]]]], "at": "x", "ref": "A"}]}),
    ],
)
def test_a_body_nested_too_deep_is_a_400_with_its_reason(client, lea, till_token, body):
    response = post(client, body, till_token[1])
    assert response.status_code == 400
    assert response.json() == {"error": "Le corps de la requête est imbriqué trop profondément."}
    assert LedgerEntry.objects.count() == 0


@pytest.mark.parametrize("body", ['{"passages": [1' + "0" * 5000 + "]}", '{"passages": [1e999]}', "\x00", "null"])
def test_huge_numbers_or_odd_bodies_are_answered_without_error(client, lea, till_token, body):
    response = post(client, body, till_token[1])
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert response.json()["error"]
    else:
        assert response.json()["results"][0]["status"] == "rejected"
    assert LedgerEntry.objects.count() == 0
