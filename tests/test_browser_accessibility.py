"""Every parent page and every staff page, on a 320 px phone and at 1280 px: axe-core finds no serious or
critical violation, and nothing scrolls sideways on the phone.

axe-core comes from the npm registry (``package.json``, installed by ``make test`` with ``npm ci``) and is
injected from ``node_modules``, never from a CDN. The counts per page are written to
``test-artifacts/axe-<width>.json`` for the record. At 1280 px the HTML of each parent page also goes
through the Nu Html Checker (npm ``vnu-jar``, on Debian's Java) when both are there.
"""

from __future__ import annotations

import datetime
import json
import shutil
import subprocess
from decimal import Decimal as D
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from accounts.models import AccountRequest, User
from billing.desk import operations
from billing.desk.models import DebitMode, DirectDebitMandate, MandateStatus, OfflinePayment
from billing.desk.tests.helpers import ADD_URL, desk_payment_data
from canteen.models import Establishment, Guardianship, Pupil
from portal.management.commands.demo_data import PARENT_EMAIL, PARENT_PASSWORD, SCHOOL_CODE, STAFF

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
VNU = Path(settings.BASE_DIR) / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
BLOCKING = {"serious", "critical"}
ADMINISTRATION_LOGIN, CASHIER_LOGIN = (staff[:2] for staff in STAFF)


@pytest.fixture
def axe():
    if not AXE.exists():
        pytest.skip(f"axe-core is missing at {AXE}: run `npm ci` at the project root (make test does)")
    return AXE


class Audit:
    """Runs axe on each page visited and remembers what it found, page by page."""

    def __init__(self, page, width: int):
        self.page, self.width = page, width
        self.counts: dict[str, dict[str, int]] = {}
        self.failures: list[str] = []
        self.html: dict[str, str] = {}  # parent pages, as served

    def check(self, name: str, *, served: bool = True) -> None:
        """``served``: the page can be fetched again by GET (not the answer to a POST) for the HTML check."""
        page = self.page
        page.wait_for_load_state("load")
        if not name.startswith("admin"):
            self.html[name] = page.context.request.get(page.url).text() if served else page.content()
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
        counts: dict[str, int] = {}
        for violation in result["violations"]:
            impact = violation["impact"] or "minor"
            counts[impact] = counts.get(impact, 0) + len(violation["nodes"])
            if impact in BLOCKING:
                targets = ", ".join(str(node["target"]) for node in violation["nodes"][:3])
                self.failures.append(f"{name} @{self.width}px: {violation['id']} ({impact}) on {targets}")
        self.counts[name] = counts
        scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
        if self.width <= 400 and scroll_width > self.width:
            self.failures.append(f"{name} @{self.width}px: {scroll_width} px wide, scrolls sideways")

    def validate_html(self) -> None:
        """The Nu Html Checker on every parent page: errors only (warnings are advice)."""
        folder = ARTIFACTS / "html"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        files = {}
        for index, (name, html) in enumerate(self.html.items()):
            files[str(folder / f"{index:02d}.html")] = name
            (folder / f"{index:02d}.html").write_text(html)
        result = subprocess.run(
            ["java", "-jar", str(VNU), "--errors-only", "--format", "json", *files],
            capture_output=True,
            text=True,
            timeout=300,
        )
        for message in json.loads(result.stderr or '{"messages": []}')["messages"]:
            name = files.get(message.get("url", "").removeprefix("file:"), message.get("url"))
            self.failures.append(f"{name}: HTML {message['type']} line {message.get('lastLine')}: {message['message']}")

    def save(self) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        record = {"counts": self.counts, "failures": self.failures}
        (ARTIFACTS / f"axe-{self.width}.json").write_text(json.dumps(record, indent=2, ensure_ascii=False))


def log_in_to_the_admin(page, email: str, password: str) -> None:
    page.goto("/admin/login/")
    page.locator("#id_username").fill(email)
    page.locator("#id_password").fill(password)
    page.locator("input[type=submit]").click()
    page.wait_for_url("**/admin/")


