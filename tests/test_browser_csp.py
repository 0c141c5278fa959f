"""The parent's journey under the Content-Security-Policy: every page works and the browser reports no
violation (no inline script, style or handler is left to be blocked)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from portal.management.commands.demo_data import PARENT_EMAIL, PARENT_PASSWORD, SCHOOL_CODE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Collects violations from the page itself: an init script runs outside the page's policy.
COLLECT = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + e.sourceFile + ":" + e.lineNumber);
});
"""


def test_the_parent_journey_runs_under_the_policy_without_a_single_violation(page, settings):
    settings.PAYMENT_PROVIDER = "demo"
    settings.DEMO_PAYMENTS_ENABLED = True
    call_command("demo_data")
    console = []
    page.on("console", lambda message: console.append(message.text))
    page.add_init_script(COLLECT)
    violations = []

    def visited():
        violations.extend(page.evaluate("window.__cspViolations || []"))

    page.goto(f"/e/{SCHOOL_CODE}/")
    visited()
    # The language switcher sends its form on change: its handler now lives in portal.js.
    with page.expect_navigation():
        page.locator("#language").select_option("en")
    visited()
    with page.expect_navigation():
        page.locator("#language").select_option("fr")
    expect(page.get_by_role("button", name="CONNEXION")).to_be_visible()
    page.get_by_label("Identifiant").fill(PARENT_EMAIL)
    page.get_by_label("Mot de passe").fill(PARENT_PASSWORD)
    page.get_by_label("Rester connecté").check()
    page.get_by_role("button", name="CONNEXION").click()
    page.wait_for_url("**/accueil/")
    expect(page.get_by_role("heading", name="Hugo Martin")).to_be_visible()
    visited()
    # "Situation de mes comptes": credit.js computes "Montant à payer" as the parent types.
    page.get_by_role("link", name="Comptes", exact=True).click()
    hugo = page.locator("section", has=page.get_by_role("heading", name="Hugo Martin"))
    hugo.get_by_label("Montant à créditer").fill("20")
    expect(hugo.locator(".to-pay")).to_have_text("20,00\u00a0€")
    visited()
    hugo.get_by_role("button", name="PROCÉDER AU PAIEMENT").click()
    expect(page.get_by_text("Démonstration — aucun paiement réel")).to_be_visible()
    visited()
    page.get_by_role("button", name="JE VALIDE mon paiement").click()
    expect(page.get_by_text("Paiement accepté")).to_be_visible()
    visited()
    for path in ["/paiements/", "/messages/", "/notifications/", "/comptes/famille/"]:
        page.goto(path)
        visited()
    page.goto("/paiements/")
    page.get_by_role("link", name="Reçu").first.click()
    expect(page.get_by_role("button", name="Imprimer")).to_be_visible()
    visited()
    page.goto("/accueil/")
    page.get_by_role("link", name="Historique").first.click()
    expect(page.get_by_text("Paiement en ligne").first).to_be_visible()
    visited()
    assert violations == []
    assert not [text for text in console if "Content Security Policy" in text or "Refused to" in text], console


def test_the_admin_runs_under_the_policy_without_a_single_violation(page):
    from portal.management.commands.demo_data import SUPERUSER

    call_command("demo_data")
    console = []
    page.on("console", lambda message: console.append(message.text))
    page.add_init_script(COLLECT)
    violations = []
    page.goto("/admin/login/")
    page.locator("#id_username").fill(SUPERUSER[0])
    page.locator("#id_password").fill(SUPERUSER[1])
    page.locator("input[type=submit]").click()
    page.wait_for_url("**/admin/")
    for path in [
        "/admin/",
        "/admin/accounts/accountrequest/",
        "/admin/canteen/pupil/",
        "/admin/canteen/establishment/",
        "/admin/billing/ledgerentry/",
        "/admin/billing/deskpayment/journal/",
        "/admin/billing/deskpayment/soldes-negatifs/",
        "/admin/billing/till/",
        "/admin/billing/deskpayment/add/",
    ]:
        page.goto(path)
        violations.extend(page.evaluate("window.__cspViolations || []"))
    # The search-as-you-type pupil box (select2) draws itself under the policy.
    page.locator("#allocations-0 .select2-selection").click()
    page.locator(".select2-search__field").fill("Martin")
    expect(page.get_by_role("option", name="Léa Martin")).to_be_visible()
    violations.extend(page.evaluate("window.__cspViolations || []"))
    assert violations == []
    assert not [text for text in console if "Content Security Policy" in text or "Refused to" in text], console
