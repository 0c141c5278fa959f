from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def normalize_email(email: str) -> str:
    """Emails are logins, compared without case: store them lowercased and trimmed."""
    return (email or "").strip().lower()


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, email: str) -> User:
        return self.get(email=normalize_email(email))

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        if not email:
            raise ValueError("An email is required.")
        user = self.model(email=normalize_email(email), **extra)
        user.set_password(password)  # None gives an unusable password: set later from the emailed link
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A login. Parents and staff alike log in with their email."""

    email = models.EmailField(_("adresse email"), unique=True)
    first_name = models.CharField(_("prénom"), max_length=150, blank=True)
    last_name = models.CharField(_("nom"), max_length=150, blank=True)
    is_staff = models.BooleanField(
        _("membre du personnel"), default=False, help_text=_("Peut se connecter à l'administration.")
    )
    is_active = models.BooleanField(_("actif"), default=True)
    date_joined = models.DateTimeField(_("date d'inscription"), default=timezone.now)
    anonymised_at = models.DateTimeField(
        _("anonymisé le"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Compte supprimé : email et nom remplacés par un pseudonyme, connexion impossible."),
    )

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("utilisateur")
        verbose_name_plural = _("utilisateurs")
        ordering = ["email"]
        permissions = [
            ("erase_parent", _("Peut supprimer le compte d'une famille à sa demande et exporter ses données")),
        ]

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        super().clean()
        self.email = normalize_email(self.email)

    def save(self, *args, **kwargs) -> None:
        self.email = normalize_email(self.email)
        super().save(*args, **kwargs)

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip() or self.email

    def get_short_name(self) -> str:
        return self.first_name or self.email


class AccountRequest(models.Model):
    """A parent's "DEMANDE DE CRÉATION DE COMPTE" for one child, validated or refused by the school."""

    class Status(models.TextChoices):
        PENDING = "pending", _("En attente")
        APPROVED = "approved", _("Validée")
        REFUSED = "refused", _("Refusée")

    establishment = models.ForeignKey(
        "canteen.Establishment",
        on_delete=models.CASCADE,
        related_name="account_requests",
        verbose_name=_("établissement"),
    )
    card_digits = models.CharField(_("5 derniers chiffres de la carte"), max_length=5, blank=True)
    last_name = models.CharField(_("nom du titulaire de la carte"), max_length=100)
    first_name = models.CharField(_("prénom du titulaire de la carte"), max_length=100)
    email = models.EmailField(_("email"))
    terms_accepted = models.BooleanField(_("conditions d'utilisation acceptées"), default=False)
    created_at = models.DateTimeField(_("reçue le"), default=timezone.now, db_index=True)
    status = models.CharField(_("statut"), max_length=10, choices=Status.choices, default=Status.PENDING)
    pupil = models.ForeignKey(
        "canteen.Pupil",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="account_requests",
        verbose_name=_("élève rattaché"),
    )
    user = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="account_requests",
        verbose_name=_("compte du parent"),
    )
    decided_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("traitée par")
    )
    decided_at = models.DateTimeField(_("traitée le"), null=True, blank=True)
    refusal_reason = models.TextField(_("motif du refus"), blank=True)

    class Meta:
        verbose_name = _("demande de création de compte")
        verbose_name_plural = _("demandes de création de compte")
        ordering = ["-created_at"]
        permissions = [("decide_accountrequest", _("Peut valider ou refuser les demandes de création de compte"))]
        indexes = [models.Index(fields=["establishment", "status", "created_at"], name="accountrequest_queue_idx")]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} — {self.email}"

    def save(self, *args, **kwargs) -> None:
        self.email = normalize_email(self.email)
        super().save(*args, **kwargs)

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING
