import datetime
from decimal import Decimal as D

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from billing.ledger import book
from billing.models import EntryKind, LedgerEntry, Wallet
from billing.till.models import Till

pytestmark = pytest.mark.django_db


def test_create_till_refuses_an_unknown_establishment(school):
    with pytest.raises(CommandError, match="Aucun établissement"):
        call_command("create_till", "0000", "Borne 1")
    assert not Till.objects.exists()


def test_create_till_prints_a_working_token_on_the_last_line(school, capsys):
    call_command("create_till", "4388", "Borne 1")
    token = capsys.readouterr().out.strip().splitlines()[-1]
    till = Till.objects.get()
    assert (till.name, till.establishment) == ("Borne 1", school)
    assert Till.objects.authenticate(token) == till


def test_verify_wallets_prints_no_difference_for_a_sound_ledger(lea, hugo, capsys):
    book(lea, kind=EntryKind.CASH, amount=D("10.00"), label="Espèces")
    book(lea, kind=EntryKind.MEAL, amount=D("-3.50"), label="Self")
    call_command("verify_wallets")
    out = capsys.readouterr().out
    assert "aucun écart" in out and "écart " not in out


def test_verify_wallets_reports_a_wallet_forged_behind_the_ledgers_back(lea, capsys):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE billing_wallet SET balance = 5 WHERE pupil_id = %s", [lea.pk])
    with pytest.raises(CommandError, match="1 compte"):
        call_command("verify_wallets")
    assert "Léa Martin (carte 10001) : solde 5.00 €, somme des opérations 0.00 €" in capsys.readouterr().out


def test_import_till_csv_refuses_a_revoked_till(school, tmp_path):
    till = Till(establishment=school, name="B")
    till.new_token()
    till.save()
    till.revoke()
    with pytest.raises(CommandError, match="Aucune borne active"):
        call_command("import_till_csv", till.pk, str(tmp_path / "x.csv"))


def test_import_till_csv_refuses_a_file_without_the_required_columns(school, tmp_path):
    till = Till(establishment=school, name="B")
    till.new_token()
    till.save()
    path = tmp_path / "export.csv"
    path.write_text("carte;heure\n10001;12:00\n", encoding="utf-8")
    with pytest.raises(CommandError, match="Colonnes manquantes"):
        call_command("import_till_csv", till.pk, str(path))


def test_import_till_csv_follows_the_api_rules_and_summarises(lea, tmp_path, capsys):
    till = Till(establishment=lea.establishment, name="B")
    till.new_token()
    till.save()
    at = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    path = tmp_path / "export.csv"
    path.write_text(
        f"card;at;ref;amount\n10001;{at};r1;\n10001;{at};r2;4.00\n99999;{at};r3;\n10001;{at};r1;\n", encoding="utf-8"
    )
    call_command("import_till_csv", till.pk, str(path))
    call_command("import_till_csv", till.pk, str(path))
    out = capsys.readouterr().out
    assert "ligne 4 : Carte inconnue." in out
    assert "2 passages enregistrés, 1 déjà enregistré, 1 refusé." in out
    assert "0 passage enregistré, 3 déjà enregistrés, 1 refusé." in out
    assert Wallet.objects.get(pupil=lea).balance == D("-7.50")
    assert LedgerEntry.objects.count() == 2
