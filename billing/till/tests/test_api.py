import datetime
import json
from decimal import Decimal as D

import pytest
from django.utils import timezone

from billing.ledger import book, wallets_out_of_balance
from billing.models import EntryKind, LedgerEntry, Wallet
from billing.till.models import Till
from canteen.models import Tariff

pytestmark = pytest.mark.django_db
URL = "/api/till/meals"


def post(client, body, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post(URL, data=data, content_type="application/json", headers=headers)


def passage(ref, card="10001", at=None, **extra):
    at = at or (timezone.now() - datetime.timedelta(hours=1)).isoformat()
    return {"card": card, "at": at, "ref": ref, **extra}


@pytest.mark.parametrize("header", [None, "Bearer ", "Bearer faux-jeton", "Basic abc"])
def test_refuses_a_missing_or_wrong_token_and_records_nothing(client, lea, till_token, header):
    headers = {"Authorization": header} if header else {}
    response = client.post(
        URL, data=json.dumps({"passages": [passage("A")]}), content_type="application/json", headers=headers
    )
    assert response.status_code == 401
    assert "error" in response.json()
    assert LedgerEntry.objects.count() == 0


def test_refuses_a_revoked_till_and_records_nothing(client, lea, till_token):
    till, token = till_token
    till.revoke()
    assert post(client, {"passages": [passage("A")]}, token).status_code == 401
    assert LedgerEntry.objects.count() == 0


def test_the_token_is_stored_hashed(till_token):
    till, token = till_token
    assert token not in Till.objects.values_list("token_hash", flat=True).get()
    assert Till.objects.authenticate(token) == till


@pytest.mark.parametrize(
    "body",
    ["pas du json", b"\xff\xfe", "[]", '{"passages": "A"}', "{}"],
)
def test_answers_400_with_a_reason_to_a_body_that_is_not_a_batch(client, lea, till_token, body):
    response = post(client, body, till_token[1])
    assert response.status_code == 400
    assert response.json()["error"]
    assert LedgerEntry.objects.count() == 0


def test_refuses_more_than_500_passages(client, lea, till_token):
    response = post(client, {"passages": [passage(f"R{i}") for i in range(501)]}, till_token[1])
    assert response.status_code == 400
    assert "500" in response.json()["error"]
    assert LedgerEntry.objects.count() == 0


def test_only_accepts_post(client, till_token):
    assert client.get(URL, headers={"Authorization": f"Bearer {till_token[1]}"}).status_code == 405


def test_records_a_meal_at_the_pupils_tariff_and_answers_the_new_balance(client, lea, till_token):
    book(lea, kind=EntryKind.ONLINE_PAYMENT, amount=D("18.40"), label="Paiement en ligne")
    response = post(client, {"passages": [passage("borne-2-000123")]}, till_token[1])
    assert response.status_code == 200
    assert response.json() == {
        "results": [
            {"ref": "borne-2-000123", "status": "recorded", "balance": "14.90", "below_limit": False, "price": "3.50"}
        ]
    }
    entry = LedgerEntry.objects.get(kind=EntryKind.MEAL)
    assert (entry.amount, entry.label) == (D("-3.50"), "Self")
    assert entry.reference == f"till:{till_token[0].pk}:borne-2-000123"


def test_a_passage_sent_again_gets_the_same_answer_and_changes_nothing(client, lea, till_token):
    first = post(client, {"passages": [passage("A", amount="3.00")]}, till_token[1]).json()["results"][0]
    book(lea, kind=EntryKind.CASH, amount=D("50.00"), label="Espèces")
    lea.active = False
    lea.save()
    again = post(client, {"passages": [passage("A", amount="3.00")]}, till_token[1]).json()["results"][0]
    assert first["status"] == "recorded"
    assert again == {**first, "status": "duplicate"}
    assert Wallet.objects.get(pupil=lea).balance == D("47.00")


def test_a_duplicate_inside_one_batch_is_recorded_once(client, lea, till_token):
    results = post(client, {"passages": [passage("A"), passage("A")]}, till_token[1]).json()["results"]
    assert [r["status"] for r in results] == ["recorded", "duplicate"]
    assert results[0]["balance"] == results[1]["balance"] == "-3.50"
    assert LedgerEntry.objects.count() == 1


def test_a_mixed_batch_records_the_good_passages_and_explains_each_rejection(client, lea, hugo, till_token, school):
    hugo.active = False
    hugo.save()
    future = (timezone.now() + datetime.timedelta(hours=2)).isoformat()
    batch = [
        passage("ok-1"),
        passage("unknown", card="99999"),
        passage("inactive", card="10002"),
        passage("future", at=future),
        passage("naive", at="2026-11-26T12:21:00"),
        passage("impossible", at="2026-02-30T12:21:00+01:00"),
        passage("bad-amount", amount="3.505"),
        passage("float-amount", amount=3.5),
        passage("huge-amount", amount="1e20"),
        {"card": "10001", "at": passage("x")["at"]},
        "pas un objet",
        passage("ok-2", amount="4.00"),
    ]
    results = post(client, {"passages": batch}, till_token[1]).json()["results"]
    assert [r["status"] for r in results] == ["recorded"] + ["rejected"] * 10 + ["recorded"]
    reasons = [r["reason"] for r in results[1:11]]
    assert reasons[0] == "Carte inconnue."
    assert reasons[1] == "Élève inactif."
    assert reasons[2] == "Heure de passage dans le futur."
    assert all("mal formé" in reason for reason in reasons[3:])
    assert results[-1]["balance"] == "-7.50"
    assert LedgerEntry.objects.count() == 2
    assert list(wallets_out_of_balance()) == []


def test_a_card_of_another_establishment_is_unknown(client, till_token, school):
    from canteen.models import Establishment, Pupil

    other = Establishment.objects.create(
        name="Autre", code="9999", contact_email="a@b.fr", beneficiary="x", address="y"
    )
    Pupil.objects.create(establishment=other, last_name="X", first_name="Y", card_number="55555")
    result = post(client, {"passages": [passage("A", card="55555")]}, till_token[1]).json()["results"][0]
    assert result == {"ref": "A", "status": "rejected", "reason": "Carte inconnue."}


def test_uses_the_tariff_in_force_at_the_local_date_of_the_passage(client, lea, till_token, school):
    school.till_window_days = 3650  # the fixed dates below stay inside the window for years
    school.save()
    Tariff.objects.create(establishment=school, category="Élève", price=D("3.80"), valid_from=datetime.date(2026, 1, 1))
    batch = [
        # 23:30 UTC on 31 December is already 1 January in Paris: the new price applies.
        passage("new-year", at="2025-12-31T23:30:00+00:00"),
        passage("old-year", at="2025-12-31T22:30:00+00:00"),
    ]
    post(client, {"passages": batch}, till_token[1])
    amounts = dict(LedgerEntry.objects.values_list("reference", "amount"))
    till = till_token[0]
    assert amounts[f"till:{till.pk}:new-year"] == D("-3.80")
    assert amounts[f"till:{till.pk}:old-year"] == D("-3.50")


def test_a_meal_is_always_recorded_and_the_till_is_told_when_below_the_limit(client, lea, till_token, school):
    school.overdraft_limit = D("5.00")
    school.save()
    results = post(client, {"passages": [passage("1"), passage("2")]}, till_token[1]).json()["results"]
    assert [(r["status"], r["balance"], r["below_limit"]) for r in results] == [
        ("recorded", "-3.50", False),
        ("recorded", "-7.00", True),
    ]


def test_refs_are_per_till(client, lea, till_token, school):
    other = Till(establishment=school, name="Borne 3")
    other_token = other.new_token()
    other.save()
    post(client, {"passages": [passage("000001")]}, till_token[1])
    result = post(client, {"passages": [passage("000001")]}, other_token).json()["results"][0]
    assert result["status"] == "recorded"
    assert Wallet.objects.get(pupil=lea).balance == D("-7.00")


def test_an_explicit_amount_above_the_school_s_maximum_meal_price_is_rejected_with_the_reason(
    client, school, lea, till_token
):
    # The attack: a till token used to post 100,00 € "meals" on a child's card.
    assert school.max_meal_price == D("10.00")
    results = post(
        client,
        {
            "passages": [
                passage("big", amount="100.00"),
                passage("over", amount="10.01"),
                passage("max", amount="10.00"),
            ]
        },
        till_token[1],
    ).json()["results"]
    assert [r["status"] for r in results] == ["rejected", "rejected", "recorded"]
    assert results[0]["reason"] == (
        "Montant refusé : 100.00 € dépasse le prix maximum d'un repas de l'établissement (10.00 €)."
    )
    assert Wallet.objects.get(pupil=lea).balance == D("-10.00")
    assert LedgerEntry.objects.count() == 1


def test_the_maximum_meal_price_is_the_establishment_s_own(client, school, lea, till_token):
    school.max_meal_price = D("4.00")
    school.save()
    results = post(client, {"passages": [passage("A", amount="4.50")]}, till_token[1]).json()["results"]
    assert results[0]["status"] == "rejected" and "(4.00 €)" in results[0]["reason"]
    assert LedgerEntry.objects.count() == 0