def a_day_at_the_desk() -> tuple[AccountRequest, int]:
    """What the staff pages show: a pending request, a split cheque on a slip, a mandate and its debit."""
    school = Establishment.objects.get(code=SCHOOL_CODE)
    lea, hugo = (Pupil.objects.get(first_name=name, last_name="Martin") for name in ("Léa", "Hugo"))
    request = AccountRequest.objects.create(
        establishment=school,
        card_digits="10003",
        last_name="Bernard",
        first_name="Chloé",
        email="sophie.bernard.avec.un.email.vraiment.tres.long@exemple-de-domaine.fr",
        terms_accepted=True,
    )
    long_named = Pupil.objects.create(
        establishment=school,
        last_name="de La Tour d'Auvergne-Lauraguais-Montmorency",
        first_name="Marie-Charlotte-Eugénie",
        card_number="10099",
        class_name="CM2",
    )
    Guardianship.objects.create(user=User.objects.get(email=PARENT_EMAIL), pupil=long_named)
    cashier = User.objects.get(email=CASHIER_LOGIN[0])
    desk = Client()
    desk.force_login(cashier)
    response = desk.post(ADD_URL, desk_payment_data((lea, "30.00"), (hugo, "20.00"), amount="50.00"))
    assert response.status_code == 302, response.content.decode()[:2000]
    slip = operations.make_deposit_slip(list(OfflinePayment.objects.all()), user=cashier)
    parent = User.objects.get(email=PARENT_EMAIL)
    # The demo's own mandate makes way for this one (one live mandate per family and establishment).
    DirectDebitMandate.objects.filter(user=parent, establishment=school).update(status=MandateStatus.ENDED)
    DirectDebitMandate.objects.create(
        holder_name="Camille Martin",
        user=parent,
        establishment=school,
        reference="OS-2026-0001",
        iban="FR7630006000011234567890189",
        signed_on=datetime.date(2026, 9, 1),
        mode=DebitMode.FIXED,
        monthly_amount=D("40.00"),
        created_by=cashier,
    )
    operations.prepare_direct_debits(operations.month_start(datetime.date.today()))
    return request, slip.pk


