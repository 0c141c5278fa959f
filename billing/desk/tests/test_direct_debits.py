"""Direct debits: a mandate per parent, the monthly run confirmed by the cashier, and the "impayé"."""

import datetime
from decimal import Decimal as D
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from billing.desk.models import DebitMode, DirectDebit, DirectDebitMandate, MandateStatus
from billing.ledger import book
from billing.models import EntryKind, LedgerEntry, PaymentStatus, Wallet
from canteen.models import Establishment, Pupil

from .helpers import assert_ledger_balanced, errors_of

pytestmark = pytest.mark.django_db
LIST_URL = reverse("admin:billing_directdebit_changelist")
IBAN = "FR76 3000 6000 0112 3456 7890 189"


def mandate(parent, cashier, **fields) -> DirectDebitMandate:
    values = {
        "reference": "OS-2026-0001",
        "iban": IBAN.replace(" ", ""),
        "signed_on": datetime.date(2026, 9, 1),
        "mode": DebitMode.FIXED,
        "monthly_amount": D("40.00"),
        "created_by": cashier,
        "establishment": school_of(parent),
        "holder_name": "Camille Martin",
    }
    return DirectDebitMandate.objects.create(user=parent, **{**values, **fields})


def school_of(parent) -> Establishment:
    return Pupil.objects.guarded_by(parent).first().establishment


def balance(pupil) -> D:
    return Wallet.objects.get(pupil=pupil).balance


def prepare(month="2026-11", *options) -> str:
    out = StringIO()
    call_command("prepare_direct_debits", "--month", month, *options, stdout=out)
    return out.getvalue()


class TestMandates:
    def data(self, parent, **fields) -> dict:
        return {
            "user": parent.pk,
            "establishment": school_of(parent).pk,
            "reference": "OS-2026-0001",
            "iban": IBAN,
            "bic": "",
            "holder_name": "Camille Martin",
            "holder_address": "1 rue des Écoles, 37320 Esvres",
            "signed_on": "2026-09-01",
            "mode": "fixed",
            "monthly_amount": "40.00",
            "meals": "",
            **fields,
        }

    def test_refuses_a_wrong_iban(self, desk, parent):
        response = desk.post(
            reverse("admin:billing_directdebitmandate_add"), self.data(parent, iban="FR76 3000 6000 0112 3456 7890 188")
        )
        assert "Cet IBAN n'est pas valide : vérifiez-le sur le RIB." in errors_of(response)
        assert DirectDebitMandate.objects.count() == 0

    def test_refuses_a_fixed_mandate_without_amount(self, desk, parent):
        response = desk.post(reverse("admin:billing_directdebitmandate_add"), self.data(parent, monthly_amount=""))
        assert "Indiquez un montant mensuel positif." in errors_of(response)
        assert DirectDebitMandate.objects.count() == 0

    def test_refuses_an_establishment_where_the_parent_has_no_child(self, desk, cashier, parent):
        elsewhere = Establishment.objects.create(name="Ailleurs", code="5555", beneficiary="x", address="y")
        elsewhere.staff.add(cashier)
        response = desk.post(
            reverse("admin:billing_directdebitmandate_add"), self.data(parent, establishment=elsewhere.pk)
        )
        assert "Ce parent n'a aucun enfant dans cet établissement" in errors_of(response)
        assert DirectDebitMandate.objects.count() == 0

    def test_keeps_only_the_field_of_the_mode_chosen(self, desk, parent, other_parent):
        """Without JavaScript both fields show: a value typed in the other mode's field is not stored, even a
        wrong one."""
        response = desk.post(
            reverse("admin:billing_directdebitmandate_add"), self.data(parent, mode="top_up", meals="8")
        )
        assert response.status_code == 302
        saved = DirectDebitMandate.objects.get()
        assert (saved.mode, saved.meals, saved.monthly_amount) == ("top_up", 8, None)
        response = desk.post(
            reverse("admin:billing_directdebitmandate_add"),
            self.data(other_parent, reference="OS-2026-0002", monthly_amount="12,50", meals="beaucoup"),
        )
        assert response.status_code == 302
        saved = DirectDebitMandate.objects.get(reference="OS-2026-0002")
        assert (saved.mode, saved.meals, saved.monthly_amount) == ("fixed", None, D("12.50"))

    def test_refuses_a_top_up_mandate_without_meals(self, desk, parent):
        response = desk.post(
            reverse("admin:billing_directdebitmandate_add"), self.data(parent, mode="top_up", monthly_amount="40")
        )
        assert "Indiquez le nombre de repas à couvrir." in errors_of(response)
        assert DirectDebitMandate.objects.count() == 0

    def test_the_form_says_which_mode_each_field_is_for_and_preselects_the_only_school(self, desk, parent, school):
        page = desk.get(reverse("admin:billing_directdebitmandate_add")).content.decode()
        assert 'data-shows="fixed:monthly_amount,top_up:meals"' in page
        assert "Pour le mode « Montant fixe par enfant et par mois »." in page
        assert f'<option value="{school.pk}" selected>' in page

    def test_a_cashier_of_two_schools_chooses_the_school(self, desk, cashier, parent, school):
        Establishment.objects.create(name="Collège", code="5556", beneficiary="x", address="y").staff.add(cashier)
        page = desk.get(reverse("admin:billing_directdebitmandate_add")).content.decode()
        assert f'<option value="{school.pk}" selected>' not in page

    def test_records_a_mandate_and_shows_its_iban_masked(self, desk, cashier, parent):
        response = desk.post(reverse("admin:billing_directdebitmandate_add"), self.data(parent))
        assert response.status_code == 302
        saved = DirectDebitMandate.objects.get()
        assert saved.iban == IBAN.replace(" ", "") and saved.created_by == cashier
        for url in [
            reverse("admin:billing_directdebitmandate_changelist"),
            reverse("admin:billing_directdebitmandate_change", args=[saved.pk]),
        ]:
            page = desk.get(url).content.decode()
            assert "FR76 •••• •••• 0189" in page and "7890" not in page


