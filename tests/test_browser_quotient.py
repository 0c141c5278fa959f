"""On a phone, the demo parent declares a quotient familial with its attestation; the school's staff open the
attestation and validate it in the admin; the parent then reads the band's price in "Situation de mes comptes"."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from canteen.models import Establishment
from canteen.quotient import FamilyQuotient, QuotientStatus
from canteen.tests.quotients import make_grid

from .test_browser_cashier import log_in_to_the_admin
from .test_browser_journey import log_in_as_demo_parent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ADMINISTRATION = ("ecole@demo.openself.fr", "demo-ecole-2026")
PDF = b"%PDF-1.4\n% attestation CAF\n%%EOF\n"


@pytest.mark.parametrize("width", [390, 320])
def test_a_parent_declares_on_a_phone_and_pays_the_band_once_staff_validate(page, tmp_path, width):
    call_command("demo_data")
    school = Establishment.objects.get(code="4388")
    make_grid(school, datetime.date(2026, 9, 1))  # Léa's category by QF, from the tariff's own day
    page.set_viewport_size({"width": width, "height": 800})
    log_in_as_demo_parent(page)
    page.goto("/profil/")
    page.get_by_role("link", name="Mon quotient familial").click()
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # nothing wider than the phone
    page.locator("#id_value").fill("450")
    page.get_by_label("Date de l'attestation").fill((timezone.localdate() - datetime.timedelta(days=3)).isoformat())
    fake = tmp_path / "attestation.pdf"
    fake.write_bytes(b"<html>pas un PDF</html>")
    page.get_by_label("Attestation (PDF, JPEG ou PNG, 5 Mo au plus)").set_input_files(str(fake))
    page.get_by_role("button", name="ENVOYER").click()
    expect(page.get_by_text("Ce fichier n'est ni un PDF")).to_be_visible()
    assert not FamilyQuotient.objects.filter(establishment=school).exists()
    real = tmp_path / "scan.pdf"
    real.write_bytes(PDF)
    page.get_by_label("Attestation (PDF, JPEG ou PNG, 5 Mo au plus)").set_input_files(str(real))
    page.get_by_role("button", name="ENVOYER").click()
    expect(page.get_by_text("en attente de validation par l'établissement")).to_be_visible()
    quotient = FamilyQuotient.objects.get(establishment=school)

    page.context.clear_cookies()
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in_to_the_admin(page, *ADMINISTRATION)
    page.goto(f"/admin/canteen/familyquotient/{quotient.pk}/change/")
    with page.expect_popup() as popup:
        page.get_by_role("link", name="Ouvrir l'attestation").click()
    assert popup.value.url.endswith(f"/profil/quotient-familial/{quotient.pk}/attestation/")
    page.locator("#id_status").select_option("validated")
    page.locator("#id_applies_from").fill(timezone.localdate().strftime("%d/%m/%Y"))
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    quotient.refresh_from_db()
    assert quotient.status == QuotientStatus.VALIDATED

    page.context.clear_cookies()
    page.set_viewport_size({"width": width, "height": 800})
    log_in_as_demo_parent(page)
    page.goto("/comptes/")
    lea = page.locator("section", has=page.get_by_role("heading", name="Léa Martin"))
    expect(lea).to_contain_text(
        "Le prix d'un déjeuner est actuellement de 1,00\u00a0€ (tarif quotient familial 0–500)."
    )
    page.goto("/notifications/")
    expect(page.get_by_text("a validé votre quotient familial (450)")).to_be_visible()