@pytest.mark.parametrize("width", [320, 1280])
def test_every_page_passes_axe_and_fits_the_screen(browser, live_server, axe, settings, width):
    settings.PAYMENT_PROVIDER = "demo"
    settings.DEMO_PAYMENTS_ENABLED = True
    call_command("demo_data")
    request, slip_pk = a_day_at_the_desk()
    lea = Pupil.objects.get(first_name="Léa", last_name="Martin")
    # axe-core is injected as an inline script: the test bypasses the CSP that forbids them (tests/test_browser_csp.py checks the CSP).
    context = browser.new_context(
        locale="fr-FR", base_url=live_server.url, viewport={"width": width, "height": 800}, bypass_csp=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    audit = Audit(page, width)
    try:
        # Before logging in.
        page.goto(f"/e/{SCHOOL_CODE}/")
        audit.check("connexion")
        page.get_by_label("Identifiant").fill(PARENT_EMAIL)
        page.get_by_label("Mot de passe").fill("pas-le-bon")
        page.get_by_role("button", name="CONNEXION").click()
        expect(page.get_by_text("Identifiant ou mot de passe incorrect.")).to_be_visible()
        audit.check("mauvais mot de passe", served=False)
        page.goto(reverse("portal:password_reset"))
        audit.check("mot de passe oublié")
        page.goto(reverse("accounts:request", args=[SCHOOL_CODE]))
        audit.check("demande de compte")
        page.goto(reverse("portal:privacy_of", args=[SCHOOL_CODE]))
        audit.check("données personnelles")
        page.goto(reverse("portal:legal_of", args=[SCHOOL_CODE]))
        audit.check("mentions légales")

        # The parent.
        page.goto(f"/e/{SCHOOL_CODE}/")
        page.get_by_label("Identifiant").fill(PARENT_EMAIL)
        page.get_by_label("Mot de passe").fill(PARENT_PASSWORD)
        page.get_by_role("button", name="CONNEXION").click()
        page.wait_for_url("**/accueil/")
        audit.check("accueil")
        page.goto(reverse("billing:history", args=[lea.pk]))
        audit.check("historique")
        page.goto(reverse("billing:accounts"))
        audit.check("situation des comptes")
        page.goto(reverse("billing:family"))
        audit.check("paiement pour la famille")
        page.goto(reverse("billing:accounts"))
        hugo = page.locator("section", has=page.get_by_role("heading", name="Hugo Martin"))
        hugo.get_by_label("Montant à créditer").fill("20")
        hugo.get_by_role("button", name="PROCÉDER AU PAIEMENT").click()
        expect(page.get_by_text("Démonstration — aucun paiement réel")).to_be_visible()
        audit.check("paiement de démonstration")
        page.get_by_role("button", name="JE VALIDE mon paiement").click()
        expect(page.get_by_text("Paiement accepté")).to_be_visible()
        audit.check("retour de paiement")
        page.goto(reverse("billing:accounts"))
        hugo.get_by_label("Montant à créditer").fill("20")
        hugo.get_by_role("button", name="PROCÉDER AU PAIEMENT").click()
        page.get_by_role("button", name="J'annule mon paiement").click()
        expect(page.get_by_text("Paiement annulé")).to_be_visible()
        audit.check("paiement annulé")
        page.goto(reverse("billing:payments"))
        audit.check("mes paiements")
        receipt_link = page.get_by_role("link", name="Reçu n°").first
        box = receipt_link.bounding_box()  # on a phone the rows are stacked: status and receipt in sight
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, box
        expect(page.locator("td[data-label=Statut]").first).to_be_in_viewport()
        page.get_by_role("link", name="Reçu n°").first.click()
        audit.check("reçu")
        page.goto(reverse("portal:messages"))
        audit.check("messages")
        page.goto(reverse("portal:notifications"))
        audit.check("notifications")
        page.goto(reverse("portal:delete_account"))
        audit.check("supprimer mon compte")
        context.clear_cookies()

        # The school's administration.
        log_in_to_the_admin(page, *ADMINISTRATION_LOGIN)
        audit.check("admin : accueil (administration)")
        page.goto(reverse("admin:accounts_accountrequest_changelist"))
        audit.check("admin : demandes de compte")
        page.goto(reverse("admin:accounts_accountrequest_validate", args=[request.pk]))
        audit.check("admin : valider une demande")
        context.clear_cookies()

        # The cashier.
        log_in_to_the_admin(page, *CASHIER_LOGIN)
        audit.check("admin : accueil (caisse)")
        page.goto(reverse("admin:billing_deskpayment_add"))
        audit.check("admin : encaissement au guichet")
        page.goto(reverse("admin:billing_deskpayment_changelist"))
        audit.check("admin : encaissements")
        today = datetime.date.today().isoformat()
        page.goto(f"{reverse('admin:billing_journal')}?start={today}&end={today}")
        audit.check("admin : journal du jour")
        page.goto(reverse("admin:billing_depositslip_print", args=[slip_pk]))
        audit.check("admin : bordereau de remise")
        page.goto(reverse("admin:billing_directdebitmandate_changelist"))
        assert "OS-2026-0001" in page.content()  # the school's mandate is listed for its cashier
        audit.check("admin : mandats")
        page.goto(reverse("admin:billing_directdebit_changelist"))
        assert "OS-2026-0001" in page.content()
        audit.check("admin : prélèvements")
        if width == 1280 and VNU.exists() and shutil.which("java"):
            audit.validate_html()
    finally:
        audit.save()
        context.close()
    print(json.dumps({"width": width, "counts": audit.counts}, ensure_ascii=False))
    assert not audit.failures, "\n".join(audit.failures)