class TestMonthlyRun:
    def test_a_fixed_mandate_debits_each_child_the_same_amount(self, parent, cashier, lea, hugo):
        mandate(parent, cashier)
        assert "1 direct debit(s) prepared for 11/2026, total 80.00 EUR" in prepare()
        debit = DirectDebit.objects.get()
        assert debit.payment.status == PaymentStatus.PENDING and debit.payment.amount == D("80.00")
        assert sorted(a.amount for a in debit.payment.allocations.all()) == [D("40.00"), D("40.00")]
        assert LedgerEntry.objects.count() == 0  # nothing credited before the cashier confirms

    def test_a_top_up_mandate_debits_what_each_child_needs_for_n_meals(self, parent, cashier, lea, hugo):
        book(lea, kind=EntryKind.CASH, amount=D("5.00"), label="Espèces")
        book(hugo, kind=EntryKind.CASH, amount=D("40.00"), label="Espèces")
        mandate(parent, cashier, mode=DebitMode.TOP_UP, monthly_amount=None, meals=10)
        prepare()
        allocations = DirectDebit.objects.get().payment.allocations.all()
        assert [(a.pupil, a.amount) for a in allocations] == [(lea, D("30.00"))]  # Hugo has 10 meals already

    def test_inactive_mandates_and_months_already_prepared_are_skipped(self, parent, cashier, other_parent, lea):
        mandate(parent, cashier)
        mandate(other_parent, cashier, reference="OS-2026-0002", status=MandateStatus.ENDED)
        prepare()
        assert "0 direct debit(s) prepared" in prepare()
        assert DirectDebit.objects.count() == 1

    def test_a_mandate_debits_only_the_children_of_its_establishment(self, parent, cashier, lea, hugo):
        elsewhere = Establishment.objects.create(name="Ailleurs", code="5555", beneficiary="x", address="y")
        Pupil.objects.filter(pk=hugo.pk).update(establishment=elsewhere)
        mandate(parent, cashier, establishment=lea.establishment)
        mandate(parent, cashier, reference="OS-2026-0002", establishment=elsewhere)
        assert "1 direct debit(s) prepared" in prepare("2026-11", "--establishment", elsewhere.code)
        debit = DirectDebit.objects.get()
        assert debit.mandate.establishment == elsewhere
        assert [a.pupil for a in debit.payment.allocations.all()] == [hugo]
        assert "1 direct debit(s) prepared" in prepare()  # the other establishment's, Léa alone
        assert [
            a.pupil for a in DirectDebit.objects.get(mandate__reference="OS-2026-0001").payment.allocations.all()
        ] == [lea]

    def test_refuses_an_unknown_establishment(self):
        with pytest.raises(CommandError):
            prepare("2026-11", "--establishment", "0000")

    def test_refuses_a_malformed_month(self):
        with pytest.raises(CommandError):
            call_command("prepare_direct_debits", "--month", "novembre")


