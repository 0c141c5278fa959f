"""A parent without a mouse: from the login page to a completed demo payment with Tab, Enter and Space only
(and typing in the fields), and every control reached shows where the focus is."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from billing.models import Wallet
from canteen.models import Pupil
from portal.management.commands.demo_data import PARENT_EMAIL, PARENT_PASSWORD, SCHOOL_CODE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const name = (el.getAttribute('aria-label') || el.labels?.[0]?.textContent || el.value || el.textContent || '')
    .replace(/\\s+/g, ' ').trim();
  return {
    tag: el.tagName.toLowerCase(), id: el.id, name: name,
    visible: (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0) || style.boxShadow !== 'none',
  };
}"""


def tab_to(page, name: str, *, element_id: str = "", limit: int = 60) -> None:
    """Press Tab until the control called ``name`` has the focus; each control passed must show its focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        if focused["tag"] != "body":
            assert focused["visible"], f"no visible focus on {focused}"
        label = focused["name"].rstrip("* ")
        if element_id and focused["id"] != element_id:
            continue
        if label == name or label.startswith(f"{name} ("):  # "Identifiant (votre adresse email)"
            return
    raise AssertionError(f"{name!r} is not reachable with Tab on {page.url}")


def test_a_parent_pays_with_the_keyboard_alone(browser, live_server, settings):
    settings.PAYMENT_PROVIDER = "demo"
    settings.DEMO_PAYMENTS_ENABLED = True
    call_command("demo_data")
    context = browser.new_context(locale="fr-FR", base_url=live_server.url, viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(f"/e/{SCHOOL_CODE}/")
        tab_to(page, "Identifiant")
        page.keyboard.type(PARENT_EMAIL)
        tab_to(page, "Mot de passe")
        page.keyboard.type(PARENT_PASSWORD)
        tab_to(page, "CONNEXION")
        page.keyboard.press("Enter")
        page.wait_for_url("**/accueil/")

        tab_to(page, "Comptes")
        page.keyboard.press("Enter")
        page.wait_for_url("**/comptes/")
        hugo = Pupil.objects.get(first_name="Hugo", last_name="Martin")
        tab_to(page, "Montant à créditer", element_id=f"amount-{hugo.pk}")
        page.keyboard.type("20")
        tab_to(page, "PROCÉDER AU PAIEMENT")
        page.keyboard.press("Space")
        expect(page.get_by_text("Démonstration — aucun paiement réel")).to_be_visible()

        tab_to(page, "JE VALIDE mon paiement")
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", name="Paiement accepté")).to_be_visible()
    finally:
        context.close()
    assert Wallet.objects.get(pupil__first_name="Hugo", pupil__last_name="Martin").balance == D("20.00")
