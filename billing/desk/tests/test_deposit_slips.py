"""The deposit slip lists the chosen cheques with their total and marks them deposited."""

from decimal import Decimal as D

import pytest
from django.urls import reverse

from billing.desk.models import DepositSlip, OfflinePayment
from billing.models import Payment

from .helpers import ADD_URL, assert_ledger_balanced, desk_payment_data

pytestmark = pytest.mark.django_db
LIST_URL = reverse("admin:billing_deskpayment_changelist")


@pytest.fixture
def cheques(desk, lea, hugo) -> list[Payment]:
    desk.post(ADD_URL, desk_payment_data((lea, "30.00"), (hugo, "20.00"), amount="50.00", number="1111111"))
    desk.post(ADD_URL, desk_payment_data((hugo, "12.35"), amount="12.35", number="2222222", bank="LCL"))
    return list(Payment.objects.order_by("id"))


def make_slip(desk, payments):
    return desk.post(LIST_URL, {"action": "make_deposit_slip", "_selected_action": [p.pk for p in payments]})


def test_refuses_cash_on_a_deposit_slip(desk, cheques, lea):
    desk.post(ADD_URL, desk_payment_data((lea, "5.00"), method="cash", amount="5.00"))
    cash = Payment.objects.get(method="cash")
    response = make_slip(desk, [*cheques, cash])
    assert response.status_code == 302 and response["Location"] == LIST_URL
    assert DepositSlip.objects.count() == 0
    assert not OfflinePayment.objects.filter(deposit_slip__isnull=False).exists()


def test_refuses_a_cheque_already_deposited(desk, cheques):
    make_slip(desk, cheques[:1])
    make_slip(desk, cheques)
    assert DepositSlip.objects.count() == 1
    assert OfflinePayment.objects.filter(deposit_slip__isnull=True).count() == 1


def test_refuses_a_cancelled_cheque(desk, cheques):
    desk.post(reverse("admin:billing_deskpayment_cancel", args=[cheques[0].pk]), {"reason": "Erreur"})
    make_slip(desk, cheques)
    assert DepositSlip.objects.count() == 0


def test_makes_a_printable_slip_with_the_total_and_marks_the_cheques(desk, cashier, cheques):
    response = make_slip(desk, cheques)
    slip = DepositSlip.objects.get()
    assert response["Location"] == reverse("admin:billing_depositslip_print", args=[slip.pk])
    assert slip.created_by == cashier
    assert set(OfflinePayment.objects.values_list("deposit_slip", flat=True)) == {slip.pk}
    page = desk.get(response["Location"]).content.decode()
    assert "Bordereau de remise de chèques" in page and "1111111" in page and "2222222" in page
    assert '<td class="amount" id="slip-total">62,35\u00a0€</td>' in page
    assert_ledger_balanced()


def test_the_list_offers_the_cheques_still_to_deposit(desk, cheques):
    make_slip(desk, cheques[:1])
    page = desk.get(LIST_URL, {"remise": "a-remettre"})
    assert [p.pk for p in page.context["cl"].result_list] == [cheques[1].pk]


def test_the_slip_total_matches_the_cheques(desk, cheques):
    make_slip(desk, cheques)
    page = desk.get(reverse("admin:billing_depositslip_changelist"))
    assert "62,35" in page.content.decode()
    assert sum(p.amount for p in cheques) == D("62.35")


def test_the_slip_carries_the_establishment_the_beneficiary_the_bank_account_and_the_cheques(desk, school, cheques):
    school.bank_name = "Trésor public — Tours"
    school.bank_account = "FR7610071370000000100000123"
    school.save()
    page = desk.get(make_slip(desk, cheques)["Location"]).content.decode()
    for shown in [
        "École d&#x27;Esvres",
        "Restauration d&#x27;Esvres",
        "37170 Chambray-lès-Tours",
        "Trésor public — Tours",
        "FR7610071370000000100000123",
        "1111111",
        "2222222",
    ]:
        assert shown in page, shown
    assert page.count('data-label="N° de chèque"') == 2


def test_a_slip_without_bank_account_says_what_to_fill_in(desk, cheques):
    page = desk.get(make_slip(desk, cheques)["Location"]).content.decode()
    assert "à renseigner dans la fiche de l'établissement" in page


def test_a_slip_belongs_to_the_establishment_of_its_cheques(desk, school, cheques):
    make_slip(desk, cheques)
    assert DepositSlip.objects.get().establishment == school


def test_refuses_a_slip_of_cheques_for_two_establishments(desk, cashier, cheques):
    from django.contrib.messages import get_messages

    from canteen.models import Establishment, Pupil

    elsewhere = Establishment.objects.create(name="Ailleurs", code="5555", beneficiary="x", address="y")
    elsewhere.staff.add(cashier)  # a cashier of both schools still makes one slip per school
    jade = Pupil.objects.create(establishment=elsewhere, last_name="Petit", first_name="Jade", card_number="5")
    desk.post(ADD_URL, desk_payment_data((jade, "9.00"), amount="9.00", number="3333333"))
    response = make_slip(desk, Payment.objects.all())
    assert DepositSlip.objects.count() == 0
    assert not OfflinePayment.objects.filter(deposit_slip__isnull=False).exists()
    assert "faites un bordereau par établissement" in " ".join(str(m) for m in get_messages(response.wsgi_request))


def test_the_slips_page_leads_to_the_cheques_to_deposit(desk, cheques):
    page = desk.get(reverse("admin:billing_depositslip_changelist")).content.decode()
    assert f'href="{LIST_URL}?remise=a-remettre"' in page and "2 chèques à remettre" in page
    assert "Faire un bordereau de remise des chèques sélectionnés" in page  # how, in words
    cheques_page = desk.get(LIST_URL + "?remise=a-remettre").content.decode()
    assert "Cochez les chèques que vous portez à la banque" in cheques_page
    make_slip(desk, cheques)
    page = desk.get(reverse("admin:billing_depositslip_changelist")).content.decode()
    assert "0 chèque à remettre" in page
