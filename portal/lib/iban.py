"""Finding an IBAN written in free text, however it is typed, without crying wolf.

A parent who pastes an IBAN into a message may type it in groups of four, with dots, slashes or dashes
between the groups, with non-breaking or zero-width spaces (copied from a bank's page), in full-width digits
(a phone's keyboard), one digit at a time, or glued to the word before it ("IBAN:FR76…"). So the text is
first brought to one shape: Unicode compatibility form (NFKC: "７６" becomes "76"), format characters
(zero-width spaces and joiners) dropped, every separator removed, upper case. Then each place where a
country code and two check digits start is tried at that country's IBAN length, and only a candidate whose
ISO 13616 check (mod 97) holds counts: a phone number or a date after a word is not an IBAN.

>>> contains_iban("Mon IBAN : FR76.3000.6000.0112.3456.7890.189")
True
>>> contains_iban("Appelez le 06 12 34 56 78 avant le 04/12")
False
"""

from __future__ import annotations

import re
import unicodedata

# IBAN length per country (ISO 13616 registry): the SEPA countries and their territories, and the countries
# whose banks French families most often use. A country missing here is simply not looked for.
LENGTHS = {
    "AD": 24, "AT": 20, "BE": 16, "BG": 22, "CH": 21, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DZ": 26,
    "EE": 20, "ES": 24, "FI": 18, "FR": 27, "GB": 22, "GI": 23, "GR": 27, "HR": 21, "HU": 28, "IE": 22,
    "IS": 26, "IT": 27, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MA": 28, "MC": 27, "MT": 31, "NL": 18,
    "NO": 15, "PL": 28, "PT": 25, "RO": 24, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "TN": 24, "TR": 26,
    "VA": 22,
}  # fmt: skip
# A bank account number is mostly digits: a word glued to a few digits is not one.
MIN_BBAN_DIGITS = 8

# Between the groups of an IBAN: any space (NFKC already made non-breaking ones plain), dots, slashes,
# backslashes, underscores, middle dots and every kind of dash.
SEPARATORS = re.compile(r"[\s./\\_·\u2010-\u2015\u2212-]+")
START = re.compile(r"(?=([A-Z]{2})([0-9]{2}))")


def compact(text: str) -> str:
    """The text in one shape: NFKC, without format characters (zero-width) nor separators, upper case."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(char for char in text if unicodedata.category(char) != "Cf")
    return SEPARATORS.sub("", text).upper()


def is_valid_iban(candidate: str) -> bool:
    """ISO 13616: the country's length, and the four first characters moved to the end, letters as numbers
    (A = 10 … Z = 35), leaves 1 modulo 97."""
    if LENGTHS.get(candidate[:2]) != len(candidate) or not candidate.isascii() or not candidate.isalnum():
        return False
    if sum(char.isdigit() for char in candidate[4:]) < MIN_BBAN_DIGITS:
        return False
    rearranged = candidate[4:] + candidate[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


def contains_iban(text: str) -> bool:
    """Whether ``text`` holds a valid IBAN, however it was typed (see the module's docstring)."""
    shape = compact(text)
    for match in START.finditer(shape):
        length = LENGTHS.get(match.group(1))
        if length and is_valid_iban(shape[match.start() : match.start() + length]):
            return True
    return False