class TestConfirmationAndRejection:
    @pytest.fixture
    def debit(self, parent, cashier, lea, hugo) -> DirectDebit:
        mandate(parent, cashier)
        prepare()
        return DirectDebit.objects.get()

    def confirm(self, desk, debit):
        return desk.post(LIST_URL, {"action": "confirm", "_selected_action": [debit.pk]})

    def reject(self, desk, debit):
        return desk.post(LIST_URL, {"action": "record_return", "_selected_action": [debit.pk], "code": "AM04"})

    def test_refuses_an_impaye_on_a_debit_not_confirmed(self, desk, debit, lea):
        self.reject(desk, debit)
        assert DirectDebit.objects.get().rejected_at is None
        assert LedgerEntry.objects.count() == 0 and len(mail.outbox) == 0

    def test_confirming_credits_each_child_once(self, desk, cashier, debit, lea, hugo):
        self.confirm(desk, debit)
        self.confirm(desk, debit)
        entries = LedgerEntry.objects.all()
        assert len(entries) == 2
        assert all(e.kind == EntryKind.DIRECT_DEBIT and e.label == "Prélèvement automatique" for e in entries)
        assert balance(lea) == balance(hugo) == D("40.00")
        debit.refresh_from_db()
        assert debit.confirmed_by == cashier and debit.payment.status == PaymentStatus.PAID
        assert_ledger_balanced()

    def test_an_impaye_reverses_the_credits_and_tells_the_parent(
        self, desk, debit, parent, lea, hugo, django_capture_on_commit_callbacks
    ):
        self.confirm(desk, debit)
        with django_capture_on_commit_callbacks(execute=True):
            self.reject(desk, debit)
        assert balance(lea) == balance(hugo) == D("0.00")
        reversals = LedgerEntry.objects.filter(amount__lt=0)
        assert [e.label for e in reversals] == ["Prélèvement impayé", "Prélèvement impayé"]
        debit.refresh_from_db()
        assert debit.payment.status == PaymentStatus.FAILED and debit.rejected_at
        # (The balances falling to 0,00 also send the parent's low-balance alerts: not this test's subject.)
        (email,) = [m for m in mail.outbox if "Prélèvement impayé" in m.subject]
        assert email.to == [parent.email]
        assert "Prélèvement impayé (11/2026)" in email.subject
        assert "80,00" in email.body and "Léa : 40,00" in email.body
        assert_ledger_balanced()

    def test_an_impaye_is_recorded_once(self, desk, debit, lea):
        self.confirm(desk, debit)
        self.reject(desk, debit)
        self.reject(desk, debit)
        assert LedgerEntry.objects.count() == 4
        assert balance(lea) == D("0.00")
        assert_ledger_balanced()


def test_the_cashier_prepares_the_month_from_the_admin(desk, parent, cashier, lea, hugo):
    mandate(parent, cashier)
    url = reverse("admin:billing_directdebit_prepare")
    assert "Indiquez un mois, par exemple 2026-11." in desk.post(url, {"month": "novembre"}).content.decode()
    assert DirectDebit.objects.count() == 0
    response = desk.post(url, {"month": "2026-11"})
    assert response.status_code == 302
    assert DirectDebit.objects.get().month == datetime.date(2026, 11, 1)
    assert LedgerEntry.objects.count() == 0


def test_preparing_nothing_says_why(desk, parent, other_parent, cashier, lea, hugo, chloe):
    url = reverse("admin:billing_directdebit_prepare")
    said = desk.post(url, {"month": "2026-11"}, follow=True).content.decode()
    assert "Aucun prélèvement préparé pour 11/2026. Aucun mandat de prélèvement actif" in said
    mandate(parent, cashier)
    said = desk.post(url, {"month": "2026-11"}, follow=True).content.decode()
    assert "1 prélèvement préparé : les familles seront prévenues au délai de pré-notification." in said
    said = desk.post(url, {"month": "2026-11"}, follow=True).content.decode()
    assert "Aucun prélèvement préparé pour 11/2026. Non préparés : 1 mandat déjà préparé pour ce mois." in said
    # One mandate a family and establishment: the second is another family's, whose child needs nothing.
    mandate(other_parent, cashier, reference="OS-2026-0002", mode=DebitMode.TOP_UP, monthly_amount=None, meals=1)
    book(chloe, kind=EntryKind.ONLINE_PAYMENT, amount=D("50.00"), label="Paiement en ligne")
    said = desk.post(url, {"month": "2026-11"}, follow=True).content.decode()
    assert "1 mandat déjà préparé pour ce mois ; 1 mandat sans montant à prélever" in said
    assert "(s)" not in said


def test_administration_cannot_prepare_debits(client, administrator, parent, cashier, lea):
    mandate(parent, cashier)
    client.force_login(administrator)
    assert client.post(reverse("admin:billing_directdebit_prepare"), {"month": "2026-11"}).status_code == 403
    assert DirectDebit.objects.count() == 0
