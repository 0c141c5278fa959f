"""Helpers of the QF tests, shared by the apps' tests: the issue's three-band grid and a QF validated by staff."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal as D

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from canteen.quotient import FamilyQuotient, QuotientStatus, TariffBand, TariffGrid, end_of_school_year

BANDS = [(0, 500, "1.00"), (501, 900, "2.50"), (901, None, "4.20")]


def make_grid(school, valid_from: datetime.date, category: str = "Élève", bands=BANDS, default="4.20") -> TariffGrid:
    """ "QF ≤ 500 : 1,00 € ; 501–900 : 2,50 € ; > 900 : 4,20 €", 4,20 € without a QF."""
    grid = TariffGrid.objects.create(
        establishment=school, category=category, valid_from=valid_from, default_price=D(default)
    )
    TariffBand.objects.bulk_create(TariffBand(grid=grid, lower=lo, upper=up, price=D(p)) for lo, up, p in bands)
    return grid


def pdf_file(name: str = "attestation.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n", "application/pdf")


def png_file(name: str = "scan.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), "image/png")


def declare(user, school, value: int = 450) -> FamilyQuotient:
    return FamilyQuotient.objects.create(
        user=user,
        establishment=school,
        value=value,
        issuer="caf",
        attestation_date=timezone.localdate() - datetime.timedelta(days=10),
        attestation=pdf_file(),
    )


def validated(user, school, value: int, applies_from: datetime.date, expires_on: datetime.date | None = None):
    """A QF as staff leave it once validated from ``applies_from`` (to 31 August by default)."""
    quotient = declare(user, school, value)
    quotient.status = QuotientStatus.VALIDATED
    quotient.applies_from = applies_from
    quotient.expires_on = expires_on or end_of_school_year(applies_from)
    quotient.decided_at = timezone.now()
    quotient.save()
    return quotient
