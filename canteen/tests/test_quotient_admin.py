"""The admin of QF pricing: grids without gaps or overlaps, and the staff's decision on a family's QF (scoped,
audited, told to the family, never retroactive)."""

import datetime

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from canteen.quotient import FamilyQuotient, QuotientStatus, TariffGrid, band_errors, end_of_school_year
from portal.family.models import Notification, NotificationKind
from portal.lib.models import OutboxMessage

from .quotients import declare

pytestmark = pytest.mark.django_db
ADD_GRID = reverse("admin:canteen_tariffgrid_add")


def grid_data(school, bands):
    data = {
        "establishment": school.pk,
        "category": "Élève",
        "valid_from": "2026-09-01",
        "default_price": "4,20",
        "bands-TOTAL_FORMS": str(len(bands)),
        "bands-INITIAL_FORMS": "0",
        "bands-MIN_NUM_FORMS": "0",
        "bands-MAX_NUM_FORMS": "1000",
    }
    for n, (lower, upper, price) in enumerate(bands):
        data |= {f"bands-{n}-lower": lower, f"bands-{n}-upper": upper, f"bands-{n}-price": price}
    return data


def test_band_errors_name_the_gap_the_overlap_and_the_open_ends():
    assert band_errors([(0, 500), (501, 900), (901, None)]) == []
    assert band_errors([(0, 500), (601, None)]) == [
        "Trou entre les tranches 0–500 et 601 et plus : les quotients de 501 à 600 n'ont pas de prix."
    ]
    assert band_errors([(0, 500), (450, None)]) == ["Les tranches 0–500 et 450 et plus se chevauchent."]
    assert band_errors([(100, None)]) == [
        "La première tranche doit commencer à 0 : les quotients de 0 à 99 n'ont pas de prix."
    ]
    assert "La dernière tranche doit être sans limite haute" in band_errors([(0, 500)])[0]
    assert band_errors([]) == ["Une grille a au moins une tranche."]


def test_staff_save_a_grid_of_three_bands(client, administrator, school):
    client.force_login(administrator)
    response = client.post(
        ADD_GRID, grid_data(school, [("0", "500", "1,00"), ("501", "900", "2,50"), ("901", "", "4,20")])
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    grid = TariffGrid.objects.get()
    assert [(b.lower, b.upper, str(b.price)) for b in grid.bands.all()] == [
        (0, 500, "1.00"),
        (501, 900, "2.50"),
        (901, None, "4.20"),
    ]
    changelist = client.get(reverse("admin:canteen_tariffgrid_changelist")).content.decode()
    assert 'alt="True"' in changelist  # meets the "cantine à 1 €" conditions


@pytest.mark.parametrize(
    "bands, message",
    [
        ([("0", "500", "1,00"), ("601", "", "4,20")], "les quotients de 501 à 600 n&#x27;ont pas de prix"),
        ([("0", "500", "1,00"), ("400", "", "4,20")], "se chevauchent"),
        ([("0", "500", "1,00"), ("501", "400", "4,20")], "La borne haute doit être supérieure ou égale"),
        ([("0", "500", "1,00"), ("501", "", "un euro")], "Saisissez un montant"),
    ],
)
def test_a_grid_with_a_gap_or_an_overlap_is_refused_in_french(client, administrator, school, bands, message):
    client.force_login(administrator)
    response = client.post(ADD_GRID, grid_data(school, bands))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not TariffGrid.objects.exists()


def decide(client, quotient, **data):
    return client.post(reverse("admin:canteen_familyquotient_change", args=[quotient.pk]), data)


def test_staff_validate_a_quotient_from_today_until_the_end_of_the_school_year(client, administrator, school, parent):
    quotient = declare(parent, school)
    client.force_login(administrator)
    today = timezone.localdate()
    response = decide(client, quotient, status="validated", applies_from=today.isoformat(), refusal_reason="")
    assert response.status_code == 302
    quotient.refresh_from_db()
    assert quotient.status == QuotientStatus.VALIDATED
    assert quotient.expires_on == end_of_school_year(today)
    assert quotient.decided_by == administrator
    assert LogEntry.objects.filter(
        object_id=str(quotient.pk), change_message__startswith="Quotient familial 450 validé"
    )
    notification = Notification.objects.get(user=parent)
    assert notification.kind == NotificationKind.QUOTIENT_VALIDATED
    assert "a validé votre quotient familial (450)" in notification.text
    assert OutboxMessage.objects.filter(name="quotient-decided", recipients=[parent.email]).exists()


def test_a_quotient_never_applies_to_days_already_past(client, administrator, school, parent):
    quotient = declare(parent, school)
    client.force_login(administrator)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    response = decide(client, quotient, status="validated", applies_from=yesterday.isoformat(), refusal_reason="")
    assert response.status_code == 200
    assert "ne s&#x27;applique pas aux repas déjà passés" in response.content.decode()
    quotient.refresh_from_db()
    assert quotient.status == QuotientStatus.PENDING
    assert not Notification.objects.exists()


def test_a_refusal_needs_a_reason_the_family_reads(client, administrator, school, parent):
    quotient = declare(parent, school)
    client.force_login(administrator)
    response = decide(client, quotient, status="refused", applies_from="", refusal_reason="  ")
    assert response.status_code == 200
    assert "pourquoi le quotient est refusé" in response.content.decode()
    response = decide(client, quotient, status="refused", applies_from="", refusal_reason="Attestation illisible.")
    assert response.status_code == 302
    quotient.refresh_from_db()
    assert (quotient.status, quotient.applies_from) == (QuotientStatus.REFUSED, None)
    assert LogEntry.objects.filter(change_message="Quotient familial 450 refusé : Attestation illisible.").exists()
    assert Notification.objects.get(user=parent).text.endswith(
        "refusé votre quotient familial (450) : Attestation illisible."
    )


def test_staff_of_another_school_cannot_see_or_decide(client, school, parent):
    from conftest import _staff
    from portal.roles import ADMINISTRATION

    other = school.__class__.objects.create(
        name="Autre", code="AUTRE", contact_email="a@b.example", beneficiary="x", address="y"
    )
    stranger = _staff("secretariat@autre.example", ADMINISTRATION, other)
    quotient = declare(parent, school)
    client.force_login(stranger)
    assert client.get(reverse("admin:canteen_familyquotient_change", args=[quotient.pk])).status_code == 403
    assert (
        decide(client, quotient, status="validated", applies_from=timezone.localdate().isoformat()).status_code == 403
    )
    assert str(parent.email) not in client.get(reverse("admin:canteen_familyquotient_changelist")).content.decode()
    quotient.refresh_from_db()
    assert quotient.status == QuotientStatus.PENDING


def test_staff_cannot_add_a_quotient_for_a_family(client, administrator):
    client.force_login(administrator)
    assert client.get(reverse("admin:canteen_familyquotient_add")).status_code == 403
    assert not FamilyQuotient.objects.exists()


def test_staff_may_validate_for_next_school_year_but_not_beyond(client, administrator, school, parent):
    quotient = declare(parent, school)
    client.force_login(administrator)
    next_year = end_of_school_year(timezone.localdate()) + datetime.timedelta(days=1)  # 1 September
    beyond = end_of_school_year(next_year) + datetime.timedelta(days=1)
    response = decide(client, quotient, status="validated", applies_from=beyond.isoformat(), refusal_reason="")
    assert "cette année scolaire ou de la suivante" in response.content.decode()
    assert decide(client, quotient, status="validated", applies_from=next_year.isoformat()).status_code == 302
    quotient.refresh_from_db()
    assert quotient.expires_on == end_of_school_year(next_year)
