"""A month of direct debits: prepared, pre-notified by the daily task at the establishment's delay, sent to the
bank in a pain.008 file that validates against the official XSD, credited on the collection date, not before."""

from __future__ import annotations

import datetime
import os
from decimal import Decimal as D
from xml.etree import ElementTree

import pytest
import sepaxml
import xmlschema
from django.core import mail

from billing import tasks
from billing.desk.models import BankFile, DirectDebit, MandateStatus, SequenceType
from billing.desk.operations import prepare_direct_debits
from billing.desk.sepa import bankfile, calendar, daily
from billing.desk.tests.helpers import assert_ledger_balanced
from billing.models import LedgerEntry, PaymentStatus, Wallet
from portal.family.models import Notification, NotificationKind

from .conftest import COLLECTION, IBAN, ICS, MONTH, PREPARED_ON, make_mandate

pytestmark = pytest.mark.django_db
XSD_DIR = os.path.join(os.path.dirname(sepaxml.__file__), "schemas")


def validate(xml: bytes, version: str) -> ElementTree.Element:
    xmlschema.XMLSchema(os.path.join(XSD_DIR, f"{version}.xsd")).validate(xml.decode())
    return ElementTree.fromstring(xml)


def texts(root, name: str) -> list[str]:
    return [el.text for el in root.iter() if el.tag.rsplit("}", 1)[-1] == name]


def announce(today):
    return daily.run(today)


class TestCalendar:
    def test_target2_holidays_and_weekends_are_not_business_days(self):
        assert calendar.easter(2027) == datetime.date(2027, 3, 28)
        for day in ["2027-01-01", "2027-03-26", "2027-03-29", "2027-05-01", "2026-12-25", "2026-12-26", "2027-01-02"]:
            assert not calendar.is_business_day(datetime.date.fromisoformat(day))
        assert calendar.is_business_day(datetime.date(2027, 1, 5))
        assert calendar.next_business_day(datetime.date(2026, 12, 25)) == datetime.date(2026, 12, 28)

    def test_the_collection_day_leaves_the_pre_notification_delay(self):
        assert calendar.collection_date(MONTH, 5, PREPARED_ON + datetime.timedelta(days=14)) == COLLECTION
        late = datetime.date(2026, 12, 28) + datetime.timedelta(days=14)  # prepared on 28/12: 11/01 at the earliest
        assert calendar.collection_date(MONTH, 5, late) == datetime.date(2027, 1, 11)


class TestPreparation:
    def test_each_debit_has_its_date_sequence_and_end_to_end_id(self, prepared, sepa_mandate):
        assert prepared.collection_date == COLLECTION
        assert prepared.sequence_type == SequenceType.FIRST
        assert prepared.end_to_end_id == f"{sepa_mandate.reference}-202701"
        assert prepared.payment.amount == D("50.00") and prepared.payment.status == PaymentStatus.PENDING
        assert LedgerEntry.objects.count() == 0

    def test_a_requested_or_ended_mandate_is_not_prepared(self, sepa_mandate):
        sepa_mandate.status = MandateStatus.REQUESTED
        sepa_mandate.save()
        assert prepare_direct_debits(MONTH, today=PREPARED_ON) == []


class TestPrenotification:
    def test_leaves_at_the_establishments_delay_once_from_the_beat_task(
        self, prepared, parent, monkeypatch, django_capture_on_commit_callbacks
    ):
        day_before = COLLECTION - datetime.timedelta(days=15)
        monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: day_before)
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.run_direct_debit_calendar.delay().get()["announced"] == 0
        assert not [m for m in mail.outbox if "Prochain prélèvement" in m.subject]

        monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: COLLECTION - datetime.timedelta(14))
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.run_direct_debit_calendar.delay().get()["announced"] == 1
            assert tasks.run_direct_debit_calendar.delay().get()["announced"] == 0  # once
        (email,) = [m for m in mail.outbox if "Prochain prélèvement" in m.subject]
        assert email.to == [parent.email]
        assert "Prochain prélèvement : 50,00 € le 05/01/2027" in email.subject
        assert "Léa : 25,00\xa0€" in email.body and "Hugo : 25,00\xa0€" in email.body
        assert prepared.mandate.reference in email.body and ICS in email.body
        (notification,) = Notification.objects.filter(user=parent, kind=NotificationKind.DEBIT_ANNOUNCED)
        assert notification.text.replace("\xa0", " ").startswith(
            "Prochain prélèvement : 50,00 € le 05/01/2027 (Hugo 25,00 €, Léa 25,00 €)"
        )

    def test_a_late_announcement_moves_the_collection_date_to_keep_the_delay(self, prepared):
        late = COLLECTION - datetime.timedelta(days=5)
        announce(late)
        prepared.refresh_from_db()
        assert prepared.prenotified_at is not None
        assert prepared.collection_date == calendar.next_business_day(late + datetime.timedelta(days=14))


