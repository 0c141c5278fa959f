"""The catalogues are complete and what Django serves: every entry of the French and the English
catalogue translated (no empty ``msgstr``, no ``fuzzy`` guess left by msgmerge, which gettext ignores, so
that an English page would show French), with the same placeholders as its ``msgid``, and each ``.mo``
compiled from its ``.po`` as it is now. The French catalogue also holds every plural message, so that French
plural rules apply: without an entry, ``ngettext`` falls back to English rules and says "0 demandes validées".
"""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

LOCALES = ("fr", "en")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def po_path(language: str) -> Path:
    return Path(settings.BASE_DIR) / "locale" / language / "LC_MESSAGES" / "django.po"


def entries(language: str) -> list[polib.POEntry]:
    return [entry for entry in polib.pofile(str(po_path(language))) if not entry.obsolete]


def translations(entry: polib.POEntry) -> list[str]:
    if entry.msgid_plural:
        return [entry.msgstr_plural[index] for index in sorted(entry.msgstr_plural)]
    return [entry.msgstr]


@pytest.mark.parametrize("language", LOCALES)
def test_no_entry_is_empty_or_fuzzy(language):
    catalogue = polib.pofile(str(po_path(language)))
    assert not catalogue.metadata_is_fuzzy
    problems = [
        entry.msgid
        for entry in entries(language)
        if "fuzzy" in entry.flags or not all(text.strip() for text in translations(entry))
    ]
    assert problems == [], f"{len(problems)} empty or fuzzy entries in {language}: {problems[:10]}"


@pytest.mark.parametrize("language", LOCALES)
def test_every_translation_keeps_the_placeholders_of_its_message(language):
    problems = []
    for entry in entries(language):
        expected = set(PLACEHOLDER.findall(entry.msgid)) | set(PLACEHOLDER.findall(entry.msgid_plural or ""))
        for text in translations(entry):
            # A singular may say "one" instead of its %(count)d; it never names a value the code does not give.
            if not set(PLACEHOLDER.findall(text)) <= expected or (
                not entry.msgid_plural and set(PLACEHOLDER.findall(text)) != expected
            ):
                problems.append((entry.msgid, text))
    assert problems == []


@pytest.mark.parametrize("language", LOCALES)
def test_the_compiled_catalogue_is_the_po_file_as_it_is(language):
    """``make messages`` compiles after editing; a .po changed by hand and not compiled fails here."""
    with po_path(language).with_suffix(".mo").open("rb") as compiled:
        served = gettext.GNUTranslations(compiled)._catalog
    expected = {}
    for entry in entries(language):
        msgid = f"{entry.msgctxt}\x04{entry.msgid}" if entry.msgctxt else entry.msgid  # as gettext keys a context
        if entry.msgid_plural:
            for index, text in entry.msgstr_plural.items():
                expected[(msgid, int(index))] = text
        else:
            expected[msgid] = entry.msgstr
    served = {key: value for key, value in served.items() if key != ""}  # the header
    assert served == {key: value for key, value in expected.items() if value}  # msgfmt leaves out the empty


def test_english_pages_speak_english():
    with translation.override("en"):
        assert _("Mon profil") == "My profile"
        assert _("Autres moyens de paiement") == "Other ways to pay"
        assert _("Alerte de solde bas") == "Low balance alert"


def test_every_plural_message_has_its_french_forms():
    plurals = [entry for entry in entries("fr") if entry.msgid_plural]
    assert plurals
    for entry in plurals:
        assert entry.msgstr_plural[0] and entry.msgstr_plural[1], entry.msgid


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


def test_the_french_catalogue_says_its_french_messages_as_written():
    """Our messages are French: the French catalogue repeats each one (for the plural rules), and only
    Django's own English words get French words of ours. A stale guess ("Exploitation" shown as
    "Situation") fails here."""
    from portal.lib.admin_site import DJANGO_WORDS_REPHRASED

    different = [
        entry.msgid
        for entry in entries("fr")
        if entry.msgid not in DJANGO_WORDS_REPHRASED
        and translations(entry) != ([entry.msgid, entry.msgid_plural] if entry.msgid_plural else [entry.msgid])
    ]
    assert different == []


def test_our_words_never_shadow_djangos_day_names():
    """ "Mon" of "Mon profil" once shadowed Django's "Mon" (Monday): the booking grid said "Mon 07/12" in French.
    Our short words that are also Django's carry a context."""
    import datetime

    from django.utils import formats

    with translation.override("fr"):
        assert formats.date_format(datetime.date(2026, 12, 7), "D") == "lun"
    with translation.override("en"):
        assert formats.date_format(datetime.date(2026, 12, 7), "D") == "Mon"
