"""The demo parent sees each child's balance, the meals it covers and a history with meals from the till."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from portal.management.commands import demo_data
from tests.test_browser_journey import log_in_as_demo_parent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_demo_parent_sees_the_balance_meals_covered_and_the_till_meals_in_the_history(page):
    call_command("demo_data")
    log_in_as_demo_parent(page)
    lea = page.get_by_role("region", name="Léa Martin")
    assert lea.locator(".balance").inner_text().replace("\u00a0", " ") == "18,40 €"
    expect(lea.get_by_text("Soit : 5 repas")).to_be_visible()
    page.get_by_role("link", name="Historique des opérations — Léa").click()
    page.wait_for_url("**/historique/")
    expect(page.get_by_role("heading", name="Historique des opérations")).to_be_visible()
    rows = page.locator("table.table tbody tr")  # the operations, not the chart's table of months
    assert rows.count() == demo_data.LEA_MEALS + 2  # her lunches, a cheque and an online payment
    assert page.locator(".spending tbody tr").count() == 12
    first = rows.first.locator("td").all_inner_texts()
    assert first[1:] == ["Self", "-3,50"]
    assert re.fullmatch(r"\d\d/\d\d/20\d\d - 12:\d\d", first[0])  # lunch, in the school's local time
    expect(page.get_by_role("cell", name="Chèque n° 1234567")).to_be_visible()
    expect(page.get_by_role("cell", name="+20,00")).to_be_visible()
    expect(page.get_by_text("Cet historique est complet")).to_be_visible()
