"""Prices by quotient familial (QF): a town's tariff grids of QF bands, and each family's declared QF with its
proof (the CAF or MSA attestation).

Whose QF counts: the QF belongs to the household that pays. A guardian declares it for the establishment of
their children; once staff validate it, it applies to the children that guardian guards there. When a child's
guardians live in two households that both declared one, staff say which household pays
(``PayingHousehold``); until they do, the QF validated last applies. A pupil whose household has no QF in
force pays the grid's default price. ``canteen.prices.PriceList`` reads all of this.
"""

from __future__ import annotations

import datetime
import os
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import Establishment, Pupil

# The highest QF one may declare: a guard against typing errors (QFs are in euros, a few thousand at most).
MAX_QUOTIENT = 99_999
# The State's "cantine à 1 €": it pays this much for each meal billed at most ``CLAIM_PRICE_CEILING``,
# to towns whose grid has at least ``CLAIM_MIN_BANDS`` bands, one of them at most that price.
CLAIM_PRICE_CEILING = Decimal("1.00")
CLAIM_AID_PER_MEAL = Decimal("3.00")
CLAIM_MIN_BANDS = 3


class PrivateStorage(FileSystemStorage):
    """Files no URL serves: under ``settings.PRIVATE_MEDIA_ROOT``, outside ``MEDIA_ROOT`` and ``STATIC_ROOT``;
    a view that checks who asks hands them out. The root is read at each use, so that tests can move it."""

    def __init__(self):
        super().__init__(base_url=None)

    @property
    def base_location(self):
        return settings.PRIVATE_MEDIA_ROOT

    @property
    def location(self):
        return os.path.abspath(self.base_location)


PRIVATE_STORAGE = PrivateStorage()


