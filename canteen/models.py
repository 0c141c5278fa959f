"""The school's reference data: establishments, pupils and meal tariffs.

This app knows nothing of money movements (see ``billing``).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

CENT = Decimal("0.01")


class Establishment(models.Model):
    name = models.CharField(_("nom"), max_length=200)
    code = models.CharField(
        _("code public"),
        max_length=20,
        unique=True,
        validators=[RegexValidator(r"^[0-9A-Za-z-]+$", _("Lettres, chiffres et tirets uniquement."))],
        help_text=_("Identifiant de l'établissement dans l'adresse de son portail, par exemple 4388."),
    )
    logo = models.ImageField(_("logo"), upload_to="logos/", blank=True)
    contact_email = models.EmailField(_("email de contact"))
    beneficiary = models.CharField(_("bénéficiaire des paiements"), max_length=200)
    address = models.TextField(_("adresse du bénéficiaire"))
    min_credit_amount = models.DecimalField(
        _("montant minimum à créditer"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("20.00"),
        validators=[MinValueValidator(Decimal("0.00"))],
    )
    min_meals = models.PositiveSmallIntegerField(_("nombre minimum de repas à créditer"), default=4)
    overdraft_limit = models.DecimalField(
        _("découvert autorisé"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0.00"))],
        help_text=_("De combien le solde d'un enfant peut passer sous zéro avant que la borne ne le signale."),
    )
    timezone = models.CharField(_("fuseau horaire"), max_length=64, default="Europe/Paris")
    terms = models.TextField(_("conditions d'utilisation"), blank=True)

    class Meta:
        verbose_name = _("établissement")
        verbose_name_plural = _("établissements")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Tariff(models.Model):
    """The price of a meal for one category, from a given date on."""

    establishment = models.ForeignKey(
        Establishment, on_delete=models.CASCADE, related_name="tariffs", verbose_name=_("établissement")
    )
    category = models.CharField(_("catégorie"), max_length=50, help_text=_("Par exemple Élève, Maternelle, Adulte."))
    price = models.DecimalField(
        _("prix d'un repas"), max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.00"))]
    )
    valid_from = models.DateField(_("applicable à partir du"))

    class Meta:
        verbose_name = _("tarif")
        verbose_name_plural = _("tarifs")
        ordering = ["establishment", "category", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["establishment", "category", "valid_from"], name="tariff_unique_per_category_and_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category} — {self.price} € ({self.valid_from:%d/%m/%Y})"


class PupilQuerySet(models.QuerySet):
    def active(self) -> PupilQuerySet:
        return self.filter(active=True)


class Pupil(models.Model):
    establishment = models.ForeignKey(
        Establishment, on_delete=models.PROTECT, related_name="pupils", verbose_name=_("établissement")
    )
    last_name = models.CharField(_("nom"), max_length=100)
    first_name = models.CharField(_("prénom"), max_length=100)
    card_number = models.CharField(
        _("n° de carte"),
        max_length=32,
        validators=[RegexValidator(r"^[0-9A-Za-z]+$", _("Chiffres et lettres uniquement."))],
        help_text=_("L'identifiant de l'enfant à la borne du self (carte ou biométrie)."),
    )
    category = models.CharField(_("catégorie tarifaire"), max_length=50, default="Élève")
    class_name = models.CharField(_("classe"), max_length=50, blank=True)
    active = models.BooleanField(_("actif"), default=True)

    objects = PupilQuerySet.as_manager()

    class Meta:
        verbose_name = _("élève")
        verbose_name_plural = _("élèves")
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["establishment", "card_number"], name="pupil_card_unique_per_establishment"
            ),
        ]
        indexes = [models.Index(Lower("last_name"), Lower("first_name"), name="pupil_name_ci_idx")]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def full_name(self) -> str:
        return str(self)

    def meal_price(self, on: datetime.date | None = None) -> Decimal | None:
        """The price of this pupil's meal in force on ``on`` (today by default), or None."""
        on = on or timezone.localdate()
        tariff = (
            Tariff.objects.filter(establishment_id=self.establishment_id, category=self.category, valid_from__lte=on)
            .order_by("-valid_from")
            .first()
        )
        return tariff.price if tariff else None
