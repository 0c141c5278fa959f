"""The French catalogue holds every plural message, so that French plural rules apply: without an entry,
``ngettext`` falls back to English rules and the admin says "0 demandes validées"."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.utils import translation
from django.utils.translation import ngettext

FRENCH_PO = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES" / "django.po"


def plural_entries(text: str) -> list[str]:
    """Each catalogue entry (a blank-line separated block) that has a plural form."""
    return [block for block in text.split("\n\n") if "\nmsgid_plural " in block and not block.startswith("#~")]


def translated(block: str, keyword: str) -> str:
    """The text of ``keyword`` in ``block``, its continuation lines joined (a long one starts with "")."""
    match = re.search(rf'^{re.escape(keyword)} ((?:".*"\n?)+)', block, re.M)
    return "".join(re.findall(r'"(.*)"', match.group(1))) if match else ""


def test_every_plural_message_is_in_the_french_catalogue_and_not_fuzzy():
    entries = plural_entries(FRENCH_PO.read_text(encoding="utf-8"))
    assert entries
    for block in entries:
        assert "#, fuzzy" not in block, block
        assert translated(block, "msgstr[0]") and translated(block, "msgstr[1]"), block


def test_zero_takes_the_singular_in_french_and_the_plural_in_english():
    message = ("%(n)d demande validée.", "%(n)d demandes validées.")
    with translation.override("fr"):
        assert [ngettext(*message, n) % {"n": n} for n in (0, 1, 2)] == [
            "0 demande validée.",
            "1 demande validée.",
            "2 demandes validées.",
        ]
    with translation.override("en"):
        assert ngettext(*message, 0) % {"n": 0} != "0 demande validée."
