import pytest
from django.core.management import call_command

from accounts.models import User
from canteen.booking.calendar import Calendar
from canteen.models import Establishment, Pupil
from portal.management.commands import demo_data

pytestmark = pytest.mark.django_db


def test_demo_data_is_idempotent_and_prints_the_logins(capsys):
    call_command("demo_data")
    call_command("demo_data")
    out = capsys.readouterr().out
    assert Establishment.objects.count() == 2
    assert Pupil.objects.count() == len(demo_data.PUPILS) + len(demo_data.PUPILS_2)
    parent = User.objects.get(email=demo_data.PARENT_EMAIL)
    assert parent.check_password(demo_data.PARENT_PASSWORD)
    assert sorted(p.first_name for p in parent.pupils.all()) == ["Hugo", "Léa"]
    assert f"{demo_data.PARENT_EMAIL} / {demo_data.PARENT_PASSWORD}" in out
    cashier = User.objects.get(email="caisse@demo.openself.fr")
    assert cashier.is_staff and list(cashier.groups.values_list("name", flat=True)) == ["Caisse"]


def test_demo_data_gives_lea_a_history_from_the_till_and_leaves_hugo_empty():
    from decimal import Decimal as D

    from billing.ledger import wallets_out_of_balance
    from billing.models import EntryKind, LedgerEntry, Wallet

    call_command("demo_data")
    call_command("demo_data")
    lea = Pupil.objects.get(first_name="Léa")
    assert Wallet.objects.get(pupil=lea).balance == D("18.40")
    assert (
        LedgerEntry.objects.filter(wallet__pupil=lea, kind=EntryKind.MEAL, reference__startswith="till:").count()
        == demo_data.LEA_MEALS
    )
    assert Wallet.objects.get(pupil__first_name="Hugo").balance == D("0.00")
    assert not LedgerEntry.objects.filter(wallet__pupil__first_name="Hugo").exists()
    assert list(wallets_out_of_balance()) == []


def test_the_demo_parent_sees_how_long_leas_balance_lasts(client):
    call_command("demo_data")
    client.force_login(User.objects.get(email=demo_data.PARENT_EMAIL))
    html = client.get("/accueil/").content.decode()
    assert html.count("Au rythme actuel, le solde couvre les repas jusqu") == 1  # Léa only: Hugo never ate


def test_each_demo_school_has_its_own_staff_and_family(capsys, client):
    call_command("demo_data")
    call_command("demo_data")
    out = capsys.readouterr().out
    first = Establishment.objects.get(code=demo_data.SCHOOL_CODE)
    second = Establishment.objects.get(code=demo_data.SCHOOL_2_CODE)
    for email, password, group in demo_data.STAFF_2:
        staff = User.objects.get(email=email)
        assert staff.check_password(password) and list(staff.groups.values_list("name", flat=True)) == [group]
        assert list(staff.establishments_staffed.all()) == [second]
        assert f"{email} / {password}" in out
    for email, _password, _group in demo_data.STAFF:
        assert list(User.objects.get(email=email).establishments_staffed.all()) == [first]
    family = User.objects.get(email=demo_data.PARENT_2_EMAIL)
    assert family.check_password(demo_data.PARENT_2_PASSWORD)
    assert sorted(p.first_name for p in family.pupils.all()) == ["Mateo", "Sofia"]
    assert f"{demo_data.PARENT_2_EMAIL} / {demo_data.PARENT_2_PASSWORD}" in out
    # The second school's cashier sees the second family, never Léa.
    client.force_login(User.objects.get(email=demo_data.STAFF_2[1][0]))
    page = client.get("/admin/canteen/pupil/").content.decode()
    assert "Sofia" in page and "Léa" not in page


def test_the_root_page_lists_both_demo_schools(client):
    call_command("demo_data")
    page = client.get("/").content.decode()
    assert f'href="/e/{demo_data.SCHOOL_CODE}/"' in page and f'href="/e/{demo_data.SCHOOL_2_CODE}/"' in page
    assert "Collège Honoré de Balzac" in page


def test_demo_data_prices_the_second_school_by_quotient_familial():
    import datetime
    from decimal import Decimal as D

    from canteen.models import TariffGrid, meal_prices_with_bands
    from canteen.quotient import FamilyQuotient, QuotientStatus

    call_command("demo_data")
    call_command("demo_data")
    grid = TariffGrid.objects.get()
    assert [(b.lower, b.upper, b.price) for b in grid.bands.all()] == [
        (0, 500, D("1.00")),
        (501, 900, D("2.50")),
        (901, None, D("4.20")),
    ]
    quotient = FamilyQuotient.objects.get()
    assert (quotient.user.email, quotient.value, quotient.status) == (
        demo_data.PARENT_2_EMAIL,
        450,
        QuotientStatus.VALIDATED,
    )
    assert quotient.attestation.open("rb").read().startswith(b"%PDF-")
    sofia, emma = Pupil.objects.get(first_name="Sofia"), Pupil.objects.get(first_name="Emma")
    prices = meal_prices_with_bands([sofia, emma], datetime.date(2026, 10, 1))
    assert prices[sofia.pk].describe() == "tarif quotient familial 0–500" and prices[sofia.pk].amount == D("1.00")
    assert prices[emma.pk].amount == D("4.20")  # no QF declared: the default price


def test_both_demo_schools_collect_direct_debits_and_camille_has_a_mandate_and_a_debit_prepared():
    from billing.desk.models import DirectDebit, DirectDebitMandate, MandateStatus
    from canteen.models import Establishment

    call_command("demo_data")
    call_command("demo_data")
    for school in Establishment.objects.all():
        school.full_clean()  # the ICS, IBAN and BIC pass their checks
        assert school.is_sepa_creditor
    mandate = DirectDebitMandate.objects.get()
    assert mandate.status == MandateStatus.ACTIVE and mandate.user.email == "parent@demo.openself.fr"
    assert DirectDebit.objects.filter(mandate=mandate).count() == 1


def test_booking_is_on_at_the_first_demo_school_and_off_at_the_second():
    call_command("demo_data")
    first, second = (Establishment.objects.get(code=code) for code in (demo_data.SCHOOL_CODE, demo_data.SCHOOL_2_CODE))
    calendar = Calendar([first, second])
    assert calendar.enabled(first.pk) and not calendar.enabled(second.pk)
    assert [s.weekdays for s in calendar.services[first.pk]] == ["1245"]
