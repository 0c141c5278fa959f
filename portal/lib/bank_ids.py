"""Bank identifiers typed by people: IBAN, BIC and the SEPA creditor identifier (ICS), checked and normalised.

The IBAN and BIC checks are schwifty's (lengths per country, check digits, the French RIB key, the BIC's
shape); the ICS check is the EPC's: ``FRkkZZZnnnnnn``, whose check digits ``kk`` are computed like an
IBAN's over the national identifier, the creditor business code ``ZZZ`` left out. Each function returns
the compact form or raises ``ValidationError`` with a French message.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

ICS_SHAPE = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{3}[A-Z0-9]{1,28}$")


def compact(value: str) -> str:
    """``fr76 3000 6000…`` → ``FR763000 6000…`` without spaces, upper case."""
    return "".join(str(value).split()).upper()


def clean_iban(value: str) -> str:
    """``FR14 2004 1010 0505 0001 3M02 606`` → ``FR1420041010050500013M02606``; refused when wrong."""
    iban = compact(value)
    if not iban or len(iban) > 34 or not iban.isalnum():
        raise ValidationError(_("Cet IBAN n'est pas valide : vérifiez-le sur le RIB."), code="iban")
    try:
        IBAN(iban, validate_bban=True)
    except SchwiftyException as error:
        message = _("Cet IBAN n'est pas valide : vérifiez-le sur le RIB.")
        if "length" in str(error).lower():
            message = _("Cet IBAN n'a pas la bonne longueur pour son pays : vérifiez-le sur le RIB.")
        elif "national checksum" in str(error).lower():
            message = _("La clé RIB de cet IBAN est fausse : vérifiez-le sur le RIB.")
        raise ValidationError(message, code="iban") from None
    return iban


def bic_of(iban: str) -> str:
    """The BIC of the IBAN's bank where the bank registry knows it, else an empty string."""
    try:
        bic = IBAN(iban).bic
    except SchwiftyException:
        return ""
    return str(bic) if bic else ""


def clean_bic(value: str) -> str:
    """``bnpa fr pp`` → ``BNPAFRPP``; empty stays empty (a BIC is optional in SEPA); refused when malformed."""
    bic = compact(value)
    if not bic:
        return ""
    try:
        BIC(bic)
    except SchwiftyException:
        raise ValidationError(
            _("Ce BIC n'est pas valide : 8 ou 11 caractères, par exemple BNPAFRPP."), code="bic"
        ) from None
    return bic


def ics_check_digits(country: str, national_id: str) -> str:
    digits = "".join(str(int(char, 36)) for char in national_id + country + "00")
    return f"{98 - int(digits) % 97:02d}"


def clean_ics(value: str) -> str:
    """``FR 72 ZZZ 123456`` → ``FR72ZZZ123456``; the format (13 characters for France) and check digits verified."""
    ics = compact(value)
    if not ICS_SHAPE.match(ics) or len(ics) > 35 or (ics.startswith("FR") and len(ics) != 13):
        raise ValidationError(
            _(
                "Cet identifiant créancier SEPA (ICS) n'a pas le bon format : FR, 2 chiffres, 3 caractères, 6 caractères."
            ),
            code="ics",
        )
    if ics_check_digits(ics[:2], ics[7:]) != ics[2:4]:
        raise ValidationError(
            _("La clé de cet identifiant créancier SEPA (ICS) est fausse : vérifiez-le."), code="ics_check"
        )
    return ics


def validate_ics(value: str) -> None:
    """A model field validator (the field stores the compact form, see ``clean_ics``)."""
    if value:
        clean_ics(value)


def validate_iban(value: str) -> None:
    if value:
        clean_iban(value)


def validate_bic(value: str) -> None:
    if value:
        clean_bic(value)