class TariffGrid(models.Model):
    """A category's prices by QF band, from a date on (a new grid each September; the old ones stay for the
    history). Families without a QF in force pay the default price."""

    establishment = models.ForeignKey(
        Establishment, on_delete=models.CASCADE, related_name="tariff_grids", verbose_name=_("établissement")
    )
    category = models.CharField(_("catégorie"), max_length=50, help_text=_("Par exemple Élève, Maternelle, Adulte."))
    valid_from = models.DateField(_("applicable à partir du"))
    default_price = models.DecimalField(
        _("prix sans quotient familial validé"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.00"))],
        help_text=_(
            "Pour les familles sans quotient familial en cours de validité : en général le prix le plus élevé."
        ),
    )

    class Meta:
        verbose_name = _("grille de tarifs par quotient familial")
        verbose_name_plural = _("grilles de tarifs par quotient familial")
        ordering = ["establishment", "category", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["establishment", "category", "valid_from"], name="tariff_grid_unique_per_category_and_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category} — {self.valid_from:%d/%m/%Y}"


class TariffBand(models.Model):
    """One band of a grid: families whose QF is between ``lower`` and ``upper`` (both included; no upper: and
    above) pay ``price``."""

    grid = models.ForeignKey(TariffGrid, on_delete=models.CASCADE, related_name="bands", verbose_name=_("grille"))
    lower = models.PositiveIntegerField(_("quotient de"), validators=[MaxValueValidator(MAX_QUOTIENT)])
    upper = models.PositiveIntegerField(
        _("à (inclus)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_QUOTIENT)],
        help_text=_("Vide : et plus."),
    )
    price = models.DecimalField(
        _("prix d'un repas"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.00"))]
    )

    class Meta:
        verbose_name = _("tranche de quotient familial")
        verbose_name_plural = _("tranches de quotient familial")
        ordering = ["grid", "lower"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(upper__isnull=True) | models.Q(upper__gte=models.F("lower")),
                name="tariff_band_upper_after_lower",
            ),
        ]

    def __str__(self) -> str:
        return band_label(self.lower, self.upper)


def band_label(lower: int, upper: int | None) -> str:
    """ "0–500", or "901 et plus" for the last band."""
    if upper is None:
        return gettext("%(lower)d et plus") % {"lower": lower}
    return f"{lower}–{upper}"


def band_errors(bands: list[tuple[int, int | None]]) -> list[str]:
    """What is wrong with a grid's bands (``(lower, upper)`` pairs, upper None for "and above"), in French:
    every QF from 0 up must fall in exactly one band. Empty when the bands are right."""
    if not bands:
        return [gettext("Une grille a au moins une tranche.")]
    errors = []
    ordered = sorted(bands, key=lambda band: band[0])
    if ordered[0][0] != 0:
        errors.append(
            gettext("La première tranche doit commencer à 0 : les quotients de 0 à %(to)d n'ont pas de prix.")
            % {"to": ordered[0][0] - 1}
        )
    for (lower, upper), (next_lower, next_upper) in zip(ordered, ordered[1:], strict=False):
        this, following = band_label(lower, upper), band_label(next_lower, next_upper)
        if upper is None or next_lower <= upper:
            errors.append(
                gettext("Les tranches %(first)s et %(second)s se chevauchent.") % {"first": this, "second": following}
            )
        elif next_lower > upper + 1:
            errors.append(
                gettext(
                    "Trou entre les tranches %(first)s et %(second)s : les quotients de %(from)d à %(to)d n'ont pas "
                    "de prix."
                )
                % {"first": this, "second": following, "from": upper + 1, "to": next_lower - 1}
            )
    if ordered[-1][1] is not None:
        errors.append(
            gettext("La dernière tranche doit être sans limite haute (« à » vide) : au-delà de %(upper)d, pas de prix.")
            % {"upper": ordered[-1][1]}
        )
    return errors


def meets_claim_conditions(prices: list[Decimal]) -> bool:
    """Whether a grid's band prices qualify for the State's "cantine à 1 €": at least three bands, one of them
    at most 1 €."""
    return len(prices) >= CLAIM_MIN_BANDS and min(prices) <= CLAIM_PRICE_CEILING


def end_of_school_year(day: datetime.date) -> datetime.date:
    """The 31 August that ends the school year ``day`` is in (a school year runs from 1 September)."""
    return datetime.date(day.year if day.month < 9 else day.year + 1, 8, 31)


class Issuer(models.TextChoices):
    CAF = "caf", _("CAF")
    MSA = "msa", _("MSA")


class QuotientStatus(models.TextChoices):
    PENDING = "pending", _("en attente")
    VALIDATED = "validated", _("validé")
    REFUSED = "refused", _("refusé")


def attestation_path(quotient: FamilyQuotient, filename: str) -> str:
    """A name nobody can guess or choose: the parent's file name is never used (its extension is the type
    found in the content, see ``canteen.attestations``)."""
    extension = os.path.splitext(filename)[1].lower()
    return f"attestations/{quotient.establishment_id}/{uuid.uuid4().hex}{extension}"


class FamilyQuotientQuerySet(models.QuerySet):
    def in_force(self, day: datetime.date) -> FamilyQuotientQuerySet:
        return self.filter(status=QuotientStatus.VALIDATED, applies_from__lte=day, expires_on__gte=day)


class FamilyQuotient(models.Model):
    """A guardian's QF, declared for the establishment of their children with its attestation, and what staff
    decided: validated from a date they chose (never before the decision) until the end of the school year, or
    refused with a reason."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quotients", verbose_name=_("parent")
    )
    establishment = models.ForeignKey(
        Establishment, on_delete=models.CASCADE, related_name="quotients", verbose_name=_("établissement")
    )
    value = models.PositiveIntegerField(_("quotient familial"), validators=[MaxValueValidator(MAX_QUOTIENT)])
    issuer = models.CharField(_("organisme"), max_length=3, choices=Issuer.choices)
    attestation_date = models.DateField(_("date de l'attestation"))
    attestation = models.FileField(
        _("justificatif"), storage=PRIVATE_STORAGE, upload_to=attestation_path, max_length=200
    )
    status = models.CharField(
        _("état"), max_length=10, choices=QuotientStatus.choices, default=QuotientStatus.PENDING, db_index=True
    )
    applies_from = models.DateField(_("applicable à partir du"), null=True, blank=True)
    expires_on = models.DateField(_("expire le"), null=True, blank=True)
    refusal_reason = models.TextField(_("motif du refus"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("traité par"),
    )
    decided_at = models.DateTimeField(_("traité le"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("rappel d'échéance envoyé le"), null=True, blank=True)
    created_at = models.DateTimeField(_("déclaré le"), auto_now_add=True)

    objects = FamilyQuotientQuerySet.as_manager()

    class Meta:
        verbose_name = _("quotient familial")
        verbose_name_plural = _("quotients familiaux")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["establishment", "status"], name="quotient_by_school_status_idx")]

    def __str__(self) -> str:
        return f"{self.user} — QF {self.value} ({self.get_status_display()})"


class PayingHousehold(models.Model):
    """For a child whose guardians live in two households: the guardian whose household pays, whose QF applies."""

    pupil = models.OneToOneField(
        Pupil, on_delete=models.CASCADE, related_name="paying_household", verbose_name=_("élève")
    )
    guardian = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("responsable du foyer qui paie"),
    )

    class Meta:
        verbose_name = _("foyer qui paie")
        verbose_name_plural = _("foyers qui paient")

    def __str__(self) -> str:
        return f"{self.pupil} → {self.guardian}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if (
            self.pupil_id
            and self.guardian_id
            and not self.pupil.guardianships.filter(user_id=self.guardian_id).exists()
        ):
            raise ValidationError({"guardian": gettext("Ce parent n'est pas responsable de cet élève.")})
