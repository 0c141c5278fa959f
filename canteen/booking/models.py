"""Meal booking, as the school sets it and as families use it: each establishment's rules, its services
(déjeuner, dîner), the bookings, and the kitchen's counts frozen at each cut-off.

A booking is not money: a meal is debited when taken at the till, and what a booked meal not taken or a meal
taken without booking costs is booked by ``billing`` (``billing.till.bookings``) through the one ledger road.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.lib.localtime import zone

from ..models import Establishment, Pupil


class UnbookedPolicy(models.TextChoices):
    NORMAL = "normal", _("Prix normal")
    PERCENT = "percent", _("Majoration en pourcentage")
    FIXED = "fixed", _("Prix fixe")
    REFUSED = "refused", _("Refusé à la borne")


class BookingSettings(models.Model):
    """An establishment's booking rules; without a row (or with ``enabled`` off) it takes no booking."""

    establishment = models.OneToOneField(
        Establishment, on_delete=models.CASCADE, related_name="booking_settings", verbose_name=_("établissement")
    )
    enabled = models.BooleanField(_("réservation des repas ouverte"), default=False)
    required = models.BooleanField(
        _("réservation obligatoire"), default=False, help_text=_("Les familles doivent réserver chaque repas.")
    )
    weeks_ahead = models.PositiveSmallIntegerField(
        _("semaines réservables à l'avance"), default=3, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    allow_insufficient_balance = models.BooleanField(
        _("réservation permise avec un solde insuffisant"),
        default=True,
        help_text=_("Sinon, une réservation qui dépasse le solde estimé est refusée."),
    )
    charge_unconsumed = models.BooleanField(
        _("facturer un repas réservé non consommé"),
        default=True,
        help_text=_("Le lendemain, un repas réservé et non pris est débité au prix du repas."),
    )
    unbooked_policy = models.CharField(
        _("repas pris sans réservation"), max_length=10, choices=UnbookedPolicy.choices, default=UnbookedPolicy.NORMAL
    )
    unbooked_surcharge_percent = models.DecimalField(
        _("majoration (%)"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0.00")), MaxValueValidator(Decimal("200.00"))],
        help_text=_("Pour « Majoration en pourcentage » : 50 pour +50 %."),
    )
    unbooked_fixed_price = models.DecimalField(
        _("prix d'un repas non réservé"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100.00"))],
        help_text=_("Pour « Prix fixe », par exemple 10,00."),
    )

    class Meta:
        verbose_name = _("réglages de réservation")
        verbose_name_plural = _("réglages de réservation")

    def __str__(self) -> str:
        return str(self.establishment)

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.unbooked_policy == UnbookedPolicy.FIXED and self.unbooked_fixed_price is None:
            raise ValidationError({"unbooked_fixed_price": _("Indiquez le prix d'un repas non réservé.")})
        if self.unbooked_policy == UnbookedPolicy.PERCENT and not self.unbooked_surcharge_percent:
            raise ValidationError({"unbooked_surcharge_percent": _("Indiquez la majoration, par exemple 50.")})


class ServiceKind(models.TextChoices):
    LUNCH = "lunch", _("Déjeuner")
    DINNER = "dinner", _("Dîner")


class Service(models.Model):
    """A meal the establishment serves on some weekdays, bookable until its cut-off: ``days_before`` days
    before the meal (0: the same day) at ``cutoff_time``, on the school's clock."""

    establishment = models.ForeignKey(
        Establishment, on_delete=models.CASCADE, related_name="services", verbose_name=_("établissement")
    )
    kind = models.CharField(_("service"), max_length=10, choices=ServiceKind.choices, default=ServiceKind.LUNCH)
    weekdays = models.CharField(
        _("jours de service"),
        max_length=7,
        default="1245",
        validators=[RegexValidator(r"^[1-7]{1,7}$", _("Les jours en chiffres, de 1 (lundi) à 7 (dimanche)."))],
        help_text=_("Les jours en chiffres, de 1 (lundi) à 7 (dimanche) : 1245 pour lundi, mardi, jeudi, vendredi."),
    )
    days_before = models.PositiveSmallIntegerField(
        _("clôture : jours avant le repas"),
        default=0,
        validators=[MaxValueValidator(14)],
        help_text=_("0 : le jour même ; 1 : la veille…"),
    )
    cutoff_time = models.TimeField(_("clôture : heure"), default=datetime.time(9, 30))

    class Meta:
        verbose_name = _("service de repas")
        verbose_name_plural = _("services de repas")
        ordering = ["establishment", "kind"]
        constraints = [models.UniqueConstraint(fields=["establishment", "kind"], name="service_unique_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.establishment}"

    def runs_on(self, day: datetime.date) -> bool:
        return str(day.isoweekday()) in self.weekdays

    def cutoff(self, day: datetime.date, zone_name: str) -> datetime.datetime:
        """The moment booking the meal of ``day`` closes, aware, on the school's clock."""
        return datetime.datetime.combine(
            day - datetime.timedelta(days=self.days_before), self.cutoff_time, tzinfo=zone(zone_name)
        )


class BookingStatus(models.TextChoices):
    BOOKED = "booked", _("Réservé")
    TAKEN = "taken", _("Réservé et pris")
    WALK_IN = "walk_in", _("Pris sans réservation")
    NOT_TAKEN = "not_taken", _("Réservé non pris")


class MealBooking(models.Model):
    """A pupil's meal of one service on one day: booked by a parent, or recorded by the till when taken
    without booking (``walk_in``). Unbooked before the cut-off, the row is deleted; after it, it only moves
    from booked to taken or not taken. One row per pupil, service and day (two taps never count twice)."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="bookings", verbose_name=_("élève"))
    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="bookings", verbose_name=_("service de repas")
    )
    day = models.DateField(_("jour"))
    status = models.CharField(_("état"), max_length=10, choices=BookingStatus.choices, default=BookingStatus.BOOKED)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("réservé par"),
    )
    created_at = models.DateTimeField(_("réservé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("réservation")
        verbose_name_plural = _("réservations")
        ordering = ["day", "service"]
        constraints = [
            models.UniqueConstraint(fields=["pupil", "service", "day"], name="booking_unique_per_pupil_service_day")
        ]
        indexes = [
            models.Index(fields=["service", "day", "status"], name="booking_service_day_idx"),
            models.Index(fields=["day", "status"], name="booking_day_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.pupil} — {self.service.get_kind_display()} {self.day:%d/%m/%Y}"


class KitchenCount(models.Model):
    """How many meals of one service, day, class and category the kitchen prepares: frozen at the cut-off
    (``booked``), and, the day after, how many were taken (``taken``), so that waste can be measured."""

    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="counts", verbose_name=_("service de repas")
    )
    day = models.DateField(_("jour"))
    category = models.CharField(_("catégorie"), max_length=50)
    class_name = models.CharField(_("classe"), max_length=50, blank=True)
    booked = models.PositiveIntegerField(_("réservés"))
    taken = models.PositiveIntegerField(_("pris"), null=True, blank=True)
    frozen_at = models.DateTimeField(_("arrêté le"), auto_now_add=True)

    class Meta:
        verbose_name = _("effectif de cuisine")
        verbose_name_plural = _("effectifs de cuisine")
        ordering = ["-day", "service", "category", "class_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "day", "category", "class_name"], name="kitchen_count_unique_per_group"
            )
        ]

    def __str__(self) -> str:
        return f"{self.service} {self.day:%d/%m/%Y} {self.category} {self.class_name}".strip()
