"""The school's reference data: establishments, pupils, who guards each pupil (and under which balance
each guardian wants to hear about it), meal tariffs.

This app knows nothing of money movements (see ``billing``) and imports no app but ``portal.lib``:
``accounts`` and ``billing`` ask it which pupils a login guards and what a meal costs.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.lib.bank_ids import compact, validate_bic, validate_iban, validate_ics


class SepaVersion(models.TextChoices):
    PAIN_008_001_08 = "pain.008.001.08", _("pain.008.001.08 (version 2019, acceptée par les banques françaises)")
    PAIN_008_001_02 = "pain.008.001.02", _("pain.008.001.02 (version 2009)")


class EstablishmentQuerySet(models.QuerySet):
    def for_staff(self, user) -> EstablishmentQuerySet:
        """The establishments a staff login works at: all of them for a superuser, none for anyone else."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(staff=user) if user.is_staff else self.none()


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
    bank_name = models.CharField(
        _("banque de dépôt"), max_length=100, blank=True, help_text=_("La banque où les chèques sont remis.")
    )
    bank_account = models.CharField(
        _("compte de dépôt (IBAN)"),
        max_length=34,
        blank=True,
        validators=[validate_iban],
        help_text=_("Le compte crédité des chèques remis et des prélèvements, imprimé sur les bordereaux de remise."),
    )
    bank_bic = models.CharField(_("BIC du compte de dépôt"), max_length=11, blank=True, validators=[validate_bic])
    # The SEPA creditor: its name and address are the beneficiary's above, printed on every mandate.
    creditor_identifier = models.CharField(
        _("identifiant créancier SEPA (ICS)"),
        max_length=35,
        blank=True,
        validators=[validate_ics],
        help_text=_("Donné par la banque, 13 caractères pour la France, par exemple FR72ZZZ123456."),
    )
    prenotification_days = models.PositiveSmallIntegerField(
        _("délai de pré-notification (jours)"),
        default=14,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_("Les familles sont prévenues du montant et de la date au moins ce nombre de jours avant."),
    )
    collection_day = models.PositiveSmallIntegerField(
        _("jour du prélèvement dans le mois"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
        help_text=_("Reporté au jour ouvré suivant s'il tombe un week-end ou un jour férié bancaire."),
    )
    sepa_version = models.CharField(
        _("version du fichier de prélèvements"),
        max_length=20,
        choices=SepaVersion.choices,
        default=SepaVersion.PAIN_008_001_08,
    )
    min_credit_amount = models.DecimalField(
        _("montant minimum à créditer"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("20.00"),
        validators=[MinValueValidator(Decimal("0.00"))],
    )
    min_meals = models.PositiveSmallIntegerField(_("nombre minimum de repas à créditer"), default=4)
    overdraft_limit = models.DecimalField(
        _("découvert autorisé"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0.00"))],
        help_text=_("De combien le solde d'un enfant peut passer sous zéro avant que la borne ne le signale."),
    )
    desk_confirmation_threshold = models.DecimalField(
        _("seuil de confirmation à la caisse"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("300.00"),
        validators=[MinValueValidator(Decimal("0.00"))],
        help_text=_("Au-delà de ce montant, un paiement saisi à la caisse doit être confirmé une seconde fois."),
    )
    till_window_days = models.PositiveSmallIntegerField(
        _("ancienneté maximale d'un passage à la borne (jours)"),
        default=400,
        validators=[MinValueValidator(1)],
        help_text=_("Un passage plus ancien envoyé par une borne est refusé."),
    )
    max_meal_price = models.DecimalField(
        _("prix maximum d'un repas à la borne"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("10.00"),
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("Une borne qui envoie un montant de repas plus élevé est refusée, avec le motif."),
    )
    timezone = models.CharField(_("fuseau horaire"), max_length=64, default="Europe/Paris")
    terms = models.TextField(_("conditions d'utilisation"), blank=True)
    other_payments = models.TextField(
        _("autres moyens de paiement"),
        blank=True,
        help_text=_(
            "Montré aux familles sous « Autres moyens de paiement » : à qui libeller un chèque, où l'envoyer, "
            "comment demander un prélèvement."
        ),
    )
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="establishments_staffed",
        blank=True,
        verbose_name=_("personnel"),
        help_text=_("Les comptes du personnel qui travaillent pour cet établissement : ils ne voient que ses données."),
    )

    objects = EstablishmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("établissement")
        verbose_name_plural = _("établissements")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """Bank identifiers are stored compact, as the bank file carries them."""
        self.bank_account = compact(self.bank_account)
        self.bank_bic = compact(self.bank_bic)
        self.creditor_identifier = compact(self.creditor_identifier)

    @property
    def is_sepa_creditor(self) -> bool:
        """Whether the establishment can collect direct debits: an ICS and an account to be paid into."""
        return bool(self.creditor_identifier and self.bank_account)


class Tariff(models.Model):
    """The price of a meal for one category, from a given date on."""

    establishment = models.ForeignKey(
        Establishment, on_delete=models.CASCADE, related_name="tariffs", verbose_name=_("établissement")
    )
    category = models.CharField(_("catégorie"), max_length=50, help_text=_("Par exemple Élève, Maternelle, Adulte."))
    price = models.DecimalField(
        _("prix d'un repas"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.00"))]
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

    def guarded_by(self, user) -> PupilQuerySet:
        """The pupils this login is a guardian of: where every parent page starts."""
        return self.filter(guardianships__user=user)


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
    inactive_since = models.DateTimeField(
        _("inactif depuis"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Quand l'élève a quitté l'établissement : le point de départ de sa durée de conservation."),
    )
    anonymised_at = models.DateTimeField(
        _("anonymisé le"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Nom et carte remplacés par un pseudonyme ; son compte et ses opérations restent."),
    )
    guardians = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="Guardianship",
        related_name="pupils",
        verbose_name=_("responsables légaux"),
    )

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

    def save(self, *args, **kwargs) -> None:
        # When it left: retention counts from then (billing.privacy), whoever made it inactive (admin, roster).
        if self.active:
            self.inactive_since = None
        elif self.inactive_since is None:
            self.inactive_since = timezone.now()
        if kwargs.get("update_fields") is not None and "active" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "inactive_since"}
        super().save(*args, **kwargs)

    @property
    def full_name(self) -> str:
        return str(self)

    def meal_price(self, on: datetime.date | None = None) -> Decimal | None:
        """The price of this pupil's meal in force on ``on`` (today by default), or None."""
        if on is None and hasattr(self, "price_today"):  # given by with_prices_today
            return self.price_today
        return meal_prices([self], on)[self.pk]

    def meal_price_with_band(self, on: datetime.date | None = None):
        """``meal_price`` with the QF band it comes from (a ``canteen.prices.MealPrice``), or None."""
        if on is None and hasattr(self, "meal_price_today"):  # given by with_prices_today
            return self.meal_price_today
        return meal_prices_with_bands([self], on)[self.pk]

    def are_siblings(self, other: Pupil) -> bool:
        """Two pupils are of one family when a guardian's login is linked to both."""
        return Guardianship.objects.filter(pupil=self, user__guardianships__pupil=other).exists()


class Guardianship(models.Model):
    """A login linked to a pupil as a guardian: that parent sees and pays for this child.

    Kept beside the pupil so that every app asks ``canteen`` who guards whom; the table is
    still ``accounts_guardianship``, where the link was born.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="guardianships", verbose_name=_("parent")
    )
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="guardianships", verbose_name=_("élève"))
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        db_table = "accounts_guardianship"
        verbose_name = _("lien parent – élève")
        verbose_name_plural = _("liens parent – élève")
        constraints = [models.UniqueConstraint(fields=["user", "pupil"], name="guardianship_unique")]

    def __str__(self) -> str:
        return f"{self.user} → {self.pupil}"


# Without a threshold of their own, a guardian hears of a balance below the price of this many meals.
DEFAULT_ALERT_MEALS = 2
# The highest threshold a guardian may set: a guard against typing errors.
MAX_ALERT_THRESHOLD = Decimal("500.00")


class AlertSettings(models.Model):
    """A guardian's low-balance alert, for each of their children: on by default, at the price of two meals.

    Kept beside the guardianship, in the lowest app that knows families, so that ``billing`` can tell whose
    balance went low without asking the family's app; the parent changes it in "Mon profil". The table is
    still ``portal_alertsettings``, where the setting was born.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_settings", verbose_name=_("parent")
    )
    enabled = models.BooleanField(_("m'alerter quand le solde est bas"), default=True)
    booking_reminders = models.BooleanField(
        _("me rappeler les repas à réserver"),
        default=True,
        help_text=_("La veille d'une clôture, si un enfant qui mange d'habitude n'a rien de réservé."),
    )
    # The language the parent last used the portal in (set when they book): the reminders are written in it.
    language = models.CharField(_("langue des messages"), max_length=10, blank=True)
    threshold = models.DecimalField(
        _("seuil d'alerte"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.00")), MaxValueValidator(MAX_ALERT_THRESHOLD)],
        help_text=_("Vide : le prix de deux repas."),
    )

    class Meta:
        db_table = "portal_alertsettings"
        verbose_name = _("réglage d'alerte")
        verbose_name_plural = _("réglages d'alerte")

    def __str__(self) -> str:
        return str(self.user)


def alert_threshold(enabled: bool, threshold: Decimal | None, price: Decimal | None) -> Decimal | None:
    """The balance under which a guardian hears about a child (``enabled`` and ``threshold`` from their
    ``AlertSettings``, on and empty without one); None when alerts are off or no price is known."""
    if not enabled:
        return None
    if threshold is not None:
        return threshold
    return price * DEFAULT_ALERT_MEALS if price is not None else None


class ClosedPeriod(models.Model):
    """Days the canteen serves no meal (holidays, bank holidays, a strike): one day or a period, both ends included."""

    establishment = models.ForeignKey(
        Establishment, on_delete=models.CASCADE, related_name="closed_periods", verbose_name=_("établissement")
    )
    start = models.DateField(_("du"))
    end = models.DateField(_("au (inclus)"))
    label = models.CharField(_("libellé"), max_length=100, blank=True, help_text=_("Par exemple Vacances d'hiver."))

    class Meta:
        verbose_name = _("fermeture")
        verbose_name_plural = _("fermetures")
        ordering = ["establishment", "start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gte=models.F("start")), name="closed_period_end_after_start"
            ),
        ]
        indexes = [models.Index(fields=["establishment", "end"], name="closed_period_lookup_idx")]

    def __str__(self) -> str:
        if self.start == self.end:
            return f"{self.start:%d/%m/%Y} {self.label}".strip()
        return f"{self.start:%d/%m/%Y} – {self.end:%d/%m/%Y} {self.label}".strip()

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.start and self.end and self.end < self.start:
            raise ValidationError({"end": _("La fin doit être le même jour que le début ou après.")})


def closed_days_of(establishment_ids, start: datetime.date, end: datetime.date) -> dict[int, set[datetime.date]]:
    """Each establishment's closed days between ``start`` and ``end`` (both included), in one query."""
    days: dict[int, set[datetime.date]] = {}
    periods = ClosedPeriod.objects.filter(establishment_id__in=set(establishment_ids), start__lte=end, end__gte=start)
    for establishment_id, first, last in periods.values_list("establishment_id", "start", "end"):
        day, found = max(first, start), days.setdefault(establishment_id, set())
        while day <= min(last, end):
            found.add(day)
            day += datetime.timedelta(days=1)
    return days


# Prices by quotient familial and the one way a price is read, in modules of their own; named here too, where
# every app has always imported them (and where Django finds the models).
from .prices import MealPrice, PriceList, meal_prices, meal_prices_with_bands, with_prices_today  # noqa: E402, F401
from .quotient import FamilyQuotient, PayingHousehold, TariffBand, TariffGrid  # noqa: E402, F401
