"""Debtors' IBANs encrypted at rest (Fernet: AES-128-CBC and HMAC-SHA256).

The key comes from ``SEPA_ENCRYPTION_KEY`` (comma-separated Fernet keys: the first encrypts, all decrypt, so a
key can be rotated); on the embedded default, without it, a key derived from ``SECRET_KEY`` is used. The clear
IBAN leaves this module only for the bank file and the form that changes it.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings


@cache
def _fernet(keys: str, secret_key: str) -> MultiFernet:
    if keys:
        return MultiFernet([Fernet(key.strip().encode()) for key in keys.split(",") if key.strip()])
    derived = hashlib.sha256(b"openself-sepa-iban:" + secret_key.encode()).digest()
    return MultiFernet([Fernet(base64.urlsafe_b64encode(derived))])


def fernet() -> MultiFernet:
    return _fernet(settings.SEPA_ENCRYPTION_KEY, settings.SECRET_KEY)


def encrypt(value: str) -> str:
    return fernet().encrypt(value.encode()).decode() if value else ""


def decrypt(token: str) -> str:
    return fernet().decrypt(token.encode()).decode() if token else ""


def mask(iban: str) -> str:
    """``FR76 •••• •••• 0189``: enough for the parent and the cashier to recognise it."""
    return f"{iban[:4]} •••• •••• {iban[-4:]}" if len(iban) > 8 else "••••"