class TestBankFile:
    @pytest.fixture
    def announced(self, prepared):
        announce(COLLECTION - datetime.timedelta(days=14))
        prepared.refresh_from_db()
        return prepared

    def test_the_check_shows_count_and_control_sum(self, announced, creditor):
        check = bankfile.check_batch(creditor, COLLECTION, PREPARED_ON)
        assert check.ok and check.count == 1 and check.control_sum == D("50.00")
        assert check.by_sequence == {"FRST": 1}

    @pytest.mark.parametrize("version", ["pain.008.001.08", "pain.008.001.02"])
    def test_the_file_validates_against_the_official_xsd(self, announced, creditor, cashier, version):
        creditor.sepa_version = version
        creditor.save()
        bank_file, xml = bankfile.send_to_bank(creditor, COLLECTION, user=cashier, today=PREPARED_ON)
        root = validate(xml, version)
        assert f"urn:iso:std:iso:20022:tech:xsd:{version}" in xml.decode()
        assert texts(root, "NbOfTxs")[0] == "1" and texts(root, "CtrlSum")[0] == "50.00"
        assert texts(root, "MsgId") == [bank_file.message_id]
        assert texts(root, "SeqTp") == ["FRST"] and texts(root, "ReqdColltnDt") == ["2027-01-05"]
        assert texts(root, "MndtId") == [announced.mandate.reference]
        assert texts(root, "EndToEndId") == [announced.end_to_end_id]
        assert ICS in texts(root, "Id") and IBAN in texts(root, "IBAN")
        announced.refresh_from_db()
        assert announced.bank_file == bank_file and bank_file.control_sum == D("50.00")
        assert bankfile.rebuild(bank_file).count(bank_file.message_id.encode()) == 1

    def test_one_block_per_sequence_type(self, announced, creditor, cashier, other_parent, chloe):
        rcur = make_mandate(other_parent, creditor, cashier, last_collected_on=datetime.date(2026, 12, 7))
        prepare_direct_debits(MONTH, today=PREPARED_ON)
        announce(COLLECTION - datetime.timedelta(days=14))
        _bank_file, xml = bankfile.send_to_bank(creditor, COLLECTION, user=cashier, today=PREPARED_ON)
        root = validate(xml, "pain.008.001.08")
        assert sorted(texts(root, "SeqTp")) == ["FRST", "RCUR"]
        assert texts(root, "NbOfTxs")[0] == "2" and texts(root, "CtrlSum")[0] == "75.00"
        assert DirectDebit.objects.get(mandate=rcur).sequence_type == SequenceType.RECURRENT

    @pytest.mark.parametrize(
        ("change", "today", "problem"),
        [
            ({"creditor_identifier": ""}, PREPARED_ON, "n'a pas d'identifiant créancier SEPA"),
            ({"bank_account": ""}, PREPARED_ON, "n'a pas de compte bancaire"),
            ({}, COLLECTION, "Trop tard pour une échéance le 05/01/2027"),
        ],
    )
    def test_refuses_a_file_the_bank_would_refuse(self, announced, creditor, cashier, change, today, problem):
        for name, value in change.items():
            setattr(creditor, name, value)
        creditor.save()
        check = bankfile.check_batch(creditor, COLLECTION, today)
        assert not check.ok and any(problem in p for p in check.problems)
        with pytest.raises(ValueError):
            bankfile.send_to_bank(creditor, COLLECTION, user=cashier, today=today)
        assert BankFile.objects.count() == 0
        announced.refresh_from_db()
        assert announced.bank_file is None

    def test_refuses_a_collection_date_that_is_not_a_business_day(self, announced, creditor):
        check = bankfile.check_batch(creditor, datetime.date(2027, 1, 1), PREPARED_ON)
        assert "Le 01/01/2027 n'est pas un jour ouvré bancaire." in check.problems

    def test_credited_on_the_collection_date_not_before_and_once(self, announced, creditor, cashier, lea, hugo):
        bankfile.send_to_bank(creditor, COLLECTION, user=cashier, today=PREPARED_ON)
        assert announce(COLLECTION - datetime.timedelta(days=1)).credited == 0
        assert Wallet.objects.get(pupil=lea).balance == D("0.00")
        assert announce(COLLECTION).credited == 1
        assert announce(COLLECTION).credited == 0
        assert Wallet.objects.get(pupil=lea).balance == Wallet.objects.get(pupil=hugo).balance == D("25.00")
        announced.refresh_from_db()
        assert announced.payment.status == PaymentStatus.PAID
        assert announced.mandate.last_collected_on == COLLECTION
        assert announced.mandate.sequence_type == SequenceType.RECURRENT
        assert_ledger_balanced()


def test_a_mandate_unused_for_36_months_lapses_and_says_so(parent, creditor, cashier, lea):
    mandate = make_mandate(parent, creditor, cashier, last_collected_on=datetime.date(2023, 12, 5))
    assert mandate.lapses_on == datetime.date(2026, 12, 5)
    assert daily.run(datetime.date(2026, 12, 4)).lapsed == 0
    assert daily.run(datetime.date(2026, 12, 5)).lapsed == 1
    mandate.refresh_from_db()
    assert mandate.status == MandateStatus.ENDED and mandate.ended_reason.startswith("Caduc")


def test_a_file_that_does_not_validate_is_never_given_out():
    wrong = b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.008.001.08"><CstmrDrctDbtInitn/></Document>'
    with pytest.raises(bankfile.InvalidBankFile):
        bankfile.validate(wrong, "pain.008.001.08")
